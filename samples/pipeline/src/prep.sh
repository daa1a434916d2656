#!/usr/bin/env bash
# prep: drop the header and rows with a missing value; write clean.csv.
set -euo pipefail
raw="$1"; out="$2"
awk -F, 'NR > 1 && $1 != "" && $2 != "" { print $1 "," $2 }' "$raw" > "$out/clean.csv"
echo "prep: kept $(wc -l < "$out/clean.csv") of $(( $(wc -l < "$raw") - 1 )) rows"
