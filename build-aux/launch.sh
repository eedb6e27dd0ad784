#!/usr/bin/env bash
# Builds Layerlab in _build and starts it from there, without installing anything
# but the Debian packages it needs. Arguments go to the app, e.g. model files to open:
#   bash build-aux/launch.sh [MODEL.h5...]
# The build's compiled GSettings schema and translations are used;
# LANG=C.UTF-8 LANGUAGE=de bash build-aux/launch.sh shows the German translation.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

bash "$top/build-aux/install-deps.sh"

build="$top/_build"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top"
fi
ninja -C "$build"

export GSETTINGS_SCHEMA_DIR="$build/data"
export LAYERLAB_LOCALEDIR="$build/po"
export LAYERLAB_CHECKER="$build/src/checker/layerlab-check"
exec "$build/src/app/layerlab" "$@"
