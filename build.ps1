#!/usr/bin/env pwsh
# Runs build/build.cake with Cake.Tool from the repo's tool manifest; every argument passes through.
#   ./build.ps1 --target Deploy     the whole chain on the embedded defaults
#   ./build.ps1 --target Test       the tests
$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
dotnet tool run dotnet-cake build/build.cake @args
exit $LASTEXITCODE
