#!/bin/sh
# screenshot.sh - run the built app under Xvfb and save a screenshot of the screen
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/screenshot.sh OUT.png [BUILDDIR] [FILE...]
#   BUILDDIR defaults to $BUILDDIR or ./build; FILEs are opened in the app.
# Environment:
#   SCREENSHOT_DELAY  seconds to wait before capturing (default 4)
#   SCREENSHOT_HOOK   a script run (with DISPLAY set) after the delay and before the
#                     capture, e.g. xdotool clicks
#   LANGUAGE          as usual (LANGUAGE=de for German)
# Needs xvfb-run, dbus-run-session and ImageMagick's import.
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 OUT.png [BUILDDIR] [FILE...]" >&2
  exit 2
fi
out=$1
shift
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
for tool in xvfb-run dbus-run-session import; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 1; }
done

case $out in /*) ;; *) out="$PWD/$out" ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A private settings file sizes the window to the virtual screen; a private data dir
# keeps recent files out of the user's list.
mkdir -p "$tmp/config/glib-2.0/settings" "$tmp/data"
cat > "$tmp/config/glib-2.0/settings/keyfile" <<KEYFILE
[io/github/layerlab/Layerlab]
window-width=1400
window-height=900
KEYFILE

cat > "$tmp/run.sh" <<'RUN'
#!/bin/sh
set -u
"$LL_APP" "$@" &
pid=$!
sleep "${SCREENSHOT_DELAY:-4}"
if [ -n "${SCREENSHOT_HOOK:-}" ]; then
  sh "$SCREENSHOT_HOOK"
fi
import -window root "$LL_OUT"
status=$?
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
exit $status
RUN

LL_APP="$(cd "$(dirname "$app")" && pwd)/layerlab" \
LL_OUT="$out" \
GSETTINGS_SCHEMA_DIR="$build/data" \
GSETTINGS_BACKEND=keyfile \
XDG_CONFIG_HOME="$tmp/config" \
XDG_DATA_HOME="$tmp/data" \
LAYERLAB_LOCALEDIR="$build/po" \
LAYERLAB_CHECKER="$(cd "$build" && pwd)/src/checker/layerlab-check" \
GTK_A11Y=none \
  xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- sh "$tmp/run.sh" "$@"
echo "$out"
