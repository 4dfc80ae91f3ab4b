"""The graph rules (the paper's construction rules as checks on each node's inputs and
consumers), wiring defaults, output selection and the static shape of a system."""

from __future__ import annotations

import pytest

import archon
from archon.config.graph import SystemGraph
from archon.errors import ConfigErrors
from archon.runtime.estimate import estimate_cost


def graph_of(nodes: str, extra: str = "") -> SystemGraph:
    return archon.System.from_text(f"name: t\nnodes:\n{nodes}{extra}").graph


def problems_of(nodes: str, extra: str = "") -> list[tuple[str, str]]:
    with pytest.raises(ConfigErrors) as info:
        graph_of(nodes, extra)
    return [(e.location, e.message) for e in info.value.errors]


GEN = "  - {id: gen, type: generate, models: [fake/a], samples: 3}\n"


# -- generate ---------------------------------------------------------------------------------


def test_generate_takes_no_inputs() -> None:
    problems = problems_of(GEN + "  - {id: gen2, type: generate, models: [fake/a], inputs: [gen]}\n", "output: gen2\n")
    assert ("nodes[1].inputs", "a generate node reads only the query and takes no inputs") in problems


def test_generate_after_another_node_does_not_default_to_it() -> None:
    # Two generates merged by a fuse: the second generate has no inputs, not "the previous node".
    graph = graph_of(GEN + "  - {id: gen2, type: generate, models: [fake/b]}\n"
                     "  - {id: fuse, type: fuse, models: [fake/a], inputs: [gen, gen2]}\n")
    assert graph.inputs["gen2"] == ()
    assert graph.inputs["fuse"] == ("gen", "gen2")


# -- critique ---------------------------------------------------------------------------------


@pytest.mark.parametrize("consumer", ["rank", "fuse"])
def test_critique_may_feed_rank_or_fuse(consumer: str) -> None:
    spec = "model: fake/a" if consumer == "rank" else "models: [fake/a]"
    graph = graph_of(GEN + "  - {id: crit, type: critique, model: fake/a}\n"
                     f"  - {{id: next, type: {consumer}, {spec}}}\n")
    assert graph.inputs["next"] == ("crit",)


@pytest.mark.parametrize(
    "consumer",
    [
        "{id: next, type: vote}",
        "{id: next, type: critique, model: fake/a}",
    ],
)
def test_critique_must_feed_only_rank_fuse_or_verify(consumer: str) -> None:
    problems = problems_of(GEN + "  - {id: crit, type: critique, model: fake/a}\n" f"  - {consumer}\n")
    assert any(loc == "nodes[1]" and "critique node must feed only rank, fuse or verify" in msg
               for loc, msg in problems)


def test_critique_feeding_rank_and_vote_is_rejected() -> None:
    problems = problems_of(
        GEN + "  - {id: crit, type: critique, model: fake/a}\n"
        "  - {id: rank, type: rank, model: fake/a, top_k: 2}\n"
        "  - {id: check, type: vote, inputs: [crit]}\n"
        "  - {id: fuse, type: fuse, models: [fake/a], inputs: [rank, check]}\n"
    )
    assert any("critique node must feed only rank, fuse or verify" in msg for _, msg in problems)


def test_critiques_pass_through_a_verify_to_the_fuser() -> None:
    from archon.testing import FakeCall, register_fake_model, unregister_fake_model
    from archon.testing.fake import default_responder

    seen: list[str] = []

    def fuser(call: FakeCall) -> str:
        seen.append(call.prompt)
        return default_responder(call)

    register_fake_model("seeing-fuser", fuser)
    try:
        archon.System.from_text("name: t\nnodes:\n" + GEN + "  - {id: crit, type: critique, model: fake/a}\n"
                                "  - {id: check, type: verify, model: fake/a}\n"
                                "  - {id: fuse, type: fuse, models: [fake/seeing-fuser]}\n", cache=False).run("q")
    finally:
        unregister_fake_model("seeing-fuser")
    assert "each with a critique" in seen[0] and "Critique of [1]" in seen[0]


def test_critique_cannot_be_the_output() -> None:
    problems = problems_of(GEN + "  - {id: crit, type: critique, model: fake/a}\n")
    assert ("nodes[1]", "a critique node must feed only rank, fuse or verify nodes (its critiques are read by a "
            "rank or fuse)") in problems


# -- unit tests -------------------------------------------------------------------------------


def test_unit_test_generate_feeds_only_unit_test_evaluate() -> None:
    ok = graph_of(GEN + "  - {id: tests, type: unit_test_generate, model: fake/a}\n"
                  "  - {id: judge, type: unit_test_evaluate, model: fake/a}\n")
    assert ok.inputs["judge"] == ("tests",)
    for consumer in ("{id: x, type: fuse, models: [fake/a]}", "{id: x, type: rank, model: fake/a}"):
        problems = problems_of(GEN + "  - {id: tests, type: unit_test_generate, model: fake/a}\n" f"  - {consumer}\n")
        assert any(loc == "nodes[1]" and "must feed only unit_test_evaluate" in msg for loc, msg in problems)


def test_unit_test_generate_cannot_be_the_output() -> None:
    problems = problems_of(GEN + "  - {id: tests, type: unit_test_generate, model: fake/a}\n")
    assert any("must feed only unit_test_evaluate" in msg for _, msg in problems)


