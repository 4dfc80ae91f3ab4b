"""The techniques (layer types). Importing this package registers the built-ins.

One module per technique, each with its prompt:
generate, critique, rank, fuse, verify, unit_test_generate, example_tests, unit_test_evaluate, vote,
and the adaptive ones: adaptive_vote, choice_shuffle, route, cascade.
"""

from archon.layers import (  # noqa: F401  (imported for registration)
    adaptive_vote,
    cascade,
    choice_shuffle,
    critique,
    example_tests,
    fuse,
    generate,
    rank,
    route,
    unit_test_evaluate,
    unit_test_generate,
    verify,
    vote,
)
from archon.layers.base import Candidate, NodeInputs, NodeOutput, NodeSpec, SingleModelSpec, Technique
from archon.layers.registry import get_technique, register, techniques

__all__ = [
    "Candidate",
    "NodeInputs",
    "NodeOutput",
    "NodeSpec",
    "SingleModelSpec",
    "Technique",
    "get_technique",
    "register",
    "techniques",
]
