#!/usr/bin/env bash
# Runs every test of the solution (unit, contract, integration) and eng/check-docs.sh (README scripts, notebook), and prints the totals as
# "N passed, N failed, N skipped" on the last line. Exit code: 0 when nothing failed.
# Usage: bash eng/test.sh [extra dotnet test arguments, e.g. --filter ...]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

# Services the integration tests need are started by their own fixtures (see eng/services.sh).
if [ -x "$root/eng/services.sh" ]; then
  "$root/eng/services.sh" install || { echo "installing test services failed"; echo "0 passed, 1 failed"; exit 1; }
fi

dotnet build AzureMlSdk.sln -c Release -warnaserror -nologo -v:q || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

dotnet test AzureMlSdk.sln -c Release --no-build --nologo \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 5m "$@"
status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
if [ "$files" -eq 0 ] || { [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
  # dotnet test failed without reporting a failed test (crash, hang, no results): count it.
  failed=$((failed + 1))
fi
# README's scripts and the notebook, built (and README's run) where README says to put them.
docs_out="$results/check-docs.log"
bash "$root/eng/check-docs.sh" >"$docs_out" 2>&1
grep -E '^(PASS|FAIL) ' "$docs_out"
docs_counts=$(tail -1 "$docs_out")
docs_passed=$(echo "$docs_counts" | grep -o '^[0-9]* passed' | grep -o '[0-9]*')
docs_failed=$(echo "$docs_counts" | grep -o '[0-9]* failed' | grep -o '[0-9]*')
if [ -z "$docs_passed" ] || [ -z "$docs_failed" ]; then
  echo "eng/check-docs.sh did not finish: $(tail -3 "$docs_out")"
  docs_passed=0; docs_failed=1
fi
passed=$((passed + docs_passed))
failed=$((failed + docs_failed))
# The code style the standards ask for ("dotnet format clean"), checked as one counted test so a change that is not
# format-clean cannot land.
if dotnet format AzureMlSdk.sln --verify-no-changes --no-restore >"$results/format.log" 2>&1; then
  echo "PASS dotnet format --verify-no-changes"; passed=$((passed + 1))
else
  echo "FAIL dotnet format --verify-no-changes:"; grep -E 'error|warning' "$results/format.log" | head -20; failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
