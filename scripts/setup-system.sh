#!/usr/bin/env bash
# Debian packages the build, training and tests need. Idempotent; needs root (or sudo).
set -euo pipefail
PKGS=(build-essential python3 python3-torch python3-onnx python3-numpy python3-regex libopenblas0-pthread xz-utils
      chromium chromium-driver
      libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
