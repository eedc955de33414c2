#!/usr/bin/env bash
# Runs this sample: makes a virtual environment in .venv with cozepy, then
# starts the program on http://127.0.0.1:${PORT:-8080}/.
# COZE_SAMPLE_PYTHON: a Python that already has cozepy (no venv, no download).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -n "${COZE_SAMPLE_PYTHON:-}" ]; then
    PYTHON="$COZE_SAMPLE_PYTHON"
else
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    PYTHON=.venv/bin/python
    "$PYTHON" -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi
exec "$PYTHON" main.py
