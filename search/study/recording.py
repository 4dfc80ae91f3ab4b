"""A recorded search: what anyone needs to replay it exactly, in a folder that lives in git.

    RECORDING/
      manifest.json       what was recorded: commit, search, trials, sittings and their wall time
      search.yaml         the search definition as run
      responses.jsonl     every model response, by cache key (sorted, so a growing recording diffs small),
                          and every call that failed for good (its error instead of a text)
      executions.jsonl    every sandbox run's result, by key
      trials.jsonl        the trials as the search logged them
      study.db            the optuna study (SQLite)
      summary.json  final.json  report.md  best_system.yaml  plots/*.png
      final/<fingerprint>/results.jsonl, report.json    per-item held-out results

``export_recording`` writes it from a run directory. ``replay_recording`` runs the whole
search and its final evaluation again into a fresh directory, with a client and a sandbox
that answer only from the recording (the first call or execution it lacks stops the replay
with ``ReplayMiss``), then checks that every trial and the final table came out the same.
``restore_recording`` fills a run directory from a recording, so a long search recorded over
several sittings continues live where the last one stopped.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archon.errors import ArchonError, ModelCallError
from archon.models.cache import ResponseCache, flush_open
from archon.models.types import Completion
from archon.sandbox.result import ExecutionResult
from archon.sandbox.store import ExecutionStore
from archon.search.study.rundir import RUN_FILE, RunDir

MANIFEST = "manifest.json"
RESPONSES = "responses.jsonl"
EXECUTIONS = "executions.jsonl"
#: What a system's row of the final table must reproduce (provider_calls describes the run: a replay pays none).
SYSTEM_RESULTS = ("score", "low", "high", "n", "failures", "calls_per_query", "tokens_per_query", "truncated")
RESPONSE_FIELDS = ("model", "text", "prompt_tokens", "completion_tokens", "cost_usd", "latency_s", "finish_reason")


class ReplayMismatch(ArchonError):
    def __init__(self, differences: list[str]) -> None:
        super().__init__(differences)
        self.differences = differences

    def __str__(self) -> str:
        shown = "\n  - ".join(self.differences[:10])
        more = f"\n  ... and {len(self.differences) - 10} more" if len(self.differences) > 10 else ""
        return f"the replay differs from the recording in {len(self.differences)} place(s):\n  - {shown}{more}"


def export_recording(run_dir: Path, out: Path) -> dict[str, Any]:
    """Write (or refresh) the recording of ``run_dir`` in ``out``; returns the manifest."""
    rundir, recorded = RunDir(run_dir), RunDir(out)  # a recording keeps a run directory's names
    meta = rundir.metadata()
    out.mkdir(parents=True, exist_ok=True)
    n_responses = export_responses(rundir.cache, out / RESPONSES)
    n_executions = _export_executions(rundir.executions, out / EXECUTIONS)
    for path in rundir.recorded_files():
        if path.exists():
            shutil.copy2(path, out / path.name)
    for folder in (rundir.plots, rundir.final_dir, rundir.pareto):
        target = out / folder.name
        if folder == rundir.final_dir and not rundir.final_report.exists():
            # A held-out evaluation cut short lives on in the responses (the next sitting resumes
            # from them), not as half a table of test scores.
            shutil.rmtree(target, ignore_errors=True)
            continue
        if folder.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target)
    _copy_custom_benchmark(meta.get("source"), out)
    if rundir.study_db.exists():
        _sqlite_copy(rundir.study_db, recorded.study_db)
    trials = _trial_lines(recorded.trials_log)
    manifest = {
        "search": portable_path(meta.get("source")), "study": meta.get("study"),
        "commit": code_commit(), "responses": n_responses, "executions": n_executions,
        "trials": len(trials), "evaluated_trials": sum(1 for t in trials if _evaluated(t)),
        "sittings": meta.get("sittings", []),
        "live_wall_s": round(sum(s.get("wall_s", 0.0) for s in meta.get("sittings", [])), 1),
        "final": recorded.final_report.exists(),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def restore_recording(recording: Path, run_dir: Path) -> None:
    """Put a recording's calls, executions and study into ``run_dir`` (created if needed), so
    rerunning its search continues from where the recording stopped."""
    _require(recording)
    run_dir.mkdir(parents=True, exist_ok=True)
    from archon.runtime.clients import open_cache

    cache = open_cache(RunDir(run_dir).cache)  # the object the search that continues will use
    assert cache is not None
    import_responses(recording / RESPONSES, cache)
    import_executions(recording / EXECUTIONS, ExecutionStore(RunDir(run_dir).executions))
    recorded, restored = RunDir(recording), RunDir(run_dir)
    for source, target in ((recorded.study_db, restored.study_db), (recorded.trials_log, restored.trials_log),
                           (recorded.search_file, restored.search_file)):
        if source.exists() and not target.exists():
            shutil.copy2(source, target)
    manifest = json.loads((recording / MANIFEST).read_text(encoding="utf-8"))
    rundir = RunDir(run_dir)
    if not (run_dir / RUN_FILE).exists():  # what `archon search` would have written, so report etc. open it
        from archon.search.study.storage import default_storage_url

        rundir.write_metadata(default_storage_url(run_dir), manifest.get("study") or "", None,
                              manifest.get("search") or "")
    rundir.keep_sittings(manifest.get("sittings", []))


@dataclass
class ReplayOutcome:
    run_dir: Path
    trials: int
    summary: dict[str, Any] = field(default_factory=dict)


def replay_recording(recording: Path, run_dir: Path, *, say: Any = None, rescore: bool = False) -> ReplayOutcome:
    """Run the recorded search again from its recording alone and check it reproduces.

    ``rescore``: model calls still come only from the recording, but a sandbox run it lacks
    (a scorer or selector whose programs changed) runs for real; when everything then
    reproduces, the recording's executions become exactly the runs this replay used."""
    from archon.config.spec import RuntimeConfig
    from archon.runtime.clients import make_client
    from archon.sandbox.store import CachedSandbox
    from archon.search.report.results import summarize
    from archon.search.study.runner import run_search

    _require(recording)
    manifest = json.loads((recording / MANIFEST).read_text(encoding="utf-8"))
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ArchonError(f"{run_dir} is not empty: a replay runs into a fresh directory")
    run_dir.mkdir(parents=True, exist_ok=True)
    # Answers come from the recording alone, so nothing waits on a provider: many calls at once.
    client = make_client(RuntimeConfig(max_concurrency=64, per_model_concurrency=64), (),
                         run_dir / "recorded-responses.sqlite", replay=True)
    assert client.cache is not None
    import_responses(recording / RESPONSES, client.cache)
    store = ExecutionStore(run_dir / "recorded-executions.sqlite")
    import_executions(recording / EXECUTIONS, store)
    sandbox = CachedSandbox(store, strict=not rescore)
    recorded = _trial_lines(RunDir(recording).trials_log)
    outcome = run_search(RunDir(recording).search_file, run_dir=run_dir, n_trials=manifest["evaluated_trials"],
                         client=client, sandbox=sandbox, say=say,
                         interrupted={line["retry_of"] for line in recorded if line.get("retry_of") is not None})
    # A recording replays as far as it got: a last sitting stopped inside its summary (a final
    # evaluation or a pruning audit cut short), or told to skip the audit, has no audit to replay.
    last = (manifest.get("sittings") or [{}])[-1]
    audited = not last.get("summary_interrupted") and last.get("audit", True)
    summary = summarize(outcome, final=bool(manifest.get("final")), audit=audited)
    differences = compare_trials(recorded, outcome.study)
    if manifest.get("final"):
        recorded_final = json.loads(RunDir(recording).final_report.read_text(encoding="utf-8"))
        differences += compare_final(recorded_final, summary.get("final") or {})
    if replayed_audit := (summary.get("pruning") or {}).get("audit"):
        path = RunDir(recording).summary
        recorded_summary = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        recorded_audit = (recorded_summary.get("pruning") or {}).get("audit")
        if recorded_audit != replayed_audit:
            differences.append(f"pruning audit: recorded {recorded_audit!r}, replayed {replayed_audit!r}")
    if differences:
        raise ReplayMismatch(differences)
    if rescore:
        _keep_executions(recording, store, sandbox.used)
    return ReplayOutcome(run_dir, len(outcome.study.trials), summary)


