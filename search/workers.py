"""Extra worker processes on this machine (``--workers N``): the same command, one study.

Each worker is ``archon search`` with the same definition, storage and study, and its
own ``--worker-index`` (its sampler's seed offset, so their random startup trials
differ). They share the run directory, hence the response cache; the first process
computes the power ranking before starting them, so they reuse it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from archon.search.rundir import RunDir
from archon.search.spec import SearchSpec


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
