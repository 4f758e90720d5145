#!/usr/bin/env bash
# Builder benchmark (issue 3): `dotnet publish examples/hello`, then `gitops build` of it with each available builder
# (builtin, buildah, dotnet), wall time median
# of N builds per builder (fresh output each), and whether the builds give one manifest digest.
# Each build runs in a throwaway git repo holding a copy of gitops.yaml (image.context → the publish folder,
# image.builder → the builder) and one commit with a fixed date; SOURCE_DATE_EPOCH is fixed. The dotnet builder needs its
# base in a registry: a throwaway docker-registry on 127.0.0.1 gets the builtin build (`gitops image copy`) as base
# (WITH_DOTNET=0 skips it; it is skipped when docker-registry is missing).
# Usage: bench/builders-hello.sh [--runs N]   (prints Markdown; default 3; `timeout 900` overall)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=3; [[ "${1:-}" == "--runs" ]] && runs=$2
out=$PWD/artifacts/bench/builders; rm -rf "$out"; mkdir -p "$out"
dotnet build src/GitOps.Pipelines.Cli -c Release >/dev/null
gitops=(dotnet "$PWD/src/GitOps.Pipelines.Cli/bin/Release/net10.0/gitops.dll")
dotnet publish examples/hello -c Release -o "$out/publish" >/dev/null
DOTNET_BASE=
builders=(builtin)
command -v buildah >/dev/null && builders+=(buildah)
[[ "${WITH_DOTNET:-1}" == 1 ]] && command -v docker-registry >/dev/null && builders+=(dotnet)
reg_pid=; trap '[[ -n $reg_pid ]] && kill "$reg_pid"' EXIT
start_base_registry() {  # the builtin image as the dotnet builder's base, in a registry on 127.0.0.1
  local port; port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$out/registry"
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$out/registry/data" "$port" > "$out/registry/config.yml"
  docker-registry serve "$out/registry/config.yml" >"$out/registry/log" 2>&1 & reg_pid=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
  "${gitops[@]}" image copy "oci:$out/repo-builtin/.gitops/build:main" "docker://127.0.0.1:$port/base:1" >/dev/null
  DOTNET_BASE=127.0.0.1:$port/base:1
}
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
export GIT_AUTHOR_DATE='2023-11-14T22:13:20Z' GIT_COMMITTER_DATE='2023-11-14T22:13:20Z'
results=$out/results.tsv; : > "$results"
for b in "${builders[@]}"; do
  repo=$out/repo-$b; mkdir -p "$repo"
  if [[ $b == dotnet ]]; then ctx=$PWD/examples/hello; start_base_registry; else ctx=$out/publish; fi
  sed -e "s|^  context: .*|  context: $ctx|" -e "s|^  builder: .*|  builder: $b|" \
      ${DOTNET_BASE:+-e "s|^  base: .*|  base: $DOTNET_BASE|"} gitops.yaml > "$repo/gitops.yaml"
  git -C "$repo" init -q -b main && git -C "$repo" add gitops.yaml && git -C "$repo" commit -qm 'bench: builders'
  for ((i = 1; i <= runs; i++)); do
    rm -rf "$repo/.gitops/build"
    t0=$(date +%s.%N)
    if ! (cd "$repo" && "${gitops[@]}" build >"$out/$b-$i.log" 2>&1); then
      echo "$b build $i failed:" >&2; tail -5 "$out/$b-$i.log" >&2; printf '%s\t%s\tFAILED\t-\n' "$b" "$i" >> "$results"; continue
    fi
    t1=$(date +%s.%N)
    digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$repo/.gitops/build/index.json")
    printf '%s\t%s\t%s\t%s\n' "$b" "$i" "$(echo "$t1 - $t0" | bc)" "$digest" >> "$results"
  done
done
python3 - "$results" "$runs" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print(f"| builder | builds | median s | min s | max s | distinct manifest digests | digest |")
print("|---|---|---|---|---|---|---|")
for b in dict.fromkeys(r[0] for r in rows):
    ok = [r for r in rows if r[0] == b and r[2] != "FAILED"]
    if not ok:
        print(f"| {b} | 0 of {sys.argv[2]} (failed) | – | – | – | – | – |"); continue
    t = [float(r[2]) for r in ok]; d = sorted({r[3] for r in ok})
    print(f"| {b} | {len(ok)} of {sys.argv[2]} | {statistics.median(t):.2f} | {min(t):.2f} | {max(t):.2f} | {len(d)} | {', '.join(x[:19] + '…' for x in d)} |")
PY
