#!/bin/sh
# test-mime.sh - the MIME package builds into a database that maps *.onnx to
# application/x-onnx (update-mime-database validates the XML on the way).
# Usage: test-mime.sh PACKAGE.xml
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..2"
mkdir -p "$tmp/mime/packages"
cp "$1" "$tmp/mime/packages/"
if XDG_DATA_HOME="$tmp" XDG_DATA_DIRS="$tmp" update-mime-database "$tmp/mime" >"$tmp/log" 2>&1 && ! grep -q . "$tmp/log"; then
  echo "ok 1 - update-mime-database accepts the package"
else
  echo "not ok 1 - update-mime-database accepts the package"
  sed 's/^/# /' "$tmp/log"
fi
if grep -q '^[0-9]*:application/x-onnx:\*\.onnx' "$tmp/mime/globs2"; then
  echo "ok 2 - *.onnx is application/x-onnx"
else
  echo "not ok 2 - *.onnx is application/x-onnx"
  sed 's/^/# /' "$tmp/mime/globs2"
fi
