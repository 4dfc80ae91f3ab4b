"""The run directory: everything one search leaves behind, and how to find it again.

    RUN_DIR/
      run.json            storage URL (password hidden), study name, search file
      search.yaml         the search definition as run
      study.db            the optuna study (default storage)
      cache.sqlite        the response cache every trial shares
      executions.sqlite   every sandbox run's result (code benchmarks, executed tests)
      trials.jsonl        one line per trial evaluated by a process of this directory
      best_system.yaml    the best architecture, runnable with archon.load(...)
      pareto/             the Pareto front's systems (several objectives)
      final/              held-out test results (one folder per system fingerprint)
      final.json          the final comparison: best vs best single model, 95% CIs
      plots/*.png         optimization history, Pareto front, parameter importances
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archon.errors import ConfigError
from archon.search.study.storage import redact

if TYPE_CHECKING:
    import optuna

    from archon.search.define.spec import SearchSpec
    from archon.search.study.power_ranking import PowerRanking

RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunDir:
    """The one place that names a run directory's files (a recording keeps the same names)."""

    path: Path

    @property
    def search_file(self) -> Path:
        return self.path / "search.yaml"

    @property
    def study_db(self) -> Path:
        return self.path / "study.db"

    @property
    def summary(self) -> Path:
        return self.path / "summary.json"

    @property
    def report(self) -> Path:
        return self.path / "report.md"

    @property
    def cache(self) -> Path:
        return self.path / "cache.sqlite"

    @property
    def executions(self) -> Path:
        return self.path / "executions.sqlite"

    @property
    def trials_log(self) -> Path:
        return self.path / "trials.jsonl"

    @property
    def best_system(self) -> Path:
        return self.path / "best_system.yaml"

    @property
    def pareto(self) -> Path:
        return self.path / "pareto"

    @property
    def final_dir(self) -> Path:
        return self.path / "final"

    @property
    def final_report(self) -> Path:
        return self.path / "final.json"

    @property
    def plots(self) -> Path:
        return self.path / "plots"

    def recorded_files(self) -> tuple[Path, ...]:
        """The files a recording copies as they are (beside the stores and the study it exports)."""
        return (self.search_file, self.trials_log, self.summary, self.final_report, self.report, self.best_system)

    def create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)

    def write_metadata(self, storage_url: str, study: str, spec_text: str | None, source: str) -> None:
        earlier = self.metadata() if (self.path / RUN_FILE).exists() else {}
        meta = {"storage": redact(storage_url), "study": study, "source": source,
                "storage_has_password": redact(storage_url) != storage_url,
                "sittings": earlier.get("sittings", [])}
        _atomic_write(self.path / RUN_FILE, json.dumps(meta, indent=2) + "\n")
        if spec_text is not None:
            _atomic_write(self.search_file, spec_text)

    def metadata(self) -> dict[str, Any]:
        path = self.path / RUN_FILE
        if not path.exists():
            raise ConfigError(str(self.path), "", f"not a search run directory (no {RUN_FILE}); "
                              "pass the --run-dir of an `archon search`")
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def add_sitting(self, record: dict[str, Any]) -> None:
        """Remember one run of `archon search` in this directory (when, how long, what it did):
        a long search grows over several sittings, and its recording says what each cost."""
        meta = self.metadata()
        meta["sittings"] = [*meta.get("sittings", []), record]
        _atomic_write(self.path / RUN_FILE, json.dumps(meta, indent=2) + "\n")

    def keep_sittings(self, records: list[dict[str, Any]]) -> None:
        """Add the sittings a recording made elsewhere (restored here) to this directory's, once
        each: the next sitting's recording then still counts them."""
        meta = self.metadata()
        known = {s.get("started") for s in meta.get("sittings", [])}
        new = [r for r in records if r.get("started") not in known]
        meta["sittings"] = sorted([*meta.get("sittings", []), *new], key=lambda s: str(s.get("started")))
        _atomic_write(self.path / RUN_FILE, json.dumps(meta, indent=2) + "\n")

    def log_trial(self, record: dict[str, Any]) -> None:
        # One short line per write: appends from several local workers do not interleave.
        with self.trials_log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str) + "\n")


@dataclass
class OpenRun:
    """A run directory opened for reading: its study, the search definition stored in it, the
    power ranking and the summary (None until the search has finished)."""

    rundir: RunDir
    study: optuna.Study
    spec: SearchSpec
    ranking: PowerRanking | None
    summary: dict[str, Any] | None


def open_run(run_dir: Path, storage: str | None = None) -> OpenRun:
    """Open what ``archon search`` left in ``run_dir`` (``storage``: where run.json says, unless given:
    run.json never keeps a password)."""
    from archon.search.report.results import read_summary
    from archon.search.study.power_ranking import stored_ranking
    from archon.search.study.storage import open_storage
    from archon.search.study.studies import load_study, stored_spec

    rundir = RunDir(run_dir)
    meta = rundir.metadata()
    if meta.get("storage_has_password") and not storage:
        raise ConfigError("--storage", "", "run.json hides the storage password; pass --storage URL")
    study = load_study(open_storage(storage or meta["storage"]), meta["study"])
    return OpenRun(rundir, study, stored_spec(study), stored_ranking(study), read_summary(rundir.path))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
