/* ll-inspector.h - the selected layer's parameters, each with the widget that fits it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-document.h"

G_BEGIN_DECLS

#define LL_TYPE_INSPECTOR (ll_inspector_get_type ())
G_DECLARE_FINAL_TYPE (LlInspector, ll_inspector, LL, INSPECTOR, GtkWidget)

GtkWidget *ll_inspector_new          (void);
void       ll_inspector_set_document (LlInspector *self, LlDocument *document);
/* The layer to show, or -1 for none. */
void       ll_inspector_set_index    (LlInspector *self, int index);
int        ll_inspector_get_index    (LlInspector *self);
/* The spin button / switch editing PyTorch argument key (e.g. "in_features"; part 0 or 1
 * of a pair), or NULL. For tests and keyboard focus. */
GtkWidget *ll_inspector_get_editor   (LlInspector *self, const char *key, int part);
/* The "same for height and width" toggle of a pair (kernel_size, ...), or NULL. */
GtkWidget *ll_inspector_get_link_toggle (LlInspector *self, const char *key);
/* The "infer from input" switch of a lazy size, or NULL. */
GtkWidget *ll_inspector_get_lazy_switch (LlInspector *self, const char *key);

G_END_DECLS
