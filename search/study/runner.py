"""One search, start to finish: ``run_search("configs/search/quickstart.yaml")``.

1. Check everything that can be checked for free: the definition, the benchmark
   and its dev split, the storage server, the sampler, every model, and that some
   architecture fits the budget. A study of the same name made for another
   search definition is refused here too.
2. Rank every model alone on dev (kept in the study; reused on resume).
3. Fail and re-queue trials a dead process left RUNNING; start extra local workers
   (``--workers N``: the same command, one study, each with its own ``--worker-index`` so
   their random start-up trials differ; they share the run directory and its cache).
4. Run trials until the study holds ``n_trials`` evaluated architectures (over-budget
   proposals are recorded, not run, not counted), or the timeout.
5. Leaderboard, best system exported as YAML (and the Pareto front), plots, and the
   best architecture vs the best single model on the held-out test split.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna

from archon.benchmarks.benchmark import Benchmark
from archon.benchmarks.types import Item
from archon.errors import ConfigError
from archon.models.client import ModelClient
from archon.runtime.clients import make_client
from archon.sandbox.store import CachedSandbox, ExecutionStore
from archon.sandbox.unit_tests import CodeRunner
from archon.search.define.budget import Budget, model_prices
from archon.search.define.loading import load_search_spec
from archon.search.define.spec import SearchSpec
from archon.search.define.warm_start import enqueue_warm_start
from archon.search.study import preflight
from archon.search.study.loop import Say, optimize
from archon.search.study.monitor import SearchMonitor
from archon.search.study.power_ranking import PowerRanking, power_ranking
from archon.search.study.rundir import RunDir
from archon.search.study.samplers import make_pruner, make_sampler
from archon.search.study.storage import default_storage_url, open_storage
from archon.search.study.studies import open_study
from archon.search.trial.attributes import GRID_ATTR
from archon.search.trial.context import SearchContext
from archon.search.trial.recovery import recover_stale_trials


@dataclass
class SearchOutcome:
    run_dir: Path
    study_name: str
    storage_url: str
    ranking: PowerRanking
    study: optuna.Study
    context: SearchContext
    provider_calls: int  # calls this process paid for (the rest came from the cache)
    summary: dict[str, Any] = field(default_factory=dict)  # filled by search.results.summarize


def run_search(
    source: str | Path | dict[str, Any] | SearchSpec,
    *,
    storage: str | None = None,
    study_name: str | None = None,
    n_trials: int | None = None,
    timeout_s: float | None = None,
    run_dir: str | Path | None = None,
    workers: int | None = None,
    worker_index: int = 0,
    benchmark: Benchmark | None = None,
    client: ModelClient | None = None,
    sandbox: CodeRunner | None = None,
    say: Say | None = None,
    monitor: SearchMonitor | None = None,
    interrupted: Iterable[int] = (),
) -> SearchOutcome:
    """Run (or resume) a search; the final summary is ``archon.search.summarize(outcome)``.

    ``benchmark`` replaces the one the definition names (for benchmarks built in
    Python); ``client`` and ``sandbox`` replace the run directory's client (with its response
    cache) and its store of sandbox runs. ``say`` gets a line per event worth keeping (a
    finished trial); ``monitor`` follows the search step by step (for a live view);
    ``interrupted``: for a replay, the trials its recorded run lost midway and queued again.
    """
    say = say or (lambda _message: None)
    plan = _plan(source, storage=storage, study_name=study_name, n_trials=n_trials, timeout_s=timeout_s,
                 run_dir=run_dir, workers=workers, worker_index=worker_index, benchmark=benchmark,
                 replay=client is not None and client.replay)
    spec, settings, rundir, budget = plan.spec, plan.spec.search, plan.rundir, plan.budget
    study, name, storage_url = plan.study, plan.study_name, plan.storage_url

    # Nothing has been spent until here.
    rundir.create()
    rundir.write_metadata(storage_url, name, _spec_text(source), plan.source_name)
    ctx = _context(plan, client, sandbox, monitor, interrupted)
    client = ctx.client
    start_calls = client.counters["provider_calls"]
    ranking = power_ranking(study, ctx, on_model=lambda alias, s: say(
        f"power ranking: {alias:<12} score {s['score']:.3f} on {s['items']} dev items"))
    say("power ranking: " + " > ".join(ranking.order))
    if settings.sampler == "grid":
        _enqueue_grid(study, spec, ranking, say)
    enqueue_warm_start(study, spec, ranking.order, budget, say)

    recovered = recover_stale_trials(study, settings.stale_after_s)
    if recovered:
        say(f"re-queued trial(s) {', '.join(map(str, recovered))} left running by a process that died")
    ctx.monitor.resume(study.get_trials(deepcopy=False))
    helpers = start_workers(spec, source, rundir, storage_url, name) if worker_index == 0 else []
    try:
        optimize(study, ctx, ranking, rundir, say)
    finally:
        for proc in helpers:
            proc.wait()
    if client.cache is not None:
        client.cache.flush()
    return SearchOutcome(rundir.path, name, storage_url, ranking, study, ctx,
                         client.counters["provider_calls"] - start_calls)


def start_workers(spec: SearchSpec, source: Any, rundir: RunDir, storage_url: str, study: str) -> list[Any]:
    extra = spec.search.workers - 1
    if extra <= 0:
        return []
    env = dict(os.environ)
    # Workers import the same plugins from the same places.
    env["PYTHONPATH"] = os.pathsep.join([os.getcwd(), *filter(None, [env.get("PYTHONPATH")])])
    procs = []
    for index in range(1, extra + 1):
        command = [sys.executable, "-m", "archon.cli.main", "search", str(source), "--storage", storage_url,
                   "--study", study, "--run-dir", str(rundir.path), "--worker-index", str(index), "--workers", "1"]
        if spec.search.n_trials is not None:
            command += ["--n-trials", str(spec.search.n_trials)]
        if spec.search.timeout_s is not None:
            command += ["--timeout", str(spec.search.timeout_s)]
        with (rundir.path / f"worker-{index}.log").open("w", encoding="utf-8") as log:
            procs.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env))
    return procs


def _enqueue_grid(study: optuna.Study, spec: SearchSpec, ranking: PowerRanking, say: Say) -> None:
    """Grid search over distinct architectures (not over raw parameter combinations,
    many of which build the same system). Queued once per study."""
    from archon.search.define.enumeration import distinct_architectures

    if study.user_attrs.get(GRID_ATTR):
        return
    distinct = distinct_architectures(spec, ranking.order)
    for params, _system in distinct:
        study.enqueue_trial(params, skip_if_exists=True)
    study.set_user_attr(GRID_ATTR, len(distinct))
    say(f"grid: {len(distinct)} distinct architectures queued")


@dataclass
class _Plan:
    """A search ready to run: its definition checked, its dev items, budget and study opened."""

    spec: SearchSpec
    source_name: str
    benchmark: Benchmark
    items: list[Item]
    rundir: RunDir
    prices: dict[str, Any]
    budget: Budget
    study: optuna.Study
    study_name: str
    storage_url: str


def _context(plan: _Plan, client: ModelClient | None, sandbox: CodeRunner | None, monitor: SearchMonitor | None,
             interrupted: Iterable[int]) -> SearchContext:
    """What every trial runs with: the run directory's client and sandbox store unless given."""
    spec, rundir = plan.spec, plan.rundir
    if client is None:
        client = make_client(spec.runtime, spec.aliases().values(), rundir.cache)
    if sandbox is None:
        sandbox = CachedSandbox(ExecutionStore(rundir.executions))
    if monitor is None:
        monitor = SearchMonitor()
    monitor.client, monitor.dev_items = client, len(plan.items)
    monitor.n_trials, monitor.timeout_s = spec.search.n_trials, spec.search.timeout_s
    monitor.max_usd_per_query = spec.budget.max_usd
    return SearchContext(spec, plan.source_name, plan.benchmark, plan.items, client, plan.budget, plan.prices,
                         rundir.path, monitor=monitor, sandbox=sandbox, interrupted=frozenset(interrupted))


