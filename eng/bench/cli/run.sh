#!/usr/bin/env bash
# CLI start-up benchmark: wall time of `azml --version`, `azml workspace show`, `azml model show` and `azml job show` on a
# local workspace, median of N runs (default 20), next to the baseline `dotnet <empty console app>` measured in the same
# run, as ratios. Measures the framework-dependent build (dotnet azml.dll, what a plain `dotnet pack` tool runs) and the
# ReadyToRun tool that `dotnet pack -p:RuntimeIdentifiers=<rid> -p:PublishReadyToRun=true` makes (a RID-specific tool
# package, .NET 10), installed with `dotnet tool install --tool-path`. Usage: bash eng/bench/cli/run.sh [runs]
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
runs="${1:-20}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out="$root/artifacts/bench-cli"
rm -rf "$out"; mkdir -p "$out"

dotnet build sdk/AzureMlSdk.Cli -c Release -nologo -v:q >"$out/build.log" || { cat "$out/build.log"; exit 1; }
dotnet build eng/bench/cli/empty/Empty.csproj -c Release -nologo -v:q -o "$out/empty" >"$out/build-empty.log" || { cat "$out/build-empty.log"; exit 1; }
azml="$root/sdk/AzureMlSdk.Cli/bin/Release/net10.0/azml.dll"
r2r=""
rid="$(dotnet --info | sed -n 's/^ *RID: *//p' | head -1)"
# The packed ReadyToRun tool (its build goes to bin/Release/net10.0/<rid>/, beside the framework-dependent one).
if dotnet pack sdk/AzureMlSdk.Cli -c Release -nologo -v:q -o "$out/feed" -p:RuntimeIdentifiers="$rid" -p:PublishReadyToRun=true >"$out/r2r.log" 2>&1 \
   && dotnet tool install AzureMlSdk.Cli --tool-path "$out/tools" --add-source "$out/feed" >>"$out/r2r.log" 2>&1; then
  r2r="$out/tools/azml"
else
  echo "(ReadyToRun tool pack failed, measured without it: $(grep -m1 -E 'error' "$out/r2r.log" || tail -1 "$out/r2r.log"))"
fi

# A local workspace with one model, so `model show` reads the registry.
ws="$out/ws"
echo "weights" >"$out/weights.bin"
dotnet "$azml" model create --name bench-model --path "$out/weights.bin" --workspace-dir "$ws" --only-show-errors >/dev/null
# And one finished job, so `job show` reads the job store.
printf 'command: echo bench\nexperiment_name: bench\ncompute: local\n' >"$out/job.yml"
dotnet "$azml" job create -f "$out/job.yml" --name bench-job --stream --workspace-dir "$ws" --only-show-errors >/dev/null 2>&1

# median_ms <command...>: runs it $runs times (after one warm-up), prints the median wall time in ms.
median_ms() {
  "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; exit 1; }
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

baseline=$(median_ms dotnet "$out/empty/Empty.dll")
printf '%-46s %8s %8s\n' "command (median of $runs, wall time)" "ms" "x empty"
printf '%-46s %8d %8s\n' "dotnet <empty console app> (baseline)" "$baseline" "1.00"
row() {
  local label="$1"; shift
  local ms; ms=$(median_ms "$@")
  printf '%-46s %8d %8s\n' "$label" "$ms" "$(awk -v a="$ms" -v b="$baseline" 'BEGIN { printf "%.2f", a / b }')"
}
row "azml --version" dotnet "$azml" --version
row "azml workspace show (local)" dotnet "$azml" workspace show --workspace-dir "$ws"
row "azml model show (local)" dotnet "$azml" model show --name bench-model --workspace-dir "$ws"
row "azml job show (local)" dotnet "$azml" job show --name bench-job --workspace-dir "$ws"
if [ -n "$r2r" ]; then
  row "azml --version (packed, ReadyToRun)" "$r2r" --version
  row "azml workspace show (local, ReadyToRun)" "$r2r" workspace show --workspace-dir "$ws"
  row "azml model show (local, ReadyToRun)" "$r2r" model show --name bench-model --workspace-dir "$ws"
  row "azml job show (local, ReadyToRun)" "$r2r" job show --name bench-job --workspace-dir "$ws"
fi
echo "targets (issue 13): --version <= 250 ms, a show command <= 400 ms"
