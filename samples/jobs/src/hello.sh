#!/bin/sh
# hello.sh <greeting> <text file> <output folder> [--repeat N]
set -eu
greeting="$1"; text="$2"; out="$3"; shift 3
repeat=1
if [ "${1:-}" = "--repeat" ]; then repeat="$2"; fi
i=0
while [ "$i" -lt "$repeat" ]; do echo "$greeting from an AzureMlSdk job"; i=$((i + 1)); done
mkdir -p "$out"
wc -w < "$text" | tr -d ' ' > "$out/word_count.txt"
echo "words: $(cat "$out/word_count.txt")"
