#!/usr/bin/env bash
# Runs build/build.cake with Cake.Tool from the repo's tool manifest; every argument passes through.
#   ./build.sh --target Deploy     the whole chain on the embedded defaults
#   ./build.sh --target Test       the tests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet tool restore >/dev/null
exec dotnet tool run dotnet-cake build/build.cake "$@"
