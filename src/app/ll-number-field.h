/* ll-number-field.h - number fields that refuse bad input with a message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Checks text typed into the field named what ("Kernel size"): NULL, with *value set,
 * for a number within [min, max] (and whole when integer); otherwise the message to
 * show, e.g. "Kernel size must be between 1 and 1024" or "“abc” is not a number". */
char       *ll_number_check (const char *text, const char *what, double min, double max,
                             gboolean integer, double *value);

typedef void (*LlNumberReport) (gpointer data, GtkSpinButton *spin, const char *message);

/* Makes spin refuse typed text that ll_number_check() refuses (within the spin's range)
 * instead of clamping it or silently showing the old value again: the old value stays,
 * the spin gets the "error" style and the message as its tooltip, and report (if not
 * NULL) gets the message, or NULL once a valid value is typed. */
void        ll_number_field_guard       (GtkSpinButton *spin, const char *what, gboolean integer,
                                         LlNumberReport report, gpointer data);
/* The message of the last refused input, NULL after a valid one (for tests). */
const char *ll_number_field_get_message (GtkSpinButton *spin);

G_END_DECLS
