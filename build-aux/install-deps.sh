#!/usr/bin/env bash
# Installs the Debian 12 packages Layerlab needs to build, test and run.
# Usage: build-aux/install-deps.sh [--test]   (--test adds Xvfb, validators, PyTorch)
set -eu
pkgs=(
  build-essential meson ninja-build pkg-config gettext clang libclang-rt-14-dev
  libgtk-4-dev libadwaita-1-dev libcairo2-dev
  libopenblas-dev libhdf5-dev zlib1g-dev libzip-dev
  desktop-file-utils appstream libglib2.0-bin
)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(xvfb xauth dbus-daemon dbus-x11 imagemagick xdotool
         python3-numpy python3-h5py python3-torch valgrind hyperfine)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
