#!/usr/bin/env bash
# Checks that README's scripts and samples/notebook.ipynb work where README says to put them.
#  - Every ```csharp block of README.md that is a complete file-based app (its first line is a #: directive) must be
#    preceded, within its paragraph, by the path README tells users to save it at (e.g. `samples/first.cs`). The block is
#    written into that folder (as _readme_<name>.cs, so nothing in the repository is overwritten), built with the folder's
#    own Directory.Build.props in effect, and run in a scratch folder with a scratch local workspace.
#  - samples/notebook.ipynb must be valid JSON (nbformat 4) and its C# code cells, concatenated in order with the notebook's
#    #i/#r package lines replaced by #:project references, must build as a file-based app in samples/.
# Prints one "PASS name" / "FAIL name" line per check and, last, "N passed, N failed".
# Usage: bash eng/check-docs.sh        (eng/test.sh runs it after the test projects)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

scratch="$(mktemp -d "${TMPDIR:-/tmp}/azureml-docs.XXXXXX")"
written=()
cleanup() {
  for f in "${written[@]}"; do rm -f "$f"; done
  rm -rf "$scratch"
}
trap cleanup EXIT

passed=0; failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# Extraction (python3: JSON and Markdown parsing). Writes the files and prints "name<TAB>path<TAB>run|build" per check,
# or "error<TAB>message" for a block that names no save location.
plan="$scratch/plan.tsv"
python3 - "$root" >"$plan" <<'PY'
import json, os, re, sys
root = sys.argv[1]
lines = open(os.path.join(root, "README.md"), encoding="utf-8").read().split("\n")
i = 0
paragraph = []
while i < len(lines):
    line = lines[i]
    if line.strip().startswith("```csharp"):
        j = i + 1
        body = []
        while j < len(lines) and not lines[j].strip().startswith("```"):
            body.append(lines[j]); j += 1
        if body and body[0].startswith("#:"):
            mentions = re.findall(r"`((?:samples|scripts)/[A-Za-z0-9_\-]+\.cs)`", "\n".join(paragraph))
            if not mentions:
                print(f"error\tREADME line {i + 1}: a complete script (#: directives) without a sentence just above naming where to save it (`samples/<name>.cs`)")
            else:
                target = mentions[-1]
                folder, name = os.path.split(target)
                path = os.path.join(root, folder, "_readme_" + name)
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(body) + "\n")
                print(f"README {target}\t{path}\trun")
        paragraph = []
        i = j + 1
        continue
    if line.strip() == "" and paragraph and paragraph[-1].strip() == "":
        paragraph = []
    paragraph.append(line)
    i += 1

nb_path = os.path.join(root, "samples", "notebook.ipynb")
try:
    nb = json.load(open(nb_path, encoding="utf-8"))
except ValueError as e:
    print(f"error\tsamples/notebook.ipynb is not valid JSON: {e}")
    sys.exit(0)
if nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
    print("error\tsamples/notebook.ipynb is not an nbformat 4 notebook")
    sys.exit(0)
out = ["#:project ../sdk/AzureMlSdk/AzureMlSdk.csproj", "#:project ../sdk/AzureMlSdk.Serving/AzureMlSdk.Serving.csproj"]
usings, code = [], []
for cell in nb["cells"]:
    if cell.get("cell_type") != "code":
        continue
    lang = cell.get("metadata", {}).get("dotnet_interactive", {}).get("language", "csharp")
    if lang != "csharp":
        continue
    for line in "".join(cell.get("source", [])).split("\n"):
        if line.startswith("#i ") or line.startswith("#r "):
            continue
        (usings if line.startswith("using ") and line.rstrip().endswith(";") and "(" not in line else code).append(line)
path = os.path.join(root, "samples", "_notebook_check.cs")
with open(path, "w", encoding="utf-8") as f:
    f.write("\n".join(out + usings + code) + "\n")
print(f"notebook code cells\t{path}\tbuild")
PY

while IFS=$'\t' read -r name path mode; do
  if [ "$name" = "error" ]; then
    fail "docs" "$path"
    continue
  fi
  written+=("$path")
  log="$scratch/$(basename "$path").log"
  if ! dotnet build -c Release -nologo -v:q "$path" >"$log" 2>&1; then
    fail "$name" "does not build where README says to put it: $(grep -E 'error|warning' "$log" | sort -u | head -5)"
    continue
  fi
  if [ "$mode" = "run" ]; then
    work="$scratch/run-$(basename "$path" .cs)"
    mkdir -p "$work"
    if ! (cd "$work" && AZUREML_LOCAL_DIR="$work/ws" timeout 300 dotnet run -c Release --no-build "$path" >"$log" 2>&1); then
      fail "$name" "builds but fails when run: $(tail -5 "$log")"
      continue
    fi
  fi
  pass "$name"
done <"$plan"

if [ $((passed + failed)) -eq 0 ]; then
  fail "docs" "nothing was checked (README has no complete script and the notebook no code?)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
