#!/usr/bin/env bash
# Webhook service throughput and latency (issue 5's benchmark), bounded: ROUNDS × DURATION per server.
#  1. wrk on 127.0.0.1 with a signed ~25 KB GitHub push (a fresh X-GitHub-Delivery per request) against
#     `gitops serve` (HMAC verified, JSON parsed, routed: the push names a repo no route covers, so 202 ignored)
#     and against a bare Kestrel endpoint (reads the body, 202) in the same run: requests/s, p99, RSS from /proc.
#  2. merge event in → trigger sent: the real webhook app in-process with a recording ISyncTrigger, p50/p90/p99.
# Prints a Markdown table. Env: ROUNDS (3), DURATION (10s), THREADS (2), CONNECTIONS (32), LATENCY_N (500).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10s} THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-32} LATENCY_N=${LATENCY_N:-500}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
out=artifacts/bench/webhooks
mkdir -p "$out"
secret=bench-secret-$RANDOM

dotnet build src/GitOps.Pipelines.Cli -c Release -v q -nologo >/dev/null
dotnet build bench/webhooks-bench -c Release -v q -nologo >/dev/null
gitops="src/GitOps.Pipelines.Cli/bin/Release/net10.0/gitops.dll"
bench="bench/webhooks-bench/bin/Release/net10.0/webhooks-bench.dll"

# A ~25 KB push: the fixture with padded commits, signed with the secret.
python3 - "$out" "$secret" <<'PY'
import hashlib, hmac, json, sys
out, secret = sys.argv[1], sys.argv[2]
import os
fixture = os.path.join(os.environ.get("FIXTURES", "/work/shared/fixtures"), "github", "push.json")
push = json.load(open(fixture))
base = push["commits"][0] if push.get("commits") else {"id": "0"*40, "message": "m", "added": [], "removed": [], "modified": []}
commits = []
i = 0
while len(json.dumps(dict(push, commits=commits))) < 25 * 1024:
    c = dict(base); c["id"] = hashlib.sha1(str(i).encode()).hexdigest(); c["message"] = f"commit {i}: " + "x" * 200
    c["modified"] = [f"src/file{i}-{k}.cs" for k in range(5)]; commits.append(c); i += 1
push["commits"] = commits
push["repository"]["clone_url"] = "https://github.com/bench/unrouted.git"
body = json.dumps(push).encode()
open(f"{out}/push.json", "wb").write(body)
open(f"{out}/push.sig", "w").write("sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest())
print(f"payload bytes: {len(body)}", file=sys.stderr)
PY

dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
cat > "$dir/gitops.yaml" <<YAML
image: { name: bench/hello }
runtime: { url: https://github.com/bench/runtime.git, branch: main }
environments:
  - name: staging
    path: overlays/staging
sync: { kind: local }
YAML

rss() { awk '/VmRSS|VmHWM/ {sub(":", "", $1); printf "%s=%d ", $1, $2/1024}' "/proc/$1/status"; }

run() { # name port command...
  local name=$1 port=$2; shift 2
  "$@" >"$out/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  BODY_FILE="$out/push.json" SIG_FILE="$out/push.sig" wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s bench/webhooks-push.lua "http://127.0.0.1:$port" >/dev/null # warm-up
  for r in $(seq "$ROUNDS"); do
    line=$(BODY_FILE="$out/push.json" SIG_FILE="$out/push.sig" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/webhooks-push.lua "http://127.0.0.1:$port" | grep '^RESULT')
    echo "$name round=$r $line $(rss $pid)" | tee -a "$out/results.txt" >&2
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

: > "$out/results.txt"
GITOPS_WEBHOOK_GITHUB_SECRET=$secret run serve 18081 dotnet "$gitops" serve --urls http://127.0.0.1:18081 --config "$dir/gitops.yaml"
run bare 18082 dotnet "$bench" bare http://127.0.0.1:18082
latency=$(dotnet "$bench" latency "$LATENCY_N" /work/shared/fixtures/github/pull_request.closed.json)
echo "$latency" | tee -a "$out/results.txt" >&2

python3 - "$out/results.txt" <<'PY'
import re, statistics, sys
rows = {}
lat = None
for line in open(sys.argv[1]):
    if line.startswith("merge-to-trigger"):
        lat = dict(kv.split("=") for kv in line.split()[1:]); continue
    name = line.split()[0]
    kv = dict(m for m in re.findall(r"(\w+)=([\d.]+)", line))
    rows.setdefault(name, []).append(kv)
def med(name, key): return statistics.median(float(r[key]) for r in rows[name])
print("| server | requests/s (median of rounds) | p50 ms | p99 ms | RSS MB (end) | peak RSS MB | non-2xx | errors |")
print("|---|---|---|---|---|---|---|---|")
for name in ("serve", "bare"):
    print(f"| {'gitops serve' if name == 'serve' else 'bare Kestrel'} | {med(name,'rps'):.0f} | {med(name,'p50_ms'):.2f} | {med(name,'p99_ms'):.2f} | "
          f"{rows[name][-1]['VmRSS']} | {max(int(r['VmHWM']) for r in rows[name])} | {sum(int(r['non2xx']) for r in rows[name])} | {sum(int(r['errors']) for r in rows[name])} |")
print(f"\nratio gitops serve / bare Kestrel (requests/s): {med('serve','rps')/med('bare','rps'):.2f}")
if lat: print(f"\nmerge event in → trigger sent (n={lat['n']}): p50 {lat['p50_ms']} ms, p90 {lat['p90_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms")
PY
