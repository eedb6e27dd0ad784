/* ll-format.h - numbers as the window shows them, and small widget helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-document.h"

G_BEGIN_DECLS

/* 3216426 -> "3,216,426" (digit groups of the current locale) */
char *ll_format_count (gint64 n);
/* 1.4e9 -> "1.4 G", 23100 -> "23.1 k", 512 -> "512" */
char *ll_format_si    (gint64 n);

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
