/* ll-format.h - numbers as the window shows them, and small widget helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-document.h"

G_BEGIN_DECLS

/* Numbers are written with the separators of the numeric locale when it names one
 * (de_DE.UTF-8: "3.216.426", "148,8"); in the C locale (a machine without the user's
 * locale installed, LANGUAGE=de) with the translation's, so a German window does not
 * show "148.8 kB". */
const char *ll_format_decimal_point   (void);
const char *ll_format_group_separator (void);

/* 3216426 -> "3,216,426" (digit groups as above; a thin space in English) */
char *ll_format_count (gint64 n);
/* 1.4e9 -> "1.4 G", 23100 -> "23.1 k", 512 -> "512" */
char *ll_format_si    (gint64 n);
/* 12.345, 1 -> "12.3" */
char *ll_format_fixed (double v,
                       int    decimals);
/* 148800 -> "148.8 kB" (g_format_size) */
char *ll_format_size  (guint64 bytes);
/* a tensor value as the views show it (ll_render_format_value), "0.0312" */
char *ll_format_value (double v);

/* Unparents every child of widget: for composite widgets whose template root is not a
 * bound child (gtk_widget_dispose_template() only drops bound ones). */
void  ll_widget_unparent_children (GtkWidget *widget);

/* Widgets that show a document: moves widget's "changed" handler (on_changed, called
 * with widget as its only argument) from the document in *slot to document, and stores
 * document in *slot. Returns FALSE, changing nothing, when it is already there. */
gboolean ll_widget_follow_document   (gpointer     widget,
                                      LlDocument **slot,
                                      LlDocument  *document,
                                      GCallback    on_changed);
/* For dispose: disconnects and clears *slot. */
void     ll_widget_unfollow_document (gpointer     widget,
                                      LlDocument **slot);

G_END_DECLS