def test_unit_test_evaluate_needs_a_generator_input() -> None:
    problems = problems_of(GEN + "  - {id: judge, type: unit_test_evaluate, model: fake/a}\n")
    assert ("nodes[1]", "a unit_test_evaluate node needs a node that writes tests (unit_test_generate or "
            "example_tests) among its inputs") in problems


def test_unit_test_evaluate_in_llm_mode_needs_a_judge_model() -> None:
    problems = problems_of(GEN + "  - {id: tests, type: unit_test_generate, model: fake/a}\n"
                           "  - {id: judge, type: unit_test_evaluate}\n")
    assert any("mode 'llm' needs a `model`" in msg for _, msg in problems)


# -- wiring and output --------------------------------------------------------------------------


def test_default_inputs_are_the_previous_node() -> None:
    graph = graph_of(GEN + "  - {id: crit, type: critique, model: fake/a}\n"
                     "  - {id: rank, type: rank, model: fake/a, top_k: 2}\n"
                     "  - {id: fuse, type: fuse, models: [fake/a]}\n")
    assert graph.inputs == {"gen": (), "crit": ("gen",), "rank": ("crit",), "fuse": ("rank",)}
    assert graph.order == ("gen", "crit", "rank", "fuse")
    assert graph.output == "fuse"


def test_explicit_inputs_override_the_default_and_order_is_topological() -> None:
    graph = graph_of(
        "  - {id: fuse, type: fuse, models: [fake/a], inputs: [gen_a, gen_b]}\n"
        "  - {id: gen_b, type: generate, models: [fake/b], samples: 2}\n"
        "  - {id: gen_a, type: generate, models: [fake/a], samples: 2}\n"
    )
    assert graph.order.index("fuse") == 2
    assert graph.inputs["fuse"] == ("gen_a", "gen_b")
    assert graph.max_candidates == {"gen_a": 2, "gen_b": 2, "fuse": 1}


def test_single_sink_is_the_output() -> None:
    graph = graph_of(GEN + "  - {id: final, type: fuse, models: [fake/a, fake/b]}\n")
    assert graph.output == "final"


def test_explicit_output_with_unreachable_sink_is_rejected() -> None:
    problems = problems_of(
        GEN + "  - {id: best, type: rank, model: fake/a, top_k: 2}\n"
        "  - {id: fused, type: fuse, models: [fake/a], inputs: [best]}\n",
        "output: best\n",
    )
    assert ("nodes[2]", "node 'fused' does not lead to the output 'best'; connect it or remove it") in problems


def test_explicit_output_inside_the_graph() -> None:
    graph = graph_of(GEN + "  - {id: best, type: rank, model: fake/a, top_k: 1}\n", "output: best\n")
    assert graph.output == "best"


def test_several_sinks_need_an_output() -> None:
    problems = problems_of(GEN + "  - {id: a, type: fuse, models: [fake/a], inputs: [gen]}\n"
                           "  - {id: b, type: fuse, models: [fake/a], inputs: [gen]}\n")
    assert any(loc == "output" and "several nodes feed no other node (a, b)" in msg for loc, msg in problems)


def test_rank_top_k_checked_against_static_candidate_count() -> None:
    ok = graph_of(GEN + "  - {id: rank, type: rank, model: fake/a, top_k: 3}\n")
    assert ok.max_candidates["rank"] == 3
    problems = problems_of(GEN + "  - {id: rank, type: rank, model: fake/a, top_k: 4}\n")
    expected = "top_k is 4 but its inputs give at most 3 candidate(s); lower top_k or add candidates"
    assert ("nodes[1]", expected) in problems


def test_max_candidates_follow_each_technique() -> None:
    graph = graph_of(
        "  - {id: gen, type: generate, models: [fake/a, fake/b, fake/a], samples: 2}\n"
        "  - {id: crit, type: critique, model: fake/a}\n"
        "  - {id: rank, type: rank, model: fake/a, top_k: 4}\n"
        "  - {id: check, type: verify, model: fake/a}\n"
        "  - {id: fuse, type: fuse, models: [fake/a, fake/b]}\n"
        "  - {id: vote, type: vote, top_k: 1}\n"
    )
    assert graph.max_candidates == {"gen": 6, "crit": 6, "rank": 4, "check": 4, "fuse": 2, "vote": 1}


def test_cost_estimate_counts_calls_and_depth() -> None:
    graph = graph_of(
        "  - {id: gen, type: generate, models: [fake/a, fake/b], samples: 3}\n"
        "  - {id: crit, type: critique, model: fake/a}\n"
        "  - {id: rank, type: rank, model: fake/a, top_k: 2}\n"
        "  - {id: check, type: verify, model: fake/a}\n"
        "  - {id: fuse, type: fuse, models: [fake/a, fake/b, fake/a]}\n"
    )
    estimate = estimate_cost(graph)
    # 6 samples + 1 critique + 1 rank + 2 x 2 verify + 3 fusers
    assert estimate.calls == 6 + 1 + 1 + 4 + 3
    # generate, critique, rank, verify (two steps), fuse
    assert estimate.depth == 6
    assert estimate.tokens == estimate.prompt_tokens + estimate.completion_tokens > 0
    # Per model: a gets 3 samples, the critique, the rank, the 4 verify calls and 2 fusers.
    assert {m: load.calls for m, load in estimate.by_model.items()} == {"fake/a": 3 + 1 + 1 + 4 + 2, "fake/b": 3 + 1}
    assert sum(load.prompt_tokens for load in estimate.by_model.values()) == estimate.prompt_tokens
    assert sum(load.completion_tokens for load in estimate.by_model.values()) == estimate.completion_tokens
