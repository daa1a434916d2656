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
