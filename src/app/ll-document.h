/* ll-document.h - the open network: an nn_net with undo, a file and a modified flag
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LlDocument owns the editable nn_net. It is a GListModel of LlLayerItem (one per layer,
 * recreated/updated after every edit so list rows can bind to their properties).
 * Every edit goes through an ll_document_* function, is recorded on the undo stack
 * (a snapshot of the network before the edit), re-runs shape propagation and emits
 * "changed". The worker never sees this net, only copies (ll_document_snapshot()).
 */
#pragma once

#include <gio/gio.h>
#include "nn.h"

G_BEGIN_DECLS

#define LL_TYPE_LAYER_ITEM (ll_layer_item_get_type ())
G_DECLARE_FINAL_TYPE (LlLayerItem, ll_layer_item, LL, LAYER_ITEM, GObject)

/* Read-only view of one layer for list rows; properties notify when they change:
 * "index" (int), "type-name" (string, "Conv2d"), "params-text" (string, "32, 5×5"),
 * "shape-text" (string, "[32, 20, 20]" or "—"), "n-params" (int64), "macs" (int64),
 * "error" (string or NULL), "fix-label" (string or NULL), "not-computed" (bool). */
int          ll_layer_item_get_index        (LlLayerItem *self);
const char  *ll_layer_item_get_type_name    (LlLayerItem *self);
const char  *ll_layer_item_get_params_text  (LlLayerItem *self);
const char  *ll_layer_item_get_shape_text   (LlLayerItem *self);
gint64       ll_layer_item_get_n_params     (LlLayerItem *self);
gint64       ll_layer_item_get_macs         (LlLayerItem *self);
const char  *ll_layer_item_get_error        (LlLayerItem *self);
const char  *ll_layer_item_get_fix_label    (LlLayerItem *self);
gboolean     ll_layer_item_get_not_computed (LlLayerItem *self);

#define LL_TYPE_DOCUMENT (ll_document_get_type ())
G_DECLARE_FINAL_TYPE (LlDocument, ll_document, LL, DOCUMENT, GObject)

/* Properties: "file" (GFile, nullable), "title" (string: file basename or "Untitled"),
 * "modified" (bool), "can-undo", "can-redo" (bool), "busy" (bool: a load/save runs).
 * Signals: "changed" () after every edit/undo/redo/load, after the items were updated. */

LlDocument      *ll_document_new              (void);                 /* empty, 1×28×28 input */
LlDocument      *ll_document_new_from_template (const char *name);   /* "seed", "lenet5", ... */
const nn_net    *ll_document_get_net          (LlDocument *self);
GFile           *ll_document_get_file         (LlDocument *self);
const char      *ll_document_get_title        (LlDocument *self);
gboolean         ll_document_get_modified     (LlDocument *self);
gboolean         ll_document_can_undo         (LlDocument *self);
gboolean         ll_document_can_redo         (LlDocument *self);
/* Copy for the worker (caller frees with nn_net_free). Cheap: it shares the weights'
 * storage with the document (copy-on-write), so write into it only through engine
 * functions or after nn_tensor_make_writable(). */
nn_net          *ll_document_snapshot         (LlDocument *self);
/* Monotonic counter bumped by every change: lets the runner drop stale results. */
guint64          ll_document_get_generation   (LlDocument *self);

/* Edits (each one undoable; FALSE + error for impossible arguments). */
gboolean ll_document_insert_layer   (LlDocument *self, int index, const nn_layer_config *cfg, GError **error);
gboolean ll_document_remove_layer   (LlDocument *self, int index, GError **error);
gboolean ll_document_duplicate_layer (LlDocument *self, int index, GError **error);
gboolean ll_document_move_layer     (LlDocument *self, int from, int to, GError **error);
gboolean ll_document_set_layer_config (LlDocument *self, int index, const nn_layer_config *cfg, GError **error);
gboolean ll_document_set_input_shape (LlDocument *self, const nn_shape *shape, GError **error);
gboolean ll_document_apply_fix      (LlDocument *self, int index, GError **error);
/* Replaces one parameter tensor's values (same shape), e.g. after a weight edit. The
 * document shares values' storage (copy-on-write): write into values afterwards only
 * after nn_tensor_make_writable(). */
gboolean ll_document_set_param      (LlDocument *self, const char *key, const nn_tensor *values, GError **error);
/* Replaces the whole net (load weights, training result): one undo step. Takes ownership. */
void     ll_document_replace_net    (LlDocument *self, nn_net *net, const char *undo_label);
void     ll_document_undo           (LlDocument *self);
void     ll_document_redo           (LlDocument *self);

/* Files: HDF5 I/O runs on the LlRunner worker; the document changes only on success. */
void     ll_document_load_async     (GFile *file, GCancellable *cancellable, GAsyncReadyCallback cb, gpointer user_data);
LlDocument *ll_document_load_finish (GAsyncResult *result, GError **error);
void     ll_document_save_async     (LlDocument *self, GFile *file, gboolean weights_only, GCancellable *cancellable, GAsyncReadyCallback cb, gpointer user_data);
gboolean ll_document_save_finish    (LlDocument *self, GAsyncResult *result, GError **error);
/* Strict: on mismatch the document is unchanged and the error lists every problem. */
void     ll_document_load_weights_async (LlDocument *self, GFile *file, GCancellable *cancellable, GAsyncReadyCallback cb, gpointer user_data);
gboolean ll_document_load_weights_finish (LlDocument *self, GAsyncResult *result, GError **error);

/* Added by the document work. */
/* A document over net (takes ownership; propagated if needed), untitled and unmodified. */
LlDocument  *ll_document_new_for_net    (nn_net *net);
/* Label of the step undo/redo would revert/repeat ("Add Conv2d", "Set in_features to 576",
 * "Load Weights", ...), translated; NULL when there is none. */
const char  *ll_document_get_undo_label (LlDocument *self);
const char  *ll_document_get_redo_label (LlDocument *self);
gboolean     ll_document_get_busy       (LlDocument *self);
/* Added by the training work. Makes trained (a trained copy of the network of
 * generation base_generation, which is still the current one) the document's network
 * as one undo step "Train N epochs"; takes trained. FALSE with G_IO_ERROR_FAILED
 * (trained is freed) when the document changed since. */
gboolean     ll_document_apply_training (LlDocument *self, nn_net *trained,
                                         guint64 base_generation, gint64 epochs,
                                         GError **error);
/* Notes: ll_document_get_net() returns the current network; every change (edit, undo,
 * redo, load weights) swaps in another nn_net, so do not keep the pointer (or pointers
 * into it) across a "changed" emission. ll_document_new_from_template() returns NULL for
 * an unknown name. Load weights fails with G_IO_ERROR_FAILED if the document changed
 * while the file was loading. Items keep their identity for unchanged leading/trailing
 * layers; an edit that keeps the layer count (set config, move, fix, set param) updates
 * the items in place (property notifications, no items-changed). Setting the config or
 * input shape already there, or moving a layer onto itself, succeeds without an undo step.
 * The network ll_document_get_net() returns is never modified in place (edits change a
 * copy); the worker reads it directly for saves and ll_runner_forward_document_async(). */

G_END_DECLS
