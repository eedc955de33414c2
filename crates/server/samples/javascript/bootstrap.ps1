# Runs this sample on Windows: installs @coze/api with npm, then starts the
# program on http://127.0.0.1:8080/ (or the port in $env:PORT); Node.js 18 or later.
$ErrorActionPreference = "Stop"
Set-Location -Path $PSScriptRoot
if (-not (Test-Path "node_modules\@coze\api")) {
    npm install --no-audit --no-fund
    if ($LASTEXITCODE -ne 0) { throw "npm install failed" }
}
node main.mjs
exit $LASTEXITCODE
