#!/usr/bin/env bash
# Write-back benchmark (issue 4): one `gitops bump --runtime-repo git://… --gate direct` end to end (fresh cache, and
# cache reused via --cache-dir) vs a full `git clone` + edit + commit + push, interleaved in the same run, against a
# generated runtime repo (20,000 commits, 5,000-file tree) served by `git daemon` on 127.0.0.1; then 20 concurrent
# bumps of 20 different files from separate processes (wall time, how many landed in the final tree).
# Usage: bench/writeback-bump.sh [--runs N]   (prints Markdown; default 5 runs; `timeout 900` overall)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in git python3 dotnet; do command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }; done
dotnet build src/GitOps.Pipelines.Cli -c Release >/dev/null
exec timeout 900 python3 bench/writeback-bump.py "dotnet src/GitOps.Pipelines.Cli/bin/Release/net10.0/gitops.dll" "$@"
