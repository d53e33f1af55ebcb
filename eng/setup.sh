#!/usr/bin/env bash
# Prepares a fresh Debian machine for building, testing and running Outbox:
#   - installs what is missing: librdkafka1 (Kafka client + mock cluster), kcat, PostgreSQL (15 on Debian 12);
#   - makes `librdkafka.redist` restorable: the official package when the package source has it,
#     otherwise a local package in eng/packages built from the system librdkafka.
# Safe to run again: every step checks before it acts.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
redist_version="1.9.2"   # exactly what Confluent.Kafka 1.9.3 asks for (another version is NU1603)

log() { printf '[setup] %s\n' "$*"; }

missing=()
dpkg -s librdkafka1 >/dev/null 2>&1 || missing+=(librdkafka1)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ls "$HOME/.nuget/packages/librdkafka.redist/$redist_version" >/dev/null 2>&1 \
   || ls "$repo"/eng/packages/librdkafka.redist."$redist_version".nupkg >/dev/null 2>&1; then
  log "librdkafka.redist $redist_version already available"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Outside the repo the default package source applies: try the official package first.
mkdir -p "$work/probe"
cat > "$work/probe/probe.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="librdkafka.redist" Version="[$redist_version]" /></ItemGroup>
</Project>
XML
if dotnet restore "$work/probe/probe.csproj" >/dev/null 2>&1; then
  log "official librdkafka.redist $redist_version restored"
  exit 0
fi

log "official librdkafka.redist not restorable: packing the system librdkafka as $redist_version"
so="$(ls /usr/lib/*/librdkafka.so.1 2>/dev/null | head -n 1)"
[ -n "$so" ] || { echo "librdkafka.so.1 not found after install" >&2; exit 1; }
mkdir -p "$work/pack/runtimes/linux-x64/native"
cp "$so" "$work/pack/runtimes/linux-x64/native/librdkafka.so"
cat > "$work/pack/librdkafka.redist.nuspec" <<XML
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>librdkafka.redist</id>
    <version>$redist_version</version>
    <authors>local build</authors>
    <description>The system librdkafka ($(basename "$(readlink -f "$so")")) packaged for Confluent.Kafka on linux-x64. Built by eng/setup.sh.</description>
  </metadata>
  <files>
    <file src="runtimes/**" target="runtimes" />
  </files>
</package>
XML
cat > "$work/pack/pack.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <NuspecFile>librdkafka.redist.nuspec</NuspecFile>
    <NoBuild>true</NoBuild>
    <IncludeBuildOutput>false</IncludeBuildOutput>
    <NoWarn>NU5128</NoWarn>
  </PropertyGroup>
</Project>
XML
dotnet pack "$work/pack/pack.csproj" -o "$repo/eng/packages" >/dev/null
log "wrote eng/packages/librdkafka.redist.$redist_version.nupkg"
