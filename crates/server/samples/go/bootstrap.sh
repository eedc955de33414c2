#!/usr/bin/env bash
# Runs this sample: fetches the Coze Go SDK (coze-go), then starts the program
# on http://127.0.0.1:${PORT:-8080}/ (Go 1.21 or later).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! grep -q coze-dev/coze-go go.mod; then
    go get github.com/coze-dev/coze-go@latest
fi
go mod tidy
exec go run .
