#!/usr/bin/env python3
"""Helper of bench/writeback-bump.sh: generates the runtime repo, serves it with git daemon, times bump vs clone."""
import os, shlex, shutil, socket, statistics, subprocess, sys, tempfile, time

GITOPS = shlex.split(sys.argv[1])
RUNS = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
COMMITS, FILES, CONCURRENT = 20_000, 5_000, 20
# git daemon's default --max-connections=32 kills a live child from the same address (all of ours are 127.0.0.1)
# when full; under load the 20 bumps' fetches/pushes reach it and one sees "Connection reset by peer". 0 = no limit.
MAX_CONN = "--max-connections=" + os.environ.get("DAEMON_MAX_CONNECTIONS", "0")
OUT = os.path.abspath("artifacts/bench/writeback")
ENV = dict(os.environ, LC_ALL="C", GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
           GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid",
           GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")


def kustomization(tag):
    return (f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n"
            f"images:\n  - name: hello\n    newName: localhost/hello\n    newTag: {tag}\n").encode()


def generate(bare):
    """20,000 commits on a 5,000-file tree via git fast-import; deterministic (fixed dates, fixed content)."""
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", bare], check=True, env=ENV)
    out = bytearray()
    def blob(data):
        out.extend(b"data %d\n" % len(data)); out.extend(data); out.extend(b"\n")
    for c in range(COMMITS):
        msg = f"commit {c}\n".encode()
        out.extend(b"commit refs/heads/main\n")
        out.extend(b"committer bench <bench@example.invalid> %d +0000\n" % (1_700_000_000 + c))
        blob(msg)
        if c == 0:
            for f in range(FILES):
                out.extend(f"M 100644 inline src/d{f // 100:02d}/f{f:04d}.txt\n".encode())
                blob(f"file {f} version 0\n".encode())
            out.extend(b"M 100644 inline overlays/staging/kustomization.yaml\n"); blob(kustomization("v0"))
            for i in range(CONCURRENT):
                out.extend(f"M 100644 inline overlays/app-{i:02d}/kustomization.yaml\n".encode()); blob(kustomization("v0"))
        else:
            f = (c * 7919) % FILES
            out.extend(f"M 100644 inline src/d{f // 100:02d}/f{f:04d}.txt\n".encode())
            blob(f"file {f} version {c}\n".encode())
        out.extend(b"\n")
    subprocess.run(["git", "-C", bare, "fast-import", "--quiet"], input=bytes(out), check=True, env=ENV)
    subprocess.run(["git", "-C", bare, "repack", "-adq"], check=True, env=ENV)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def timed(cmd, **kw):
    t = time.monotonic()
    subprocess.run(cmd, check=True, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    return time.monotonic() - t


def tip_file(bare, path):
    return subprocess.run(["git", "-C", bare, "show", f"main:{path}"], capture_output=True, check=True).stdout.decode()


LOAD0 = f"{os.getloadavg()[0]:.2f}"


def main():
    shutil.rmtree(OUT, ignore_errors=True); os.makedirs(OUT)
    base = os.path.join(OUT, "srv"); bare = os.path.join(base, "repo.git")
    t = time.monotonic(); generate(bare); gen_s = time.monotonic() - t
    size = subprocess.run(["du", "-sh", bare], capture_output=True, text=True).stdout.split()[0]
    port = free_port(); url = f"git://127.0.0.1:{port}/repo.git"
    daemon = subprocess.Popen(["git", "daemon", "--export-all", "--enable=receive-pack", "--reuseaddr", MAX_CONN,
                               f"--base-path={base}", "--listen=127.0.0.1", f"--port={port}", base],
                              env=ENV, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run(["git", "ls-remote", url], capture_output=True, env=ENV).returncode == 0: break
            time.sleep(0.1)
        path = "overlays/staging/kustomization.yaml"
        bump = GITOPS + ["bump", "--runtime-repo", url, "--path", path, "--image", "hello", "--gate", "direct"]
        warm = os.path.join(OUT, "cache-warm")
        subprocess.run(bump + ["--tag", "warm", "--cache-dir", warm], check=True, env=ENV, capture_output=True)
        times = {"fresh": [], "reused": [], "clone": []}
        n = 0
        for r in range(RUNS):
            order = ["fresh", "reused", "clone"] if r % 2 == 0 else ["clone", "reused", "fresh"]
            for kind in order:
                n += 1; tag = f"v{n}"
                if kind == "fresh":
                    cache = os.path.join(OUT, f"cache-{n}")
                    times[kind].append(timed(bump + ["--tag", tag, "--cache-dir", cache]))
                    shutil.rmtree(cache, ignore_errors=True)
                elif kind == "reused":
                    times[kind].append(timed(bump + ["--tag", tag, "--cache-dir", warm]))
                else:
                    work = os.path.join(OUT, f"clone-{n}")
                    t = time.monotonic()
                    subprocess.run(["git", "clone", "-q", url, work], check=True, env=ENV)
                    f = os.path.join(work, path)
                    with open(f, "rb") as fh: text = fh.read()
                    with open(f, "wb") as fh: fh.write(text.replace(b"newTag: " + text.split(b"newTag: ")[1].split(b"\n")[0], b"newTag: " + tag.encode()))
                    subprocess.run(["git", "-C", work, "commit", "-qam", f"bump hello to {tag}"], check=True, env=ENV)
                    subprocess.run(["git", "-C", work, "push", "-q", "origin", "main"], check=True, env=ENV)
                    times[kind].append(time.monotonic() - t)
                    shutil.rmtree(work, ignore_errors=True)
                assert f"newTag: {tag}\n" in tip_file(bare, path), f"{kind} run {n}: {tag} not on main"
        # 20 concurrent bumps of 20 different files, separate processes, each with its own fresh cache.
        procs = []
        t = time.monotonic()
        for i in range(CONCURRENT):
            cmd = GITOPS + ["bump", "--runtime-repo", url, "--path", f"overlays/app-{i:02d}/kustomization.yaml",
                            "--image", "hello", "--tag", f"c{i}", "--gate", "direct",
                            "--cache-dir", os.path.join(OUT, f"cache-c{i}")]
            procs.append(subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        codes = [p.wait() for p in procs]
        conc_s = time.monotonic() - t
        failed = [(i, p.stderr.read().decode()[-300:]) for i, p in enumerate(procs) if codes[i] != 0]
        landed = sum(f"newTag: c{i}\n" in tip_file(bare, f"overlays/app-{i:02d}/kustomization.yaml") for i in range(CONCURRENT))
        commits = subprocess.run(["git", "-C", bare, "rev-list", "--count", "main"], capture_output=True, text=True).stdout.strip()
    finally:
        daemon.terminate(); daemon.wait()

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"git daemon {MAX_CONN}; load average at the start / end: {LOAD0} / {os.getloadavg()[0]:.2f}.")
    print(f"Runtime repo: {COMMITS:,} commits, {FILES:,}-file tree (+21 kustomizations), {size} packed; generated in {gen_s:.1f} s (git fast-import + repack).\n")
    print(f"### One bump end to end ({RUNS} runs each, interleaved)\n")
    print("| command | median s | min s | max s | ratio to full clone + edit + commit + push |")
    print("|---|---|---|---|---|")
    names = {"fresh": "gitops bump (fresh cache)", "reused": "gitops bump (--cache-dir reused)",
             "clone": "git clone + edit + commit + push"}
    for k in ("fresh", "reused", "clone"):
        v = times[k]
        print(f"| {names[k]} | {med[k]:.2f} | {min(v):.2f} | {max(v):.2f} | {med[k] / med['clone']:.2f} |")
    print(f"\nSpeed-up vs full clone: fresh cache {med['clone'] / med['fresh']:.1f}×, reused cache {med['clone'] / med['reused']:.1f}×.")
    print(f"Runs (s): " + "; ".join(f"{k} " + " / ".join(f"{x:.2f}" for x in times[k]) for k in times))
    print(f"\n### {CONCURRENT} concurrent bumps of {CONCURRENT} different files (separate processes, fresh cache each)\n")
    print("| processes | wall s | exit 0 | landed in final tree | commits on main after |")
    print("|---|---|---|---|---|")
    print(f"| {CONCURRENT} | {conc_s:.2f} | {CONCURRENT - len(failed)} | {landed} / {CONCURRENT} | {commits} |")
    for i, err in failed:
        print(f"\nprocess {i} failed: {err.strip()}")


main()
