#!/usr/bin/env bash
# evaluate: mean squared error of the model on the clean data; write metrics.txt.
set -euo pipefail
data="$1"; model="$2"; out="$3"
a=$(sed -n 's/^a=//p' "$model/model.txt"); b=$(sed -n 's/^b=//p' "$model/model.txt")
awk -F, -v a="$a" -v b="$b" '{ e = a * $1 + b - $2; s += e * e; n++ } END { printf "mse=%.6f\n", s / n }' "$data/clean.csv" > "$out/metrics.txt"
echo "evaluate: $(cat "$out/metrics.txt")"
