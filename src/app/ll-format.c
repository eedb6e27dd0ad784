/* ll-format.c - numbers as the window shows them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "ll-format"

#include "config.h"

#include <locale.h>
#include <string.h>

#include "ll-format.h"

char *
ll_format_count (gint64 n)
{
  const char *sep = localeconv ()->thousands_sep;
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, n < 0 ? -n : n);
  GString *out = g_string_new (n < 0 ? "-" : "");
  size_t len = strlen (digits);

  /* The C locale has no separator; a thin space keeps big counts readable anyway. */
  if (sep == NULL || *sep == '\0')
    sep = "\u2009";
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
  return g_strdup_printf ("%.3g%s", v, units[u]);
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
