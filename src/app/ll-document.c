/* ll-document.c - the open network: an nn_net with undo, a file and a modified flag
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every edit copies the network, applies the engine edit to the copy and, if that
 * worked, swaps the copy in and keeps the previous network whole as the undo step.
 * A failed edit thus never leaves a half-changed network behind, and undo/redo just
 * swap complete networks (weights, seed and init counter included), so they restore
 * exactly what was there. Copies share their parameter storage (copy-on-write, see
 * nn_tensor in nn.h): a copy costs a header per tensor, and a step holds only the
 * tensors the edits after it replaced, even for VGG-16's 553 MB of weights.
 *
 * Each network content gets a "state" id; the document is modified when the current
 * state is not the one last saved, so undoing back to the saved network clears the
 * modified flag again.
 */
#define G_LOG_DOMAIN "ll-document"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ll-document-private.h"
#include "ll-reaper.h"
#include "ll-runner.h"

/* The byte cap counts what the steps hold beyond the current network (weights that
 * edits replaced); it always keeps the newest step. */
#define UNDO_MAX_STEPS 100
#define UNDO_MAX_BYTES (G_GUINT64_CONSTANT (512) * 1024 * 1024)

typedef struct {
  char *label;
  LlNetRef *ref;            /* the network on the other side of this step */
  guint64 state;            /* its state id */
} UndoStep;

struct _LlDocument {
  GObject parent_instance;
  LlNetRef *ref;            /* the current network, never changed in place */
  nn_net *net;              /* == ref->net */
  GPtrArray *items;         /* LlLayerItem, one per layer of net */
  GQueue undo;              /* UndoStep, newest first */
  GQueue redo;              /* UndoStep, next redo first */
  guint undo_max_steps;
  guint64 undo_max_bytes;
  GFile *file;
  char *title;
  guint64 generation;
  guint64 state;
  guint64 saved_state;
  guint busy;
  /* values last notified, so notify fires only on change */
  gboolean modified;
  gboolean can_undo;
  gboolean can_redo;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LlDocument, ll_document, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_FILE,
  PROP_TITLE,
  PROP_MODIFIED,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_BUSY,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Generations and states come from process-wide counters (documents live on the main
 * thread only), so a result computed for one document can never match another's. */
static guint64 last_generation;
static guint64 last_state;

/* ------------------------------------------------------------------ shared networks */

/* A committed network is never modified (edits change a copy), so the worker can read
 * it while the main thread goes on: saves need no copy, and a forward pass or a weights
 * load copies on the worker. The count is atomic; the last unref may happen anywhere. */
static LlNetRef *
net_ref_new (nn_net *net)
{
  LlNetRef *ref = g_new0 (LlNetRef, 1);

  ref->ref_count = 1;
  ref->net = net;
  return ref;
}

LlNetRef *
_ll_net_ref_ref (LlNetRef *ref)
{
  g_atomic_int_inc (&ref->ref_count);
  return ref;
}

void
_ll_net_ref_unref (LlNetRef *ref)
{
  if (ref != NULL && g_atomic_int_dec_and_test (&ref->ref_count))
    {
      nn_net_free (ref->net);
      g_free (ref);
    }
}

LlNetRef *
_ll_document_ref_net (LlDocument *self)
{
  return _ll_net_ref_ref (self->ref);
}

/* ------------------------------------------------------------------ undo steps */

/* What a network costs beside its tensors' values */
static guint64
net_overhead (const nn_net *net)
{
  return (guint64) net->n_layers * (sizeof (nn_layer) + sizeof (nn_layer_info)
                                    + 6 * sizeof (nn_tensor))
         + sizeof (nn_net);
}

/* Bytes of the storage of net's tensors that is not in seen yet; adds it. Networks
 * share storage (copy-on-write), so a buffer counts once however many hold it. */
static guint64
add_storage (GHashTable *seen, const nn_net *net)
{
  guint64 bytes = 0;

  for (int i = 0; i < net->n_layers; i++)
    {
      const nn_layer *l = &net->layers[i];
      const nn_tensor *ts[] = { l->weight, l->bias, l->running_mean, l->running_var,
                                l->grad_weight, l->grad_bias };

      for (guint k = 0; k < G_N_ELEMENTS (ts); k++)
        {
          const void *id = ts[k] != NULL ? nn_tensor_storage_id (ts[k]) : NULL;

          if (id != NULL && g_hash_table_add (seen, (gpointer) id))
            bytes += (guint64) nn_tensor_numel (ts[k]) * sizeof (float);
        }
    }
  return bytes;
}

/* Walks the undo steps from the newest: returns how many fit max_steps and max_bytes
 * (at least one), and in *bytes the memory those hold beyond the current network. */
static guint
undo_steps_within (LlDocument *self, guint max_steps, guint64 max_bytes, guint64 *bytes)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint kept = 0;

