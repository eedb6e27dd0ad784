#!/bin/sh
# test-translations.sh - every translation covers every message of the sources
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-translations.sh SOURCE-ROOT
# Extracts the messages as meson's i18n.gettext (preset glib) does for layerlab-pot, into
# a temporary template, merges each po/LANG.po with it and fails for every message
# that is missing or fuzzy there, naming it.
set -u
TOP=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CLI=true
. "$(dirname "$0")/tap.sh"

extract () {
  grep -v '^#' "$TOP/po/POTFILES.in" | grep -v '^$' >"$TMP/files"
  xgettext --package-name=layerlab -D "$TOP" -f "$TMP/files" -o "$TMP/layerlab.pot" \
    --from-code=UTF-8 --add-comments \
    --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
    --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
    --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
    --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
    --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
    --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format 2>"$TMP/xgettext.err" \
    || { cat "$TMP/xgettext.err" >&2; fail "xgettext failed"; return 1; }
}
check "the sources' messages extract" extract

for po in "$TOP"/po/*.po; do
  lang=$(basename "$po" .po)
  complete () {
    msgmerge -q --no-wrap "$po" "$TMP/layerlab.pot" -o "$TMP/$lang.po" || { fail "msgmerge failed"; return 1; }
    msgattrib --untranslated --no-wrap "$TMP/$lang.po" | grep '^msgid "' | grep -v '^msgid ""$' >"$TMP/untranslated"
    msgattrib --only-fuzzy --no-wrap "$TMP/$lang.po" | grep '^msgid "' | grep -v '^msgid ""$' >"$TMP/fuzzy"
    [ ! -s "$TMP/untranslated" ] && [ ! -s "$TMP/fuzzy" ] && return 0
    sed 's/^/untranslated: /' "$TMP/untranslated" >&2
    sed 's/^/fuzzy (a changed message): /' "$TMP/fuzzy" >&2
    fail "po/$lang.po misses messages: update it (ninja layerlab-update-po), then translate"
  }
  check "po/$lang.po translates every message" complete
  formats () {
    msgfmt -c -o /dev/null "$po" 2>"$TMP/msgfmt.err" || { cat "$TMP/msgfmt.err" >&2; fail "msgfmt -c failed"; return 1; }
  }
  check "po/$lang.po: formats and plurals agree with the messages (msgfmt -c)" formats
done

tap_done
