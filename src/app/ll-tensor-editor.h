/* ll-tensor-editor.h - edit one parameter tensor: a slice cell by cell, or all of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ll-document.h"

G_BEGIN_DECLS

typedef enum {
  LL_TENSOR_OP_CONSTANT = 0,  /* every element = value */
  LL_TENSOR_OP_SCALE,         /* every element *= value */
  LL_TENSOR_OP_ADD,           /* every element += value */
  LL_TENSOR_OP_ZERO,
  LL_TENSOR_OP_REINIT,        /* PyTorch's default init, seeded by value */
} LlTensorOp;

/* "constant", "scale", "add", "zero", "reinit" */
gboolean ll_tensor_op_from_name (const char *name, LlTensorOp *op);
/* Applies op to the parameter key ("0.weight") as one undoable document edit. Re-init
 * follows reset_parameters(): weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
 * BatchNorm weight 1, bias 0, running_mean 0, running_var 1. */
gboolean ll_tensor_apply_op     (LlDocument *document, const char *key, LlTensorOp op,
                                 double value, GError **error);

/* Number of elements in one editable slice of a tensor of this shape: a kernel kH×kW
 * of a 4-D weight, a row of a matrix, the whole of a vector. */
gint64   ll_tensor_slice_size   (const nn_tensor *t);

#define LL_TYPE_TENSOR_EDITOR (ll_tensor_editor_get_type ())
G_DECLARE_FINAL_TYPE (LlTensorEditor, ll_tensor_editor, LL, TENSOR_EDITOR, AdwWindow)

/* An editor for parameter key of document; slice is which kernel (out * in + in_index),
 * row, or -1 for the whole tensor when it is small enough (a bias). */
LlTensorEditor *ll_tensor_editor_new       (LlDocument *document, const char *key, gint64 slice);
const char     *ll_tensor_editor_get_key   (LlTensorEditor *self);
gint64          ll_tensor_editor_get_slice (LlTensorEditor *self);
/* The entry of element i of the slice (for tests), or NULL. */
GtkEditable    *ll_tensor_editor_get_entry (LlTensorEditor *self, guint i);
/* Writes the entries into the document (the Apply button). */
gboolean        ll_tensor_editor_apply     (LlTensorEditor *self, GError **error);

G_END_DECLS