  *bytes = 0;
  add_storage (seen, self->net);
  for (GList *l = self->undo.head; l != NULL; l = l->next, kept++)
    {
      const nn_net *net = ((UndoStep *) l->data)->ref->net;
      guint64 step = net_overhead (net) + add_storage (seen, net);

      if (kept > 0 && (kept >= max_steps || *bytes + step > max_bytes))
        break;
      *bytes += step;
    }
  return kept;
}

guint64
_ll_document_get_undo_bytes (LlDocument *self)
{
  guint64 bytes;

  undo_steps_within (self, G_MAXUINT, G_MAXUINT64, &bytes);
  return bytes;
}

/* Takes ref. */
static UndoStep *
undo_step_new (const char *label, LlNetRef *ref, guint64 state)
{
  UndoStep *step = g_new0 (UndoStep, 1);

  step->label = g_strdup (label);
  step->ref = ref;
  step->state = state;
  return step;
}

static void
undo_step_free (gpointer data)
{
  UndoStep *step = data;

  _ll_net_ref_unref (step->ref);
  g_free (step->label);
  g_free (step);
}

/* Swaps the document's network with the step's; returns the previous one (which
 * the step now holds). */
static nn_net *
undo_step_swap (LlDocument *self, UndoStep *step)
{
  LlNetRef *old = self->ref;
  guint64 state = self->state;

  self->ref = step->ref;
  self->net = self->ref->net;
  self->state = step->state;
  step->ref = old;
  step->state = state;
  return old->net;
}

static void
trim_undo (LlDocument *self)
{
  guint64 bytes;
  guint keep;

  /* no byte cap (tests): nothing to count */
  if (self->undo_max_bytes == G_MAXUINT64 && self->undo.length <= self->undo_max_steps)
    return;
  keep = undo_steps_within (self, self->undo_max_steps, self->undo_max_bytes, &bytes);

  while (self->undo.length > keep)
    undo_step_free (g_queue_pop_tail (&self->undo));
}

static void
clear_stack (GQueue *stack)
{
  g_queue_clear_full (stack, undo_step_free);
}

/* ------------------------------------------------------------------ items */

static gboolean
pairs_equal (const int64_t a[2], const int64_t b[2])
{
  return a[0] == b[0] && a[1] == b[1];
}

static gboolean
config_equal (const nn_layer_config *a, const nn_layer_config *b)
{
  return a->type == b->type
    && a->in_channels == b->in_channels && a->out_channels == b->out_channels
    && a->groups == b->groups
    && pairs_equal (a->kernel_size, b->kernel_size) && pairs_equal (a->stride, b->stride)
    && pairs_equal (a->padding, b->padding) && pairs_equal (a->dilation, b->dilation)
    && a->pair_form == b->pair_form
    && a->bias == b->bias && a->ceil_mode == b->ceil_mode
    && a->count_include_pad == b->count_include_pad
    && a->start_dim == b->start_dim && a->end_dim == b->end_dim
    && a->in_features == b->in_features && a->out_features == b->out_features
    && a->num_features == b->num_features
    && memcmp (&a->eps, &b->eps, sizeof a->eps) == 0
    && memcmp (&a->momentum, &b->momentum, sizeof a->momentum) == 0
    && a->affine == b->affine && a->track_running_stats == b->track_running_stats
    && memcmp (&a->p, &b->p, sizeof a->p) == 0
    && memcmp (&a->negative_slope, &b->negative_slope, sizeof a->negative_slope) == 0
    && a->dim == b->dim
    && strncmp (a->name, b->name, sizeof a->name) == 0;
}

