/* ll-repr-view.h - the network as PyTorch prints it, selectable and copyable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-document.h"

G_BEGIN_DECLS

#define LL_TYPE_REPR_VIEW (ll_repr_view_get_type ())
G_DECLARE_FINAL_TYPE (LlReprView, ll_repr_view, LL, REPR_VIEW, GtkWidget)

GtkWidget *ll_repr_view_new          (void);
void       ll_repr_view_set_document (LlReprView *self, LlDocument *document);
/* The text shown (caller frees). */
char      *ll_repr_view_dup_text     (LlReprView *self);

G_END_DECLS
