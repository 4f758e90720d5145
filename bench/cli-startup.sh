#!/usr/bin/env bash
# Cold-ish start of `gitops --version` (goal ≤ 150 ms), beside `dotnet --version` in the same run.
# Median of 20 runs after 3 warm-ups, measured by hyperfine; prints a Markdown table and the ratio.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
out=artifacts/bench
mkdir -p "$out"
dotnet publish src/GitOps.Pipelines.Cli -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -o "$out/gitops-r2r" >/dev/null
dotnet build src/GitOps.Pipelines.Cli -c Release >/dev/null
hyperfine -N --warmup 3 --runs 20 --export-json "$out/cli-startup.json" \
  -n 'gitops --version (ReadyToRun apphost)' "$out/gitops-r2r/gitops --version" \
  -n 'gitops --version (JIT, dotnet gitops.dll)' "dotnet src/GitOps.Pipelines.Cli/bin/Release/net10.0/gitops.dll --version" \
  -n 'dotnet --version' 'dotnet --version' >/dev/null
python3 - "$out/cli-startup.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = next(x for x in r if x["command"] == "dotnet --version")["median"]
print("| command | median ms | min ms | max ms | ratio to `dotnet --version` |")
print("|---|---|---|---|---|")
for x in r:
    print(f"| {x['command']} | {x['median']*1000:.1f} | {x['min']*1000:.1f} | {x['max']*1000:.1f} | {x['median']/base:.2f} |")
PY
