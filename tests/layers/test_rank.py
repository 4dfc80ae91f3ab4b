"""rank: its parser on its own, then the ranking of candidates on the fake provider."""

from __future__ import annotations

import pytest

from archon.layers.rank import parse_ranking
from tests.layers.layer_helpers import Register, node, run


@pytest.mark.parametrize(
    ("text", "n", "order", "status"),
    [
        ("[3] > [1] > [2]", 3, [2, 0, 1], "full"),
        ("3, 1, 2", 3, [2, 0, 1], "full"),
        ("Ranking: [2] [3] [1]", 3, [1, 2, 0], "full"),
        ("Response 3 is best, then 1, then 2.", 3, [2, 0, 1], "full"),
        ("[3] > [1] > [2] (I weighed 10 criteria)", 3, [2, 0, 1], "full"),
        ("[2]", 3, [1, 0, 2], "partial"),
        ("[2] > [2] > [9] > [0]", 3, [1, 0, 2], "partial"),
        ("They are all equally good.", 3, [0, 1, 2], "failed"),
        ("", 4, [0, 1, 2, 3], "failed"),
    ],
)
def test_parse_ranking(text: str, n: int, order: list[int], status: str) -> None:
    assert parse_ranking(text, n) == (order, status)


def test_rank_keeps_top_k_in_the_ranked_order(fake_model: Register) -> None:
    gen = fake_model("rank_gen", lambda c: f"candidate {c.seed + 1}")
    ranker = fake_model("rank_ranker", lambda c: "[3] > [1] > [2]")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 3}}
  - {{id: rank, type: rank, model: {ranker}, top_k: 2}}
""")
    assert [c.text for c in result.candidates] == ["candidate 3", "candidate 1"]
    assert [dict(c.notes) for c in result.candidates] == [
        {"rank": 1, "rank_parse": "full"},
        {"rank": 2, "rank_parse": "full"},
    ]


def test_rank_garbage_never_drops_a_candidate_and_notes_status(fake_model: Register) -> None:
    gen = fake_model("rank_gen2", lambda c: f"candidate {c.seed + 1}")
    ranker = fake_model("rank_garbage", lambda c: "I like all of them!")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 4}}
  - {{id: rank, type: rank, model: {ranker}, top_k: 4}}
""")
    assert [c.text for c in result.candidates] == [f"candidate {i}" for i in (1, 2, 3, 4)]
    assert {c.notes["rank_parse"] for c in result.candidates} == {"failed"}
    assert node(result, "rank")["outputs"][0]["notes"]["rank_parse"] == "failed"


def test_rank_partial_answer_keeps_the_rest_in_their_order(fake_model: Register) -> None:
    gen = fake_model("rank_gen3", lambda c: f"candidate {c.seed + 1}")
    ranker = fake_model("rank_partial", lambda c: "[4] is clearly best")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 4}}
  - {{id: rank, type: rank, model: {ranker}, top_k: 4}}
""")
    assert [c.text for c in result.candidates] == ["candidate 4", "candidate 1", "candidate 2", "candidate 3"]
    assert {c.notes["rank_parse"] for c in result.candidates} == {"partial"}


def test_rank_of_one_candidate_makes_no_call() -> None:
    result = run("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a]}\n"
                 "  - {id: rank, type: rank, model: fake/a}\n")
    assert node(result, "rank")["calls"] == []
    assert result.usage.by_node.get("rank") is None
