#!/usr/bin/env bash
# Debian packages the install step needs: FFmpeg's development libraries, which the optional vPDQ
# video hasher (the `video` extra, linked against the system FFmpeg) compiles against.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(pkg-config libavcodec-dev libavformat-dev libavdevice-dev libavutil-dev libswscale-dev
          libswresample-dev libavfilter-dev ffmpeg)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
