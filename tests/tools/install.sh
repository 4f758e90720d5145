#!/usr/bin/env bash
# Installs what the tests need and the machine lacks: Debian packages (as root, through apt-get) and the npm
# test tools pinned in tests/tools/package-lock.json. Idempotent; run by .ci/run and by `./build.sh --target Test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# git; skopeo and umoci read what we push; rsync for gitlab-ci-local; jq for the entry points' scripts;
# chromium for the status page; docker-registry (CNCF distribution) and apache2-utils (htpasswd) for registry tests;
# buildah for the buildah builder's tests.
packages=(git skopeo umoci rsync jq chromium docker-registry apache2-utils buildah)
need=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "the tests need these Debian packages: ${need[*]} (install them as root: apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  echo "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  command -v npm >/dev/null || { echo "the entry-point tests need Node.js and npm" >&2; exit 1; }
  npm ci --no-audit --no-fund --loglevel=error
fi
