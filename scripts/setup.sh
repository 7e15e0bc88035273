#!/usr/bin/env bash
# Installs what task-agents needs on Debian/Ubuntu: the ffmpeg CLI (test oracle and bench
# reference), FFmpeg 5 development packages (so the optional beamcoder decoder can build),
# redis-server (queue-mode tests start their own), fonts-dejavu-core (the OCR tests render text
# with ffmpeg drawtext) and chromium (the `project view` browser test), then the npm dependencies.
# Without root/apt it only warns: node-av needs nothing from apt.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES=(ffmpeg libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  libavdevice-dev libpostproc-dev pkg-config build-essential python3 redis-server fonts-dejavu-core chromium)
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = "0" ] || [ -n "$SUDO" ]; }; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "setup: apt-get not usable here; skipping ffmpeg/FFmpeg dev packages, redis-server, fonts and chromium (beamcoder, ffmpeg-based, queue, OCR and viewer tests need them)" >&2
fi
# node-av's postinstall only downloads an ffmpeg CLI we do not use; onnxruntime-node's (denied in
# package.json allowScripts as well) would download CUDA libraries: its CPU build is in the package.
SKIP_FFMPEG=true ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
