#!/usr/bin/env bash
# Runs this sample: Maven fetches the Coze Java SDK (coze-api), compiles the
# program and starts it on http://127.0.0.1:${PORT:-8080}/ (Java 17 or later).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
exec mvn -q compile exec:java
