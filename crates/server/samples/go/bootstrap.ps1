# Runs this sample on Windows: fetches the Coze Go SDK (coze-go), then starts
# the program on http://127.0.0.1:8080/ (or the port in $env:PORT); Go 1.21 or later.
$ErrorActionPreference = "Stop"
Set-Location -Path $PSScriptRoot
if (-not (Select-String -Path go.mod -Pattern "coze-dev/coze-go" -Quiet)) {
    go get github.com/coze-dev/coze-go@latest
    if ($LASTEXITCODE -ne 0) { throw "go get failed" }
}
go mod tidy
if ($LASTEXITCODE -ne 0) { throw "go mod tidy failed" }
go run .
exit $LASTEXITCODE
