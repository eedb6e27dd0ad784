/* test-format.c - the window's numbers in English and in German, with and without the
 * user's locale installed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs in C.UTF-8 (tests/meson.build), as on a machine that has no de_DE locale: the
 * German translation's separators apply. No display is needed.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "ll-format.h"

#define THIN_SPACE "\u2009"
#define NBSP "\u00a0"          /* g_format_size() between number and unit */

/* LANGUAGE chooses the catalogue; gettext looks it up again on every call. */
static void
use_language (const char *language)
{
  g_setenv ("LANGUAGE", language, TRUE);
  /* glibc caches translations per language; a new message catalogue counter makes it
   * look again (what setlocale() does) */
  setlocale (LC_MESSAGES, "");
}

static void
assert_format (char *got, const char *expected)
{
  g_assert_cmpstr (got, ==, expected);
  g_free (got);
}

static void
test_english (void)
{
  use_language ("");
  g_assert_cmpstr (ll_format_decimal_point (), ==, ".");
  assert_format (ll_format_count (3216426), "3" THIN_SPACE "216" THIN_SPACE "426");
  assert_format (ll_format_count (-1000), "-1" THIN_SPACE "000");
  assert_format (ll_format_count (G_MININT64), "-9" THIN_SPACE "223" THIN_SPACE "372" THIN_SPACE
                 "036" THIN_SPACE "854" THIN_SPACE "775" THIN_SPACE "808");
  assert_format (ll_format_count (999), "999");
  assert_format (ll_format_fixed (12.345, 1), "12.3");
  assert_format (ll_format_fixed (-0.5, 0), "-0");
  assert_format (ll_format_si (23100), "23.1 k");
  assert_format (ll_format_size (148800), "148.8" NBSP "kB");
  assert_format (ll_format_value (0.03125), "0.03125");
}

/* What the issue saw: a German window showing "148.8 KB". */
static void
test_german_without_locale (void)
{
  char *got;
  const char *localedir = g_getenv ("LAYERLAB_LOCALEDIR");

  g_assert_nonnull (localedir);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  use_language ("de");
  g_assert_cmpstr (_("Untitled"), !=, "Untitled");   /* the German catalogue is in use */
  g_assert_cmpstr (ll_format_decimal_point (), ==, ",");
  g_assert_cmpstr (ll_format_group_separator (), ==, ".");
  assert_format (ll_format_count (3216426), "3.216.426");
  assert_format (ll_format_fixed (12.345, 1), "12,3");
  assert_format (ll_format_si (1400000000), "1,4 G");
  /* the unit is GLib's (its German catalogue, where installed, says "KB") */
  got = ll_format_size (148800);
  g_assert_true (g_str_has_prefix (got, "148,8" NBSP));
  g_free (got);
  assert_format (ll_format_value (0.03125), "0,03125");
  use_language ("");
  textdomain ("none");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/format/english", test_english);
  g_test_add_func ("/format/german-without-locale", test_german_without_locale);
  return g_test_run ();
}
