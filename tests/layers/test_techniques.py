"""Each technique: its parser on its own, then the technique run on the fake provider."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

import archon
from archon.layers.critique import parse_critiques
from archon.layers.rank import parse_ranking
from archon.layers.unit_test_evaluate import parse_test_verdicts
from archon.layers.unit_test_generate import parse_tests
from archon.layers.verify import parse_verdict
from archon.runtime.executor import RunResult
from archon.testing import FakeCall

Register = Callable[[str, Callable[[FakeCall], str]], str]


def run(yaml_text: str, query: str = "What is 6 * 7?") -> RunResult:
    result: RunResult = archon.System.from_text(yaml_text, cache=False).run(query)
    return result


def node(result: RunResult, node_id: str) -> dict[str, Any]:
    return next(entry for entry in result.trace if entry["node"] == node_id)


def numbered_texts(prompt: str) -> list[str]:
    """The candidate texts of a multi-candidate prompt ("[i] text" blocks)."""
    return [m.strip() for m in re.findall(r"^\[\d+\] (.*?)$", prompt, re.MULTILINE)]


# -- generate ----------------------------------------------------------------------------------


def test_generate_makes_models_times_samples_distinct_samples(fake_model: Register) -> None:
    x = fake_model("gen_x", lambda c: f"x seed={c.seed} temperature={c.temperature}")
    y = fake_model("gen_y", lambda c: f"y seed={c.seed} temperature={c.temperature}")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{x}, {y}, {x}], samples: 3}}
""")
    texts = [c.text for c in result.candidates]
    assert len(texts) == 9 and len(set(texts)) == 9
    # The same model listed twice is two ensemble members with their own sample range.
    assert [t.split()[1] for t in texts if t.startswith("x")] == [f"seed={i}" for i in (0, 1, 2, 6, 7, 8)]
    assert all("temperature=0.7" in t for t in texts)  # generate samples at 0.7 by default
    assert [c.model for c in result.candidates] == [x] * 3 + [y] * 3 + [x] * 3
    assert {c.origin for c in result.candidates} == {"gen"}
    assert result.usage.total.calls == 9
    assert result.answer == texts[0]


def test_generate_sends_the_system_prompt_and_query(fake_model: Register) -> None:
    seen: list[str] = []

    def echo(call: FakeCall) -> str:
        seen.append(call.prompt)
        return "ok"

    model = fake_model("echo_sys", echo)
    run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{model}], system_prompt: "Be terse."}}
""", query="Why is the sky blue?")
    assert seen == ["Be terse.\nWhy is the sky blue?"]


def test_repeated_samples_of_the_default_fake_differ_by_seed() -> None:
    result = run("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 6}\n")
    seeds = [call["params"].get("seed") for call in node(result, "gen")["calls"]]
    assert [call["sample_index"] for call in node(result, "gen")["calls"]] == list(range(6))
    assert len(result.candidates) == 6
    assert seeds == [None] * 6  # the seed is derived by the client, not stored in the request


# -- critique ----------------------------------------------------------------------------------


def test_parse_critiques() -> None:
    text = "[1] Strengths: short. Weaknesses: wrong.\n[3] Strengths: right.\n  More on 3.\n[7] stray"
    assert parse_critiques(text, 3) == ["Strengths: short. Weaknesses: wrong.", None, "Strengths: right.\n  More on 3."]
    assert parse_critiques("no numbers at all", 2) == [None, None]
    assert parse_critiques("[1] first\n[1] again", 1) == ["first"]


def test_critique_attaches_critiques_that_the_fuser_reads(fake_model: Register) -> None:
    fuse_prompts: list[str] = []

    def fuser(call: FakeCall) -> str:
        fuse_prompts.append(call.prompt)
        return "fused"

    gen = fake_model("crit_gen", lambda c: f"candidate {c.seed}")
    critic = fake_model("crit_critic", lambda c: "[1] Strengths: A1\n[2] Strengths: A2\n[3] Strengths: A3")
    fuse = fake_model("crit_fuser", fuser)
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 3}}
  - {{id: crit, type: critique, model: {critic}}}
  - {{id: fuse, type: fuse, models: [{fuse}]}}
""")
    outputs = node(result, "crit")["outputs"]
    assert [o["critique"] for o in outputs] == ["Strengths: A1", "Strengths: A2", "Strengths: A3"]
    assert [o["text"] for o in outputs] == ["candidate 0", "candidate 1", "candidate 2"]
    (prompt,) = fuse_prompts
    assert "each with a critique" in prompt
    assert "Critique of [2]: Strengths: A2" in prompt
    assert result.answer == "fused"
    assert result.candidates[0].critique is None  # new candidates carry no stale critique


