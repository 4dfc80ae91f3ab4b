"""PNG plots of a study with optuna's matplotlib backend (headless: Agg).

matplotlib and optuna.visualization are imported here only, when plots are made.
A plot that cannot be drawn yet (too few completed trials for importances) is
skipped with its reason rather than failing the search.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial


def save_plots(study: optuna.Study, objectives: Sequence[str], out_dir: Path) -> dict[str, str]:
    """name -> PNG path, or "skipped: reason"."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as ovm

    out_dir.mkdir(parents=True, exist_ok=True)
    multi = len(objectives) > 1
    score_kwargs: dict[str, Any] = {"target": _score, "target_name": "score"} if multi else {}
    plots: dict[str, Any] = {
        "optimization_history": lambda: ovm.plot_optimization_history(study, **score_kwargs),
        "param_importances": lambda: ovm.plot_param_importances(study, **score_kwargs),
    }
    if multi:
        plots["pareto_front"] = lambda: ovm.plot_pareto_front(study, target_names=list(objectives))
    saved: dict[str, str] = {}
    for name, draw in plots.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # optuna marks these experimental
                axes = draw()
            figure = (axes.flat[0] if hasattr(axes, "flat") else axes).figure
            path = out_dir / f"{name}.png"
            figure.savefig(path, dpi=110, bbox_inches="tight")
            plt.close(figure)
            saved[name] = str(path)
        except Exception as exc:  # e.g. importances need 2+ completed trials with varied parameters
            saved[name] = f"skipped: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            plt.close("all")
    return saved


def _score(trial: FrozenTrial) -> float:
    assert trial.values is not None
    return float(trial.values[0])


def save_coverage_plot(coverage: dict[str, Any], path: Path) -> str:
    """Coverage, pass@k and the system's own accuracy against samples per model (log 2 axis),
    with the greedy single model as a reference line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = coverage["rows"]
    ks = [r["k"] for r in rows]
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    axes.plot(ks, [100 * r["coverage"] for r in rows], "o-", label="coverage (some candidate correct)")
    axes.plot(ks, [100 * r["pass_at_k"] for r in rows], "s--", label=f"pass@k of {coverage['pass_at_k_of']}'s samples")
    axes.plot(ks, [100 * r["selected"] for r in rows], "D-", label="selected by the system")
    axes.axhline(100 * coverage["baseline"], color="grey", linestyle=":", label="best single model, greedy")
    axes.set_xscale("log", base=2)
    axes.set_xticks(ks, [str(k) for k in ks])
    axes.set_xlabel("samples per model (k)")
    axes.set_ylabel(f"% of {coverage['items']} test items")
    axes.set_ylim(0, 100)
    axes.set_title("Coverage vs selection on the held-out test split")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return str(path)
