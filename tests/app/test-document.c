/* test-document.c - LlDocument: items, edits, undo/redo, modified flag, files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Headless: needs GLib/GIO and the engine only.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "ll-document.h"
#include "ll-document-private.h"
#include "ll-runner.h"
#include "test-util.h"

/* ------------------------------------------------------------------ helpers */

static LlDocument *
seed_document (uint64_t seed)
{
  nn_error err = { 0 };
  nn_net *net = nn_net_new_template ("seed", seed, &err);

  g_assert_nonnull (net);
  return ll_document_new_for_net (net);
}

static nn_layer_config
config_of (nn_layer_type type)
{
  nn_layer_config cfg;

  memset (&cfg, 0, sizeof cfg);
  nn_layer_config_init (&cfg, type);
  return cfg;
}

/* Same architecture, same parameters byte for byte, same future initialisation. */
static void
assert_nets_equal (const nn_net *a, const nn_net *b)
{
  nn_param *pa = NULL, *pb = NULL;
  int n;

  test_assert_nets_equal (a, b);
  g_assert_cmpint (a->first_error, ==, b->first_error);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpuint (a->init_counter, ==, b->init_counter);
  /* the counters (BatchNorm's num_batches_tracked) the shared check leaves out */
  n = nn_net_params (a, &pa);
  g_assert_cmpint (nn_net_params (b, &pb), ==, n);
  for (int i = 0; i < n; i++)
    if (pa[i].count != NULL)
      g_assert_cmpint (*pa[i].count, ==, *pb[i].count);
  free (pa);
  free (pb);
}

static gboolean
nets_differ_in_params (const nn_net *a, const nn_net *b)
{
  nn_param *pa = NULL, *pb = NULL;
  int na = nn_net_params (a, &pa), nb = nn_net_params (b, &pb);
  gboolean differ = na != nb;

  for (int i = 0; !differ && i < na; i++)
    if (pa[i].tensor != NULL && nn_tensor_same_shape (pa[i].tensor, pb[i].tensor))
      differ = memcmp (pa[i].tensor->data, pb[i].tensor->data,
                       nn_tensor_numel (pa[i].tensor) * sizeof (float)) != 0;
  free (pa);
  free (pb);
  return differ;
}

/* Every item shows what the network's layer info says. */
static void
assert_items_mirror (LlDocument *doc)
{
  const nn_net *net = ll_document_get_net (doc);
  GListModel *model = G_LIST_MODEL (doc);

  g_assert_true (g_list_model_get_item_type (model) == LL_TYPE_LAYER_ITEM);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, net->n_layers);
  g_assert_null (g_list_model_get_item (model, net->n_layers));
  for (int i = 0; i < net->n_layers; i++)
    {
      g_autoptr(LlLayerItem) item = g_list_model_get_item (model, i);
      const nn_layer_info *info = &net->info[i];
      char buf[64];

      g_assert_cmpint (ll_layer_item_get_index (item), ==, i);
      g_assert_cmpstr (ll_layer_item_get_type_name (item), ==, nn_layer_type_name (net->layers[i].cfg.type));
      g_assert_nonnull (ll_layer_item_get_params_text (item));
      g_assert_cmpint (ll_layer_item_get_n_params (item), ==, info->n_params);
      g_assert_cmpint (ll_layer_item_get_macs (item), ==, info->macs);
      if (info->status == NN_OK)
        {
          g_assert_cmpstr (ll_layer_item_get_shape_text (item), ==,
                           nn_shape_to_batch_string (&info->out_shape, buf, sizeof buf));
          g_assert_null (ll_layer_item_get_error (item));
          g_assert_null (ll_layer_item_get_fix_label (item));
          g_assert_false (ll_layer_item_get_not_computed (item));
        }
      else
        {
          gboolean not_computed = info->status == NN_STATUS_ABORTED;

          g_assert_cmpstr (ll_layer_item_get_shape_text (item), ==, "—");
          g_assert_cmpint (ll_layer_item_get_not_computed (item), ==, not_computed);
          g_assert_cmpstr (ll_layer_item_get_error (item), ==, not_computed ? NULL : info->message);
        }
    }
}

/* Replays items-changed on a shadow array: checks the GListModel contract. */
typedef struct {
  GPtrArray *shadow;
  guint n_items_changed;
  guint last[3];
  guint n_changed;
} Recorder;

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, Recorder *rec)
{
  g_assert_cmpuint (position + removed, <=, rec->shadow->len);
  g_ptr_array_remove_range (rec->shadow, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (rec->shadow, position + i, g_list_model_get_item (model, position + i));
  rec->n_items_changed++;
  rec->last[0] = position;
  rec->last[1] = removed;
  rec->last[2] = added;
}

static void
on_changed (LlDocument *doc, Recorder *rec)
{
  rec->n_changed++;
  /* items are already up to date when "changed" is emitted */
  assert_items_mirror (doc);
}

static void
recorder_init (Recorder *rec, LlDocument *doc)
{
  GListModel *model = G_LIST_MODEL (doc);

  memset (rec, 0, sizeof *rec);
  rec->shadow = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_ptr_array_add (rec->shadow, g_list_model_get_item (model, i));
  g_signal_connect (doc, "items-changed", G_CALLBACK (on_items_changed), rec);
  g_signal_connect (doc, "changed", G_CALLBACK (on_changed), rec);
}

static void
recorder_check (Recorder *rec, LlDocument *doc)
{
  GListModel *model = G_LIST_MODEL (doc);

  g_assert_cmpuint (rec->shadow->len, ==, g_list_model_get_n_items (model));
  for (guint i = 0; i < rec->shadow->len; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      g_assert_true (item == g_ptr_array_index (rec->shadow, i));
    }
  assert_items_mirror (doc);
}

static void
recorder_clear (Recorder *rec, LlDocument *doc)
{
  g_signal_handlers_disconnect_by_data (doc, rec);
  g_clear_pointer (&rec->shadow, g_ptr_array_unref);
}

static void
assert_last_change (Recorder *rec, guint position, guint removed, guint added)
{
  g_assert_cmpuint (rec->last[0], ==, position);
  g_assert_cmpuint (rec->last[1], ==, removed);
  g_assert_cmpuint (rec->last[2], ==, added);
}

static LlLayerItem *
item_at (LlDocument *doc, guint position)
{
  LlLayerItem *item = g_list_model_get_item (G_LIST_MODEL (doc), position);

  g_assert_nonnull (item);
  g_object_unref (item);     /* the document keeps it alive */
  return item;
}

/* Unrefs the document and checks that it and all its items are finalized. */
static void
finalize_document (LlDocument *doc)
{
  GListModel *model = G_LIST_MODEL (doc);
  guint n = g_list_model_get_n_items (model);
  LlLayerItem **items = g_new0 (LlLayerItem *, n + 1);

  for (guint i = 0; i < n; i++)
    items[i] = g_list_model_get_item (model, i);
  g_assert_finalize_object (doc);
  for (guint i = 0; i < n; i++)
    g_assert_finalize_object (items[i]);
  g_free (items);
}

static void
on_async_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("layerlab-test-document-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tmp_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static gboolean
save_sync (LlDocument *doc, GFile *file, gboolean weights_only, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ll_document_save_async (doc, file, weights_only, NULL, on_async_done, &result);
  return ll_document_save_finish (doc, wait_for (&result), error);
}

static LlDocument *
load_sync (GFile *file, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ll_document_load_async (file, NULL, on_async_done, &result);
  return ll_document_load_finish (wait_for (&result), error);
}

static gboolean
load_weights_sync (LlDocument *doc, GFile *file, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ll_document_load_weights_async (doc, file, NULL, on_async_done, &result);
  return ll_document_load_weights_finish (doc, wait_for (&result), error);
}

/* ------------------------------------------------------------------ tests */

static void
test_new (void)
{
  LlDocument *doc = ll_document_new ();
  const nn_net *net = ll_document_get_net (doc);
  nn_shape expected = nn_shape_chw (1, 28, 28);

  g_assert_cmpint (net->n_layers, ==, 0);
  g_assert_true (nn_shape_equal (&net->input, &expected));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (doc)), ==, 0);
  g_assert_cmpstr (ll_document_get_title (doc), ==, "Untitled");
  g_assert_null (ll_document_get_file (doc));
  g_assert_false (ll_document_get_modified (doc));
  g_assert_false (ll_document_can_undo (doc));
  g_assert_false (ll_document_can_redo (doc));
  g_assert_false (ll_document_get_busy (doc));
  g_assert_null (ll_document_get_undo_label (doc));
  g_assert_null (ll_document_new_from_template ("no-such-template"));
  finalize_document (doc);

  doc = ll_document_new_from_template ("lenet5");
  g_assert_nonnull (doc);
  g_assert_cmpint (ll_document_get_net (doc)->n_layers, >, 0);
  assert_items_mirror (doc);
  g_assert_false (ll_document_get_modified (doc));
  finalize_document (doc);
}