def _plan(source: str | Path | dict[str, Any] | SearchSpec, *, storage: str | None, study_name: str | None,
          n_trials: int | None, timeout_s: float | None, run_dir: str | Path | None, workers: int | None,
          worker_index: int, benchmark: Benchmark | None, replay: bool) -> _Plan:
    """Everything checked before a search spends anything: the definition, plugins, the dev items,
    the budget (the cheapest architecture must fit), the models (unless replayed), the study."""
    spec, source_name, base = load_search_spec(source)
    spec = _with_overrides(spec, storage=storage, study=study_name, n_trials=n_trials, timeout_s=timeout_s,
                           workers=workers)
    settings = spec.search
    if settings.workers > 1 and worker_index == 0 and not _is_file(source):
        raise ConfigError(source_name, "search.workers", "workers > 1 needs the search definition in a file "
                          "(each worker process reads it)")
    preflight.import_plugins(spec, source_name)
    bench = benchmark or preflight.resolve_benchmark(spec, base)
    items = preflight.dev_items(spec, bench, source_name)
    rundir = RunDir(Path(run_dir) if run_dir is not None else Path("runs") / spec.name)
    prices = model_prices(spec.aliases().values())
    budget = Budget(spec.budget, spec.budget.query_tokens or preflight.mean_query_tokens(items), prices)
    preflight.check_budget_fits(spec, budget, source_name)
    sampler = make_sampler(spec, settings.seed + worker_index, source_name)
    pruner = make_pruner(spec, len(items))
    if not replay:  # a replay needs only its recording, no weights
        preflight.check_models(spec)
    storage_url = settings.storage or default_storage_url(rundir.path)
    storage_obj = open_storage(storage_url)  # a remote server is only contacted; SQLite creates the file
    name = settings.study or spec.name
    study, _created = open_study(spec, storage_obj, name, bench.fingerprint(), sampler, pruner)
    return _Plan(spec, source_name, bench, items, rundir, prices, budget, study, name, storage_url)


def _with_overrides(spec: SearchSpec, **overrides: Any) -> SearchSpec:
    given = {k: v for k, v in overrides.items() if v is not None}
    if not given:
        return spec
    settings = spec.search.model_dump()
    settings.update(given)
    return spec.model_copy(update={"search": type(spec.search).model_validate(settings)})


def _is_file(source: Any) -> bool:
    return isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and Path(source).is_file())


def _spec_text(source: Any) -> str | None:
    if _is_file(source):
        return Path(source).read_text(encoding="utf-8")
    if isinstance(source, str):
        return source
    import yaml

    data = source.model_dump(mode="json") if isinstance(source, SearchSpec) else source
    return str(yaml.safe_dump(data, sort_keys=False))
