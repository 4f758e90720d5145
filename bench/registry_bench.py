#!/usr/bin/env python3
"""Registry benchmarks for GitOps.Pipelines (issue 3), against the real CNCF distribution on 127.0.0.1.

  copy   a 5-layer ~200 MB OCI layout (random, incompressible, generated from a fixed seed) to the registry:
         `gitops image copy` vs `skopeo copy`, interleaved, each run into a fresh registry (new storage, new port,
         so neither tool can mount or skip a blob from an earlier run); medians and ratio. Then a second copy of
         the unchanged image to the same repository: upload requests counted in the registry's access log.
  tags   a repository with 10,000 tags: `gitops tags select --page-size 1000` (semver) vs `skopeo list-tags`,
         through a loopback paging proxy (Debian's distribution 2.8 ignores `n`); registry requests counted by
         the proxy, wall time medians.

Prints Markdown. Usage: registry_bench.py GITOPS_CMD [--runs N] [--only copy|tags]
"""
import argparse
import hashlib
import http.client
import http.server
import io
import json
import os
import random
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "artifacts", "bench", "registry")
LAYERS, LAYER_BYTES, SEED = 5, 40 * 1024 * 1024, 20261122


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """docker-registry serve with a throwaway config and storage; access log on (one line per request)."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-", dir=WORK)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        config = os.path.join(self.dir, "config.yml")
        with open(config, "w") as f:
            f.write(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: {self.dir}/storage
http:
  addr: {self.host}
  secret: bench
""")
        self.log = open(os.path.join(self.dir, "access.log"), "w+")
        self.process = subprocess.Popen(["docker-registry", "serve", config], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection(self.host, timeout=2)
                c.request("GET", "/v2/")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"docker-registry did not start on {self.host}")

    def log_lines(self):
        self.log.flush()
        with open(self.log.name) as f:
            return [l for l in f if '"' in l and "HTTP/1.1" in l]

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------ the 5-layer layout

def blob(layout, data, media_type):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest[7:])
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def make_layout(layout):
    """Five uncompressed tar layers of one 40 MiB random file each, from a fixed seed: same bytes every time."""
    if os.path.exists(os.path.join(layout, "index.json")):
        return
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    layers, diff_ids = [], []
    for i in range(LAYERS):
        payload = random.Random(SEED + i).randbytes(LAYER_BYTES)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo(f"data/layer-{i}.bin")
            info.size, info.mtime, info.mode = len(payload), 0, 0o644
            tar.addfile(info, io.BytesIO(payload))
        data = buf.getvalue()
        layers.append(blob(layout, data, "application/vnd.oci.image.layer.v1.tar"))
        diff_ids.append(layers[-1]["digest"])
    config = json.dumps({"created": "2026-11-22T00:00:00Z", "architecture": "amd64", "os": "linux",
                         "config": {}, "rootfs": {"type": "layers", "diff_ids": diff_ids}}, separators=(",", ":")).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": blob(layout, config, "application/vnd.oci.image.config.v1+json"), "layers": layers},
                          separators=(",", ":")).encode()
    m = blob(layout, manifest, "application/vnd.oci.image.manifest.v1+json")
    m["annotations"] = {"org.opencontainers.image.ref.name": "1.0.0"}
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [m]}, f)


def timed(cmd):
    start = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return elapsed


def uploads(lines):
    return sum(1 for l in lines if re.search(r'"(POST|PATCH|PUT) /v2/[^ ]*/blobs/uploads/', l))


