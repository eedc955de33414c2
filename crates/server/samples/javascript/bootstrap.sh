#!/usr/bin/env bash
# Runs this sample: installs @coze/api with npm, then starts the program on
# http://127.0.0.1:${PORT:-8080}/ (Node.js 18 or later).
# COZE_SAMPLE_NODE_MODULES: a node_modules directory that already has
# @coze/api, linked here instead of running npm install; COZE_SAMPLE_NODE: the
# node executable (default: node on the PATH).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -n "${COZE_SAMPLE_NODE_MODULES:-}" ]; then
    [ -e node_modules ] || ln -s "$COZE_SAMPLE_NODE_MODULES" node_modules
elif [ ! -d node_modules/@coze/api ]; then
    npm install --no-audit --no-fund
fi
exec "${COZE_SAMPLE_NODE:-node}" main.mjs
