/* ll-layer-palette.h - a button for every engine layer type (win.add-layer::TYPE)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LL_TYPE_LAYER_PALETTE (ll_layer_palette_get_type ())
G_DECLARE_FINAL_TYPE (LlLayerPalette, ll_layer_palette, LL, LAYER_PALETTE, GtkWidget)

GtkWidget *ll_layer_palette_new (void);

G_END_DECLS
