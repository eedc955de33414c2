# Runs this sample on Windows: makes a virtual environment in .venv with cozepy,
# then starts the program on http://127.0.0.1:8080/ (or the port in $env:PORT).
# COZE_SAMPLE_PYTHON: a Python that already has cozepy (no venv, no download).
$ErrorActionPreference = "Stop"
Set-Location -Path $PSScriptRoot
if ($env:COZE_SAMPLE_PYTHON) {
    $python = $env:COZE_SAMPLE_PYTHON
} else {
    if (-not (Test-Path ".venv\Scripts\python.exe")) {
        python -m venv .venv
        if ($LASTEXITCODE -ne 0) { throw "python -m venv failed" }
    }
    $python = ".venv\Scripts\python.exe"
    & $python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
}
& $python main.py
exit $LASTEXITCODE