def _keep_executions(recording: Path, store: ExecutionStore, used: set[str]) -> None:
    """Rewrite the recording's executions as the runs a replay used (new ones included, ones no
    longer asked for left out), and its manifest's count."""
    kept = [(key, result) for key, result in store.items() if key in used]
    with (recording / EXECUTIONS).open("w", encoding="utf-8") as handle:
        for key, result in kept:
            handle.write(json.dumps({"key": key, "result": result}, ensure_ascii=False) + "\n")
    manifest = json.loads((recording / MANIFEST).read_text(encoding="utf-8"))
    manifest["executions"] = len(kept)
    (recording / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def compare_trials(recorded: list[dict[str, Any]], study: Any) -> list[str]:
    replayed = {t.number: t for t in study.get_trials(deepcopy=False)}
    differences: list[str] = []
    for line in recorded:
        trial = replayed.get(line["trial"])
        if trial is None:
            differences.append(f"trial {line['trial']} was recorded but not replayed")
            continue
        for what, theirs, ours in (("state", line["state"], trial.state.name), ("params", line["params"], trial.params),
                                   ("values", line["values"], trial.values)):
            if theirs != ours:
                differences.append(f"trial {line['trial']} {what}: recorded {theirs!r}, replayed {ours!r}")
    return differences


def compare_final(recorded: dict[str, Any], replayed: dict[str, Any]) -> list[str]:
    """The numbers of the final table that must reproduce (not its wording or layout, which may grow)."""
    differences: list[str] = []

    def same(path: str, a: Any, b: Any) -> None:
        if a != b:
            differences.append(f"final {path}: recorded {a!r}, replayed {b!r}")

    for role in ("best", "single"):
        for key in SYSTEM_RESULTS:
            same(f"{role}.{key}", (recorded.get(role) or {}).get(key), (replayed.get(role) or {}).get(key))
    for alias in sorted(set(recorded.get("models") or {}) | set(replayed.get("models") or {})):
        for key in SYSTEM_RESULTS:
            same(f"models.{alias}.{key}", ((recorded.get("models") or {}).get(alias) or {}).get(key),
                 ((replayed.get("models") or {}).get(alias) or {}).get(key))
    same("comparison", recorded.get("comparison"), replayed.get("comparison"))
    # Baselines arrived after the first recordings: those a recording holds must reproduce.
    replayed_rows = {row["name"]: row for row in replayed.get("baselines") or []}
    for row in recorded.get("baselines") or []:
        theirs = replayed_rows.get(row["name"], {})
        for key in (*SYSTEM_RESULTS, "vs_found"):
            same(f"baselines[{row['name']}].{key}", row.get(key), theirs.get(key))
    if "verdict" in recorded:
        same("verdict", recorded["verdict"], replayed.get("verdict"))
    rows = [(recorded.get("coverage") or {}).get("rows") or [], (replayed.get("coverage") or {}).get("rows") or []]
    same("coverage.rows", rows[0], rows[1])
    return differences


# -- the two stores as JSON lines ------------------------------------------------------------

def export_responses(path: Path, out: Path) -> int:
    if not path.exists():
        out.write_text("", encoding="utf-8")
        return 0
    flush_open(path)  # a live client's cache on this file may hold its last responses in memory
    cache = ResponseCache(path)
    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"SELECT key, {', '.join(RESPONSE_FIELDS)}, logprobs FROM responses ORDER BY key"
                            ).fetchall()
    lines = []
    for key, *values, logprobs in rows:
        line = {"key": key, **dict(zip(RESPONSE_FIELDS, values, strict=True))}
        if logprobs is not None:  # only where the call asked for them: most lines stay as they were
            line["logprobs"] = json.loads(logprobs)
        lines.append(line)
    # Calls lost for good (a replay must lose them too): a line with the error instead of a text.
    lines += [{"key": key, "model": error.model, "error": error.reason, "attempts": error.attempts}
              for key, error in cache.failures()]
    with out.open("w", encoding="utf-8") as handle:
        for line in sorted(lines, key=lambda line: str(line["key"])):
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(rows)


