/* ll-reaper.h - frees large things on a thread of their own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Calls destroy (data) on a background thread, soon. For what is large and owned by
 * nobody else any more (a forward result of VGG-16, its pictures): returning hundreds
 * of megabytes to the system takes long enough to freeze the main loop. destroy must
 * not touch widgets. */
void ll_reaper_free (gpointer data, GDestroyNotify destroy);

G_END_DECLS
