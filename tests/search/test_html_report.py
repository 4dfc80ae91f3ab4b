"""The HTML report, opened in headless Chromium (Playwright), and the study attributes the dashboard
shows (`archon dashboard` itself: tests/cli/test_dashboard_cmd.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from archon.search import run_search
from archon.search.report.html import html_report
from archon.search.study.rundir import open_run
from archon.search.trial.attributes import BEST_SYSTEM_ATTR, SKETCH_ATTR
from tests.search.search_helpers import SearchFactory

#: The names Chromium and Chrome install under (Debian, Ubuntu, Fedora, Google's packages).
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CHROMIUM = next((found for name in BROWSER_NAMES if (found := shutil.which(name))), "/usr/bin/chromium")


def test_the_study_names_its_best_system_and_sketches_each_trial(finished_run: Path) -> None:
    opened = open_run(finished_run)
    assert opened.study.user_attrs[BEST_SYSTEM_ATTR].endswith("best_system.yaml")
    assert all(SKETCH_ATTR in t.user_attrs for t in opened.study.trials if "archon:system" in t.user_attrs)


def test_the_html_report_is_self_contained_and_renders_in_chromium(finished_run: Path, tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed (looked for {', '.join(BROWSER_NAMES)} on PATH; "
                    "apt-get install -y chromium, which scripts/setup.sh does as root)")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip)")
    page_path = tmp_path / "report.html"
    page_path.write_text(html_report(open_run(finished_run)), encoding="utf-8")
    assert page_path.stat().st_size < 8_000_000  # plotly.js inlined once
    errors: list[str] = []
    requests: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_path.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
        rows = page.locator("#leaderboard-table tbody tr").count()
        plots = page.locator(".js-plotly-plot").count()
        diagrams = page.locator("svg.dag").count()
        final_title = page.locator("#held-out").inner_text()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert [url for url in requests if not url.startswith("file://")] == []  # no network request at all
    assert rows >= 2 and plots >= 2 and diagrams >= 1
    assert "Held-out test split (8 items" in final_title
    assert (tmp_path / "report.png").stat().st_size > 50_000


def test_a_report_of_a_search_still_running_says_so(make_search: SearchFactory, tmp_path: Path,
                                                     zoo: list[str]) -> None:
    path = make_search(search={"n_trials": 2})
    run_search(path, run_dir=tmp_path / "run")  # trials run, but no summary yet
    page = html_report(open_run(tmp_path / "run"))
    assert "The search has not finished" in page and "leaderboard-table" in page


def test_a_cascade_is_drawn_with_its_branches() -> None:
    from archon.runtime.system import System
    from archon.search.report.html import branch_svgs

    system = System.load(Path(__file__).parents[2] / "configs" / "adaptive.yaml", cache=False)
    drawn = branch_svgs(system.graph)
    captions = [part.split("</figcaption>")[0] for part in drawn.split("<figcaption>")[1:]]
    assert captions == [f"{node} \u203a {name}" for node in system.graph.order
                        for name in system.graph.branches.get(node, {})]
    assert len(captions) >= 2 and drawn.count("<svg") == len(captions)  # one diagram per branch


def test_the_html_report_gives_the_pruning_audits_verdict(finished_run: Path) -> None:
    run = open_run(finished_run)
    assert run.summary is not None
    run.summary.setdefault("pruning", {})["audit"] = {
        "best_trial": 1, "best_score": 0.9, "same_best": False, "would_have_won": 4, "item_evaluations": 9,
        "trials": [{"trial": 4, "pruned_after": 4, "partial_score": 0.5, "audited_items": 8, "full_score": 1.0}]}
    page = html_report(run)
    assert "an unpruned search over the same trials would have found a different best: trial 4" in page