/* Brings the items in line with self->net, given the network before the change (NULL
 * at construction). Layers equal at the start and at the end keep their items; the
 * middle is replaced, or updated in place when its length did not change (an edited
 * or moved layer keeps its row). Items are updated before items-changed is emitted. */
static void
sync_items (LlDocument *self, const nn_net *old)
{
  const nn_net *net = self->net;
  guint n_old = self->items->len, n_new = (guint) net->n_layers;
  guint prefix = 0, suffix = 0, removed, added;

  g_assert (old == NULL || (guint) old->n_layers == n_old);

  if (old != NULL)
    {
      guint max = MIN (n_old, n_new);

      while (prefix < max && config_equal (&old->layers[prefix].cfg, &net->layers[prefix].cfg))
        prefix++;
      while (suffix < max - prefix
             && config_equal (&old->layers[n_old - 1 - suffix].cfg, &net->layers[n_new - 1 - suffix].cfg))
        suffix++;
    }
  removed = n_old - prefix - suffix;
  added = n_new - prefix - suffix;
  if (removed != added)
    {
      g_ptr_array_remove_range (self->items, prefix, removed);
      for (guint i = 0; i < added; i++)
        g_ptr_array_insert (self->items, prefix + i, _ll_layer_item_new ());
    }
  for (guint i = 0; i < n_new; i++)
    _ll_layer_item_update (g_ptr_array_index (self->items, i), net, (int) i);
  if (removed != added)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, removed, added);
}

/* ------------------------------------------------------------------ state */

static void
notify_if_changed (LlDocument *self, gboolean *field, gboolean value, int prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
update_flags (LlDocument *self)
{
  notify_if_changed (self, &self->modified, self->state != self->saved_state, PROP_MODIFIED);
  notify_if_changed (self, &self->can_undo, self->undo.length > 0, PROP_CAN_UNDO);
  notify_if_changed (self, &self->can_redo, self->redo.length > 0, PROP_CAN_REDO);
}

void
_ll_document_set_busy (LlDocument *self, gboolean busy)
{
  gboolean was_busy = self->busy > 0;

  if (busy)
    self->busy++;
  else
    {
      g_assert (self->busy > 0);
      self->busy--;
    }
  if (was_busy != (self->busy > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

void
_ll_document_set_file (LlDocument *self, GFile *file)
{
  if (self->file == file || (self->file && file && g_file_equal (self->file, file)))
    return;
  g_set_object (&self->file, file);
  g_clear_pointer (&self->title, g_free);
  if (file != NULL)
    {
      g_autofree char *base = g_file_get_basename (file);

      self->title = g_filename_display_name (base);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

/* After self->net changed from old: items, flags, then "changed". */
static void
document_changed (LlDocument *self, const nn_net *old)
{
  self->generation = ++last_generation;
  g_object_freeze_notify (G_OBJECT (self));
  sync_items (self, old);
  update_flags (self);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Makes next the document's network as a new undo step (takes next). */
static void
commit (LlDocument *self, nn_net *next, const char *label)
{
  nn_net *old = self->net;
  UndoStep *step = undo_step_new (label, self->ref, self->state);

  g_queue_push_head (&self->undo, step);
  clear_stack (&self->redo);
  self->ref = net_ref_new (next);
  self->net = next;
  self->state = ++last_state;
  document_changed (self, old);
  trim_undo (self);
}

static void
ensure_propagated (nn_net *net)
{
  /* Networks from edits, templates and files are propagated; this is for others. */
  if (net->n_layers > 0 && net->info == NULL)
    nn_net_propagate (net);
}

void
_ll_document_mark_saved (LlDocument *self, guint64 state)
{
  self->saved_state = state;
  update_flags (self);
}

guint64
_ll_document_get_state (LlDocument *self)
{
  return self->state;
}

void
_ll_document_set_undo_limits (LlDocument *self, guint max_steps, guint64 max_bytes)
{
  self->undo_max_steps = max_steps;
  self->undo_max_bytes = max_bytes;
  trim_undo (self);
  update_flags (self);
}

/* ------------------------------------------------------------------ construction */

LlDocument *
ll_document_new_for_net (nn_net *net)
{
  LlDocument *self;

  g_return_val_if_fail (net != NULL, NULL);

  ensure_propagated (net);
  self = g_object_new (LL_TYPE_DOCUMENT, NULL);
  self->ref = net_ref_new (net);
  self->net = net;
  self->state = self->saved_state = ++last_state;
  self->generation = ++last_generation;
  sync_items (self, NULL);
  return self;
}

static guint64
random_seed (void)
{
  return ((guint64) g_random_int () << 32) | g_random_int ();
}

LlDocument *
ll_document_new (void)
{
  nn_shape input = nn_shape_chw (1, 28, 28);
  nn_net *net = nn_net_new (&input, random_seed ());

  if (net == NULL)
    g_error ("%s: out of memory", G_STRLOC);
  return ll_document_new_for_net (net);
}

LlDocument *
ll_document_new_from_template (const char *name)
{
  nn_error err = { 0 };
  nn_net *net;

  g_return_val_if_fail (name != NULL, NULL);

  net = nn_net_new_template (name, random_seed (), &err);
  if (net == NULL)
    {
      g_debug ("No template “%s”: %s", name, err.message);
      return NULL;
    }
  return ll_document_new_for_net (net);
}

/* ------------------------------------------------------------------ getters */

const nn_net *
ll_document_get_net (LlDocument *self)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), NULL);
  return self->net;
}

GFile *
ll_document_get_file (LlDocument *self)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), NULL);
  return self->file;
}

const char *
ll_document_get_title (LlDocument *self)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), NULL);
  return self->title != NULL ? self->title : _("Untitled");
}