def test_single_candidate_critique_without_number_is_kept(fake_model: Register) -> None:
    critic = fake_model("crit_single", lambda c: "Strengths: clear. Weaknesses: none.")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [fake/a]}}
  - {{id: crit, type: critique, model: {critic}}}
  - {{id: fuse, type: fuse, models: [fake/a]}}
""")
    assert node(result, "crit")["outputs"][0]["critique"] == "Strengths: clear. Weaknesses: none."


# -- rank --------------------------------------------------------------------------------------


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


# -- fuse --------------------------------------------------------------------------------------


def test_fuse_makes_one_response_per_fuser(fake_model: Register) -> None:
    f1 = fake_model("fuser_one", lambda c: "fused by one")
    f2 = fake_model("fuser_two", lambda c: f"fused by two, seed {c.seed}")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [fake/a], samples: 4}}
  - {{id: fuse, type: fuse, models: [{f1}, {f2}, {f2}]}}
""")
    assert [c.text for c in result.candidates] == ["fused by one", "fused by two, seed 1", "fused by two, seed 2"]
    assert [c.model for c in result.candidates] == [f1, f2, f2]
    assert result.usage.by_node["fuse"].calls == 3


def test_fuse_prompt_holds_every_candidate(fake_model: Register) -> None:
    prompts: list[str] = []
    gen = fake_model("fuse_gen", lambda c: f"candidate {c.seed}")
    fuser = fake_model("fuse_rec", lambda c: prompts.append(c.prompt) or "done")
    run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 3}}
  - {{id: fuse, type: fuse, models: [{fuser}]}}
""")
    assert numbered_texts(prompts[0]) == ["candidate 0", "candidate 1", "candidate 2"]
    assert "Synthesize" in prompts[0] and "critique" not in prompts[0]


# -- verify ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("[Correct]", True),
        ("[Incorrect]", False),
        ("After checking: [correct]", True),
        ("The response is not correct.", False),
        ("This is NOT   correct at all", False),
        ("The response is correct.", True),
        ("The response is incorrect.", False),
        ("Looks [Incorrect] at first, but on reflection [Correct]", True),
        ("[Correct] even though an earlier step was not correct", True),
        ("I am unsure.", None),
        ("", None),
    ],
)
def test_parse_verdict(text: str, verdict: bool | None) -> None:
    assert parse_verdict(text) is verdict


def _verifier(call: FakeCall) -> str:
    if "Reasoning about the response" not in call.prompt:
        return "Let me check each step."
    response = call.prompt.split("Response:\n", 1)[1]
    return "[Correct]" if response.startswith("good") else "The response is not correct."


def test_verify_passes_only_verified_candidates(fake_model: Register) -> None:
    gen = fake_model("ver_gen", lambda c: ("good" if c.seed % 2 else "bad") + f" answer {c.seed}")
    verifier = fake_model("ver_judge", _verifier)
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 4}}
  - {{id: check, type: verify, model: {verifier}}}
""")
    assert [c.text for c in result.candidates] == ["good answer 1", "good answer 3"]
    assert all(c.notes["verified"] is True for c in result.candidates)
    assert result.usage.by_node["check"].calls == 8  # reasoning + verdict per candidate


