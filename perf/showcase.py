"""Replay the headline recording and print its result: the searched system against the best single model.

recordings/showcase-humaneval holds every model response and sandbox result the live search made
(configs/search/showcase-humaneval.yaml, pre-registered). This re-runs the whole search and its
final evaluation from the recording alone, in a fresh directory: no model is loaded, no program
runs, the first call or execution the recording lacks stops it, and every trial score and the
final table must come out exactly as recorded (``archon replay`` does the same).

Prints the held-out comparison, then last the lower bound of the paired 95% CI, in points.
Goal: a difference of at least +5 points with that lower bound above 0.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

RECORDING = Path(__file__).resolve().parent.parent / "recordings" / "showcase-humaneval"


def main() -> int:
    from archon.search.recording import replay_recording

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="archon-showcase-") as tmp:
        outcome = replay_recording(RECORDING, Path(tmp) / "replay")
    final = outcome.summary.get("final")
    if not final:  # a recording still growing over sittings: its trials replay, the result is not in yet
        best = outcome.summary.get("best") or {}
        print(f"replayed {outcome.trials} trials in {time.perf_counter() - started:.0f} s: every trial score "
              "matches the recording")
        if best:
            print(f"best on dev so far (trial {best.get('trial')}, {best.get('architecture')}): "
                  f"{best['values'][0] * 100:.1f}%")
        print("lower bound of the 95% CI, points:")
        print("n/a: the search has not reached its final evaluation yet")
        return 0
    best, single, c = final["best"], final["single"], final["comparison"]
    print(f"replayed {outcome.trials} trials and the final evaluation in {time.perf_counter() - started:.0f} s: "
          "every trial score and the final table match the recording")
    print(f"best found (trial {best['trial']}): {best['architecture']}: {best['score'] * 100:.1f}% "
          f"[{best['low'] * 100:.1f}, {best['high'] * 100:.1f}], {best['calls_per_query']:.1f} calls/query")
    print(f"best single model ({single['model']}, greedy): {single['score'] * 100:.1f}% "
          f"[{single['low'] * 100:.1f}, {single['high'] * 100:.1f}]")
    print(f"wins/losses/ties: {c['best_better']}/{c['single_better']}/{c['ties']}")
    print(f"found - single: {c['difference'] * 100:+.1f} points, 95% CI [{c['low'] * 100:+.1f}, "
          f"{c['high'] * 100:+.1f}] over {c['n']} test items")
    print("lower bound of the 95% CI, points:")
    print(f"{c['low'] * 100:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