gboolean
ll_document_get_modified (LlDocument *self)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  return self->modified;
}

gboolean
ll_document_can_undo (LlDocument *self)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  return self->can_undo;
}

gboolean
ll_document_can_redo (LlDocument *self)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  return self->can_redo;
}

const char *
ll_document_get_undo_label (LlDocument *self)
{
  UndoStep *step;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), NULL);
  step = g_queue_peek_head (&self->undo);
  return step != NULL ? step->label : NULL;
}

const char *
ll_document_get_redo_label (LlDocument *self)
{
  UndoStep *step;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), NULL);
  step = g_queue_peek_head (&self->redo);
  return step != NULL ? step->label : NULL;
}

gboolean
ll_document_get_busy (LlDocument *self)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  return self->busy > 0;
}

/* Cheap: the copy shares the parameter storage (copy-on-write). */
nn_net *
ll_document_snapshot (LlDocument *self)
{
  nn_error err = { 0 };
  nn_net *copy;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), NULL);

  copy = nn_net_copy (self->net, &err);
  if (copy == NULL)
    g_warning ("Cannot copy the network: %s", err.message);
  return copy;
}

guint64
ll_document_get_generation (LlDocument *self)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), 0);
  return self->generation;
}

/* ------------------------------------------------------------------ edits */

static nn_net *
copy_net (LlDocument *self, GError **error)
{
  nn_error err = { 0 };
  nn_net *next = nn_net_copy (self->net, &err);

  if (next == NULL)
    ll_set_error_from_nn (error, &err);
  return next;
}

/* The copy that an edit changes. It shares the weights with the current network, so
 * the step that keeps the current one costs only what the edit replaces. */
static nn_net *
edit_begin (LlDocument *self, GError **error)
{
  return copy_net (self, error);
}

/* Commits next if status is NN_OK, else drops it and reports err. */
static gboolean
edit_end (LlDocument *self, nn_net *next, nn_status status, const nn_error *err,
          const char *label, GError **error)
{
  if (status != NN_OK)
    {
      nn_net_free (next);
      ll_set_error_from_nn (error, err);
      return FALSE;
    }
  commit (self, next, label);
  return TRUE;
}

