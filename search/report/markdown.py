"""Every way a search's results are shown: rich tables for ``archon search`` and ``archon report``,
and the Markdown of report.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archon.search.report.leaderboard import Leaderboard


def render(board: Leaderboard, console: Any, title: str = "Leaderboard") -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("trial", justify="right")
    table.add_column("score", justify="right")
    table.add_column("calls/q", justify="right")
    table.add_column("tokens/q", justify="right")
    if "cost_usd" in board.objectives:
        table.add_column("USD/q", justify="right")
    table.add_column("latency", justify="right")
    table.add_column("architecture")
    for i, r in enumerate(board.rows, start=1):
        cells = [str(i), str(r.trial) + (" *" if r.pareto else "") + (" w" if r.seeded else ""), f"{r.score:.3f}",
                 r.calls_text(), f"{r.tokens:.0f}"]
        if "cost_usd" in board.objectives:
            cells.append(f"{r.cost_usd:.5f}")
        cells += [f"{r.latency_s:.2f}s", r.architecture]
        table.add_row(*cells)
    console.print(table)
    c = board.counts
    line = (f"trials: {c['complete']} completed, {c['pruned']} pruned early, {c['infeasible']} over budget "
            f"(never run), {c['duplicate']} repeats (reused), {c['fail']} failed")
    if c["running"] or c["waiting"]:
        line += f", {c['running']} running, {c['waiting']} waiting"
    if any(r.pareto for r in board.rows):
        line += "   (* on the Pareto front)"
    if any(r.seeded for r in board.rows):
        line += "   (w: queued by the warm start)"
    console.print(line)


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

    if verdict := verdict_line(final):
        console.print(f"[bold]{verdict}[/]")
    table = Table(title=f"Held-out test split ({final['items']} items, never seen by the search)",
                  title_justify="left")
    for column in ("system", "score", "95% CI", "calls/q", "tokens/q", "truncated", "failures"):
        table.add_column(column, justify="left" if column == "system" else "right")
    rows = [(f"best found (trial {final['best']['trial']})", final["best"]),
            (f"baseline: {final['single']['model']} greedy", final["single"])]
    rows += [(f"{alias} greedy", r) for alias, r in (final.get("models") or {}).items()
             if alias != final["single"]["model"]]
    for label, r in rows:
        table.add_row(label, _pct(r["score"]), f"[{_pct(r['low'])}, {_pct(r['high'])}]",
                      f"{r['calls_per_query']:.1f}", f"{r.get('tokens_per_query', 0):.0f}", str(r.get("truncated", 0)),
                      str(r["failures"]))
    console.print(table)
    if coverage := final.get("coverage"):
        render_coverage(coverage, console)
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
    console.print(sample_size_note(final))


def render_coverage(coverage: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"Coverage against selection (test split, {coverage['items']} items)", title_justify="left")
    for column in ("k", "coverage", f"pass@k ({coverage['pass_at_k_of']})", "selected", "gap [95% CI]"):
        table.add_column(column, justify="right")
    for r in coverage["rows"]:
        table.add_row(str(r["k"]), _pct(r["coverage"]), _pct(r["pass_at_k"]), _pct(r["selected"]),
                      f"{r['gap'] * 100:+.1f} [{r['gap_low'] * 100:+.1f}, {r['gap_high'] * 100:+.1f}]")
    console.print(table)


def sample_size_note(final: dict[str, Any]) -> str:
    """What the number of test items allows one to conclude, in one sentence."""
    c, n = final["comparison"], final["items"]
    if c.get("low") is not None and c["high"] > c["low"]:
        half = (c["high"] - c["low"]) / 2 * 100
    else:  # every item tied: fall back to the spread of the baseline's own score
        half = (final["single"]["high"] - final["single"]["low"]) / 2 * 100
    verdict = ("the difference is larger than that: it is real at this size" if c.get("significant")
               else "smaller differences, including this one, cannot be told from noise here")
    return (f"What {n} test items allow: the paired 95% CI spans about ±{half:.0f} points; {verdict}.")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def markdown_report(summary: dict[str, Any], board: Leaderboard, description: str | None = None) -> str:
    """The results as Markdown (report.md): the held-out table first, then how the search got there."""
    lines = [f"# Search `{summary['search']}`", ""]
    if description:
        lines += [description, ""]
    final: dict[str, Any] = summary.get("final") or {}
    if final and "skipped" not in final:
        if verdict := verdict_line(final):
            lines += [f"**{verdict}**", ""]
        lines += _final_markdown(final)
        lines += _baselines_markdown(final)
    lines += _selection_markdown(summary)
    lines += _cost_markdown(summary)
    if coverage := final.get("coverage"):
        lines += _coverage_markdown(coverage)
    ranking = summary["power_ranking"]
    first: dict[str, Any] = next(iter(ranking["results"].values()), {})
    items = first.get("items", "?")
    lines += [f"## The search (dev split, {items} items)", "",
              "Power ranking, each model alone, greedy:", "", "| model | dev score | tokens/query |", "|---|---|---|"]
    for alias in ranking["order"]:
        r = ranking["results"][alias]
        lines.append(f"| {alias} | {_pct(r['score'])} | {r.get('tokens', 0):.0f} |")
    lines += ["", "Leaderboard (distinct architectures, best first; w = queued by the warm start):", "",
              "| # | trial | dev score | calls/query | tokens/query | architecture |", "|---|---|---|---|---|---|"]
    for i, row in enumerate(board.rows, start=1):
        lines.append(f"| {i} | {row.trial}{' w' if row.seeded else ''} | {_pct(row.score)} | {row.calls_text()} | "
                     f"{row.tokens:.0f} | {row.architecture} |")
    c = board.counts
    lines += ["", f"Trials: {c['complete']} completed, {c['pruned']} pruned, {c['infeasible']} over budget (never "
              f"run), {c['duplicate']} repeats, {c['fail']} failed."]
    if pruning := summary.get("pruning"):
        lines.append(f"Pruning saved {pruning['saved_share'] * 100:.0f}% of the item evaluations "
                     f"({pruning['item_evaluations']} of {pruning['item_evaluations_unpruned']}).")
        if (audit := pruning.get("audit")) and audit["trials"]:
            rows = audit["trials"]
            settled = sum(1 for r in rows if "at_most" in r)
            lines.append(f"Scoring the {len(rows)} pruned architectures on the dev items, each until it finished or "
                         f"could no longer beat the best ({_pct(audit['best_score'])}; {settled} stopped early, "
                         f"{audit.get('item_evaluations', '?')} item evaluations), an unpruned search over the same "
                         f"trials would have found {audit_verdict(audit)}:")
            lines += ["", "| trial | pruned at | score then | items audited | dev score |", "|---|---|---|---|---|"]
            for r in rows:
                score = _pct(r["full_score"]) if "full_score" in r else f"at most {_pct(r['at_most'])}"
                lines.append(f"| {r['trial']} | {r['pruned_after']} items | {_pct(r['partial_score'])} | "
                             f"{r.get('audited_items', '')} | {score} |")
        elif pruning.get("audit_interrupted") or pruning.get("audit_skipped"):
            how = ("was cut short" if pruning.get("audit_interrupted")
                   else "was not run this time (`--no-audit`, or the replay of a sitting that did not finish it)")
            lines.append(f"The pruning audit (every pruned architecture on every dev item) {how}; running the same "
                         "`archon search` again completes it from the cache.")
    return "\n".join(lines) + "\n"


def audit_verdict(audit: dict[str, Any]) -> str:
    """What an unpruned search over the same trials would have found, from the pruning audit."""
    return ("the same best architecture" if audit["same_best"]
            else f"a different best: trial {audit['would_have_won']}")


def _final_markdown(final: dict[str, Any]) -> list[str]:
    best, single = final["best"], final["single"]
    lines = [f"## Held-out test split ({final['items']} items, never seen by the search)", "",
             "| system | score | 95% CI | calls/query | tokens/query | truncated |", "|---|---|---|---|---|---|"]

    def row(label: str, r: dict[str, Any]) -> str:
        return (f"| {label} | {_pct(r['score'])} | [{_pct(r['low'])}, {_pct(r['high'])}] | "
                f"{r['calls_per_query']:.1f} | {r['tokens_per_query']:.0f} | {r.get('truncated', 0)} |")

    lines.append(row(f"best architecture (trial {best['trial']}): {best.get('architecture', best['system'])}", best))
    lines.append(row(f"baseline: best single model on dev, {single['model']} alone (greedy)", single))
    for alias, r in (final.get("models") or {}).items():
        if alias != single["model"]:
            lines.append(row(f"{alias} alone (greedy)", r))
    c = final["comparison"]
    lines.append("")
    if final.get("same_system"):
        lines.append("The best architecture is the best single model alone: no architecture beat it on dev.")
    elif c["difference"] is not None:
        lines.append(f"Paired difference, best minus baseline: **{c['difference'] * 100:+.1f} points**, 95% CI "
                     f"[{c['low'] * 100:+.1f}, {c['high'] * 100:+.1f}] over {c['n']} items "
                     f"({'significant' if c['significant'] else 'not significant'}); the best is right where the "
                     f"baseline is wrong on {c['best_better']} items, wrong where it is right on "
                     f"{c['single_better']}, and agrees on {c['ties']}.")
    if c["difference"] is not None:
        lines += ["", sample_size_note(final)]
    return [*lines, ""]


def verdict_line(final: dict[str, Any]) -> str | None:
    """Found minus the best baseline a user gets without searching, in one sentence (None before
    the baselines existed: a recording's older final table)."""
    v = final.get("verdict")
    if not v or v.get("difference") is None:
        return None
    missing = len(final.get("baselines_skipped") or {})
    margin = (f"found - best baseline: {v['difference'] * 100:+.1f} points, 95% CI [{v['low'] * 100:+.1f}, "
              f"{v['high'] * 100:+.1f}] (baseline: {v['baseline']}; the best of {v['baselines']} chosen jointly, "
              f"{v['n']} held-out items{f'; {missing} more not run, see below' if missing else ''})")
    if v["beats_all"]:
        return f"The search paid: the found system beats every baseline a user gets without searching; {margin}."
    if v["difference"] > 0:
        return f"The found system does not beat the best baseline beyond noise; {margin}."
    return f"The found system does not beat what a user gets without searching; {margin}."


def found_minus(row: dict[str, Any]) -> str:
    """A baseline row's "found minus it, 95% CI" cell."""
    d = row["vs_found"]
    if row.get("same_as_found"):
        return "the found system itself"
    if d["difference"] is None:
        return "-"
    return f"{d['difference'] * 100:+.1f} [{d['low'] * 100:+.1f}, {d['high'] * 100:+.1f}]"


def _selection_markdown(summary: dict[str, Any]) -> list[str]:
    """Both choices, when the best on dev and the simplest within noise of it differ."""
    selection = summary.get("selection") or {}
    simplest, best = selection.get("simplest"), summary.get("best")
    if not simplest or simplest["is_best"] or not best:
        return []
    d = simplest["vs_best"]
    chosen = "handed over" if selection["rule"] == "simplest" else "not chosen (search.select: best)"
    return [f"Simplest within noise of the best on dev: {simplest['label']} ({_pct(simplest['score'])}, "
            f"{simplest['calls']:.1f} calls/query; minus the best, trial {best['trial']}: {d['difference'] * 100:+.1f} "
            f"points, 95% CI [{d['low'] * 100:+.1f}, {d['high'] * 100:+.1f}]): {chosen}.", ""]


def _cost_markdown(summary: dict[str, Any]) -> list[str]:
    """What the search spent, and what each additional correct answer costs against the best baseline."""
    spend = summary.get("search_spend")
    if not spend:
        return []
    t, r = spend["trials"], spend["power_ranking"]
    lines = [f"Search cost (dev): {t['architectures']} architectures, {t['provider_calls']:,} provider calls, "
             f"{t['tokens']:,.0f} tokens, ${t['usd']:.2f}; the power ranking {r['provider_calls']:,} calls, "
             f"{r['tokens']:,.0f} tokens, ${r['usd']:.2f} (the held-out evaluation apart)."]
    gain = summary.get("gain_cost")
    if gain:
        lines.append(f"Against {gain['baseline']}: {gain['extra_calls_per_query']:+.1f} calls and "
                     f"{gain['extra_tokens_per_query']:+,.0f} tokens per query for {gain['gain'] * 100:+.1f} points.")
        if gain["per_additional_correct"] == "no gain":
            lines.append("Cost per additional correct answer: no gain.")
        else:
            cells = ", ".join(f"{row['served']:,} queries served: {row['tokens']:,.0f} tokens"
                              + (f" (${row['usd']:.4f})" if row["usd"] else "")
                              for row in gain["per_additional_correct"])
            noise = "" if gain["significant"] else " (the gain is within noise)"
            lines.append(f"Cost per additional correct answer, search included{noise}: {cells}.")
    return [*lines, ""]


def _baselines_markdown(final: dict[str, Any]) -> list[str]:
    rows = final.get("baselines") or []
    skipped = final.get("baselines_skipped") or {}
    if not rows and not skipped:
        return []
    lines = ["### Baselines a user gets without searching (same held-out items)", "",
             "| baseline | score | 95% CI | calls/query | found minus it, 95% CI | architecture |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {_pct(r['score'])} | [{_pct(r['low'])}, {_pct(r['high'])}] | "
                     f"{r['calls_per_query']:.1f} | {found_minus(r)} | {r['architecture']} |")
    lines += [f"- not run: {name}: {why}" for name, why in skipped.items()]
    return [*lines, ""]


def _coverage_markdown(coverage: dict[str, Any]) -> list[str]:
    lines = [f"## Coverage against selection (test split, {coverage['items']} items)", "",
             f"Coverage: some candidate of the system at k samples per model is correct. pass@k: unbiased, from "
             f"{coverage['samples']} samples of {coverage['pass_at_k_of']}. Selected: what the system answers with k "
             "samples. The gap is what a perfect selector would add.", "",
             "| k | coverage | pass@k | selected | gap (coverage - selected), 95% CI |", "|---|---|---|---|---|"]
    for r in coverage["rows"]:
        lines.append(f"| {r['k']} | {_pct(r['coverage'])} | {_pct(r['pass_at_k'])} | {_pct(r['selected'])} | "
                     f"{r['gap'] * 100:+.1f} [{r['gap_low'] * 100:+.1f}, {r['gap_high'] * 100:+.1f}] |")
    lines += ["", f"Best single model, greedy: {_pct(coverage['baseline'])}.", "",
              "![coverage vs samples](plots/coverage.png)", ""]
    return lines
