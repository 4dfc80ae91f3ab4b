"""`archon show`: a system drawn as text and as Mermaid, a cascade's branches too."""

from __future__ import annotations

from pathlib import Path

import pytest

from archon.cli.main import main


def test_show_text_and_mermaid(system_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(system_file)]) == 0
    text = capsys.readouterr().out
    assert "[gen] -> crit: critique (m)" in text and "<- output" in text
    assert main(["show", "--mermaid", str(system_file)]) == 0
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("flowchart LR") and "crit --> best" in mermaid


def test_show_draws_a_cascades_branches(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    config = Path(__file__).parents[2] / "configs" / "adaptive.yaml"
    assert main(["show", str(config)]) == 0
    text = capsys.readouterr().out
    assert "    cheap:\n" in text and "early_stop: adaptive_vote (small)" in text
    assert "escalate:" in text and "[samples] -> vote: vote" in text
    assert main(["show", "--mermaid", str(config)]) == 0
    mermaid = capsys.readouterr().out
    assert 'subgraph answer__escalate["escalate"]' in mermaid
    assert "answer__escalate__samples --> answer__escalate__vote" in mermaid
    assert "query --> answer\n" in mermaid and "answer --> result([answer])" in mermaid
