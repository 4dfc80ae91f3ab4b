"""Progress a person can watch: a live panel on a terminal, plain periodic lines elsewhere.

On a terminal, rich redraws the status lines in place (twice a second). In a pipe or a CI
log, where redrawing would leave control characters, the same status is printed as one
plain line every ``interval_s`` seconds (``ARCHON_STATUS_INTERVAL_S``, 30 by default, so
never a silence of a minute), and once more at the end.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

DEFAULT_INTERVAL_S = 30.0


class StatusView:
    """``with StatusView(lines):`` shows ``lines()`` until the block ends. ``print`` prints a line
    above the status (a finished trial) without garbling it."""

    def __init__(self, lines: Callable[[], list[str]], *, console: Any = None, interval_s: float | None = None,
                 stream: TextIO | None = None) -> None:
        self.lines = lines
        self.console = console
        self.interval_s = interval_s if interval_s is not None else _interval_from_env()
        self.stream = stream or sys.stderr
        self.live = console is not None and bool(getattr(console, "is_terminal", False))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rich: Any = None

    def __enter__(self) -> StatusView:
        if self.live:
            from rich.live import Live
            from rich.text import Text

            self._rich = Live(get_renderable=lambda: Text("\n".join(self.lines())), console=self.console,
                              refresh_per_second=2, transient=True)
            self._rich.start()
        else:
            self._thread = threading.Thread(target=self._tick, name="archon-status", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._rich is not None:
            self._rich.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._emit()  # where it ended

    def print(self, message: str) -> None:
        if self._rich is not None:
            from rich.markup import escape

            self._rich.console.print(escape(message))
        else:
            print(message, file=self.stream, flush=True)

    def _tick(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._emit()

    def _emit(self) -> None:
        try:
            text = " | ".join(line.strip() for line in self.lines() if line.strip())
        except Exception as exc:  # a status that cannot be drawn must not stop the work
            text = f"(status unavailable: {type(exc).__name__})"
        print(f"status: {text}", file=self.stream, flush=True)


def _interval_from_env() -> float:
    text = os.environ.get("ARCHON_STATUS_INTERVAL_S", "")
    try:
        value = float(text) if text else DEFAULT_INTERVAL_S
    except ValueError:
        return DEFAULT_INTERVAL_S
    return value if value > 0 else DEFAULT_INTERVAL_S


def duration(seconds: float | None) -> str:
    """"1h05m", "12m30s", "45s"; "?" when unknown."""
    if seconds is None:
        return "?"
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
