"""How many trials TPE needs, against random search, to find a near-best architecture.

    .venv/bin/python perf/search_efficiency.py [--seeds 10] [--items 100]

A simulated model zoo (fake models with known per-question correctness) answers a
numeric benchmark, scored by a custom scorer. Every technique's prompt is answered
by the zoo's responders the way a model of that skill would: a generator is right
with a probability set by its skill and the question's difficulty (wrong answers
spread over four wrong numbers, so voting helps); a fuser returns the plurality
answer with its fusing skill (better with critiques), else its own answer; a ranker
or verifier judges correctly with its judging skill, else at random.

Protocol, the same for both samplers:
- The space, the power ranking and the objective are archon's own: ``build_system``
  turns each trial into a system, run through archon's runtime on the dev items.
  A system's score is a pure function of the system (the zoo is deterministic), so
  each distinct system is evaluated once and its score reused by every run.
- The best score in the space is found by enumerating every distinct architecture.
- A run counts distinct architectures evaluated (as `archon search` counts trials;
  repeats are free) until one scores within 1 point of that best, capped at
  ``--cap``; seeds 0..N-1 for TPE (archon's sampler settings) and for random search.
- The last line is median(TPE) / median(random). Goal <= 0.5.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import statistics
import time
import warnings
from collections import Counter
from typing import Any

os.environ.setdefault("ARCHON_OFFLINE", "1")

import optuna

from archon.benchmarks.scorers.base import FunctionScorer
from archon.benchmarks.types import Item
from archon.models.client import ModelClient
from archon.models.types import Completion, ModelRequest
from archon.runtime.system import System
from archon.search import build_system, distinct_architectures, load_search_spec
from archon.search.define.enumeration import system_key
from archon.search.study.samplers import make_sampler
from archon.search.trial.evaluation import evaluate_dev
from archon.testing.fake import FakeCall, default_responder

# -- the zoo -------------------------------------------------------------------------------
#: model -> (answer skill, judging skill, fusing skill); the power ranking recovers this order.
ZOO = {
    "m1": (0.60, 0.85, 0.80),
    "m2": (0.52, 0.75, 0.70),
    "m3": (0.45, 0.55, 0.50),
    "m4": (0.35, 0.40, 0.35),
}
QUESTION = re.compile(r"Question (\d+):")
CANDIDATE = re.compile(r"^\[(\d+)\] .*?(-?\d+)\.?\s*$", re.MULTILINE)


def unit(*parts: Any) -> float:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def gold(question: int) -> int:
    return 100 + question


def difficulty(question: int) -> float:
    return unit("difficulty", question)


def answer(model: str, question: int, seed: int, salt: str = "") -> int:
    skill = ZOO[model][0] * (1.4 - 0.8 * difficulty(question))
    if unit("right", model, question, seed, salt) < skill:
        return gold(question)
    return gold(question) + 1 + int(unit("wrong", model, question, seed, salt) * 4)


def respond(call: FakeCall) -> str:
    model, prompt = call.model.removeprefix("zoo-"), call.prompt
    found = QUESTION.search(prompt)
    if found is None:
        return default_responder(call)
    question = int(found.group(1))
    candidates = [int(a) for _, a in CANDIDATE.findall(prompt)]
    _answer_skill, judge, fuse = ZOO[model]
    luck = unit("luck", model, prompt, call.seed)
    if "Synthesize them" in prompt and candidates:
        skill = min(0.95, fuse + (0.1 if "Critique of [" in prompt else 0.0))
        if luck < skill:
            return f"The answer is {Counter(candidates).most_common(1)[0][0]}."
        return f"The answer is {answer(model, question, call.seed, salt=prompt)}."
    if "Rank the" in prompt and candidates:
        order = sorted(range(len(candidates)), key=lambda i: unit("order", model, prompt, i))
        right = [i for i in order if candidates[i] == gold(question)]
        if right and luck < judge:
            order = [right[0]] + [i for i in order if i != right[0]]
        return " > ".join(f"[{i + 1}]" for i in order)
    if "[Correct]" in prompt and "[Incorrect]" in prompt:
        if "Reasoning about the response" not in prompt:
            return "Checking each step of the response."
        said = re.search(r"Response:\s*.*?(-?\d+)\.?\s*\n", prompt, re.DOTALL)
        truth = said is not None and int(said.group(1)) == gold(question)
        verdict = truth if luck < judge else unit("coin", model, prompt) < 0.5
        return "[Correct]" if verdict else "[Incorrect]"
    if "strengths" in prompt.lower():
        return default_responder(call)
    return f"The answer is {answer(model, question, call.seed)}."


class ZooClient(ModelClient):
    """Answers from the zoo's responder directly, memoized: the provider is simulated, and
    skipping litellm's ~2 ms per call makes enumerating the whole space affordable."""

    def __init__(self) -> None:
        super().__init__(None, max_concurrency=10_000, per_model_concurrency=10_000)
        self.memo: dict[str, Completion] = {}

    async def complete(self, request: ModelRequest, on_delta: Any = None) -> Completion:
        key = request.cache_key()
        if key not in self.memo:
            prompt = "\n".join(m["content"] for m in request.messages)
            seed = int(request.params.get("seed") or 0) + request.sample_index
            name = request.model.split("/", 1)[1]
            text = respond(FakeCall(name, prompt, seed, float(request.params.get("temperature") or 0), request.reply))
            self.memo[key] = Completion(text, request.model, len(prompt) // 4, len(text) // 4)
        self.counters["provider_calls"] += 1
        return self.memo[key]


# -- the search definition (archon's own space) --------------------------------------------
SEARCH = {
    "name": "efficiency",
    "benchmark": {"name": "zoo"},
    "models": {m: f"fake/zoo-{m}" for m in ZOO},
    "space": {
        "generators": {"count": [1, 4], "samples": [1, 3]},
        "fusion": {"layers": [0, 2], "width": [2, 4], "width_step": 2, "models": ["m1", "m2"]},
        "critique": [False, True],
        "rank": [False, True],
        "rank_top_k": [1, 3],
        "final_stage": ["none", "verify", "vote"],
        "judge_models": ["m1", "m2"],
    },
    "search": {"sampler": "tpe", "n_trials": 100, "seed": 0},
}


def make_items(n: int) -> list[Item]:
    return [Item(id=f"q{i}", prompt=f"Question {i}: which number is meant?", reference=str(gold(i))) for i in range(n)]


def score_fn(item: Item, text: str) -> float:
    numbers = re.findall(r"-?\d+", text)
    return float(bool(numbers) and numbers[-1] == str(item.reference))


class Scores:
    """Distinct system -> dev score, each evaluated once through archon's runtime."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.scorer = FunctionScorer(score_fn, name="zoo")
        self.client = ZooClient()
        self.known: dict[str, float] = {}

    def __call__(self, system: dict[str, Any]) -> float:
        key = system_key(system)
        if key not in self.known:
            loaded = System.load(system, client=self.client)
            dev = asyncio.run(evaluate_dev(loaded, self.items, self.scorer, batch_size=len(self.items),
                                           concurrency=len(self.items)))
            self.known[key] = dev.score
        return self.known[key]


def _score_chunk(job: tuple[list[dict[str, Any]], int]) -> list[float]:
    systems, n_items = job
    scores = Scores(make_items(n_items))
    return [scores(system) for system in systems]


def enumerate_scores(systems: list[dict[str, Any]], n_items: int, processes: int) -> list[float]:
    """Every system's score, the work split over forked processes (each its own client)."""
    if processes <= 1:
        return _score_chunk((systems, n_items))
    import multiprocessing

    chunks = [(systems[i::processes], n_items) for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_score_chunk, chunks)
    values = [0.0] * len(systems)
    for i, part in enumerate(parts):
        values[i::processes] = part
    return values


def trials_to_reach(sampler_name: str, seed: int, spec: Any, ranking: list[str], scores: Scores, target: float,
                    cap: int) -> int:
    """Distinct architectures evaluated until one scores >= target (cap if never)."""
    run_spec = spec.model_copy(update={"search": spec.search.model_copy(update={"sampler": sampler_name})})
    sampler = make_sampler(run_spec, seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    seen: set[str] = set()
    found = [0]

    def objective(trial: optuna.Trial) -> float:
        system = build_system(trial, run_spec, ranking)
        seen.add(system_key(system))
        value = scores(system)
        if value >= target and not found[0]:
            found[0] = len(seen)
            trial.study.stop()
        if len(seen) >= cap:
            trial.study.stop()
        return value

    # Repeats cost nothing, as in archon search; the proposal budget only stops a stuck run.
    study.optimize(objective, n_trials=cap * 20)
    return found[0] or cap


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--cap", type=int, default=600, help="give up after this many distinct architectures")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="to enumerate the space")
    args = parser.parse_args()
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spec, _, _ = load_search_spec(SEARCH)
    scores = Scores(make_items(args.items))

    alone = {m: scores(build_system(optuna.trial.FixedTrial({"generators": 1, "samples": 1, "fusion_layers": 0,
                                                              "final_stage": "none", "rank": False}),
                                    spec, [m, *(x for x in ZOO if x != m)])) for m in ZOO}
    ranking = sorted(ZOO, key=lambda m: -alone[m])
    print("power ranking:", ", ".join(f"{m} {alone[m]:.2f}" for m in ranking))

    start = time.perf_counter()
    distinct = distinct_architectures(spec, ranking)
    values = enumerate_scores([system for _params, system in distinct], args.items, args.processes)
    scores.known.update({system_key(system): v for (_p, system), v in zip(distinct, values, strict=True)})
    best = max(values)
    target = best - 0.01 + 1e-9
    near = sum(v >= target for v in values)
    print(f"space: {len(distinct)} distinct architectures, all evaluated in {time.perf_counter() - start:.0f}s; "
          f"best {best:.2f}; {near} within 1 point of it ({100 * near / len(distinct):.2f}%)")
    from archon.search import describe

    winners = [describe(system) for (_p, system), v in zip(distinct, values, strict=True) if v >= target]
    print("within 1 point of the best:", "; ".join(winners[:5]))

    results: dict[str, list[int]] = {"tpe": [], "random": []}
    for sampler_name in results:
        start = time.perf_counter()
        for seed in range(args.seeds):
            results[sampler_name].append(trials_to_reach(sampler_name, seed, spec, ranking, scores, target, args.cap))
        print(f"{sampler_name:>6}: trials to within 1 point, seeds 0..{args.seeds - 1}: {results[sampler_name]} "
              f"median {statistics.median(results[sampler_name]):.1f} ({time.perf_counter() - start:.0f}s)")
    capped = {name: sum(n >= args.cap for n in runs) for name, runs in results.items()}
    if any(capped.values()):
        # A capped run counts as the cap: that sampler's true median can only be higher.
        print(f"runs that hit the cap of {args.cap}: {capped}")
    ratio = statistics.median(results["tpe"]) / statistics.median(results["random"])
    print(f"ratio TPE/random of median trials (goal <= 0.5): {ratio:.3f}")


if __name__ == "__main__":
    main()