def test_verify_keeps_everyone_marked_when_nothing_verifies(fake_model: Register) -> None:
    gen = fake_model("ver_gen_bad", lambda c: f"bad answer {c.seed}")
    verifier = fake_model("ver_judge2", _verifier)
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 3}}
  - {{id: check, type: verify, model: {verifier}}}
""")
    assert len(result.candidates) == 3
    assert all(c.notes["verified"] is False and c.notes["verify_fallback"] for c in result.candidates)


def test_verify_on_the_default_fake_reaches_a_verdict() -> None:
    result = run("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 5}\n"
                 "  - {id: check, type: verify, model: fake/a}\n")
    verdicts = [c.notes["verified"] for c in result.candidates]
    assert None not in verdicts
    assert not any(c.notes.get("verify_fallback") for c in result.candidates)


# -- unit tests --------------------------------------------------------------------------------


def test_parse_tests_natural_and_code() -> None:
    natural = ("Here are tests:\n1. The answer mentions 42.\n2) The answer is short.\n"
               "- The answer is polite.\n1. The answer mentions 42.")
    expected = ["The answer mentions 42.", "The answer is short.", "The answer is polite."]
    assert parse_tests(natural, "natural", 10) == expected
    assert parse_tests(natural, "natural", 2) == ["The answer mentions 42.", "The answer is short."]
    code = "1. `assert add(1, 2) == 3`\n2. check that it works\n3. assert add(0, 0) == 0"
    assert parse_tests(code, "code", 5) == ["assert add(1, 2) == 3", "assert add(0, 0) == 0"]
    unnumbered = "```python\nassert f(1) == 1\nassert f(2) == 4\n```"
    assert parse_tests(unnumbered, "code", 5) == ["assert f(1) == 1", "assert f(2) == 4"]


@pytest.mark.parametrize(
    ("text", "n", "verdicts"),
    [
        ("1. [Passed]\n2. [Failed]\n3. [Passed]", 3, [True, False, True]),
        ("1: [passed]\n3) [PASSED]", 3, [True, False, True]),
        ("[Passed] [Failed]", 3, [True, False, False]),
        # Only an explicit [Passed] counts (the reference counted any text containing "pas").
        ("1. Passed\n2. passes\n3. The response surpasses expectations", 3, [False, False, False]),
        ("1. The answer passes this test [Failed]", 1, [False]),
        ("1. [Passed]\n9. [Passed]", 2, [True, False]),
        ("", 2, [False, False]),
    ],
)
def test_parse_test_verdicts(text: str, n: int, verdicts: list[bool]) -> None:
    assert parse_test_verdicts(text, n) == verdicts


def test_unit_tests_rank_candidates_by_tests_passed(fake_model: Register) -> None:
    gen = fake_model("ut_gen", lambda c: f"candidate {c.seed}")
    writer = fake_model("ut_writer", lambda c: "1. Mentions A.\n2. Mentions B.\n3. Mentions C.\n4. Mentions D.")

    def judge(call: FakeCall) -> str:
        # candidate k passes the first k tests
        k = int(re.search(r"Response:\ncandidate (\d+)", call.prompt).group(1))  # type: ignore[union-attr]
        return "\n".join(f"{i}. {'[Passed]' if i <= k else '[Failed]'}" for i in range(1, 5))

    judge_model = fake_model("ut_judge", judge)
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [{gen}], samples: 4}}
  - {{id: tests, type: unit_test_generate, model: {writer}, num_tests: 4}}
  - {{id: judge, type: unit_test_evaluate, model: {judge_model}, top_k: 3}}
""")
    assert node(result, "tests")["tests"] == ["Mentions A.", "Mentions B.", "Mentions C.", "Mentions D."]
    assert [c.text for c in result.candidates] == ["candidate 3", "candidate 2", "candidate 1"]
    assert [c.notes["tests_passed"] for c in result.candidates] == [3, 2, 1]
    assert result.candidates[0].notes["test_results"] == [True, True, True, False]
    assert result.usage.by_node["judge"].calls == 4  # one judgement per candidate