static gboolean
check_index (LlDocument *self, int index, GError **error)
{
  if (index >= 0 && index < self->net->n_layers)
    return TRUE;
  g_set_error (error, LL_ENGINE_ERROR, NN_STATUS_NOT_FOUND,
               _("There is no layer %d (the network has %d layers)"), index, self->net->n_layers);
  return FALSE;
}

static const char *
type_name (nn_layer_type type)
{
  const char *name = nn_layer_type_name (type);

  return name != NULL ? name : "?";
}

gboolean
ll_document_insert_layer (LlDocument *self, int index, const nn_layer_config *cfg, GError **error)
{
  nn_error err = { 0 };
  g_autofree char *label = NULL;
  nn_net *next;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (cfg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(next = edit_begin (self, error)))
    return FALSE;
  /* Translators: undo label, %s is a layer type such as "Conv2d" */
  label = g_strdup_printf (_("Add %s"), type_name (cfg->type));
  return edit_end (self, next, nn_net_insert (next, index, cfg, &err), &err, label, error);
}

gboolean
ll_document_remove_layer (LlDocument *self, int index, GError **error)
{
  nn_error err = { 0 };
  g_autofree char *label = NULL;
  nn_net *next;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_index (self, index, error) || !(next = edit_begin (self, error)))
    return FALSE;
  /* Translators: undo label, %s is a layer type such as "Conv2d" */
  label = g_strdup_printf (_("Remove %s"), type_name (self->net->layers[index].cfg.type));
  return edit_end (self, next, nn_net_remove (next, index, &err), &err, label, error);
}

/* A duplicate has the same parameter values where the shapes allow it, like
 * copy.deepcopy() of a module. The two share the storage until one of them is written
 * (copy-on-write): the assignment itself copies nothing and cannot fail. */
static void
copy_layer_params (const nn_layer *from, nn_layer *to)
{
  const nn_tensor *src[] = { from->weight, from->bias, from->running_mean, from->running_var };
  nn_tensor *dst[] = { to->weight, to->bias, to->running_mean, to->running_var };

  for (guint i = 0; i < G_N_ELEMENTS (src); i++)
    if (src[i] != NULL && dst[i] != NULL && nn_tensor_same_shape (src[i], dst[i]))
      if (nn_tensor_assign (dst[i], src[i], NULL) != NN_OK)
        g_warn_if_reached ();
  to->num_batches_tracked = from->num_batches_tracked;
}

gboolean
ll_document_duplicate_layer (LlDocument *self, int index, GError **error)
{
  nn_error err = { 0 };
  g_autofree char *label = NULL;
  nn_layer_config cfg;
  nn_status status;
  nn_net *next;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_index (self, index, error) || !(next = edit_begin (self, error)))
    return FALSE;
  cfg = next->layers[index].cfg;
  status = nn_net_insert (next, index + 1, &cfg, &err);
  if (status == NN_OK)
    copy_layer_params (&next->layers[index], &next->layers[index + 1]);
  /* Translators: undo label, %s is a layer type such as "Conv2d" */
  label = g_strdup_printf (_("Duplicate %s"), type_name (cfg.type));
  return edit_end (self, next, status, &err, label, error);
}

gboolean
ll_document_move_layer (LlDocument *self, int from, int to, GError **error)
{
  nn_error err = { 0 };
  g_autofree char *label = NULL;
  nn_net *next;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_index (self, from, error) || !check_index (self, to, error))
    return FALSE;
  if (from == to)
    return TRUE;    /* nothing to record */
  if (!(next = edit_begin (self, error)))
    return FALSE;
  /* Translators: undo label, %s is a layer type such as "Conv2d" */
  label = g_strdup_printf (_("Move %s"), type_name (self->net->layers[from].cfg.type));
  return edit_end (self, next, nn_net_move (next, from, to, &err), &err, label, error);
}

