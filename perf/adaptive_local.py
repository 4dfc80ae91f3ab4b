"""The adaptive techniques on the real embedded models, paired on the same items, replayable.

    .venv/bin/python perf/adaptive_local.py [--items 100] [--only NAME ...]   live (resumes; hours on 2 cores)
    .venv/bin/python perf/adaptive_local.py --replay                          from the recording only

The comparisons, each on the first ``--items`` dev items of its benchmark (the test splits are
never touched), every pair scored on the same items, with a paired 95% bootstrap CI of the
difference (b - a):

- ``adaptive``: GSM8K, Qwen2.5-Coder-0.5B, a fixed 8-sample vote against adaptive_vote (at most 8,
  2 first, then one more per round until its ``final_vote`` rule is 90% sure the rest would not
  change the vote; rule and 0.9 were chosen on the simulated zoo by perf/adaptive.py, before this
  ran). Accuracy and samples per query. ``adaptive-majority`` is the same with the paper's Beta
  rule (the leader is the true majority), on the same cached samples. ``adaptive-large`` is the
  same rule and threshold on Qwen2.5-Coder-1.5B, at most 4 samples against a fixed vote of 4 (4,
  not 8, because the 1.5B decodes about three times slower here), added after the 0.5B's votes
  proved too rarely unanimous to stop early: does a model whose samples agree more save more?
- ``confidence``: the same 8 samples, plain vote against the vote weighted by each sample's mean
  token log-probability (llama.cpp's).
- ``shuffle``: ARC-Challenge, the same model, a plain 5-sample vote against the choice-shuffle
  ensemble (each sample sees the options in its own order; sample 0 is the same call).
- ``cascade``: GSM8K, the 0.5B model's 4-sample vote, escalated to the 1.5B model's greedy answer
  when fewer than 3 of the 4 agree, against each model alone (greedy). Score and calls per query.

The systems share samples through one response cache (the adaptive vote's samples are the fixed
vote's first ones, the cascade's draft is the vote's first four), so the whole run costs about
what its largest pools cost. Every call lands in runs/adaptive-local/cache.sqlite; after each
system the cache is written to recordings/adaptive-local/responses.jsonl (sorted, with
log-probabilities), and a later sitting starts from it. ``--replay`` answers every call from the
recording alone (the first call it lacks is an error) and must print the same table.
Printed last: adaptive samples per query / fixed-8's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RECORDING = ROOT / "recordings" / "adaptive-local"
RUN_DIR = ROOT / "runs" / "adaptive-local"
SMALL = {"model": "local/qwen2.5-coder-0.5b", "max_tokens": 320}
LARGE = {"model": "local/qwen2.5-coder-1.5b", "max_tokens": 320}
CHOICE = {"model": "local/qwen2.5-coder-0.5b", "max_tokens": 256}
SAMPLES, TEMPERATURE = 8, 0.7


def system(name: str, models: dict[str, Any], nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "models": models, "nodes": nodes, "runtime": {"timeout_s": 900}}


def greedy(name: str, model: dict[str, Any]) -> dict[str, Any]:
    return system(name, {"m": model}, [{"id": "answer", "type": "generate", "models": ["m"], "temperature": 0.0}])


def vote(name: str, model: dict[str, Any], samples: int, extractor: str, weighting: str = "plain",
         technique: str = "generate") -> dict[str, Any]:
    sampler: dict[str, Any] = {"id": "samples", "type": technique, "models": ["m"], "samples": samples,
                               "temperature": TEMPERATURE, "logprobs": True}
    return system(name, {"m": model}, [sampler, {"id": "answer", "type": "vote", "extractor": extractor,
                                                 "weighting": weighting}])


def adaptive(name: str, rule: str, model: dict[str, Any] = SMALL, max_samples: int = SAMPLES) -> dict[str, Any]:
    return system(name, {"m": model}, [{
        "id": "answer", "type": "adaptive_vote", "models": ["m"], "max_samples": max_samples, "min_samples": 2,
        "step": 1, "confidence": 0.9, "rule": rule, "temperature": TEMPERATURE, "extractor": "last_number"}])


CASCADE = system("cascade", {"small": SMALL, "large": LARGE}, [{
    "id": "answer", "type": "cascade", "when": "disagree", "agreement": 0.75, "extractor": "last_number",
    "cheap": {"nodes": [
        {"id": "draft", "type": "generate", "models": ["small"], "samples": 4, "temperature": TEMPERATURE,
         "logprobs": True},
        {"id": "vote", "type": "vote", "extractor": "last_number"}]},
    "escalate": {"nodes": [{"id": "strong", "type": "generate", "models": ["large"], "temperature": 0.0}]}}])

#: name -> (benchmark, [(label, system a), (label, system b), ...]): b is compared with each a.
COMPARISONS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "adaptive": ("gsm8k", [vote("vote-8", SMALL, SAMPLES, "last_number"), adaptive("adaptive-8", "final_vote")]),
    "adaptive-majority": ("gsm8k", [vote("vote-8", SMALL, SAMPLES, "last_number"),
                                    adaptive("adaptive-majority-8", "majority")]),
    "confidence": ("gsm8k", [vote("vote-8", SMALL, SAMPLES, "last_number"),
                             vote("confidence-vote-8", SMALL, SAMPLES, "last_number", "confidence")]),
    "adaptive-large": ("gsm8k", [vote("1.5b-vote-4", LARGE, 4, "last_number"),
                                 adaptive("1.5b-adaptive-4", "final_vote", LARGE, 4)]),
    "shuffle": ("arc-challenge", [vote("vote-5", CHOICE, 5, "choice"),
                                  vote("shuffle-5", CHOICE, 5, "choice", technique="choice_shuffle")]),
    "cascade": ("gsm8k", [greedy("0.5b-greedy", SMALL), greedy("1.5b-greedy", LARGE), CASCADE]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--only", nargs="+", choices=sorted(COMPARISONS), help="these comparisons only")
    parser.add_argument("--replay", action="store_true", help="answer every call from the recording alone")
    parser.add_argument("--recording", type=Path, default=RECORDING)
    parser.add_argument("--run-dir", type=Path, default=RUN_DIR)
    parser.add_argument("--smoke", metavar="MODEL", help="every model replaced by MODEL at 24 tokens (a dry run of "
                        "the script itself; give it its own --recording)")
    args = parser.parse_args()

    from archon.benchmarks.registry import get_benchmark
    from archon.benchmarks.stats import mean_ci, paired_difference
    from archon.models.cache import ResponseCache
    from archon.models.client import ModelClient
    from archon.runtime.system import System
    from archon.search.study.recording import export_responses, import_responses
    from archon.search.trial.evaluation import evaluate_dev

    args.run_dir.mkdir(parents=True, exist_ok=True)
    args.recording.mkdir(parents=True, exist_ok=True)
    responses = args.recording / "responses.jsonl"
    cache_path = args.run_dir / ("replay.sqlite" if args.replay else "cache.sqlite")
    if args.replay and cache_path.exists():
        cache_path.unlink()
    cache = ResponseCache(cache_path)
    if responses.exists():
        print(f"{import_responses(responses, cache)} recorded responses loaded", file=sys.stderr)
    client = ModelClient(cache, replay=args.replay, max_concurrency=16, per_model_concurrency=16, timeout_s=900)

    results: dict[str, dict[str, Any]] = {}
    lines: list[str] = []
    for name in args.only or list(COMPARISONS):
        benchmark_name, systems = COMPARISONS[name]
        benchmark = get_benchmark(benchmark_name)
        items = benchmark.items("dev", limit=args.items)
        scored: list[tuple[str, dict[str, float], float]] = []
        for spec in systems:
            if args.smoke:
                spec = {**spec, "models": {a: {"model": args.smoke, "max_tokens": 24} for a in spec["models"]}}
            started = time.perf_counter()
            loaded = System.load(spec, client=client)
            dev = asyncio.run(evaluate_dev(loaded, items, benchmark.scorer_for(client=client), batch_size=len(items),
                                           concurrency=8, on_item=_progress(f"{name}: {spec['name']}", len(items))))
            by_item, calls = dev.scores_by_item(), dev.per_query("requests")
            scored.append((spec["name"], by_item, calls))
            results.setdefault(name, {})[spec["name"]] = {"score": dev.score, "n": len(by_item), "calls": calls,
                                                         **dev.spread("requests", "calls")}
            print(f"{name}: {spec['name']} {dev.score:.3f} on {len(by_item)} items, {calls:.2f} calls/query "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
            if not args.replay:
                export_responses(cache_path, responses)  # after each system: nothing paid is lost
        *baselines, (b_name, b_scores, b_calls) = scored
        for a_name, a_scores, a_calls in baselines:
            pair = paired_difference(a_scores, b_scores)
            a_ci, b_ci = mean_ci(list(a_scores.values())), mean_ci(list(b_scores.values()))
            line = (f"{name:10s} {a_name} {a_ci.mean:.3f} [{a_ci.low:.3f}, {a_ci.high:.3f}] {a_calls:.2f} calls | "
                    f"{b_name} {b_ci.mean:.3f} [{b_ci.low:.3f}, {b_ci.high:.3f}] {b_calls:.2f} calls | "
                    f"b - a {pair.difference * 100:+.1f} points [{pair.low * 100:+.1f}, {pair.high * 100:+.1f}], "
                    f"n {pair.n}, wins/losses/ties {pair.b_better}/{pair.a_better}/{pair.ties}")
            lines.append(line)
            results[name][f"{b_name} - {a_name}"] = {"difference": pair.difference, "low": pair.low,
                                                     "high": pair.high, "n": pair.n}
    print("\n".join(lines))
    if not args.replay:
        (args.recording / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if "adaptive" in results:
        fixed, adaptive = results["adaptive"]["vote-8"], results["adaptive"]["adaptive-8"]
        print("adaptive samples per query / fixed-8's:")
        print(f"{adaptive['calls'] / fixed['calls']:.3f}")
    return 0


def _progress(label: str, total: int) -> Any:
    """A line every tenth item: a system's items take up to an hour here, and nothing else shows it is alive."""
    started, done = time.perf_counter(), [0]

    def on_item(_outcome: Any) -> None:
        done[0] += 1
        if done[0] % 10 == 0 or done[0] == total:
            print(f"  {label}: {done[0]}/{total} items, {time.perf_counter() - started:.0f} s", file=sys.stderr,
                  flush=True)

    return on_item


if __name__ == "__main__":
    sys.exit(main())
