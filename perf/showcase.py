"""Replay the headline recording and print its result: the searched system against the best single model.

recordings/showcase-humaneval holds every model response and sandbox result the live search made
(configs/search/showcase-humaneval.yaml, pre-registered). This re-runs the whole search and its
final evaluation from the recording alone, in a fresh directory: no model is loaded, no program
runs, the first call or execution the recording lacks stops it, and every trial score and the
final table must come out exactly as recorded (``archon replay`` does the same).

Prints the held-out comparison, every baseline a user gets without searching that the recording
holds, then ``found - best baseline`` (the joint verdict), then last the lower bound of the paired
95% CI of found minus the best single model, in points.
Goal: a difference of at least +5 points with that lower bound above 0.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

RECORDING = Path(__file__).resolve().parent.parent / "recordings" / "showcase-humaneval"


def main() -> int:
    from archon.search.study.recording import replay_recording

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
    for row in final.get("baselines") or []:
        d = row["vs_found"]
        print(f"  baseline {row['name']}: {row['score'] * 100:.1f}%, {row['calls_per_query']:.0f} calls/query; "
              f"found - it {d['difference'] * 100:+.1f} [{d['low'] * 100:+.1f}, {d['high'] * 100:+.1f}]")
    for name, why in (final.get("baselines_skipped") or {}).items():
        print(f"  baseline {name}: {why}")
    if v := final.get("verdict"):
        print(f"found - best baseline: {v['difference'] * 100:+.1f} points, 95% CI [{v['low'] * 100:+.1f}, "
              f"{v['high'] * 100:+.1f}] (baseline: {v['baseline']})")
    print("lower bound of the 95% CI, points:")
    print(f"{c['low'] * 100:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