def bench_copy(gitops, runs):
    layout = os.path.join(WORK, "layout-5x40MiB")
    make_layout(layout)
    size = sum(os.path.getsize(os.path.join(layout, "blobs", "sha256", b)) for b in os.listdir(os.path.join(layout, "blobs", "sha256")))
    tools = {
        "gitops image copy": lambda host, repo: gitops + ["image", "copy", f"oci:{layout}:1.0.0", f"docker://{host}/{repo}:1.0.0"],
        "skopeo copy": lambda host, repo: ["skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"oci:{layout}:1.0.0",
                                           f"docker://{host}/{repo}:1.0.0"],
    }
    times = {name: [] for name in tools}
    second = {}
    for run in range(runs):
        for name, make in (tools.items() if run % 2 == 0 else reversed(list(tools.items()))):
            registry = Registry("copy")
            try:
                times[name].append(timed(make(registry.host, f"fresh{run}")))
                lines = registry.log_lines()
                first = uploads(lines)
                if first < LAYERS + 1:
                    raise SystemExit(f"{name}: the access log shows {first} upload requests for the first copy; cannot count the second")
                timed(make(registry.host, f"fresh{run}"))
                second[name] = second.get(name, []) + [f"{first} → {uploads(registry.log_lines()[len(lines):])}"]
                if run == 0 and name.startswith("gitops"):
                    raw = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{registry.host}/fresh0:1.0.0"],
                                         capture_output=True, check=True).stdout
                    want = json.load(open(os.path.join(layout, "index.json")))["manifests"][0]["digest"]
                    if "sha256:" + hashlib.sha256(raw).hexdigest() != want:
                        raise SystemExit("gitops pushed a different manifest than the layout's")
            finally:
                registry.stop()
    base = statistics.median(times["skopeo copy"])
    print(f"\n### Copy a {LAYERS}-layer {size / 1e6:.0f} MB OCI layout to the local registry ({runs} runs each, interleaved, fresh registry per run)\n")
    print("| command | median s | min s | max s | ratio to skopeo | upload requests, first copy → second copy of the same image (each run) |")
    print("|---|---|---|---|---|---|")
    for name, t in times.items():
        print(f"| {name} | {statistics.median(t):.2f} | {min(t):.2f} | {max(t):.2f} | {statistics.median(t) / base:.2f} | "
              f"{', '.join(map(str, second[name]))} |")


# ------------------------------------------------------------------ 10,000 tags

class PagingProxy(http.server.ThreadingHTTPServer):
    """Forwards GET/HEAD to the registry; pages tags/list?n= with a Link header (the upstream list is read once and
    cached: the repository does not change during the benchmark). Counts requests per user agent."""

    def __init__(self, upstream):
        self.upstream, self.counts, self.cache, self.lock = upstream, {}, {}, threading.Lock()
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.host = f"127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle(self):
        # A TLS ClientHello (a client probing HTTPS first) is closed at once, as Go's server in the registry answers it.
        try:
            if self.request.recv(1, socket.MSG_PEEK) == b"\x16":
                return
        except OSError:
            return
        super().handle()

    def _count(self):
        agent = self.headers.get("User-Agent", "").split("/")[0]
        with self.server.lock:
            self.server.counts.setdefault(agent, []).append(f"{self.command} {urllib.parse.urlsplit(self.path).path}")

    def _upstream(self, method, path):
        c = http.client.HTTPConnection(self.server.upstream, timeout=60)
        c.request(method, path, headers={"Accept": self.headers.get("Accept", "*/*")})
        r = c.getresponse()
        return r.status, r.getheaders(), r.read()

    def _send(self, status, headers, body):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self._count()
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path.endswith("/tags/list") and "n" in query:
            with self.server.lock:
                tags = self.server.cache.get(url.path)
            if tags is None:
                status, headers, body = self._upstream("GET", url.path)
                if status != 200:
                    return self._send(status, headers, body)
                tags = sorted(json.loads(body)["tags"] or [])
                with self.server.lock:
                    self.server.cache[url.path] = tags
            n, last = int(query["n"][0]), query.get("last", [None])[0]
            start = 0 if last is None else next((i for i, t in enumerate(tags) if t > last), len(tags))
            page = tags[start:start + n]
            headers = [("Content-Type", "application/json")]
            if start + n < len(tags):
                headers.append(("Link", f'<{url.path}?n={n}&last={urllib.parse.quote(page[-1])}>; rel="next"'))
            return self._send(200, headers, json.dumps({"name": url.path[4:-10], "tags": page}).encode())
        self._send(*self._upstream(self.command, self.path))


