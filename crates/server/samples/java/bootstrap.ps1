# Runs this sample on Windows: Maven fetches the Coze Java SDK (coze-api),
# compiles the program and starts it on http://127.0.0.1:8080/ (or the port in
# $env:PORT); Java 17 or later.
$ErrorActionPreference = "Stop"
Set-Location -Path $PSScriptRoot
mvn -q compile exec:java
exit $LASTEXITCODE
