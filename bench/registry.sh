#!/usr/bin/env bash
# Registry benchmarks (issue 3): `gitops image copy` vs `skopeo copy` of a 5-layer ~200 MB OCI layout, and tag selection
# by semver among 10,000 tags vs `skopeo list-tags`, against the real CNCF distribution on 127.0.0.1.
# Usage: bench/registry.sh [--runs N] [--only copy|tags]   (prints Markdown; each part stays under 5 minutes)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in docker-registry skopeo python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: bash tests/tools/install.sh installs it" >&2; exit 1; }
done
out=artifacts/bench
mkdir -p "$out"
# The same ReadyToRun apphost as bench/cli-startup.sh measures: what users get from the published tool.
dotnet publish src/GitOps.Pipelines.Cli -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -o "$out/gitops-registry" >/dev/null
timeout 600 python3 bench/registry_bench.py "$out/gitops-registry/gitops" "$@"
