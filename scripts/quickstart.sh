#!/usr/bin/env bash
# The main job: set up, then search for the best architecture for HumanEval on the embedded
# local models (no API key, no network), print the leaderboard and export the best system.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh qwen2.5-coder-0.5b smollm2-135m
exec .venv/bin/archon search configs/search/quickstart.yaml "$@"