static void
test_seed_items (void)
{
  LlDocument *doc = seed_document (1);
  const char *shapes[] = { "[1, 32, 20, 20]", "[1, 32, 20, 20]", "[1, 32, 10, 10]", "[1, 64, 6, 6]", "[1, 64, 6, 6]",
                           "[1, 64, 3, 3]", "[1, 576]", "[1, 1024]", "[1, 1024]", "[1, 10]" };

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (doc)), ==, G_N_ELEMENTS (shapes));
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    g_assert_cmpstr (ll_layer_item_get_shape_text (item_at (doc, i)), ==, shapes[i]);
  g_assert_cmpstr (ll_layer_item_get_type_name (item_at (doc, 0)), ==, "Conv2d");
  g_assert_cmpstr (ll_layer_item_get_params_text (item_at (doc, 0)), ==, "32, 5×5");
  g_assert_cmpstr (ll_layer_item_get_params_text (item_at (doc, 2)), ==, "2×2 /2");
  g_assert_cmpstr (ll_layer_item_get_params_text (item_at (doc, 7)), ==, "576 → 1024");
  g_assert_cmpstr (ll_layer_item_get_params_text (item_at (doc, 1)), ==, "");
  g_assert_cmpint (ll_layer_item_get_n_params (item_at (doc, 0)), ==, 32 * 25 + 32);
  g_assert_cmpint (ll_layer_item_get_n_params (item_at (doc, 7)), ==, 576 * 1024 + 1024);
  g_assert_cmpint (ll_layer_item_get_macs (item_at (doc, 7)), ==, 576 * 1024);
  assert_items_mirror (doc);
  finalize_document (doc);
}

static void
test_items_follow_edits (void)
{
  LlDocument *doc = seed_document (2);
  g_autoptr(GError) error = NULL;
  nn_layer_config relu = config_of (NN_LAYER_RELU);
  nn_layer_config dropout = config_of (NN_LAYER_DROPOUT);
  LlLayerItem *first = item_at (doc, 0), *last = item_at (doc, 9);
  Recorder rec;

  recorder_init (&rec, doc);

  g_assert_true (ll_document_insert_layer (doc, 3, &dropout, &error));
  g_assert_no_error (error);
  assert_last_change (&rec, 3, 0, 1);
  recorder_check (&rec, doc);
  g_assert_cmpstr (ll_layer_item_get_type_name (item_at (doc, 3)), ==, "Dropout");
  g_assert_cmpstr (ll_layer_item_get_params_text (item_at (doc, 3)), ==, "p=0.5");
  /* unchanged layers keep their items, shifted ones get their new index */
  g_assert_true (item_at (doc, 0) == first);
  g_assert_true (item_at (doc, 10) == last);
  g_assert_cmpint (ll_layer_item_get_index (last), ==, 10);

  g_assert_true (ll_document_remove_layer (doc, 3, &error));
  assert_last_change (&rec, 3, 1, 0);
  recorder_check (&rec, doc);
  g_assert_cmpint (ll_layer_item_get_index (last), ==, 9);

  g_assert_true (ll_document_duplicate_layer (doc, 1, &error));
  g_assert_cmpuint (rec.last[1] + 1, ==, rec.last[2]);
  recorder_check (&rec, doc);
  g_assert_cmpstr (ll_layer_item_get_type_name (item_at (doc, 2)), ==, "ReLU");

  g_assert_true (ll_document_move_layer (doc, 2, 9, &error));
  recorder_check (&rec, doc);
  g_assert_cmpstr (ll_layer_item_get_type_name (item_at (doc, 9)), ==, "ReLU");
  g_assert_cmpstr (ll_layer_item_get_type_name (item_at (doc, 2)), ==, "MaxPool2d");

  g_assert_true (ll_document_insert_layer (doc, ll_document_get_net (doc)->n_layers, &relu, &error));
  recorder_check (&rec, doc);
  g_assert_cmpuint (rec.n_changed, ==, 5);
  g_assert_no_error (error);

  for (guint i = 0; i < 5; i++)
    {
      ll_document_undo (doc);
      recorder_check (&rec, doc);
    }
  g_assert_false (ll_document_can_undo (doc));
  g_assert_true (item_at (doc, 0) == first);
  for (guint i = 0; i < 5; i++)
    {
      ll_document_redo (doc);
      recorder_check (&rec, doc);
    }
  recorder_clear (&rec, doc);
  finalize_document (doc);
}

