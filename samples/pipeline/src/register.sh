#!/usr/bin/env bash
# register: gate on the evaluation (mse below the threshold) and package the model with its metrics; the step's output is
# registered as data asset `pipeline-sample-model` when the step completes (outputs.package.name in pipeline.yml).
set -euo pipefail
model="$1"; report="$2"; threshold="$3"; out="$4"
mse=$(sed -n 's/^mse=//p' "$report/metrics.txt")
if awk -v m="$mse" -v t="$threshold" 'BEGIN { exit !(m < t) }'; then
  cp "$model/model.txt" "$report/metrics.txt" "$out/"
  echo "register: mse $mse < $threshold, packaged"
else
  echo "register: mse $mse is not below $threshold; refusing to register" >&2
  exit 1
fi
