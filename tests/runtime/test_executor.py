"""Concurrency: every node starts the moment its inputs are ready; branches overlap."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import archon
from archon.runtime.executor import RunResult

MODELS = """
models:
  fast: {model: fake/fast, extra: {fake_latency: 0.05}}
  slow: {model: fake/slow, extra: {fake_latency: 0.5}}
"""


def timing(result: RunResult) -> dict[str, tuple[float, float]]:
    """node -> (start, end) in seconds since the query started."""
    return {e["node"]: (e["start_s"], e["start_s"] + e["elapsed_s"]) for e in result.trace}


def run(text: str, query: str = "q") -> RunResult:
    result: RunResult = archon.System.from_text(f"name: t\n{MODELS}{text}", cache=False).run(query)
    return result


def test_node_starts_as_soon_as_its_own_inputs_are_ready() -> None:
    result = run("""
nodes:
  - {id: gen_fast, type: generate, models: [fast], samples: 2}
  - {id: gen_slow, type: generate, models: [slow], samples: 2}
  - {id: fuse_fast, type: fuse, models: [fast], inputs: [gen_fast]}
  - {id: final, type: fuse, models: [fast], inputs: [fuse_fast, gen_slow]}
""")
    t = timing(result)
    # fuse_fast waits for gen_fast only, not for the slow generate listed before it.
    assert t["fuse_fast"][0] < t["gen_slow"][1] - 0.2
    assert t["fuse_fast"][1] < t["gen_slow"][1]
    assert t["final"][0] >= t["gen_slow"][1] - 0.01
    assert t["gen_fast"][0] < 0.1 and t["gen_slow"][0] < 0.1  # both sources start at once


def test_two_branches_merged_run_concurrently() -> None:
    result = run("""
nodes:
  - {id: gen, type: generate, models: [fast], samples: 3}
  - {id: branch_a, type: fuse, models: [slow], inputs: [gen]}
  - {id: branch_b, type: rank, model: slow, top_k: 2, inputs: [gen]}
  - {id: merge, type: fuse, models: [fast], inputs: [branch_a, branch_b]}
""")
    t = timing(result)
    a, b = t["branch_a"], t["branch_b"]
    assert abs(a[0] - b[0]) < 0.1
    assert a[0] < b[1] and b[0] < a[1]  # the two intervals overlap
    sequential = 0.05 + 0.5 + 0.5 + 0.05
    assert result.latency_s < sequential - 0.3, result.latency_s
    assert t["merge"][0] >= max(a[1], b[1]) - 0.01
    merged_inputs = next(e for e in result.trace if e["node"] == "merge")["inputs"]
    assert merged_inputs == ["branch_a", "branch_b"]


def test_samples_of_a_node_run_concurrently() -> None:
    result = run("nodes:\n  - {id: gen, type: generate, models: [slow], samples: 8}\n")
    assert len(result.candidates) == 8
    assert result.latency_s < 2 * 0.5, result.latency_s  # not 8 x 0.5 s


def test_global_concurrency_limit_is_respected() -> None:
    result = run("nodes:\n  - {id: gen, type: generate, models: [slow], samples: 4}\n"
                 "runtime: {max_concurrency: 2}\n")
    assert result.latency_s >= 2 * 0.5 - 0.05  # two waves of two


def test_per_model_concurrency_limit_from_the_alias() -> None:
    system = archon.System.from_text("""
name: t
models:
  one_at_a_time: {model: fake/serial, max_concurrency: 1, extra: {fake_latency: 0.15}}
nodes:
  - {id: gen, type: generate, models: [one_at_a_time], samples: 3}
""", cache=False)
    result = system.run("q")
    assert result.latency_s >= 3 * 0.15 - 0.02
    assert len(result.candidates) == 3


def test_trace_lists_nodes_in_order_with_calls_and_outputs() -> None:
    result = run("""
nodes:
  - {id: gen, type: generate, models: [fast], samples: 2}
  - {id: crit, type: critique, model: fast}
  - {id: fuse, type: fuse, models: [fast]}
""")
    assert [e["node"] for e in result.trace] == ["gen", "crit", "fuse"]
    entry: dict[str, Any] = result.trace[1]
    assert entry["type"] == "critique" and entry["inputs"] == ["gen"]
    assert len(entry["calls"]) == 1 and entry["calls"][0]["response"]
    assert len(entry["outputs"]) == 2 and all("critique" in o for o in entry["outputs"])
    assert result.answer == result.candidates[0].text == result.trace[-1]["outputs"][0]["text"]


def test_run_inside_a_running_loop_points_to_arun() -> None:
    system = archon.System.from_text("name: t\nnodes:\n  - {id: gen, type: generate, models: [fake/a]}\n", cache=False)

    async def inside() -> str:
        with pytest.raises(RuntimeError, match="arun"):
            system.run("q")
        return (await system.arun("q")).answer

    assert asyncio.run(inside()).startswith("The answer is")