static void
on_notify_count (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static void
test_shape_error_and_fix (void)
{
  LlDocument *doc = seed_document (3);
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg = ll_document_get_net (doc)->layers[7].cfg;
  LlLayerItem *linear = item_at (doc, 7), *relu = item_at (doc, 8);
  g_autofree char *before = nn_net_repr (ll_document_get_net (doc));
  guint error_notifies = 0, shape_notifies_first = 0;
  g_autofree char *fix = NULL;

  g_signal_connect (linear, "notify::error", G_CALLBACK (on_notify_count), &error_notifies);
  g_signal_connect (item_at (doc, 0), "notify::shape-text", G_CALLBACK (on_notify_count),
                    &shape_notifies_first);

  cfg.in_features = 600;
  g_assert_true (ll_document_set_layer_config (doc, 7, &cfg, &error));
  g_assert_no_error (error);
  assert_items_mirror (doc);
  g_assert_nonnull (ll_layer_item_get_error (linear));
  g_test_message ("%s", ll_layer_item_get_error (linear));
  g_assert_nonnull (strstr (ll_layer_item_get_error (linear), "576"));
  g_assert_cmpuint (error_notifies, ==, 1);
  /* nothing changed before the error: no notification there */
  g_assert_cmpuint (shape_notifies_first, ==, 0);
  g_assert_true (ll_layer_item_get_not_computed (relu));
  g_assert_cmpstr (ll_layer_item_get_shape_text (relu), ==, "—");
  fix = g_strdup (ll_layer_item_get_fix_label (linear));
  g_assert_nonnull (fix);
  g_assert_nonnull (strstr (fix, "576"));

  g_assert_false (ll_document_apply_fix (doc, 0, &error));   /* layer 0 is fine */
  g_assert_error (error, LL_ENGINE_ERROR, NN_STATUS_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (ll_document_apply_fix (doc, 7, &error));
  g_assert_no_error (error);
  g_assert_null (ll_layer_item_get_error (linear));
  g_assert_null (ll_layer_item_get_fix_label (linear));
  g_assert_false (ll_layer_item_get_not_computed (relu));
  g_assert_cmpstr (ll_layer_item_get_shape_text (relu), ==, "[1, 1024]");
  g_assert_cmpint (ll_document_get_net (doc)->layers[7].cfg.in_features, ==, 576);
  g_assert_cmpint (ll_document_get_net (doc)->first_error, <, 0);
  g_assert_cmpuint (error_notifies, ==, 2);
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, fix);

  /* removing the Flatten breaks the Linear; its fix makes the network whole again */
  g_assert_true (ll_document_remove_layer (doc, 6, &error));
  g_assert_nonnull (ll_layer_item_get_error (item_at (doc, 6)));
  g_assert_nonnull (ll_layer_item_get_fix_label (item_at (doc, 6)));
  g_assert_true (ll_document_apply_fix (doc, 6, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ll_document_get_net (doc)->first_error, <, 0);
  assert_items_mirror (doc);

  ll_document_undo (doc);
  ll_document_undo (doc);
  ll_document_undo (doc);
  g_assert_nonnull (ll_layer_item_get_error (linear));
  ll_document_undo (doc);
  {
    g_autofree char *after = nn_net_repr (ll_document_get_net (doc));
    g_assert_cmpstr (after, ==, before);
  }
  g_signal_handlers_disconnect_by_data (linear, &error_notifies);
  finalize_document (doc);
}

/* Applies edit number step (a fixed mix of every kind of edit). */
static void
apply_edit (LlDocument *doc, guint step)
{
  g_autoptr(GError) error = NULL;
  const nn_net *net = ll_document_get_net (doc);
  nn_layer_config cfg;
  gboolean ok = TRUE;

  switch (step % 8)
    {
    case 0:
      cfg = config_of (NN_LAYER_CONV2D);
      cfg.out_channels = 8;
      cfg.padding[0] = cfg.padding[1] = 1;
      ok = ll_document_insert_layer (doc, 1, &cfg, &error);
      break;
    case 1:
      ok = ll_document_duplicate_layer (doc, 1, &error);
      break;
    case 2:
      {
        nn_tensor *w = nn_net_find_param (net, "0.weight");
        nn_tensor *values = nn_tensor_copy (w, NULL);

        nn_tensor_fill_normal (values, step);
        ok = ll_document_set_param (doc, "0.weight", values, &error);
        nn_tensor_free (values);
      }
      break;
    case 3:
      ok = ll_document_move_layer (doc, 1, 3, &error);
      break;
    case 4:
      cfg = net->layers[0].cfg;
      cfg.out_channels += 4;
      ok = ll_document_set_layer_config (doc, 0, &cfg, &error);
      break;
    case 5:
      {
        nn_shape input = nn_shape_chw (1, 24 + (int64_t) (step % 3) * 4, 24 + (int64_t) (step % 3) * 4);
        ok = ll_document_set_input_shape (doc, &input, &error);
      }
      break;
    case 6:
      ok = ll_document_remove_layer (doc, 2, &error);
      break;
    case 7:
      cfg = config_of (NN_LAYER_BATCHNORM2D);
      ok = ll_document_insert_layer (doc, 1, &cfg, &error);
      break;
    }
  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
test_undo_redo_exact (void)
{
  LlDocument *doc = seed_document (4);
  GPtrArray *states = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_net_free);
  const guint n_edits = 16;
  g_autofree char *label = NULL;
  Recorder rec;

  recorder_init (&rec, doc);
  g_ptr_array_add (states, ll_document_snapshot (doc));
  for (guint i = 0; i < n_edits; i++)
    {
      apply_edit (doc, i);
      g_ptr_array_add (states, ll_document_snapshot (doc));
      g_assert_true (ll_document_can_undo (doc));
      g_assert_false (ll_document_can_redo (doc));
    }
  /* the set_param edit did change the weights */
  g_assert_true (nets_differ_in_params (g_ptr_array_index (states, 2), g_ptr_array_index (states, 3)));

  for (guint i = n_edits; i > 0; i--)
    {
      ll_document_undo (doc);
      assert_nets_equal (ll_document_get_net (doc), g_ptr_array_index (states, i - 1));
      recorder_check (&rec, doc);
    }
  g_assert_false (ll_document_can_undo (doc));
  ll_document_undo (doc);    /* nothing to undo: no-op */
  for (guint i = 1; i <= n_edits; i++)
    {
      ll_document_redo (doc);
      assert_nets_equal (ll_document_get_net (doc), g_ptr_array_index (states, i));
      recorder_check (&rec, doc);
    }
  g_assert_false (ll_document_can_redo (doc));

  /* a new edit after undo drops the redo steps */
  ll_document_undo (doc);
  ll_document_undo (doc);
  g_assert_true (ll_document_can_redo (doc));
  label = g_strdup_printf ("Remove %s", nn_layer_type_name (ll_document_get_net (doc)->layers[2].cfg.type));
  apply_edit (doc, 6);    /* removes layer 2 */
  g_assert_false (ll_document_can_redo (doc));
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, label);
  ll_document_undo (doc);
  assert_nets_equal (ll_document_get_net (doc), g_ptr_array_index (states, n_edits - 2));
  g_assert_cmpstr (ll_document_get_redo_label (doc), ==, label);

  recorder_clear (&rec, doc);
  g_ptr_array_unref (states);
  finalize_document (doc);
}

static void
test_failed_edits (void)
{
  LlDocument *doc = seed_document (5);
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg = config_of (NN_LAYER_CONV2D);
  g_autofree char *before = nn_net_repr (ll_document_get_net (doc));
  guint64 generation = ll_document_get_generation (doc);
  nn_tensor *bad;
  int64_t shape[1] = { 3 };
  Recorder rec;

  recorder_init (&rec, doc);
  g_assert_false (ll_document_remove_layer (doc, 10, &error));
  g_assert_error (error, LL_ENGINE_ERROR, NN_STATUS_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ll_document_move_layer (doc, -1, 2, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  cfg.kernel_size[0] = 0;
  g_assert_false (ll_document_insert_layer (doc, 0, &cfg, &error));
  g_assert_error (error, LL_ENGINE_ERROR, NN_STATUS_INVALID_ARG);
  g_assert_cmpstr (error->message, !=, "");
  g_clear_error (&error);
  g_assert_false (ll_document_set_layer_config (doc, 0, &cfg, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  bad = nn_tensor_new (1, shape, NULL);
  g_assert_false (ll_document_set_param (doc, "0.weight", bad, &error));
  g_assert_error (error, LL_ENGINE_ERROR, NN_STATUS_SHAPE);
  g_assert_nonnull (strstr (error->message, "0.weight"));
  g_clear_error (&error);
  g_assert_false (ll_document_set_param (doc, "42.weight", bad, &error));
  g_assert_error (error, LL_ENGINE_ERROR, NN_STATUS_NOT_FOUND);
  g_clear_error (&error);
  nn_tensor_free (bad);

  {
    g_autofree char *after = nn_net_repr (ll_document_get_net (doc));
    g_assert_cmpstr (after, ==, before);
  }
  g_assert_cmpuint (ll_document_get_generation (doc), ==, generation);
  g_assert_cmpuint (rec.n_changed, ==, 0);
  g_assert_cmpuint (rec.n_items_changed, ==, 0);
  g_assert_false (ll_document_can_undo (doc));
  g_assert_false (ll_document_get_modified (doc));
  recorder_clear (&rec, doc);
  finalize_document (doc);
}

/* A duplicate keeps the parameter values where the shapes allow, like copy.deepcopy(). */
static void
test_duplicate_copies_weights (void)
{
  nn_shape input = nn_shape_f (6);
  LlDocument *doc = ll_document_new_for_net (nn_net_new (&input, 5));
  nn_layer_config cfg = config_of (NN_LAYER_LINEAR);
  g_autoptr(GError) error = NULL;
  const nn_tensor *w0, *w1, *b0, *b1;

  cfg.out_features = 6;
  g_assert_true (ll_document_insert_layer (doc, 0, &cfg, &error));
  g_assert_true (ll_document_duplicate_layer (doc, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, "Duplicate Linear");
  w0 = nn_net_find_param (ll_document_get_net (doc), "0.weight");
  w1 = nn_net_find_param (ll_document_get_net (doc), "1.weight");
  b0 = nn_net_find_param (ll_document_get_net (doc), "0.bias");
  b1 = nn_net_find_param (ll_document_get_net (doc), "1.bias");
  g_assert_nonnull (w1);
  g_assert_cmpmem (w0->data, 36 * sizeof (float), w1->data, 36 * sizeof (float));
  g_assert_cmpmem (b0->data, 6 * sizeof (float), b1->data, 6 * sizeof (float));
  finalize_document (doc);
}

/* Setting what is already there is not an edit: no undo step, no "changed". */
static void
test_no_op_edits (void)
{
  LlDocument *doc = seed_document (17);
  const nn_net *net = ll_document_get_net (doc);
  nn_layer_config cfg = net->layers[3].cfg;
  nn_shape input = net->input;
  g_autoptr(GError) error = NULL;
  guint64 generation = ll_document_get_generation (doc);
  Recorder rec;

  recorder_init (&rec, doc);
  g_assert_true (ll_document_set_layer_config (doc, 3, &cfg, &error));
  g_assert_true (ll_document_move_layer (doc, 4, 4, &error));
  g_assert_true (ll_document_set_input_shape (doc, &input, &error));
  g_assert_no_error (error);
  g_assert_false (ll_document_can_undo (doc));
  g_assert_false (ll_document_get_modified (doc));
  g_assert_cmpuint (ll_document_get_generation (doc), ==, generation);
  g_assert_cmpuint (rec.n_changed, ==, 0);

  /* a real change to the same layer is one */
  cfg.out_channels = 16;
  g_assert_true (ll_document_set_layer_config (doc, 3, &cfg, &error));
  g_assert_cmpuint (rec.n_changed, ==, 1);
  g_assert_cmpuint (rec.n_items_changed, ==, 0);    /* updated in place */
  g_assert_cmpstr (ll_layer_item_get_params_text (item_at (doc, 3)), ==, "16, 5×5");
  g_assert_cmpstr (ll_layer_item_get_shape_text (item_at (doc, 3)), ==, "[1, 16, 6, 6]");
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, "Edit Conv2d");
  recorder_check (&rec, doc);
  recorder_clear (&rec, doc);
  finalize_document (doc);
}

static void
test_set_param (void)
{
  LlDocument *doc = seed_document (6);
  g_autoptr(GError) error = NULL;
  nn_tensor *orig = nn_tensor_copy (nn_net_find_param (ll_document_get_net (doc), "7.bias"), NULL);
  nn_tensor *values = nn_tensor_copy (orig, NULL);
  guint64 generation = ll_document_get_generation (doc);
  const nn_tensor *now;

  nn_tensor_fill (values, 0.25f);
  g_assert_true (ll_document_set_param (doc, "7.bias", values, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ll_document_get_generation (doc), >, generation);
  now = nn_net_find_param (ll_document_get_net (doc), "7.bias");
  g_assert_cmpmem (now->data, nn_tensor_numel (now) * sizeof (float),
                   values->data, nn_tensor_numel (values) * sizeof (float));
  g_assert_true (ll_document_get_modified (doc));
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, "Edit Weights");

  ll_document_undo (doc);
  now = nn_net_find_param (ll_document_get_net (doc), "7.bias");
  g_assert_cmpmem (now->data, nn_tensor_numel (now) * sizeof (float),
                   orig->data, nn_tensor_numel (orig) * sizeof (float));
  g_assert_false (ll_document_get_modified (doc));
  ll_document_redo (doc);
  now = nn_net_find_param (ll_document_get_net (doc), "7.bias");
  g_assert_cmpfloat (now->data[0], ==, 0.25f);

  nn_tensor_free (orig);
  nn_tensor_free (values);
  finalize_document (doc);
}

static void
test_modified (void)
{
  LlDocument *doc = seed_document (7);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "net.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  nn_layer_config relu = config_of (NN_LAYER_RELU);
  guint modified_notifies = 0, title_notifies = 0;

  g_signal_connect (doc, "notify::modified", G_CALLBACK (on_notify_count), &modified_notifies);
  g_signal_connect (doc, "notify::title", G_CALLBACK (on_notify_count), &title_notifies);

  g_assert_false (ll_document_get_modified (doc));
  g_assert_true (ll_document_insert_layer (doc, 1, &relu, &error));
  g_assert_true (ll_document_get_modified (doc));
  g_assert_true (ll_document_insert_layer (doc, 1, &relu, &error));
  g_assert_cmpuint (modified_notifies, ==, 1);     /* only on change */
  ll_document_undo (doc);
  g_assert_true (ll_document_get_modified (doc));
  ll_document_undo (doc);
  g_assert_false (ll_document_get_modified (doc)); /* back to the unmodified state */
  ll_document_redo (doc);
  g_assert_true (ll_document_get_modified (doc));

  g_assert_true (save_sync (doc, file, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (ll_document_get_modified (doc));
  g_assert_true (g_file_equal (ll_document_get_file (doc), file));
  g_assert_cmpstr (ll_document_get_title (doc), ==, "net.h5");
  g_assert_cmpuint (title_notifies, ==, 1);
  g_assert_false (ll_document_get_busy (doc));

  g_assert_true (ll_document_insert_layer (doc, 1, &relu, &error));
  g_assert_true (ll_document_get_modified (doc));
  ll_document_undo (doc);
  g_assert_false (ll_document_get_modified (doc)); /* back to the saved state */
  ll_document_undo (doc);
  g_assert_true (ll_document_get_modified (doc));  /* before the saved state */
  ll_document_redo (doc);
  g_assert_false (ll_document_get_modified (doc));

  /* saving weights only does not make the document saved */
  g_assert_true (ll_document_insert_layer (doc, 1, &relu, &error));
  {
    g_autofree char *wpath = g_build_filename (dir, "weights.h5", NULL);
    g_autoptr(GFile) wfile = g_file_new_for_path (wpath);

    g_assert_true (save_sync (doc, wfile, TRUE, &error));
    g_assert_no_error (error);
  }
  g_assert_true (ll_document_get_modified (doc));
  g_assert_true (g_file_equal (ll_document_get_file (doc), file));

  g_signal_handlers_disconnect_by_data (doc, &modified_notifies);
  g_signal_handlers_disconnect_by_data (doc, &title_notifies);
  finalize_document (doc);
  remove_tmp_dir (dir);
}

/* An edit made while a save runs is not part of the file: it stays modified. */
static void
test_edit_during_save (void)
{
  LlDocument *doc = seed_document (8);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "during.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  nn_layer_config relu = config_of (NN_LAYER_RELU);
  g_autofree char *saved_repr = nn_net_repr (ll_document_get_net (doc));
  LlDocument *loaded;

  ll_document_save_async (doc, file, FALSE, NULL, on_async_done, &result);
  g_assert_true (ll_document_get_busy (doc));
  g_assert_true (ll_document_insert_layer (doc, 1, &relu, &error));
  g_assert_true (ll_document_save_finish (doc, wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_false (ll_document_get_busy (doc));
  g_assert_true (ll_document_get_modified (doc));
  ll_document_undo (doc);
  g_assert_false (ll_document_get_modified (doc));

  loaded = load_sync (file, &error);
  g_assert_no_error (error);
  {
    g_autofree char *loaded_repr = nn_net_repr (ll_document_get_net (loaded));
    g_assert_cmpstr (loaded_repr, ==, saved_repr);
  }
  g_clear_object (&result);   /* it holds the document */
  finalize_document (loaded);
  finalize_document (doc);
  remove_tmp_dir (dir);
}

static void
test_save_load (void)
{
  LlDocument *doc = seed_document (9);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "seed model.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  nn_layer_config bn = config_of (NN_LAYER_BATCHNORM2D);
  LlDocument *loaded;

  g_assert_true (ll_document_insert_layer (doc, 1, &bn, &error));
  g_assert_true (save_sync (doc, file, FALSE, &error));
  g_assert_no_error (error);

  loaded = load_sync (file, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  {
    g_autofree char *a = nn_net_repr (ll_document_get_net (doc));
    g_autofree char *b = nn_net_repr (ll_document_get_net (loaded));

    g_assert_cmpstr (a, ==, b);
    g_assert_false (nets_differ_in_params (ll_document_get_net (doc), ll_document_get_net (loaded)));
  }
  assert_items_mirror (loaded);
  g_assert_cmpstr (ll_document_get_title (loaded), ==, "seed model.h5");
  g_assert_true (g_file_equal (ll_document_get_file (loaded), file));
  g_assert_false (ll_document_get_modified (loaded));
  g_assert_false (ll_document_can_undo (loaded));

  finalize_document (loaded);
  finalize_document (doc);
  remove_tmp_dir (dir);
}

/* PyTorch files: a torch.save'd Sequential opens as a document, a state_dict saved as
 * "weights only" to a .pt name loads back, and a whole model is not written to .pt. */
static void
test_pytorch_files (void)
{
  g_autofree char *pt = g_test_build_filename (G_TEST_DIST, "data", "pt", "torch_network.pt", NULL);
  g_autofree char *repr_path = g_test_build_filename (G_TEST_DIST, "data", "pt", "torch_network-repr.txt", NULL);
  g_autoptr(GFile) pt_file = g_file_new_for_path (pt);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *dict_path = g_build_filename (dir, "weights.pt", NULL);
  g_autoptr(GFile) dict = g_file_new_for_path (dict_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *want = NULL;
  LlDocument *doc, *other;

  doc = load_sync (pt_file, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (repr_path, &want, NULL, NULL));
  g_strchomp (want);
  {
    g_autofree char *got = nn_net_repr (ll_document_get_net (doc));
    g_assert_cmpstr (got, ==, want);
  }
  assert_items_mirror (doc);

  g_assert_true (save_sync (doc, dict, TRUE, &error));
  g_assert_no_error (error);
  {
    /* a whole model to .pt: torch.save(network)'s format, a model again when read */
    g_autofree char *whole_path = g_build_filename (dir, "whole.pt", NULL);
    g_autoptr(GFile) whole = g_file_new_for_path (whole_path);
    nn_file_kind kind;
    nn_error err;

    g_assert_true (save_sync (doc, whole, FALSE, &error));
    g_assert_no_error (error);
    g_assert_cmpint (nn_file_probe_any (whole_path, &kind, &err), ==, NN_OK);
    g_assert_cmpint (kind, ==, NN_FILE_MODEL);
    g_unlink (whole_path);
  }
  g_assert_true (save_sync (doc, dict, TRUE, &error));

  other = seed_document (3);
  g_assert_true (nets_differ_in_params (ll_document_get_net (doc), ll_document_get_net (other)));
  g_assert_true (load_weights_sync (other, dict, &error));
  g_assert_no_error (error);
  g_assert_false (nets_differ_in_params (ll_document_get_net (doc), ll_document_get_net (other)));
  g_assert_true (ll_document_can_undo (other));

  finalize_document (other);
  finalize_document (doc);
  remove_tmp_dir (dir);
}

static void
test_load_errors (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "garbage.h5", NULL);
  g_autofree char *missing_path = g_build_filename (dir, "missing.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) missing = g_file_new_for_path (missing_path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "not an HDF5 file at all", -1, NULL));
  g_assert_null (load_sync (file, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, LL_ENGINE_ERROR, NN_STATUS_FORMAT);
  g_assert_nonnull (strstr (error->message, "garbage.h5"));
  g_clear_error (&error);

  g_assert_null (load_sync (missing, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "missing.h5"));
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  ll_document_load_async (file, cancellable, on_async_done, &result);
  g_assert_null (ll_document_load_finish (wait_for (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  remove_tmp_dir (dir);
}

static void
test_save_failure (void)
{
  LlDocument *doc = seed_document (10);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *good_path = g_build_filename (dir, "good.h5", NULL);
  g_autofree char *bad_path = g_build_filename (dir, "no-such-folder", "lost.h5", NULL);
  g_autoptr(GFile) good = g_file_new_for_path (good_path);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autoptr(GError) error = NULL;
  nn_layer_config relu = config_of (NN_LAYER_RELU);
  g_autofree char *before = NULL;
  guint64 generation;

  g_assert_true (save_sync (doc, good, FALSE, &error));
  g_assert_true (ll_document_insert_layer (doc, 1, &relu, &error));
  before = nn_net_repr (ll_document_get_net (doc));
  generation = ll_document_get_generation (doc);

  g_assert_false (save_sync (doc, bad, FALSE, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (error->domain == LL_ENGINE_ERROR);
  g_assert_nonnull (strstr (error->message, "lost.h5"));
  g_clear_error (&error);
  g_assert_false (save_sync (doc, bad, TRUE, &error));
  g_assert_nonnull (strstr (error->message, "lost.h5"));
  g_clear_error (&error);

  g_assert_true (g_file_equal (ll_document_get_file (doc), good));
  g_assert_cmpstr (ll_document_get_title (doc), ==, "good.h5");
  g_assert_true (ll_document_get_modified (doc));
  g_assert_false (ll_document_get_busy (doc));
  g_assert_cmpuint (ll_document_get_generation (doc), ==, generation);
  {
    g_autofree char *after = nn_net_repr (ll_document_get_net (doc));
    g_assert_cmpstr (after, ==, before);
  }
  g_assert_false (g_file_test (bad_path, G_FILE_TEST_EXISTS));
  finalize_document (doc);
  remove_tmp_dir (dir);
}

static void
test_load_weights (void)
{
  LlDocument *doc = seed_document (11);
  LlDocument *other = seed_document (12);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "weights.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  nn_net *before;

  g_assert_true (nets_differ_in_params (ll_document_get_net (doc), ll_document_get_net (other)));
  g_assert_true (save_sync (doc, file, TRUE, &error));
  g_assert_no_error (error);
  g_assert_null (ll_document_get_file (doc));

  before = ll_document_snapshot (other);
  g_assert_true (load_weights_sync (other, file, &error));
  g_assert_no_error (error);
  g_assert_false (nets_differ_in_params (ll_document_get_net (doc), ll_document_get_net (other)));
  g_assert_true (ll_document_get_modified (other));
  g_assert_cmpstr (ll_document_get_undo_label (other), ==, "Load Weights");
  assert_items_mirror (other);
  ll_document_undo (other);
  assert_nets_equal (ll_document_get_net (other), before);
  g_assert_false (ll_document_get_modified (other));

  nn_net_free (before);
  finalize_document (other);
  finalize_document (doc);
  remove_tmp_dir (dir);
}

static void
test_load_weights_mismatch (void)
{
  LlDocument *doc = seed_document (13);
  LlDocument *other = seed_document (14);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "seed-weights.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg = ll_document_get_net (other)->layers[9].cfg;
  nn_layer_config extra = config_of (NN_LAYER_LINEAR);
  guint64 generation;
  nn_net *before;

  g_assert_true (save_sync (doc, file, TRUE, &error));
  cfg.out_features = 20;
  g_assert_true (ll_document_set_layer_config (other, 9, &cfg, &error));
  g_assert_true (ll_document_insert_layer (other, 10, &extra, &error));
  g_assert_no_error (error);
  before = ll_document_snapshot (other);
  generation = ll_document_get_generation (other);

  g_assert_false (load_weights_sync (other, file, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, LL_ENGINE_ERROR, NN_STATUS_MISMATCH);
  /* every problem is listed: the resized layer and the missing one */
  g_assert_nonnull (strstr (error->message, "9.weight"));
  g_assert_nonnull (strstr (error->message, "9.bias"));
  g_assert_nonnull (strstr (error->message, "10.weight"));
  g_assert_nonnull (strstr (error->message, "seed-weights.h5"));
  assert_nets_equal (ll_document_get_net (other), before);
  g_assert_cmpuint (ll_document_get_generation (other), ==, generation);
  g_assert_cmpstr (ll_document_get_undo_label (other), !=, "Load Weights");
  g_assert_false (ll_document_get_busy (other));

  nn_net_free (before);
  finalize_document (other);
  finalize_document (doc);
  remove_tmp_dir (dir);
}

/* Loading weights while the network is edited must not throw the edit away. */
static void
test_load_weights_during_edit (void)
{
  LlDocument *doc = seed_document (15);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "w.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  nn_layer_config relu = config_of (NN_LAYER_RELU);
  g_autofree char *edited = NULL;

  g_assert_true (save_sync (doc, file, TRUE, &error));
  ll_document_load_weights_async (doc, file, NULL, on_async_done, &result);
  g_assert_true (ll_document_insert_layer (doc, 9, &relu, &error));
  edited = nn_net_repr (ll_document_get_net (doc));
  g_assert_false (ll_document_load_weights_finish (doc, wait_for (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "w.h5"));
  {
    g_autofree char *now = nn_net_repr (ll_document_get_net (doc));
    g_assert_cmpstr (now, ==, edited);
  }
  g_clear_object (&result);   /* it holds the document */
  finalize_document (doc);
  remove_tmp_dir (dir);
}

static void
test_undo_limit (void)
{
  nn_shape input = nn_shape_f (4);
  LlDocument *doc = ll_document_new_for_net (nn_net_new (&input, 1));
  nn_layer_config relu = config_of (NN_LAYER_RELU);
  g_autoptr(GError) error = NULL;
  guint n_undo = 0;

  for (guint i = 0; i < 130; i++)
    {
      if (i % 2 == 0)
        g_assert_true (ll_document_insert_layer (doc, 0, &relu, &error));
      else
        g_assert_true (ll_document_remove_layer (doc, 0, &error));
    }
  while (ll_document_can_undo (doc))
    {
      ll_document_undo (doc);
      n_undo++;
    }
  g_assert_cmpuint (n_undo, ==, 100);
  g_assert_true (ll_document_get_modified (doc));
  finalize_document (doc);
}

/* ---------------------------------------------------------------- copy-on-write */

/* The values of every parameter, copied byte by byte (nn_tensor_copy would share them) */
static GPtrArray *
save_params (const nn_net *net)
{
  GPtrArray *saved = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  nn_param *p = NULL;
  int n = nn_net_params (net, &p);

  for (int i = 0; i < n; i++)
    g_ptr_array_add (saved, p[i].tensor == NULL
                            ? g_bytes_new (p[i].count, sizeof (int64_t))
                            : g_bytes_new (p[i].tensor->data,
                                           nn_tensor_numel (p[i].tensor) * sizeof (float)));
  free (p);
  return saved;
}

static gboolean
has_params (const nn_net *net, GPtrArray *saved)
{
  nn_param *p = NULL;
  int n = nn_net_params (net, &p);
  gboolean same = (guint) n == saved->len;

  for (int i = 0; same && i < n; i++)
    {
      gsize size;
      const void *want = g_bytes_get_data (saved->pdata[i], &size);
      const void *have = p[i].tensor != NULL ? (const void *) p[i].tensor->data : p[i].count;

      same = size == (p[i].tensor != NULL ? nn_tensor_numel (p[i].tensor) * sizeof (float)
                                          : sizeof (int64_t))
             && memcmp (want, have, size) == 0;
    }
  free (p);
  return same;
}

/* A snapshot shares the weights; a weight edit changes neither it nor the undo step,
 * and undo brings back the exact old weights. */
static void
test_cow_weight_edit (void)
{
  LlDocument *doc = seed_document (21);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = save_params (ll_document_get_net (doc));
  g_autoptr(GPtrArray) after = NULL;
  nn_net *snapshot = ll_document_snapshot (doc);
  nn_tensor *values = nn_tensor_copy (nn_net_find_param (snapshot, "7.weight"), NULL);

  /* cheap: nothing copied */
  g_assert_cmpint (nn_net_unique_bytes (snapshot), ==, 0);
  g_assert_true (nn_net_find_param (snapshot, "7.weight")->data
                 == nn_net_find_param (ll_document_get_net (doc), "7.weight")->data);

  g_assert_cmpint (nn_tensor_make_writable (values, NULL), ==, NN_OK);
  values->data[7] += 1.0f;
  g_assert_true (ll_document_set_param (doc, "7.weight", values, &error));
  g_assert_no_error (error);
  g_assert_true (has_params (snapshot, before));
  g_assert_false (has_params (ll_document_get_net (doc), before));
  g_assert_cmpfloat (nn_net_find_param (ll_document_get_net (doc), "7.weight")->data[7], ==,
                     values->data[7]);
  after = save_params (ll_document_get_net (doc));

  /* writing into values now must not reach the document (it shares their storage) */
  g_assert_cmpint (nn_tensor_make_writable (values, NULL), ==, NN_OK);
  values->data[8] = 42.0f;
  g_assert_true (has_params (ll_document_get_net (doc), after));

  ll_document_undo (doc);
  g_assert_true (has_params (ll_document_get_net (doc), before));
  ll_document_redo (doc);
  g_assert_true (has_params (ll_document_get_net (doc), after));

  g_assert_true (has_params (snapshot, before));
  nn_net_free (snapshot);
  nn_tensor_free (values);
  finalize_document (doc);
}

/* A duplicated layer shares its twin's weights; re-initialising one spares the other. */
static void
test_cow_duplicate (void)
{
  nn_shape input = nn_shape_f (6);
  LlDocument *doc = ll_document_new_for_net (nn_net_new (&input, 5));
  nn_layer_config cfg = config_of (NN_LAYER_LINEAR);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  nn_net *dup;

  cfg.out_features = 6;
  g_assert_true (ll_document_insert_layer (doc, 0, &cfg, &error));
  g_assert_true (ll_document_duplicate_layer (doc, 0, &error));
  g_assert_no_error (error);
  before = save_params (ll_document_get_net (doc));
  dup = ll_document_snapshot (doc);
  g_assert_true (dup->layers[0].weight->data == dup->layers[1].weight->data);
  g_assert_true (dup->layers[0].bias->data == dup->layers[1].bias->data);
  nn_net_reset_parameters (dup, 1, 77);
  g_assert_true (dup->layers[0].weight->data != dup->layers[1].weight->data);
  g_assert_true (has_params (ll_document_get_net (doc), before));
  g_assert_false (has_params (dup, before));
  nn_net_free (dup);
  finalize_document (doc);
}

static void
edit_weight (LlDocument *doc, const char *key, float delta)
{
  g_autoptr(GError) error = NULL;
  nn_tensor *values = nn_tensor_copy (nn_net_find_param (ll_document_get_net (doc), key), NULL);

  g_assert_cmpint (nn_tensor_make_writable (values, NULL), ==, NN_OK);
  values->data[0] += delta;
  g_assert_true (ll_document_set_param (doc, key, values, &error));
  nn_tensor_free (values);
}

static void
edit_label (LlDocument *doc, int index, const char *label)
{
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg = ll_document_get_net (doc)->layers[index].cfg;

  g_strlcpy (cfg.name, label, sizeof cfg.name);
  g_assert_true (ll_document_set_layer_config (doc, index, &cfg, &error));
}

static guint
count_undo (LlDocument *doc)
{
  guint n = 0;

  for (; ll_document_can_undo (doc); n++)
    ll_document_undo (doc);
  return n;
}

/* Undo steps count only the memory they hold beyond the current network: the 2.4 MB
 * weight of layer 7 once per version, however many steps share that version. */
static void
test_cow_undo_memory (void)
{
  LlDocument *doc = seed_document (22);
  const guint64 w = 1024 * 576 * sizeof (float), small = 64 * 1024;
  guint64 bytes;

  g_assert_cmpuint (_ll_document_get_undo_bytes (doc), ==, 0);
  /* label edits replace no tensor: each step costs a few kB, not the 2.6 MB network */
  for (guint i = 0; i < 10; i++)
    edit_label (doc, 0, i % 2 ? "odd" : "even");
  g_assert_cmpuint (_ll_document_get_undo_bytes (doc), <, 10 * small);

  /* each weight edit leaves the replaced version to its step */
  bytes = _ll_document_get_undo_bytes (doc);
  edit_weight (doc, "7.weight", 1.0f);
  edit_weight (doc, "7.weight", 1.0f);
  g_assert_cmpuint (_ll_document_get_undo_bytes (doc) - bytes, >=, 2 * w);
  g_assert_cmpuint (_ll_document_get_undo_bytes (doc) - bytes, <, 2 * w + 2 * small);

  /* a version that two steps share counts once: weight, label, weight holds W1 in the
   * label's step and in the second weight step */
  bytes = _ll_document_get_undo_bytes (doc);
  edit_weight (doc, "7.weight", 1.0f);
  edit_label (doc, 0, "shared");
  edit_weight (doc, "7.weight", 1.0f);
  g_assert_cmpuint (_ll_document_get_undo_bytes (doc) - bytes, >=, 2 * w);
  g_assert_cmpuint (_ll_document_get_undo_bytes (doc) - bytes, <, 2 * w + 3 * small);

  /* undo moves a version back into the current network: it stops counting */
  ll_document_undo (doc);
  g_assert_cmpuint (_ll_document_get_undo_bytes (doc), <, bytes + w + 2 * small);
  finalize_document (doc);
}

/* The byte cap drops the oldest steps that hold replaced weights, but keeps any number
 * of steps that share everything. */
static void
test_cow_undo_cap (void)
{
  LlDocument *doc = seed_document (23);
  const guint64 w = 1024 * 576 * sizeof (float);

  /* a cap below the network's 2.6 MB: before copy-on-write one step filled it */
  _ll_document_set_undo_limits (doc, 100, w / 2);
  for (guint i = 0; i < 12; i++)
    edit_label (doc, 9, i % 2 ? "odd" : "even");
  g_assert_cmpuint (count_undo (doc), ==, 12);
  finalize_document (doc);

  doc = seed_document (23);
  _ll_document_set_undo_limits (doc, 100, 5 * w / 2);
  for (guint i = 0; i < 6; i++)
    edit_weight (doc, "7.weight", 0.5f);
  g_assert_cmpuint (_ll_document_get_undo_bytes (doc), <=, 5 * w / 2);
  g_assert_cmpuint (count_undo (doc), ==, 2);
  /* the newest step always stays, even over the cap */
  while (ll_document_can_redo (doc))
    ll_document_redo (doc);
  _ll_document_set_undo_limits (doc, 100, 1);
  g_assert_cmpuint (count_undo (doc), ==, 1);
  finalize_document (doc);
}

static void
on_changed_count (LlDocument *doc, guint *count)
{
  (*count)++;
}

static void
test_replace_net (void)
{
  LlDocument *doc = seed_document (16);
  nn_net *next = ll_document_snapshot (doc);
  nn_net *orig = ll_document_snapshot (doc);
  guint changed = 0;

  g_signal_connect (doc, "changed", G_CALLBACK (on_changed_count), &changed);
  nn_net_reset_parameters (next, -1, 99);
  ll_document_replace_net (doc, next, "Train");
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, "Train");
  g_assert_true (nets_differ_in_params (ll_document_get_net (doc), orig));
  ll_document_undo (doc);
  assert_nets_equal (ll_document_get_net (doc), orig);
  g_signal_handlers_disconnect_by_data (doc, &changed);
  nn_net_free (orig);
  finalize_document (doc);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/document/new", test_new);
  g_test_add_func ("/document/items/seed", test_seed_items);
  g_test_add_func ("/document/items/follow-edits", test_items_follow_edits);
  g_test_add_func ("/document/shape-error-and-fix", test_shape_error_and_fix);
  g_test_add_func ("/document/undo-redo/exact", test_undo_redo_exact);
  g_test_add_func ("/document/undo-redo/limit", test_undo_limit);
  g_test_add_func ("/document/replace-net", test_replace_net);
  g_test_add_func ("/document/failed-edits", test_failed_edits);
  g_test_add_func ("/document/no-op-edits", test_no_op_edits);
  g_test_add_func ("/document/duplicate-copies-weights", test_duplicate_copies_weights);
  g_test_add_func ("/document/set-param", test_set_param);
  g_test_add_func ("/document/copy-on-write/weight-edit", test_cow_weight_edit);
  g_test_add_func ("/document/copy-on-write/duplicate", test_cow_duplicate);
  g_test_add_func ("/document/copy-on-write/undo-memory", test_cow_undo_memory);
  g_test_add_func ("/document/copy-on-write/undo-cap", test_cow_undo_cap);
  g_test_add_func ("/document/modified", test_modified);
  g_test_add_func ("/document/files/save-load", test_save_load);
  g_test_add_func ("/document/files/pytorch", test_pytorch_files);
  g_test_add_func ("/document/files/edit-during-save", test_edit_during_save);
  g_test_add_func ("/document/files/load-errors", test_load_errors);
  g_test_add_func ("/document/files/save-failure", test_save_failure);
  g_test_add_func ("/document/files/load-weights", test_load_weights);
  g_test_add_func ("/document/files/load-weights-mismatch", test_load_weights_mismatch);
  g_test_add_func ("/document/files/load-weights-during-edit", test_load_weights_during_edit);

  return g_test_run ();
}
