"""PNG plots of a study with optuna's matplotlib backend (headless: Agg).

matplotlib and optuna.visualization are imported here only, when plots are made.
A plot that cannot be drawn yet (too few completed trials for importances) is
skipped with its reason rather than failing the search. The optimization history
draws each model alone (the power ranking's greedy dev scores) as a labelled
horizontal reference line: what a trial has to beat.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import optuna
from optuna.trial import FrozenTrial

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from archon.search.study.power_ranking import PowerRanking

#: tab10 colours of the reference lines: not optuna's blue (trials) nor red (best so far).
_REFERENCE_COLORS = (2, 4, 1, 5, 6, 8, 9, 7)


def save_plots(study: optuna.Study, objectives: Sequence[str], out_dir: Path,
               ranking: PowerRanking | None = None) -> dict[str, str]:
    """name -> PNG path, or "skipped: reason". ``ranking``: each model alone on dev, drawn as
    reference lines on the optimization history."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as ovm

    out_dir.mkdir(parents=True, exist_ok=True)
    multi = len(objectives) > 1
    score_kwargs: dict[str, Any] = {"target": _score, "target_name": "score"} if multi else {}
    plots: dict[str, Any] = {
        "optimization_history": lambda: optimization_history(study, objectives, ranking),
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


def optimization_history(study: optuna.Study, objectives: Sequence[str], ranking: PowerRanking | None) -> Axes:
    """optuna's history of the (first objective's) dev score, with a dotted horizontal line per
    model alone (its greedy dev score, from the power ranking), labelled in the legend with its
    score. The legend sits outside the axes, so it hides no trial."""
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as ovm

    multi = len(objectives) > 1
    score_kwargs: dict[str, Any] = {"target": _score, "target_name": "score"} if multi else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optuna marks these experimental
        axes: Axes = ovm.plot_optimization_history(study, **score_kwargs)
    colors = plt.get_cmap("tab10")
    results = ranking.results if ranking is not None else {}
    order = list(ranking.order) if ranking is not None else []
    for index, alias in enumerate(order + [a for a in results if a not in order]):
        score = results[alias].get("score")
        if score is None:
            continue
        axes.axhline(float(score), color=colors(_REFERENCE_COLORS[index % len(_REFERENCE_COLORS)]), linestyle=":",
                     linewidth=1.8, label=f"{alias} alone, greedy: {score:.3f}")
    axes.set_title("Optimization history (dev score per trial; dotted: each model alone)" if results
                   else "Optimization history (dev score per trial)")
    axes.set_xlabel("trial")
    axes.set_ylabel("dev score")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, borderaxespad=0.0)
    figure = cast("Figure", axes.figure)  # optuna draws on a figure of its own, never a subfigure
    width, height = figure.get_size_inches()
    figure.set_size_inches(width + 2.6, height)  # room for the legend: the axes keep their width
    return axes


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