def import_responses(path: Path, cache: ResponseCache) -> int:
    count = 0
    for line in _lines(path):
        if "error" in line:
            cache.put_failure(line["key"], ModelCallError(line["model"], line["error"], attempts=line["attempts"]))
            continue
        logprobs = line.get("logprobs")
        cache.put(line["key"], Completion(**{k: line[k] for k in RESPONSE_FIELDS},
                                          logprobs=None if logprobs is None else tuple(logprobs)))
        count += 1
    cache.flush()
    return count


def _export_executions(path: Path, out: Path) -> int:
    items = ExecutionStore(path).items() if path.exists() else []
    with out.open("w", encoding="utf-8") as handle:
        for key, result in items:
            handle.write(json.dumps({"key": key, "result": result}, ensure_ascii=False) + "\n")
    return len(items)


def import_executions(path: Path, store: ExecutionStore) -> int:
    count = 0
    for line in _lines(path):
        store.put(line["key"], ExecutionResult(**line["result"]))
        count += 1
    return count


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _trial_lines(path: Path) -> list[dict[str, Any]]:
    """The last line logged for each trial (a trial is logged once, when it ends)."""
    by_number = {line["trial"]: line for line in _lines(path)}
    return [by_number[n] for n in sorted(by_number)]


def _evaluated(line: dict[str, Any]) -> bool:
    return line["state"] in ("COMPLETE", "PRUNED") and not line.get("infeasible") and line.get("duplicate_of") is None


