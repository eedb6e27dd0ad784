/* ll-layer-row.h - one row of the layer list: index, type, parameters, shape, error
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-document.h"

G_BEGIN_DECLS

#define LL_TYPE_LAYER_ROW (ll_layer_row_get_type ())
G_DECLARE_FINAL_TYPE (LlLayerRow, ll_layer_row, LL, LAYER_ROW, GtkWidget)

GtkWidget   *ll_layer_row_new            (void);
LlLayerItem *ll_layer_row_get_item       (LlLayerRow *self);
void         ll_layer_row_set_item       (LlLayerRow *self, LlLayerItem *item);
/* What the row shows, for tests. */
const char  *ll_layer_row_get_shape_text (LlLayerRow *self);
const char  *ll_layer_row_get_error_text (LlLayerRow *self);  /* NULL when no error is shown */
GtkWidget   *ll_layer_row_get_fix_button (LlLayerRow *self);

G_END_DECLS
