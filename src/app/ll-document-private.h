/* ll-document-private.h - what LlDocument needs from LlLayerItem
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ll-document.h"

G_BEGIN_DECLS

LlLayerItem *_ll_layer_item_new    (void);
/* Refreshes every property from layer index of net (propagated); notifies only the
 * properties whose value changed. */
void         _ll_layer_item_update (LlLayerItem *self, const nn_net *net, int index);

/* A committed network, shared read-only with the worker (thread-safe count). */
typedef struct {
  gint ref_count;
  nn_net *net;
} LlNetRef;

LlNetRef    *_ll_document_ref_net    (LlDocument *self);
/* A new reference (count 1) to net, e.g. a training snapshot; takes net. */
LlNetRef    *_ll_net_ref_new         (nn_net *net);
LlNetRef    *_ll_net_ref_ref         (LlNetRef *ref);
void         _ll_net_ref_unref       (LlNetRef *ref);

/* Shared by ll-document.c and ll-document-io.c */
void         _ll_document_set_file   (LlDocument *self, GFile *file);
void         _ll_document_set_busy   (LlDocument *self, gboolean busy);
/* state: the content id the saved file holds (see _ll_document_get_state) */
void         _ll_document_mark_saved (LlDocument *self, guint64 state);
guint64      _ll_document_get_state  (LlDocument *self);
/* Memory the undo steps hold beyond the current network (tensor storage shared by
 * several steps counts once), and the limits trimming keeps them within (at least the
 * newest step stays); for tests. */
guint64      _ll_document_get_undo_bytes  (LlDocument *self);
void         _ll_document_set_undo_limits (LlDocument *self, guint max_steps, guint64 max_bytes);

G_END_DECLS