gboolean
ll_document_set_layer_config (LlDocument *self, int index, const nn_layer_config *cfg, GError **error)
{
  nn_error err = { 0 };
  g_autofree char *label = NULL;
  nn_net *next;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (cfg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_index (self, index, error))
    return FALSE;
  /* Widgets may set what is already there: that is not an edit to undo. */
  if (config_equal (cfg, &self->net->layers[index].cfg))
    return TRUE;
  if (!(next = edit_begin (self, error)))
    return FALSE;
  /* Translators: undo label, %s is a layer type such as "Conv2d" */
  label = g_strdup_printf (_("Edit %s"), type_name (cfg->type));
  return edit_end (self, next, nn_net_set_config (next, index, cfg, &err), &err, label, error);
}

gboolean
ll_document_set_input_shape (LlDocument *self, const nn_shape *shape, GError **error)
{
  nn_error err = { 0 };
  nn_net *next;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (shape != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (nn_shape_equal (shape, &self->net->input))
    return TRUE;
  if (!(next = edit_begin (self, error)))
    return FALSE;
  return edit_end (self, next, nn_net_set_input (next, shape, &err), &err,
                   _("Change Input Shape"), error);
}

gboolean
ll_document_apply_fix (LlDocument *self, int index, GError **error)
{
  nn_error err = { 0 };
  nn_fix fix;
  nn_net *next;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_index (self, index, error))
    return FALSE;
  fix = self->net->info[index].fix;
  if (fix.kind == NN_FIX_NONE)
    {
      g_set_error (error, LL_ENGINE_ERROR, NN_STATUS_NOT_FOUND,
                   _("Layer %d has no suggested fix"), index);
      return FALSE;
    }
  if (!(next = edit_begin (self, error)))
    return FALSE;
  return edit_end (self, next, nn_net_apply_fix (next, index, &fix, &err), &err, fix.label, error);
}

static gboolean
check_param (LlDocument *self, const char *key, const nn_tensor *values, GError **error)
{
  nn_tensor *t = nn_net_find_param (self->net, key);
  char have[64], got[64];

  if (t == NULL)
    g_set_error (error, LL_ENGINE_ERROR, NN_STATUS_NOT_FOUND,
                 _("The network has no parameter “%s”"), key);
  else if (!nn_tensor_same_shape (t, values))
    g_set_error (error, LL_ENGINE_ERROR, NN_STATUS_SHAPE,
                 _("“%s” has shape %s but the new values have shape %s"),
                 key, nn_shape_format (t->n_dims, t->shape, have, sizeof have),
                 nn_shape_format (values->n_dims, values->shape, got, sizeof got));
  else
    return TRUE;
  return FALSE;
}

gboolean
ll_document_set_param (LlDocument *self, const char *key, const nn_tensor *values, GError **error)
{
  nn_error err = { 0 };
  nn_tensor *t;
  nn_net *next;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (values != NULL && values->data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_param (self, key, values, error) || !(next = edit_begin (self, error)))
    return FALSE;
  t = nn_net_find_param (next, key);
  g_assert (t != NULL);
  /* shares values' storage when it can (copy-on-write), never writes into the storage
   * next shares with the current network */
  if (nn_tensor_assign (t, values, &err) != NN_OK)
    {
      nn_net_free (next);
      ll_set_error_from_nn (error, &err);
      return FALSE;
    }
  commit (self, next, _("Edit Weights"));
  return TRUE;
}

void
ll_document_replace_net (LlDocument *self, nn_net *net, const char *undo_label)
{
  g_return_if_fail (LL_IS_DOCUMENT (self));
  g_return_if_fail (net != NULL && net != self->net);

  ensure_propagated (net);
  commit (self, net, undo_label != NULL ? undo_label : _("Replace Network"));
}

void
ll_document_undo (LlDocument *self)
{
  UndoStep *step;
  nn_net *old;

  g_return_if_fail (LL_IS_DOCUMENT (self));

  if (!(step = g_queue_pop_head (&self->undo)))
    return;
  old = undo_step_swap (self, step);
  g_queue_push_head (&self->redo, step);
  document_changed (self, old);
}

