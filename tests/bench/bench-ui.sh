#!/bin/sh
# bench-ui.sh - the GUI targets of issue 5: `layerlab --benchmark-ui` under Xvfb
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/bench/bench-ui.sh [BUILDDIR] [LAYERLAB-OPTIONS...]
#   BUILDDIR defaults to $BUILDDIR or ./build (use an optimised build); the options go
#   to layerlab, e.g. --benchmark-network vgg11 --benchmark-runs 3 --benchmark-edits 40.
# Prints one table per GTK renderer: "default" (GSK_RENDERER unset: what a user gets;
# Layerlab picks cairo itself where OpenGL is a software rasterizer, src/app/ll-renderer.c),
# "cairo" (GTK's CPU renderer) and "ngl" (GTK's OpenGL renderer, which under Xvfb runs on
# Mesa's llvmpipe, a software OpenGL: its frames cost far more than on real hardware).
# GSK_RENDERER in the environment picks a single renderer instead.
# Needs xvfb-run and dbus-run-session.
set -eu

build=${BUILDDIR:-build}
if [ $# -ge 1 ] && [ -d "$1" ]; then
  build=$1
  shift
fi
app="$build/src/app/layerlab"
if [ ! -x "$app" ]; then
  echo "$0: $app not found; build first (meson setup $build && ninja -C $build)" >&2
  exit 1
fi
for tool in xvfb-run dbus-run-session; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 1; }
done

renderers=${GSK_RENDERER:-default cairo ngl}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
echo "# layerlab --benchmark-ui $*"
echo "# $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p'), $(nproc) CPUs," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
for renderer in $renderers; do
  echo
  if [ "$renderer" = default ]; then
    echo "## GSK_RENDERER unset (Layerlab's choice)"
    unset GSK_RENDERER
  else
    echo "## GSK_RENDERER=$renderer"
    export GSK_RENDERER=$renderer
  fi
  echo
  # A private settings backend and data dir: the run leaves no recent files behind.
  GSETTINGS_SCHEMA_DIR="$build/data" \
  GSETTINGS_BACKEND=memory \
  GTK_A11Y=none \
  XDG_DATA_HOME="$data" \
  LAYERLAB_AUTOSAVE_DIR="$data/autosave" \
    xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- \
    "$app" --benchmark-ui "$@" 2>/dev/null
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