def test_unit_tests_on_the_default_fake() -> None:
    result = run("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a], samples: 3}\n"
                 "  - {id: tests, type: unit_test_generate, model: fake/a, num_tests: 6}\n"
                 "  - {id: judge, type: unit_test_evaluate, model: fake/a}\n")
    assert len(node(result, "tests")["tests"]) == 6
    assert all(c.notes["tests_total"] == 6 for c in result.candidates)
    passed = [c.notes["tests_passed"] for c in result.candidates]
    assert passed == sorted(passed, reverse=True)


def test_unit_test_evaluate_without_tests_keeps_the_order(fake_model: Register) -> None:
    writer = fake_model("ut_silent", lambda c: "I cannot think of any.")
    result = run(f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [fake/a], samples: 2}}
  - {{id: tests, type: unit_test_generate, model: {writer}}}
  - {{id: judge, type: unit_test_evaluate, model: fake/a}}
""")
    assert len(result.candidates) == 2
    assert all(c.notes["tests_passed"] is None for c in result.candidates)
    assert "judge" not in result.usage.by_node


# -- vote --------------------------------------------------------------------------------------


def _vote_system(answers: list[str], vote: str) -> str:
    return f"""
name: t
nodes:
  - {{id: gen, type: generate, models: [fake/vote_src], samples: {len(answers)}}}
  - {vote}
"""


@pytest.mark.parametrize(
    ("vote", "answers", "winner", "votes"),
    [
        ("{id: vote, type: vote, extractor: boxed}",
         ["so \\boxed{4}", "hence \\boxed{5}", "\\boxed{5}", "no idea"], "5", 2),
        ("{id: vote, type: vote, extractor: choice}",
         ["The answer is (B)", "Answer: C", "I pick (B).", "B"], "B", 3),
        ("{id: vote, type: vote, extractor: regex, pattern: 'ANSWER=(\\w+)'}",
         ["ANSWER=cat", "ANSWER=dog", "ANSWER=dog", "ANSWER=cat", "ANSWER=dog"], "dog", 3),
    ],
)
def test_vote_majority_with_extractors(
    fake_model: Register, vote: str, answers: list[str], winner: str, votes: int
) -> None:
    fake_model("vote_src", lambda c: answers[c.seed])
    result = run(_vote_system(answers, vote))
    assert result.candidates[0].notes["answer"] == winner
    assert result.candidates[0].notes["votes"] == votes
    assert len(result.candidates) == len(answers)  # nothing dropped without top_k
    assert "vote" not in result.usage.by_node  # no model call


def test_vote_ties_go_to_the_group_seen_first_and_top_k_cuts(fake_model: Register) -> None:
    answers = ["\\boxed{7}", "\\boxed{9}", "\\boxed{9}", "\\boxed{7}", "none"]
    fake_model("vote_src", lambda c: answers[c.seed])
    result = run(_vote_system(answers, "{id: vote, type: vote, extractor: boxed, top_k: 3}"))
    assert [c.notes["answer"] for c in result.candidates] == ["7", "7", "9"]


@pytest.mark.parametrize(
    ("extractor", "answers", "winner", "votes"),
    [
        ("last_number", ["The answer is 12.", "I get 12", "It is 13, not 11", "12", "no number"], "12", 3),
        ("exact", ["Paris", "paris ", "Lyon", "PARIS"], "paris", 3),
    ],
)
def test_vote_default_and_exact_extractors(
    fake_model: Register, extractor: str, answers: list[str], winner: str, votes: int
) -> None:
    fake_model("vote_src", lambda c: answers[c.seed])
    result = run(_vote_system(answers, f"{{id: vote, type: vote, extractor: {extractor}}}"))
    assert result.candidates[0].notes["answer"] == winner
    assert result.candidates[0].notes["votes"] == votes
    assert [c.notes["answer"] for c in result.candidates].count(winner) == votes
