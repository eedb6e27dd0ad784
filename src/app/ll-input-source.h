/* ll-input-source.h - what the network is run on: random, zeros, ones, an image, a .npy
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
} LlInputKind;

#define LL_TYPE_INPUT_SOURCE (ll_input_source_get_type ())
G_DECLARE_FINAL_TYPE (LlInputSource, ll_input_source, LL, INPUT_SOURCE, GObject)

/* Properties: "kind" (int LlInputKind), "seed" (uint), "file" (GFile or NULL),
 * "description" (string: "Random (seed 1)", "digit.png"). Signal "changed" () when a
 * different input results (kind, seed or file changed, or a file finished loading). */
LlInputSource *ll_input_source_new        (void);
LlInputKind    ll_input_source_get_kind   (LlInputSource *self);
/* Random, zeros or ones (files go through ll_input_source_load_async). */
void           ll_input_source_set_kind   (LlInputSource *self, LlInputKind kind);
guint          ll_input_source_get_seed   (LlInputSource *self);
void           ll_input_source_set_seed   (LlInputSource *self, guint seed);
GFile         *ll_input_source_get_file   (LlInputSource *self);
char          *ll_input_source_dup_description (LlInputSource *self);
/* "random", "zeros", "ones", "image:PATH", "npy:PATH" (the win.set-input parameter). */
gboolean       ll_input_source_parse      (const char *spec, LlInputKind *kind, char **path);

/* Reads an image (converted to shape) or a .npy file on the worker; on success the
 * source uses it and emits "changed"; on failure nothing changes. */
void           ll_input_source_load_async  (LlInputSource *self, LlInputKind kind, GFile *file,
                                            const nn_shape *shape, GCancellable *cancellable,
                                            GAsyncReadyCallback cb, gpointer user_data);
gboolean       ll_input_source_load_finish (LlInputSource *self, GAsyncResult *result,
                                            GError **error);

/* A [1, ...shape] input. For an image read for another shape it fails with
 * G_IO_ERROR_PENDING: load it again for the new shape. */
nn_tensor     *ll_input_source_make       (LlInputSource *self, const nn_shape *shape,
                                           GError **error);

G_END_DECLS
