"""The techniques (layer types). Importing this package registers the built-ins.

One module per technique, each with its prompt:
generate, critique, rank, fuse, verify, unit_test_generate, example_tests, unit_test_evaluate, vote.
"""

from archon.layers import (  # noqa: F401  (imported for registration)
    critique,
    example_tests,
    fuse,
    generate,
    rank,
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
