"""The live status: plain periodic lines in a log, in-place redraws only on a terminal."""

from __future__ import annotations

import io
import time

from archon.runtime.progress import StatusView, duration


def test_a_log_gets_plain_status_lines_at_the_interval() -> None:
    stream = io.StringIO()
    ticks = iter(range(1000))
    with StatusView(lambda: [f"tick {next(ticks)}", "second line"], interval_s=0.05, stream=stream) as view:
        view.print("trial 0 finished")
        time.sleep(0.4)
    out = stream.getvalue()
    lines = out.splitlines()
    assert lines[0] == "trial 0 finished"
    status = [line for line in lines if line.startswith("status: ")]
    assert len(status) >= 4, out  # periodic, plus one at the end
    assert status[0].startswith("status: tick 0 | second line")
    assert "\x1b" not in out and "\r" not in out


def test_a_status_that_raises_does_not_stop_the_work() -> None:
    stream = io.StringIO()

    def broken() -> list[str]:
        raise KeyError("x")

    with StatusView(broken, interval_s=0.05, stream=stream):
        time.sleep(0.12)
    assert "status: (status unavailable: KeyError)" in stream.getvalue()


def test_durations_read_like_a_clock() -> None:
    assert duration(3725) == "1h02m" and duration(75) == "1m15s" and duration(9) == "9s" and duration(None) == "?"
