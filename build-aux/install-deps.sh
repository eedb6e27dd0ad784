#!/usr/bin/env bash
# Installs the Debian 12 packages Layerlab needs to build and run; with --test also
# what the test suite needs (Xvfb and a D-Bus session for the GUI tests, the
# validators, PyTorch and h5py for the cross-checks); with --data Fashion-MNIST (about
# 30 MB) for the training target and tests/bench/bench-train-vs-pytorch.py.
# Usage: bash build-aux/install-deps.sh [--test | --data]
# Packages already installed are not touched; nothing runs apt-get when all are there.
set -eu

pkgs=(
  # toolchain
  build-essential meson ninja-build pkg-config gettext
  # libraries
  libgtk-4-dev libadwaita-1-dev libcairo2-dev libepoxy-dev
  libopenblas-dev libhdf5-dev zlib1g-dev libzip-dev libpng-dev libjpeg-dev
  # ONNX: protobuf-c and its compiler, and the official onnx.proto the reader is
  # generated from
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev
  # desktop integration: validators, schema compiler, icon cache, SVG icons, fonts
  desktop-file-utils appstream libglib2.0-bin gtk-update-icon-cache
  shared-mime-info hicolor-icon-theme adwaita-icon-theme librsvg2-common
  fonts-dejavu-core
  # where the app keeps its settings (window size, last folder) between runs, and the
  # accessibility bus GTK connects to
  dconf-gsettings-backend at-spi2-core
)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(
    # GUI tests: a virtual X server and a session bus
    xvfb xauth dbus-daemon dbus-x11
    # screenshots (build-aux/screenshot.sh)
    imagemagick xdotool
    # reference numbers and HDF5 cross-checks
    python3 python3-numpy python3-h5py python3-torch python3-torchvision python3-onnx
    # sanitizers (gcc's come with build-essential) and fuzzing, profiling, timing
    clang libclang-rt-14-dev valgrind hyperfine
  )
fi
if [ "${1:-}" = "--data" ]; then
  # /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
  pkgs+=(dataset-fashion-mnist)
fi

# Runs apt-get with the arguments given. Another apt or dpkg (an unattended upgrade, a
# package manager window) may hold its locks: then this says which process it is and
# waits for it, up to INSTALL_DEPS_LOCK_WAIT seconds (default 15 minutes), instead of
# failing at once. dpkg's lock has apt's own timeout; apt-get update's lists lock has
# none, so the command is tried again.
apt_get () {
  local deadline=$(( $(date +%s) + ${INSTALL_DEPS_LOCK_WAIT:-900} ))
  local log status holder
  log=$(mktemp)
  while :; do
    $SUDO env DEBIAN_FRONTEND=noninteractive \
      apt-get -o DPkg::Lock::Timeout="${INSTALL_DEPS_LOCK_WAIT:-900}" "$@" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    if [ "$status" -ne 0 ] && grep -q 'Could not get lock' "$log" \
       && [ "$(date +%s)" -lt "$deadline" ]; then
      holder=$(grep -o 'held by process [0-9]* ([^)]*)' "$log" | head -n 1)
      echo "install-deps: waiting for another package manager to finish" \
           "(its lock is ${holder:-held by another process}); trying again in a moment"
      sleep "${INSTALL_DEPS_RETRY_SECONDS:-5}"
      continue
    fi
    rm -f "$log"
    return "$status"
  done
}

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  apt_get update -q
  apt_get install -y -q --no-install-recommends "${missing[@]}"
fi