void
ll_document_redo (LlDocument *self)
{
  UndoStep *step;
  nn_net *old;

  g_return_if_fail (LL_IS_DOCUMENT (self));

  if (!(step = g_queue_pop_head (&self->redo)))
    return;
  old = undo_step_swap (self, step);
  g_queue_push_head (&self->undo, step);
  document_changed (self, old);
}

/* ------------------------------------------------------------------ GListModel */

static GType
list_model_get_item_type (GListModel *model)
{
  return LL_TYPE_LAYER_ITEM;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return LL_DOCUMENT (model)->items->len;
}

static gpointer
list_model_get_item (GListModel *model, guint position)
{
  LlDocument *self = LL_DOCUMENT (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

/* ------------------------------------------------------------------ GObject */

static void
ll_document_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LlDocument *self = LL_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_FILE:     g_value_set_object (value, self->file); break;
    case PROP_TITLE:    g_value_set_string (value, ll_document_get_title (self)); break;
    case PROP_MODIFIED: g_value_set_boolean (value, self->modified); break;
    case PROP_CAN_UNDO: g_value_set_boolean (value, self->can_undo); break;
    case PROP_CAN_REDO: g_value_set_boolean (value, self->can_redo); break;
    case PROP_BUSY:     g_value_set_boolean (value, self->busy > 0); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* What a finalized document leaves to free: its network and undo history */
typedef struct {
  GQueue undo, redo;
  LlNetRef *ref;
} Remains;

static void
remains_free (gpointer data)
{
  Remains *r = data;

  g_queue_clear_full (&r->undo, undo_step_free);
  g_queue_clear_full (&r->redo, undo_step_free);
  _ll_net_ref_unref (r->ref);
  g_free (r);
}

static void
ll_document_finalize (GObject *object)
{
  LlDocument *self = LL_DOCUMENT (object);
  Remains *remains = g_new0 (Remains, 1);

  /* Returning VGG-16's 553 MB (and what the undo steps hold) to the system took 42 ms
   * of the main loop when a window closed: the reaper thread does it. The networks'
   * reference counts are atomic, and nothing else refers to these steps. */
  remains->undo = self->undo;
  remains->redo = self->redo;
  remains->ref = g_steal_pointer (&self->ref);
  g_queue_init (&self->undo);
  g_queue_init (&self->redo);
  ll_reaper_free (remains, remains_free);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  self->net = NULL;
  g_clear_object (&self->file);
  g_free (self->title);
  G_OBJECT_CLASS (ll_document_parent_class)->finalize (object);
}

static void
ll_document_class_init (LlDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = ll_document_get_property;
  object_class->finalize = ll_document_finalize;

  properties[PROP_FILE] = g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_MODIFIED] = g_param_spec_boolean ("modified", NULL, NULL, FALSE, flags);
  properties[PROP_CAN_UNDO] = g_param_spec_boolean ("can-undo", NULL, NULL, FALSE, flags);
  properties[PROP_CAN_REDO] = g_param_spec_boolean ("can-redo", NULL, NULL, FALSE, flags);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ll_document_init (LlDocument *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->undo);
  g_queue_init (&self->redo);
  self->undo_max_steps = UNDO_MAX_STEPS;
  self->undo_max_bytes = UNDO_MAX_BYTES;
}

/* ------------------------------------------------------------------ training */

LlNetRef *
_ll_net_ref_new (nn_net *net)
{
  g_return_val_if_fail (net != NULL, NULL);

  return net_ref_new (net);
}

gboolean
ll_document_apply_training (LlDocument *self, nn_net *trained, guint64 base_generation,
                            gint64 epochs, GError **error)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (trained != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Trained weights only fit the network they were trained from. */
  if (base_generation != self->generation)
    {
      nn_net_free (trained);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The network changed while it was training; the trained weights no longer fit it."));
      return FALSE;
    }
  if (epochs > 0)
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Train %lld epoch", "Train %lld epochs",
                                          (gulong) epochs), (long long) epochs);
  else
    label = g_strdup (_("Train part of an epoch"));
  ll_document_replace_net (self, trained, label);
  return TRUE;
}
