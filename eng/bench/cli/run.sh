#!/usr/bin/env bash
# CLI start-up benchmark: wall time of `azml --version`, `azml workspace show` and `azml model show` on a local workspace,
# median of N runs (default 20), next to the baseline `dotnet <empty console app>` measured in the same run, as ratios.
# Measures the framework-dependent build (dotnet azml.dll, what `dotnet tool install` runs) and, when the runtime pack is
# served, the same app published ReadyToRun. Usage: bash eng/bench/cli/run.sh [runs]
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
if dotnet publish sdk/AzureMlSdk.Cli -c Release -nologo -v:q -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/r2r" >"$out/r2r.log" 2>&1; then
  r2r="$out/r2r/azml.dll"
else
  echo "(ReadyToRun publish failed, measured without it: $(grep -m1 -E 'error' "$out/r2r.log" || tail -1 "$out/r2r.log"))"
fi

# A local workspace with one model, so `model show` reads the registry.
ws="$out/ws"
echo "weights" >"$out/weights.bin"
dotnet "$azml" model create --name bench-model --path "$out/weights.bin" --workspace-dir "$ws" --only-show-errors >/dev/null

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
if [ -n "$r2r" ]; then
  row "azml --version (ReadyToRun)" dotnet "$r2r" --version
  row "azml workspace show (local, ReadyToRun)" dotnet "$r2r" workspace show --workspace-dir "$ws"
  row "azml model show (local, ReadyToRun)" dotnet "$r2r" model show --name bench-model --workspace-dir "$ws"
fi
echo "targets (issue 13): --version <= 250 ms, a show command <= 400 ms"