def _copy_custom_benchmark(search_file: str | None, out: Path) -> None:
    """A custom benchmark named relative to the search file travels with the recording."""
    import yaml

    from archon.benchmarks.registry import CUSTOM_SUFFIXES

    if not search_file or not Path(search_file).is_file():
        return
    name = str((yaml.safe_load(Path(search_file).read_text(encoding="utf-8")) or {}).get("benchmark", {}).get("name"))
    if not name.endswith(CUSTOM_SUFFIXES) or Path(name).is_absolute():
        return
    benchmark = Path(search_file).parent / name
    data = (yaml.safe_load(benchmark.read_text(encoding="utf-8")) or {}).get("data")
    for path in (benchmark, *([benchmark.parent / data] if isinstance(data, str) else [])):
        target = out / path.relative_to(Path(search_file).parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included)."""
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _require(recording: Path) -> None:
    if not (recording / MANIFEST).exists():
        raise ArchonError(f"{recording} is not a recording (no {MANIFEST}); make one with: "
                          "archon record RUN_DIR --out DIR")


def code_commit() -> str | None:
    """The git commit of the archon code running (None outside a checkout)."""
    return _git(Path(__file__).resolve().parent, "rev-parse", "HEAD")


def portable_path(path: str | None) -> str | None:
    """``path`` relative to the root of the git checkout holding it, so a manifest names the same
    file on every clone (a search run from another worktree would otherwise record that worktree)."""
    if not path:
        return path
    resolved = Path(path).resolve()
    root = _git(resolved.parent, "rev-parse", "--show-toplevel")  # None where that folder is gone
    if root is None or not resolved.is_relative_to(top := Path(root).resolve()):
        return path
    return resolved.relative_to(top).as_posix()


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, cwd=cwd)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None
