"""Printing a search's results (rich): shared by ``archon search`` and ``archon report``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archon.search.leaderboard import Leaderboard, render


def render_ranking(ranking: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    table = Table(title="Power ranking (each model alone, dev split)", title_justify="left")
    for column in ("rank", "model", "score", "tokens/q"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for i, alias in enumerate(ranking["order"], start=1):
        result = ranking["results"].get(alias, {})
        table.add_row(str(i), alias, f"{result.get('score', 0.0):.3f}", f"{result.get('tokens', 0.0):.0f}")
    console.print(table)


def render_summary(summary: dict[str, Any], board: Leaderboard, console: Any) -> None:
    render_ranking(summary["power_ranking"], console)
    render(board, console)
    best = summary.get("best")
    if best is None:
        console.print("[bold]No architecture completed[/]: nothing to export.")
        return
    console.print(f"\n[bold]Best architecture[/] (trial {best['trial']}, dev score {best['values'][0]:.3f}): "
                  f"{best['architecture']}")
    path = Path(best["path"])
    if path.exists():
        from rich.syntax import Syntax

        console.print(f"exported to {path}:")
        console.print(Syntax(path.read_text(encoding="utf-8"), "yaml", theme="ansi_dark", background_color="default"))
    for point in summary.get("pareto", []):
        values = ", ".join(f"{o}={v:.4g}" for o, v in zip(summary["objectives"], point["values"], strict=False))
        console.print(f"  Pareto front: trial {point['trial']} ({values}) {point['architecture']} -> {point['path']}")
    if "final" in summary:
        render_final(summary["final"], console)
    for name, where in (summary.get("plots") or {}).items():
        console.print(f"plot {name}: {where}")


def render_final(final: dict[str, Any], console: Any) -> None:
    if "skipped" in final:
        console.print(f"final evaluation skipped: {final['skipped']}")
        return
    from rich.table import Table

    table = Table(title=f"Held-out test split ({final['items']} items, never seen by the search)",
                  title_justify="left")
    for column in ("system", "score", "95% CI", "calls/q", "failures"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for role, label in (("best", f"best architecture (trial {final['best']['trial']})"),
                        ("single", f"best single model ({final['single']['model']})")):
        r = final[role]
        table.add_row(label, _pct(r["score"]), f"[{_pct(r['low'])}, {_pct(r['high'])}]",
                      f"{r['calls_per_query']:.1f}", str(r["failures"]))
    console.print(table)
    c = final["comparison"]
    if final.get("same_system"):
        console.print("the best architecture is the best single model alone: no architecture beat it on dev")
        return
    if c["difference"] is None:
        console.print("paired comparison: no item scored for both systems")
        return
    verdict = "significant" if c["significant"] else "not significant"
    console.print(f"paired difference (best - single): {c['difference'] * 100:+.1f} points, 95% CI "
                  f"[{c['low'] * 100:+.1f}, {c['high'] * 100:+.1f}] over {c['n']} items ({verdict}; best better on "
                  f"{c['best_better']}, single better on {c['single_better']}, ties {c['ties']})")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"
