"""``archon report RUN_DIR --html FILE``: one self-contained page to read and to send.

Everything is inlined (plotly.js once, every figure's data, the architecture diagrams), so the
page makes no network request. In order: the held-out comparison with its CIs and what the
sample size allows, the coverage against selection (where the best samples), the power
ranking, the leaderboard, the optimization history with each model alone as a reference line,
the Pareto front (several objectives), parameter importances, and the top architectures, each
as a diagram (SVG) with its YAML.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from typing import Any

import optuna

from archon.search.report.leaderboard import Leaderboard, build_leaderboard
from archon.search.report.markdown import audit_verdict, found_minus, sample_size_note, verdict_line
from archon.search.study.rundir import OpenRun

TOP_ARCHITECTURES = 3
STYLE = """
body { font-family: system-ui, -apple-system, Segoe UI, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1d2433; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #dde3ea; }
p.lead { color: #4a5568; margin-top: 0; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid #e6ebf1; padding: .35rem .7rem; text-align: right; }
th { background: #f4f6f9; } td { white-space: nowrap; } td.text, th.text { text-align: left; white-space: normal; }
tr.best td { background: #eef7ee; } .note { color: #4a5568; font-size: .92rem; }
.verdict { font-size: 1.05rem; padding: .6rem .9rem; background: #f4f6f9; border-left: 4px solid #3b7dd8; }
pre { background: #f7f8fa; padding: .8rem; overflow-x: auto; font-size: .82rem; border: 1px solid #e6ebf1; }
.arch { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; align-items: start; }
svg.dag text { font-size: 12px; font-family: system-ui, sans-serif; }
figure.branch { margin: .6rem 0 0 1.2rem; } figure.branch figcaption { color: #4a5568; font-size: .85rem; }
"""


def html_report(opened: OpenRun, top: int = 10) -> str:
    """The page, as one string."""
    from plotly.offline import get_plotlyjs

    study, spec, summary = opened.study, opened.spec, opened.summary or {}
    board = build_leaderboard(study, spec.objectives, top=top)
    sections = [
        f"<h1>Search <code>{_e(spec.name)}</code></h1>",
        f"<p class='lead'>{_e(spec.description or '')} Benchmark: <b>{_e(spec.benchmark.name)}</b>; "
        f"objectives: {_e(', '.join(spec.objectives))}.</p>",
    ]
    final = summary.get("final") or {}
    if final and "skipped" not in final:
        if verdict := verdict_line(final):  # first: would a user have got this without the search?
            sections.append(f"<p class='verdict' id='verdict'><b>{_e(verdict)}</b></p>")
        sections.append(_final(final))
        if final.get("baselines"):
            sections.append(_baselines(final))
        if final.get("coverage"):
            sections.append(_coverage(final["coverage"]))
    elif not summary:
        sections.append("<p class='verdict'>The search has not finished: no held-out results yet.</p>")
    if opened.ranking is not None:
        sections.append(_ranking(opened.ranking.to_dict()))
    sections.append(_leaderboard(board, summary))
    sections.extend(_plots(study, spec.objectives, opened.ranking.to_dict() if opened.ranking else None))
    sections.append(_architectures(opened, board))
    body = "\n".join(sections)
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>archon: {_e(spec.name)}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{STYLE}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>\n{body}\n</body></html>\n")


def _final(final: dict[str, Any]) -> str:
    rows = [("best", f"best found (trial {final['best']['trial']}): {final['best'].get('architecture', '')}",
             final["best"]),
            ("baseline", f"baseline: {final['single']['model']} alone, greedy (best on dev)", final["single"])]
    rows += [("model", f"{alias} alone, greedy", r) for alias, r in (final.get("models") or {}).items()
             if alias != final["single"]["model"]]
    table = _table(["system", "score", "95% CI", "calls/query", "tokens/query", "truncated"],
                   [[label, _pct(r["score"]), f"[{_pct(r['low'])}, {_pct(r['high'])}]", f"{r['calls_per_query']:.1f}",
                     f"{r['tokens_per_query']:.0f}", str(r.get("truncated", 0))] for _, label, r in rows],
                   highlight=0)
    c = final["comparison"]
    if final.get("same_system"):
        verdict = "The best architecture is the best single model alone: no architecture beat it on dev."
    elif c.get("difference") is None:
        verdict = "No item was scored for both systems."
    else:
        verdict = (f"Best minus baseline: <b>{c['difference'] * 100:+.1f} points</b>, 95% CI "
                   f"[{c['low'] * 100:+.1f}, {c['high'] * 100:+.1f}] over {c['n']} items "
                   f"({'significant' if c['significant'] else 'not significant'}): right where the baseline is "
                   f"wrong on {c['best_better']}, wrong where it is right on {c['single_better']}, "
                   f"the same on {c['ties']}.")
    note = f"<p class='note'>{_e(sample_size_note(final))}</p>" if c.get("difference") is not None else ""
    return (f"<h2 id='held-out'>Held-out test split ({final['items']} items, never seen by the search)</h2>"
            f"{table}<p class='verdict'>{verdict}</p>{note}")


def _baselines(final: dict[str, Any]) -> str:
    rows = []
    for r in final["baselines"]:
        rows.append([r["name"], _pct(r["score"]), f"[{_pct(r['low'])}, {_pct(r['high'])}]",
                     f"{r['calls_per_query']:.1f}", found_minus(r), r["architecture"]])
    skipped = "".join(f"<li>{_e(name)}: {_e(why)}</li>" for name, why in (final.get("baselines_skipped") or {}).items())
    return ("<h3 id='baselines'>Baselines a user gets without searching (same held-out items)</h3>"
            + _table(["baseline", "score", "95% CI", "calls/query", "found minus it, 95% CI", "architecture"], rows,
                     text_columns=(0, 5))
            + (f"<ul class='note'>{skipped}</ul>" if skipped else ""))


def _coverage(coverage: dict[str, Any]) -> str:
    import plotly.graph_objects as go

    rows = coverage["rows"]
    ks = [r["k"] for r in rows]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=ks, y=[100 * r["coverage"] for r in rows], name="coverage (some candidate correct)",
                                mode="lines+markers"))
    figure.add_trace(go.Scatter(x=ks, y=[100 * r["pass_at_k"] for r in rows],
                                name=f"pass@k of {coverage['pass_at_k_of']}", mode="lines+markers",
                                line={"dash": "dash"}))
    figure.add_trace(go.Scatter(x=ks, y=[100 * r["selected"] for r in rows], name="selected by the system",
                                mode="lines+markers"))
    figure.add_hline(y=100 * coverage["baseline"], line_dash="dot", line_color="grey",
                     annotation_text="best single model, greedy")
    figure.update_layout(title="Coverage vs selection on the held-out test split", height=420,
                         xaxis={"title": "samples per model (k)", "type": "log", "tickvals": ks, "ticktext": ks},
                         yaxis={"title": f"% of {coverage['items']} test items", "range": [0, 100]})
    table = _table(["k", "coverage", "pass@k", "selected", "gap (coverage − selected), 95% CI"],
                   [[str(r["k"]), _pct(r["coverage"]), _pct(r["pass_at_k"]), _pct(r["selected"]),
                     f"{r['gap'] * 100:+.1f} [{r['gap_low'] * 100:+.1f}, {r['gap_high'] * 100:+.1f}]"] for r in rows])
    return (f"<h2 id='coverage'>Coverage against selection</h2><p class='note'>How often some candidate is "
            f"correct (what a perfect selector would reach), against what the system picks, as samples grow.</p>"
            f"{_figure(figure)}{table}")


def _ranking(ranking: dict[str, Any]) -> str:
    rows = [[str(i), alias, _pct(ranking["results"][alias]["score"]),
             f"{ranking['results'][alias].get('tokens', 0):.0f}"] for i, alias in enumerate(ranking["order"], 1)]
    first: dict[str, Any] = next(iter(ranking["results"].values()), {})
    items = first.get("items", "?")
    return (f"<h2 id='power-ranking'>Power ranking (each model alone, greedy, {items} dev items)</h2>"
            f"{_table(['#', 'model', 'dev score', 'tokens/query'], rows, text_columns=(1,))}")


def _leaderboard(board: Leaderboard, summary: dict[str, Any]) -> str:
    rows = [[str(i), f"{r.trial}{' (warm start)' if r.seeded else ''}", _pct(r.score), r.calls_text(),
             f"{r.tokens:.0f}", r.architecture] for i, r in enumerate(board.rows, 1)]
    c = board.counts
    counts = (f"{c['complete']} completed, {c['pruned']} pruned, {c['infeasible']} over budget (never run), "
              f"{c['duplicate']} repeats, {c['fail']} failed")
    pruning = summary.get("pruning") or {}
    saved = (f" Pruning saved {pruning['saved_share'] * 100:.0f}% of the item evaluations."
             if pruning.get("item_evaluations_unpruned") else "")
    if (audit := pruning.get("audit")) and audit["trials"]:
        saved += (f" Audit: each of the {len(audit['trials'])} pruned architectures scored on the dev items until it "
                  f"finished or could no longer beat the best; an unpruned search over the same trials would have "
                  f"found {audit_verdict(audit)}.")
    headers = ["#", "trial", "dev score", "calls/query", "tokens/query", "architecture"]
    return (f"<h2 id='leaderboard'>Leaderboard (dev split)</h2><table id='leaderboard-table'>"
            f"{_rows(headers, rows, highlight=0, text_columns=(5,))}</table>"
            f"<p class='note'>Trials: {counts}.{saved}</p>")


def _plots(study: optuna.Study, objectives: Sequence[str], ranking: dict[str, Any] | None) -> list[str]:
    from optuna import visualization as vis

    multi = len(objectives) > 1
    target: dict[str, Any] = {"target": lambda t: t.values[0], "target_name": "score"} if multi else {}
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            history = vis.plot_optimization_history(study, **target)
            for alias, result in (ranking or {}).get("results", {}).items():
                history.add_hline(y=result["score"], line_dash="dot", line_color="grey",
                                  annotation_text=f"{alias} alone")
            history.update_layout(title="Optimization history (dev score per trial; dotted: each model alone)",
                                  xaxis_title="trial", yaxis_title="dev score (share of items right)")
            out.append(f"<h2 id='history'>Optimization history</h2>{_figure(history)}")
        except Exception as exc:  # too few trials, say
            out.append(f"<h2 id='history'>Optimization history</h2><p class='note'>not drawn: {_e(str(exc))}</p>")
        if multi:
            try:
                front = vis.plot_pareto_front(study, target_names=list(objectives))
                out.append(f"<h2 id='pareto'>Pareto front</h2>{_figure(front)}")
            except Exception as exc:
                out.append(f"<h2 id='pareto'>Pareto front</h2><p class='note'>not drawn: {_e(str(exc))}</p>")
        try:
            importances = vis.plot_param_importances(study, **target)
            importances.update_layout(title="Which knobs mattered (fANOVA importance for the dev score)")
            out.append(f"<h2 id='importances'>Parameter importances</h2>{_figure(importances)}")
        except Exception as exc:
            out.append(f"<h2 id='importances'>Parameter importances</h2><p class='note'>not drawn: {_e(str(exc))}</p>")
    return out


def _architectures(opened: OpenRun, board: Leaderboard) -> str:
    from archon.runtime.system import System
    from archon.search.report.results import rebuild_system

    parts = ["<h2 id='architectures'>Top architectures</h2>"]
    for row in board.rows[:TOP_ARCHITECTURES]:
        try:
            system = System.load(rebuild_system(opened.study, row.trial), cache=False)
        except Exception as exc:  # a study of an older space: say so, draw the rest
            parts.append(f"<p class='note'>trial {row.trial}: not rebuilt ({_e(str(exc))})</p>")
            continue
        parts.append(f"<h3>Trial {row.trial}: {_e(row.architecture)} (dev {_pct(row.score)})</h3>"
                     f"<div class='arch'><div>{dag_svg(system.graph)}{branch_svgs(system.graph)}</div>"
                     f"<pre>{_e(system.to_yaml())}</pre></div>")
    return "".join(parts)


def branch_svgs(graph: Any, owner: str = "") -> str:
    """Each branch of a node that has them (a cascade's cheap and escalation sub-systems) drawn
    beneath the main diagram, captioned with the node and branch it belongs to."""
    parts = []
    for node_id in graph.order:
        for name, branch in graph.branches.get(node_id, {}).items():
            where = f"{owner}{node_id} \u203a {name}"
            parts.append(f"<figure class='branch'><figcaption>{_e(where)}</figcaption>{dag_svg(branch)}</figure>"
                         + branch_svgs(branch, f"{where} \u203a "))
    return "".join(parts)


def dag_svg(graph: Any) -> str:
    """A system's DAG as SVG: nodes in columns by depth, edges from inputs, the output framed."""
    depth: dict[str, int] = {}
    for node in graph.order:
        depth[node] = 1 + max((depth[i] for i in graph.inputs[node]), default=-1)
    columns: dict[int, list[str]] = {}
    for node in graph.order:
        columns.setdefault(depth[node], []).append(node)
    width, height, gap_x, gap_y = 170, 46, 40, 18
    position = {node: (10 + d * (width + gap_x), 10 + i * (height + gap_y))
                for d, nodes in columns.items() for i, node in enumerate(nodes)}
    total_w = 20 + len(columns) * (width + gap_x)
    total_h = 20 + max(len(n) for n in columns.values()) * (height + gap_y)
    shapes = []
    for node, sources in graph.inputs.items():
        x2, y2 = position[node]
        for source in sources:
            x1, y1 = position[source]
            shapes.append(f"<line x1='{x1 + width}' y1='{y1 + height / 2}' x2='{x2}' y2='{y2 + height / 2}' "
                          "stroke='#7b8794' marker-end='url(#arrow)'/>")
    for node, (x, y) in position.items():
        tech = graph.nodes[node]
        stroke = "#3b7dd8" if node == graph.output else "#9aa5b1"
        detail = tech.sketch() or tech.type
        shapes.append(f"<rect x='{x}' y='{y}' width='{width}' height='{height}' rx='6' fill='#f7f9fc' "
                      f"stroke='{stroke}' stroke-width='{2 if node == graph.output else 1}'/>"
                      f"<title>{_e(node)}: {_e(detail)}</title>"
                      f"<text x='{x + 8}' y='{y + 18}' font-weight='600'>{_e(_fit(node))}</text>"
                      f"<text x='{x + 8}' y='{y + 35}' fill='#52606d'>{_e(_fit(detail))}</text>")
    return (f"<svg class='dag' role='img' aria-label='architecture diagram' width='{total_w}' height='{total_h}' "
            f"viewBox='0 0 {total_w} {total_h}' xmlns='http://www.w3.org/2000/svg'><defs><marker id='arrow' "
            "viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' markerHeight='7' orient='auto'>"
            "<path d='M0,0 L10,5 L0,10 z' fill='#7b8794'/></marker></defs>" + "".join(shapes) + "</svg>")


def _fit(text: str, room: int = 23) -> str:
    """As much of ``text`` as fits a node's box; the whole of it is in the box's tooltip."""
    return text if len(text) <= room else text[: room - 1] + "\u2026"


def _figure(figure: Any) -> str:
    return str(figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))


def _table(headers: list[str], rows: list[list[str]], *, highlight: int | None = None,
           text_columns: Sequence[int] = (0,)) -> str:
    return f"<table>{_rows(headers, rows, highlight=highlight, text_columns=text_columns)}</table>"


def _rows(headers: list[str], rows: list[list[str]], *, highlight: int | None = None,
          text_columns: Sequence[int] = (0,)) -> str:
    head = "".join(f"<th class='{'text' if i in text_columns else ''}'>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        f"<tr class='{'best' if r == highlight else ''}'>"
        + "".join(f"<td class='{'text' if i in text_columns else ''}'>{_e(c)}</td>" for i, c in enumerate(row))
        + "</tr>" for r, row in enumerate(rows))
    return f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


