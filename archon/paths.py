"""Where archon keeps its files: $ARCHON_HOME, else ~/.cache/archon."""

from __future__ import annotations

import os
from pathlib import Path


def archon_home() -> Path:
    return Path(os.environ.get("ARCHON_HOME") or Path.home() / ".cache" / "archon")
