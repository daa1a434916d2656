#!/usr/bin/env bash
# train: fit y = a*x + b by gradient descent (learning rate, epochs); write model.txt.
set -euo pipefail
data="$1"; lr="$2"; epochs="$3"; out="$4"
awk -F, -v lr="$lr" -v epochs="$epochs" '
  { x[NR] = $1; y[NR] = $2; n = NR }
  END {
    a = 0; b = 0
    for (e = 1; e <= epochs; e++) {
      ga = 0; gb = 0
      for (i = 1; i <= n; i++) { err = a * x[i] + b - y[i]; ga += err * x[i]; gb += err }
      a -= lr * ga / n / 50; b -= lr * gb / n
    }
    printf "a=%.6f\nb=%.6f\n", a, b
  }' "$data/clean.csv" > "$out/model.txt"
echo "train: $(tr '\n' ' ' < "$out/model.txt")"

# The training error, logged as the run's metric train_mse through the MLflow REST API the job's environment points at (what a
# sweep over this component optimises: samples/pipeline/pipeline_sweep.yml). Any MLflow client would do; curl keeps this bash.
a=$(sed -n 's/^a=//p' "$out/model.txt"); b=$(sed -n 's/^b=//p' "$out/model.txt")
mse=$(awk -F, -v a="$a" -v b="$b" '{ e = a * $1 + b - $2; s += e * e; n++ } END { printf "%.6f", s / n }' "$data/clean.csv")
echo "train: train_mse=$mse"
if [ -n "${MLFLOW_TRACKING_URI:-}" ] && [ -n "${MLFLOW_RUN_ID:-}" ] && command -v curl > /dev/null; then
  curl -sf -X POST "${MLFLOW_TRACKING_URI%/}/api/2.0/mlflow/runs/log-metric" \
    -H 'Content-Type: application/json' ${MLFLOW_TRACKING_TOKEN:+-H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN"} \
    -d "{\"run_id\":\"$MLFLOW_RUN_ID\",\"key\":\"train_mse\",\"value\":$mse,\"timestamp\":$(date +%s)000,\"step\":0}" > /dev/null \
    || echo "train: could not log train_mse to $MLFLOW_TRACKING_URI" >&2
fi
