"""Shared by the command-line tests."""

from __future__ import annotations

FAKE_SYSTEM = """
name: fake-general
models:
  m: {model: fake/cli}
nodes:
  - {id: gen, type: generate, models: [m], samples: 3}
  - {id: crit, type: critique, model: m}
  - {id: best, type: rank, model: m, top_k: 1}
"""
