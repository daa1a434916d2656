#!/usr/bin/env bash
# Scoring benchmark: wrk against a local online deployment and against a bare Kestrel app calling the same
# ONNX session, in one run. Installs wrk from the Debian packages when missing. Extra arguments go to the program
# (--duration S --connections N --threads N --rounds N).
set -euo pipefail
cd "$(dirname "$0")/../../.."
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || sudo apt-get install -y wrk; }
dotnet run -c Release --project eng/bench/scoring/AzureMlSdk.Bench.Scoring.csproj -- "$@"
