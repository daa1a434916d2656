#!/usr/bin/env bash
# The quickstart through the command line: register the quickstart's ONNX model, create an online endpoint and a deployment
# from az ml v2 YAML, and invoke it — with azml, on the Emulator (offline Azure ML; local endpoints live only inside the
# process that serves them, so a command line needs a workspace that keeps them: the Emulator or Azure ML).
#
#   bash samples/cli.sh [model.onnx]
#
# The model defaults to the newest samples/outputs/quickstart-*/model.onnx (the quickstart is run first when there is none).
# Needs Azurite (bash eng/services.sh install). Everything is written to a scratch folder and the Emulator is stopped at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

model="${1:-}"
if [ -z "$model" ]; then
  model=$(ls -t "$root"/samples/outputs/quickstart-*/model.onnx 2>/dev/null | head -1 || true)
  if [ -z "$model" ]; then
    echo "== no quickstart model yet: dotnet run samples/quickstart.cs -- --epochs 3"
    (cd "$root" && dotnet run samples/quickstart.cs -- --epochs 3 >/dev/null)
    model=$(ls -t "$root"/samples/outputs/quickstart-*/model.onnx | head -1)
  fi
fi
model="$(cd "$(dirname "$model")" && pwd)/$(basename "$model")"

# AZML_SAMPLE_NO_BUILD=1 uses the Release builds already there (eng/check-docs.sh runs this after the solution's build).
if [ "${AZML_SAMPLE_NO_BUILD:-}" != "1" ] || [ ! -f "$root/sdk/AzureMlSdk.Cli/bin/Release/net10.0/azml.dll" ] || [ ! -f "$root/sdk/AzureMlSdk.Emulator/bin/Release/net10.0/AzureMlSdk.Emulator.dll" ]; then
  dotnet build "$root/sdk/AzureMlSdk.Cli" -c Release -nologo -v:q >/dev/null
  dotnet build "$root/sdk/AzureMlSdk.Emulator" -c Release -nologo -v:q >/dev/null
fi
azml() { dotnet "$root/sdk/AzureMlSdk.Cli/bin/Release/net10.0/azml.dll" "$@"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/azml-sample.XXXXXX")"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export AZUREML_EMULATOR_TOKEN="sample-$RANDOM$RANDOM"
dotnet "$root/sdk/AzureMlSdk.Emulator/bin/Release/net10.0/AzureMlSdk.Emulator.dll" \
  --port "$port" --data "$work/emulator" --start-azurite >"$work/emulator.log" 2>&1 &
emulator=$!
trap 'kill $emulator 2>/dev/null; wait $emulator 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 120); do
  grep -q "listening on" "$work/emulator.log" && break
  kill -0 $emulator 2>/dev/null || { cat "$work/emulator.log"; exit 1; }
  sleep 0.5
done
grep -q "listening on" "$work/emulator.log" || { echo "the Emulator did not start"; cat "$work/emulator.log"; exit 1; }

cd "$work"
# azml finds this config.json (as az ml and the Python SDK do) and sends $AZUREML_EMULATOR_TOKEN to the Emulator.
cat >config.json <<JSON
{
  "subscription_id": "00000000-0000-0000-0000-000000000000",
  "resource_group": "local",
  "workspace_name": "local",
  "resource_manager_endpoint": "http://127.0.0.1:$port"
}
JSON
cat >endpoint.yml <<'YAML'
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
name: quickstart-cli-ep
auth_mode: key
description: the quickstart classifier, deployed from the command line
YAML
cat >blue.yml <<'YAML'
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: quickstart-cli-ep
model: azureml:quickstart-classifier@latest
instance_type: Standard_DS3_v2
instance_count: 1
request_settings:
  request_timeout_ms: 5000
YAML
# The graph ML.NET exports takes the label column as an input too; it plays no part in scoring.
cat >request.json <<'JSON'
{"inputs": {"Features": [[6.1, 2.8, 4.7, 1.2]], "Label": [[""]]}}
JSON

echo "== register";   azml model create --name quickstart-classifier --path "$model" -o table
echo "== endpoint";   azml online-endpoint create -f endpoint.yml -o table
echo "== deployment"; azml online-deployment create -f blue.yml --all-traffic -o table
echo "== invoke";     azml online-endpoint invoke --name quickstart-cli-ep --request-file request.json -o json | tee reply.json
grep -q '"predictions"' reply.json
echo "== endpoint";   azml online-endpoint show --name quickstart-cli-ep -o table
