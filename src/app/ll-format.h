/* ll-format.h - numbers as the window shows them, and a small widget helper
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* 3216426 -> "3,216,426" (digit groups of the current locale) */
char *ll_format_count (gint64 n);
/* 1.4e9 -> "1.4 G", 23100 -> "23.1 k", 512 -> "512" */
char *ll_format_si    (gint64 n);

/* Unparents every child of widget: for composite widgets whose template root is not a
 * bound child (gtk_widget_dispose_template() only drops bound ones). */
void  ll_widget_unparent_children (GtkWidget *widget);

G_END_DECLS
