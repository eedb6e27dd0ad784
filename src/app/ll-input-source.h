/* ll-input-source.h - what the network is run on: random, zeros, ones, an image, a .npy,
 * a drawing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "nn.h"

G_BEGIN_DECLS

typedef enum {
  LL_INPUT_RANDOM = 0,      /* uniform [0, 1), seeded */
  LL_INPUT_ZEROS,
  LL_INPUT_ONES,
  LL_INPUT_IMAGE,           /* PNG/JPEG, converted to the input's C×H×W in [0, 1] */
  LL_INPUT_NPY,             /* an array of the input's shape, with or without batch dim */
  LL_INPUT_DRAWING,         /* the drawing pad's canvas, H×W in [0, 1], in every channel */
} LlInputKind;

#define LL_TYPE_INPUT_SOURCE (ll_input_source_get_type ())
G_DECLARE_FINAL_TYPE (LlInputSource, ll_input_source, LL, INPUT_SOURCE, GObject)

/* Properties: "kind" (int LlInputKind), "seed" (uint), "file" (GFile or NULL),
 * "description" (string: "Random (seed 1)", "digit.png"). Signal "changed" () when a
 * different input results (kind, seed or file changed, a file finished loading, or the
 * drawing changed while it is the input). Signal "canvas-changed" () when the drawing
 * changed, whatever the input is. */
LlInputSource *ll_input_source_new        (void);
LlInputKind    ll_input_source_get_kind   (LlInputSource *self);
/* Random, zeros, ones or the drawing (files go through ll_input_source_load_async). */
void           ll_input_source_set_kind   (LlInputSource *self, LlInputKind kind);
guint          ll_input_source_get_seed   (LlInputSource *self);
void           ll_input_source_set_seed   (LlInputSource *self, guint seed);
GFile         *ll_input_source_get_file   (LlInputSource *self);
char          *ll_input_source_dup_description (LlInputSource *self);
/* "random", "zeros", "ones", "drawing", "image:PATH", "npy:PATH" (the win.set-input
 * parameter). */
gboolean       ll_input_source_parse      (const char *spec, LlInputKind *kind, char **path);

/* Reads an image (converted to shape) or a .npy file on the worker; on success the
 * source uses it and emits "changed"; on failure nothing changes. */
void           ll_input_source_load_async  (LlInputSource *self, LlInputKind kind, GFile *file,
                                            const nn_shape *shape, GCancellable *cancellable,
                                            GAsyncReadyCallback cb, gpointer user_data);
gboolean       ll_input_source_load_finish (LlInputSource *self, GAsyncResult *result,
                                            GError **error);

/* A [1, ...shape] input. For an image read for another shape it fails with
 * G_IO_ERROR_PENDING: load it again for the new shape. For the drawing, a canvas of
 * another H×W is made anew, empty (and "canvas-changed" emitted). */
nn_tensor     *ll_input_source_make       (LlInputSource *self, const nn_shape *shape,
                                           GError **error);

/* The drawing: height × width floats, row-major, 0 = background, 1 = ink; NULL (and
 * 0 × 0) until a size is set. */
const float   *ll_input_source_get_canvas      (LlInputSource *self, int *height, int *width);
/* A canvas of another size is made anew, empty. */
void           ll_input_source_set_canvas_size (LlInputSource *self, int height, int width);
/* A round stroke (ll_raster_stroke()) in canvas pixels. */
void           ll_input_source_draw_stroke     (LlInputSource *self, double x0, double y0,
                                                double x1, double y1, double stroke_width);
void           ll_input_source_clear_canvas    (LlInputSource *self);

G_END_DECLS
