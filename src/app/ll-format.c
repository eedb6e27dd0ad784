/* ll-format.c - numbers as the window shows them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "ll-format"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "ll-format.h"
#include "render.h"

static gboolean
numeric_locale_is_c (void)
{
  const char *name = setlocale (LC_NUMERIC, NULL);

  return name == NULL || g_str_equal (name, "C") || g_str_equal (name, "POSIX")
         || g_str_has_prefix (name, "C.");
}

/* The numeric locale's separator when it names a locale and has one, else translated. */
static const char *
separator (const char *from_locale,
           const char *translated)
{
  if (!numeric_locale_is_c () && from_locale != NULL && *from_locale != '\0')
    return from_locale;
  return translated;
}

const char *
ll_format_decimal_point (void)
{
  /* Translators: the decimal separator of your language ("," in German), used when
   * the system has no locale for it */
  return separator (localeconv ()->decimal_point, C_("number", "."));
}

const char *
ll_format_group_separator (void)
{
  /* Translators: what separates groups of three digits in big numbers ("." in
   * German), used when the system has no locale for it; a thin space (U+2009) here */
  return separator (localeconv ()->thousands_sep, C_("number", " "));
}

/* s, written by printf in LC_NUMERIC, with the decimal point of ll_format_decimal_point():
 * only the C locale's "." needs replacing (another locale's printf wrote its own). */
static char *
localize_point (char *s)
{
  const char *point = ll_format_decimal_point ();
  char *dot;
  GString *out;

  if (!numeric_locale_is_c () || g_str_equal (point, ".") || (dot = strchr (s, '.')) == NULL)
    return s;
  out = g_string_new_len (s, dot - s);
  for (const char *p = dot; *p != '\0'; p++)
    {
      if (*p == '.')
        g_string_append (out, point);
      else
        g_string_append_c (out, *p);
    }
  g_free (s);
  return g_string_free (out, FALSE);
}

char *
ll_format_count (gint64 n)
{
  const char *sep = ll_format_group_separator ();
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                             n < 0 ? (guint64) 0 - (guint64) n : (guint64) n);
  GString *out = g_string_new (n < 0 ? "-" : "");
  size_t len = strlen (digits);

  for (size_t i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (out, sep);
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

char *
ll_format_si (gint64 n)
{
  static const char *units[] = { "", " k", " M", " G", " T", " P" };
  double v = (double) n;
  guint u = 0;

  while ((v >= 1000.0 || v <= -1000.0) && u + 1 < G_N_ELEMENTS (units))
    {
      v /= 1000.0;
      u++;
    }
  if (u == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT, n);
  return localize_point (g_strdup_printf ("%.3g%s", v, units[u]));
}

char *
ll_format_fixed (double v,
                 int    decimals)
{
  return localize_point (g_strdup_printf ("%.*f", CLAMP (decimals, 0, 17), v));
}

char *
ll_format_size (guint64 bytes)
{
  return localize_point (g_format_size (bytes));
}

char *
ll_format_value (double v)
{
  char buf[64];

  return localize_point (g_strdup (ll_render_format_value (v, buf, sizeof buf)));
}

void
ll_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

gboolean
ll_widget_follow_document (gpointer     widget,
                           LlDocument **slot,
                           LlDocument  *document,
                           GCallback    on_changed)
{
  g_return_val_if_fail (document == NULL || LL_IS_DOCUMENT (document), FALSE);

  if (*slot == document)
    return FALSE;
  ll_widget_unfollow_document (widget, slot);
  g_set_object (slot, document);
  if (document != NULL)
    g_signal_connect_object (document, "changed", on_changed, widget, G_CONNECT_SWAPPED);
  return TRUE;
}

void
ll_widget_unfollow_document (gpointer     widget,
                             LlDocument **slot)
{
  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, widget);
  g_clear_object (slot);
}
