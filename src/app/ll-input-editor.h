/* ll-input-editor.h - the network's per-sample input shape: C×H×W or F
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-document.h"

G_BEGIN_DECLS

#define LL_TYPE_INPUT_EDITOR (ll_input_editor_get_type ())
G_DECLARE_FINAL_TYPE (LlInputEditor, ll_input_editor, LL, INPUT_EDITOR, GtkWidget)

GtkWidget *ll_input_editor_new          (void);
void       ll_input_editor_set_document (LlInputEditor *self, LlDocument *document);

G_END_DECLS
