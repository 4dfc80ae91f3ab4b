"""`archon dashboard`: optuna-dashboard on a search's study, over loopback only."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from archon.search.trial.attributes import SKETCH_ATTR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_dashboard_serves_the_study_over_loopback(finished_run: Path) -> None:
    pytest.importorskip("optuna_dashboard", reason="optuna-dashboard is not installed")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "archon.cli.main", "dashboard", str(finished_run),
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        studies: Any = None
        for _ in range(200):
            try:
                studies = httpx.get(f"http://127.0.0.1:{port}/api/studies", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert studies is not None, "the dashboard did not answer"
        (study,) = studies["study_summaries"]
        assert study["study_name"] == "fake-search"
        detail = httpx.get(f"http://127.0.0.1:{port}/api/studies/{study['study_id']}", timeout=5).json()
        attrs = {a["key"] for t in detail["trials"] for a in t["user_attrs"]}
        assert {SKETCH_ATTR, "archon:summary", "archon:estimate"} <= attrs
    finally:
        process.terminate()
        process.wait(10)


def test_the_dashboard_refuses_to_listen_beyond_loopback(finished_run: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "archon.cli.main", "dashboard", str(finished_run), "--host",
                           "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "has no authentication" in done.stderr and "Traceback" not in done.stderr