def put_tags(host, repo, count):
    """A tiny image (config only), then `count` semver tags on its manifest, over keep-alive connections."""
    config = b'{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}'
    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    c = http.client.HTTPConnection(host)
    c.request("POST", f"/v2/{repo}/blobs/uploads/")
    r = c.getresponse(); r.read()
    location = r.getheader("Location")
    location = location + ("&" if "?" in location else "?") + "digest=" + digest
    c.request("PUT", urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl(), body=config,
              headers={"Content-Type": "application/octet-stream"})
    r = c.getresponse(); r.read()
    assert r.status == 201, r.status
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest, "size": len(config)},
                           "layers": []}).encode()
    tags = [f"{i // 1000}.{(i // 10) % 100}.{i % 10}" for i in range(count)]

    def worker(chunk):
        conn = http.client.HTTPConnection(host)
        for tag in chunk:
            conn.request("PUT", f"/v2/{repo}/manifests/{tag}", body=manifest,
                         headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            resp = conn.getresponse(); resp.read()
            assert resp.status == 201, (tag, resp.status)

    threads = [threading.Thread(target=worker, args=(tags[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return max(tags, key=lambda t: tuple(map(int, t.split("."))))


def bench_tags(gitops, runs, count=10_000, page=1000):
    registry = Registry("tags")
    try:
        started = time.perf_counter()
        highest = put_tags(registry.host, "many", count)
        setup = time.perf_counter() - started
        proxy = PagingProxy(registry.host)
        select = gitops + ["tags", "select", "--image", f"docker://{proxy.host}/many", "--page-size", str(page), "--constraint", ">=0.0.0"]
        listing = ["skopeo", "list-tags", "--tls-verify=false", f"docker://{proxy.host}/many"]
        chosen = subprocess.run(select, capture_output=True, text=True, check=True).stdout.strip()
        if chosen != highest:
            raise SystemExit(f"gitops tags select chose {chosen}, the highest of {count} is {highest}")
        listed = json.loads(subprocess.run(listing, capture_output=True, text=True, check=True).stdout)["Tags"]
        if len(listed) != count:
            raise SystemExit(f"skopeo listed {len(listed)} tags, expected {count}")
        proxy.counts.clear()
        times = {"gitops tags select (semver, --page-size 1000)": [], "skopeo list-tags": []}
        for run in range(runs):
            times["gitops tags select (semver, --page-size 1000)"].append(timed(select))
            times["skopeo list-tags"].append(timed(listing))
        requests = {"gitops tags select (semver, --page-size 1000)": len(proxy.counts.get("gitops-pipelines", [])) / runs,
                    "skopeo list-tags": len(proxy.counts.get("skopeo", [])) / runs}
        manifests = sum(1 for r in proxy.counts.get("gitops-pipelines", []) if "/manifests/" in r)
        base = statistics.median(times["skopeo list-tags"])
        print(f"\n### Select by semver among {count:,} tags ({runs} runs each; tags put in {setup:.0f} s; selected {chosen})\n")
        print("| command | registry requests per run | median s | min s | max s | ratio to skopeo list-tags |")
        print("|---|---|---|---|---|---|")
        for name, t in times.items():
            print(f"| {name} | {requests[name]:g} | {statistics.median(t):.2f} | {min(t):.2f} | {max(t):.2f} | {statistics.median(t) / base:.2f} |")
        print(f"\ngitops requests in one run: {', '.join(sorted(set(proxy.counts.get('gitops-pipelines', []))))[:300]}; "
              f"manifest requests in all runs: {manifests}.")
        proxy.shutdown()
    finally:
        registry.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("gitops", help="how to run gitops, e.g. 'artifacts/bench/gitops-registry/gitops'")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["copy", "tags"])
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    gitops = shlex.split(args.gitops)
    if args.only in (None, "copy"):
        bench_copy(gitops, args.runs)
    if args.only in (None, "tags"):
        bench_tags(gitops, args.runs)


if __name__ == "__main__":
    sys.exit(main())
