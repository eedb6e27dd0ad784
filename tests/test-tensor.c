/* test-tensor.c - tensors, checked sizes, the memory budget, fills, the rng, errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn-private.h"

static void
test_alloc (void)
{
  int64_t shape[4] = { 2, 3, 4, 5 };
  nn_error err;
  nn_tensor *t = nn_tensor_new (4, shape, &err);

  g_assert_nonnull (t);
  g_assert_cmpint (t->n_dims, ==, 4);
  g_assert_cmpint (nn_tensor_numel (t), ==, 120);
  g_assert_true (t->owns_data);
  for (int i = 0; i < 120; i++)
    g_assert_cmpfloat (t->data[i], ==, 0.0f);
  nn_tensor_free (t);

  t = nn_tensor_new_4d (1, 32, 20, 20, &err);
  g_assert_cmpint (t->shape[1], ==, 32);
  g_assert_cmpint (nn_tensor_numel (t), ==, 12800);
  nn_tensor_free (t);
  nn_tensor_free (NULL);
}

static void
test_alloc_edge (void)
{
  int64_t zero[2] = { 0, 7 };
  nn_error err;
  nn_tensor *scalar = nn_tensor_new (0, NULL, &err);
  nn_tensor *empty = nn_tensor_new (2, zero, &err);

  /* rank 0 is a scalar with one element, a zero-size dim gives no elements */
  g_assert_nonnull (scalar);
  g_assert_cmpint (nn_tensor_numel (scalar), ==, 1);
  g_assert_nonnull (empty);
  g_assert_cmpint (nn_tensor_numel (empty), ==, 0);
  g_assert_nonnull (empty->data);
  nn_tensor_free (scalar);
  nn_tensor_free (empty);
}

static void
test_copy (void)
{
  nn_error err;
  nn_tensor *a = nn_tensor_new_4d (2, 3, 4, 4, &err);
  nn_tensor *b;
  float *shared;
  float saved[96];

  nn_tensor_fill_uniform (a, 5, -1.0f, 1.0f);
  memcpy (saved, a->data, sizeof saved);
  g_assert_false (nn_tensor_is_shared (a));
  b = nn_tensor_copy (a, &err);
  g_assert_nonnull (b);
  g_assert_true (nn_tensor_same_shape (a, b));
  g_assert_true (b->owns_data);
  /* copy-on-write: the copy shares the storage */
  g_assert_true (b->data == a->data);
  g_assert_true (nn_tensor_is_shared (a) && nn_tensor_is_shared (b));
  g_assert_true (nn_tensor_storage_id (a) == nn_tensor_storage_id (b));
  /* writing through make_writable gives the copy its own storage with the same values */
  shared = b->data;
  g_assert_cmpint (nn_tensor_make_writable (b, &err), ==, NN_OK);
  g_assert_true (b->data != a->data);
  g_assert_true (a->data == shared);
  g_assert_false (nn_tensor_is_shared (a) || nn_tensor_is_shared (b));
  g_assert_true (nn_tensor_storage_id (a) != nn_tensor_storage_id (b));
  g_assert_cmpmem (a->data, 96 * sizeof (float), b->data, 96 * sizeof (float));
  b->data[0] = 42.0f;
  g_assert_cmpmem (a->data, sizeof saved, saved, sizeof saved);
  /* no copy when nothing else shares it */
  shared = b->data;
  g_assert_cmpint (nn_tensor_make_writable (b, &err), ==, NN_OK);
  g_assert_true (b->data == shared);
  g_assert_cmpfloat (b->data[0], ==, 42.0f);
  b->shape[3] = 2;
  b->shape[2] = 8;
  g_assert_false (nn_tensor_same_shape (a, b));
  nn_tensor_free (a);
  nn_tensor_free (b);
}

/* The original may be written (and freed) first: the copy keeps the old values. */
static void
test_copy_original_written (void)
{
  nn_error err;
  nn_tensor *a = nn_tensor_new_4d (1, 1, 4, 4, &err);
  nn_tensor *b;

  nn_tensor_fill (a, 3.0f);
  b = nn_tensor_copy (a, &err);
  g_assert_cmpint (nn_tensor_make_writable (a, &err), ==, NN_OK);
  a->data[5] = -1.0f;
  nn_tensor_free (a);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat (b->data[i], ==, 3.0f);
  g_assert_false (nn_tensor_is_shared (b));
  nn_tensor_free (b);
}

/* Tensors over someone else's memory: copies get their own, writes go in place. */
static void
test_copy_foreign (void)
{
  float data[6] = { 1, 2, 3, 4, 5, 6 };
  nn_tensor view = { .n_dims = 2, .shape = { 2, 3 }, .data = data, .owns_data = false };
  nn_error err;
  nn_tensor *c = nn_tensor_copy (&view, &err);

  g_assert_nonnull (c);
  g_assert_true (c->owns_data);
  g_assert_true (c->data != data);
  g_assert_cmpmem (c->data, sizeof data, data, sizeof data);
  g_assert_false (nn_tensor_is_shared (&view));
  g_assert_null (nn_tensor_storage_id (&view));
  g_assert_cmpint (nn_tensor_make_writable (&view, &err), ==, NN_OK);
  g_assert_true (view.data == data);
  /* a view made by copying an owning tensor's struct does not own its storage either */
  {
    nn_tensor alias = *c;

    alias.owns_data = false;
    g_assert_cmpint (nn_tensor_make_writable (&alias, &err), ==, NN_OK);
    g_assert_true (alias.data == c->data);
    g_assert_false (nn_tensor_is_shared (c));
  }
  nn_tensor_free (c);
}

/* Fills give a shared tensor its own storage first; assign shares or copies. */
static void
test_fill_and_assign_shared (void)
{
  nn_error err;
  nn_tensor *a = nn_tensor_new_4d (1, 2, 3, 4, &err);
  nn_tensor *b, *c;
  float view_data[24];
  nn_tensor view = { .n_dims = 1, .shape = { 24 }, .data = view_data };

  nn_tensor_fill (a, 7.0f);
  b = nn_tensor_copy (a, &err);
  g_assert_cmpint (nn_tensor_fill_uniform (b, 3, -1.0f, 1.0f), ==, NN_OK);
  c = nn_tensor_copy (a, &err);
  g_assert_cmpint (nn_tensor_fill_normal (c, 3), ==, NN_OK);
  for (int i = 0; i < 24; i++)
    {
      g_assert_cmpfloat (a->data[i], ==, 7.0f);
      g_assert_cmpfloat (b->data[i], <, 1.0f);
    }
  g_assert_false (nn_tensor_is_shared (a));
  /* assign shares the source's storage (same count, any shape) */
  g_assert_cmpint (nn_tensor_assign (c, a, &err), ==, NN_OK);
  g_assert_true (c->data == a->data && nn_tensor_is_shared (a));
  nn_tensor_fill (c, 1.0f);
  g_assert_cmpfloat (a->data[0], ==, 7.0f);
  /* from foreign memory it copies, into c's own storage */
  for (int i = 0; i < 24; i++)
    view_data[i] = (float) i;
  g_assert_cmpint (nn_tensor_assign (b, a, &err), ==, NN_OK);
  g_assert_cmpint (nn_tensor_assign (b, &view, &err), ==, NN_OK);
  g_assert_true (b->data != view_data);
  g_assert_cmpmem (b->data, sizeof view_data, view_data, sizeof view_data);
  g_assert_cmpfloat (a->data[3], ==, 7.0f);
  view.shape[0] = 23;
  g_assert_cmpint (nn_tensor_assign (b, &view, &err), ==, NN_STATUS_SHAPE);
  nn_tensor_free (a);
  nn_tensor_free (b);
  nn_tensor_free (c);
}

/* ---------------------------------------------------------------- threads */

#define REF_THREADS 4
#define REF_ROUNDS 10000
#define REF_BURST 16

typedef struct {
  nn_tensor *mine;          /* a copy of the shared tensor, freed by the thread */
  int id;
  gint *waiting;            /* threads not yet started: all start together */
  bool values_ok;
} ref_job;

/* Copies and frees (and now and then writes through make_writable) as fast as it can,
 * while the other threads do the same with the same storage. */
static gpointer
ref_thread (gpointer p)
{
  ref_job *j = p;

  j->values_ok = true;
  g_atomic_int_dec_and_test (j->waiting);
  while (g_atomic_int_get (j->waiting) > 0)
    g_thread_yield ();
  for (int r = 0; r < REF_ROUNDS; r++)
    {
      nn_tensor *c[REF_BURST];

      /* bursts of copies, then of frees: the counts change back to back */
      for (int k = 0; k < REF_BURST; k++)
        if ((c[k] = nn_tensor_copy (j->mine, NULL)) == NULL)
          g_error ("out of memory");
      if (r % 97 == 0)
        {
          if (nn_tensor_make_writable (c[0], NULL) != NN_OK)
            j->values_ok = false;
          else
            c[0]->data[r % 64] = (float) -j->id;
        }
      else
        j->values_ok = j->values_ok && c[0]->data[r % 64] == (float) (r % 64);
      for (int k = 0; k < REF_BURST; k++)
        nn_tensor_free (c[k]);
    }
  nn_tensor_free (j->mine);
  return NULL;
}

static void
test_refcount_threads (void)
{
  nn_error err;
  nn_tensor *t = nn_tensor_new_4d (1, 1, 8, 8, &err);
  GThread *threads[REF_THREADS];
  ref_job jobs[REF_THREADS];
  float *data = t->data;
  gint waiting = REF_THREADS;
  nn_tensor *extra;

  for (int i = 0; i < 64; i++)
    t->data[i] = (float) i;
  for (int k = 0; k < REF_THREADS; k++)
    {
      jobs[k] = (ref_job) { .mine = nn_tensor_copy (t, &err), .id = k + 1, .waiting = &waiting };
      g_assert_nonnull (jobs[k].mine);
    }
  for (int k = 0; k < REF_THREADS; k++)
    threads[k] = g_thread_new ("refs", ref_thread, &jobs[k]);
  for (int k = 0; k < REF_THREADS; k++)
    {
      g_thread_join (threads[k]);
      g_assert_true (jobs[k].values_ok);
    }
  /* exactly one reference is left: one copy makes it shared, freeing it unshares it */
  g_assert_false (nn_tensor_is_shared (t));
  extra = nn_tensor_copy (t, &err);
  g_assert_true (nn_tensor_is_shared (t));
  nn_tensor_free (extra);
  g_assert_false (nn_tensor_is_shared (t));
  g_assert_cmpint (nn_tensor_make_writable (t, &err), ==, NN_OK);
  g_assert_true (t->data == data);
  for (int i = 0; i < 64; i++)
    g_assert_cmpfloat (t->data[i], ==, (float) i);
  nn_tensor_free (t);
}

static void
test_invalid_shapes (void)
{
  int64_t neg[3] = { 4, -1, 2 }, five[5] = { 1, 1, 1, 1, 1 };
  nn_error err;

  g_assert_null (nn_tensor_new (3, neg, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_INVALID_ARG);
  g_assert_cmpstr (err.message, ==, "tensor [4, -1, 2] has a negative size");
  g_assert_null (nn_tensor_new (5, five, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_INVALID_ARG);
  g_assert_nonnull (strstr (err.message, "at most 4"));
  g_assert_null (nn_tensor_new (-1, five, NULL));
}

static void
test_overflow (void)
{
  int64_t huge[4] = { INT64_C (1) << 40, INT64_C (1) << 40, 2, 2 };
  nn_error err;

  /* 2^82 elements: the count overflows int64_t, the message still names the size */
  g_assert_null (nn_tensor_new (4, huge, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_TOO_LARGE);
  g_assert_cmpstr (err.message, ==, "tensor [1099511627776, 1099511627776, 2, 2] needs "
                   "16.0 YiB, more than the 8.0 GiB budget");
}

static void
test_budget (void)
{
  int64_t big[2] = { 3, 1000000000 }, mib4[2] = { 1024, 1024 }, mib1[2] = { 512, 512 };
  nn_error err;
  nn_tensor *t;

  g_assert_cmpuint (nn_memory_budget (), ==, UINT64_C (8) << 30);
  g_assert_null (nn_tensor_new (2, big, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_TOO_LARGE);
  g_assert_cmpstr (err.message, ==, "tensor [3, 1000000000] needs 11.2 GiB, more than the "
                   "8.0 GiB budget");

  nn_set_memory_budget (UINT64_C (1) << 20);
  g_assert_null (nn_tensor_new (2, mib4, &err));
  g_assert_cmpstr (err.message, ==, "tensor [1024, 1024] needs 4.0 MiB, more than the "
                   "1.0 MiB budget");
  t = nn_tensor_new (2, mib1, &err);   /* exactly the budget is allowed */
  g_assert_nonnull (t);
  nn_tensor_free (t);
  nn_set_memory_budget (UINT64_C (8) << 30);
}

static void
test_checked_mul (void)
{
  int64_t r = -1;

  g_assert_true (nn_checked_mul (1 << 20, 1 << 20, &r));
  g_assert_cmpint (r, ==, INT64_C (1) << 40);
  g_assert_true (nn_checked_mul (0, INT64_MAX, &r));
  g_assert_cmpint (r, ==, 0);
  r = 7;
  g_assert_false (nn_checked_mul (INT64_C (1) << 32, INT64_C (1) << 31, &r));
  g_assert_cmpint (r, ==, 7);   /* untouched on failure */
  g_assert_false (nn_checked_mul (-1, 5, &r));
  g_assert_false (nn_checked_mul (5, -1, &r));
  g_assert_true (nn_checked_mul (INT64_C (1) << 31, INT64_C (1) << 31, &r));
}

static void
test_shape_format (void)
{
  int64_t s[4] = { 64, 32, 5, 5 };
  char buf[64], small[8];

  g_assert_cmpstr (nn_shape_format (4, s, buf, sizeof buf), ==, "[64, 32, 5, 5]");
  g_assert_cmpstr (nn_shape_format (1, s, buf, sizeof buf), ==, "[64]");
  g_assert_cmpstr (nn_shape_format (0, s, buf, sizeof buf), ==, "[]");
  /* truncated, never overflowing */
  g_assert_cmpstr (nn_shape_format (4, s, small, sizeof small), ==, "[64, 32");
}

static float
mean_of (const nn_tensor *t)
{
  double sum = 0;
  int64_t n = nn_tensor_numel (t);

  for (int64_t i = 0; i < n; i++)
    sum += t->data[i];
  return (float) (sum / (double) n);
}

static float
var_of (const nn_tensor *t)
{
  double sum = 0, m = mean_of (t);
  int64_t n = nn_tensor_numel (t);

  for (int64_t i = 0; i < n; i++)
    sum += (t->data[i] - m) * (t->data[i] - m);
  return (float) (sum / (double) n);
}

static void
test_fill_uniform (void)
{
  nn_error err;
  nn_tensor *a = nn_tensor_new_4d (1, 1, 250, 400, &err);
  nn_tensor *b = nn_tensor_new_4d (1, 1, 250, 400, &err);
  float lo = -0.25f, hi = 0.75f;

  nn_tensor_fill_uniform (a, 1234, lo, hi);
  nn_tensor_fill_uniform (b, 1234, lo, hi);
  g_assert_cmpmem (a->data, 100000 * sizeof (float), b->data, 100000 * sizeof (float));
  for (int i = 0; i < 100000; i++)
    g_assert_true (a->data[i] >= lo && a->data[i] < hi);
  /* U(lo, hi): mean (lo + hi) / 2, variance (hi - lo)^2 / 12; 100000 samples */
  g_assert_cmpfloat_with_epsilon (mean_of (a), 0.25f, 0.005f);
  g_assert_cmpfloat_with_epsilon (var_of (a), 1.0f / 12.0f, 0.002f);
  nn_tensor_fill_uniform (b, 1235, lo, hi);
  g_assert_cmpint (memcmp (a->data, b->data, 100000 * sizeof (float)), !=, 0);
  nn_tensor_free (a);
  nn_tensor_free (b);
}

static void
test_fill_normal (void)
{
  nn_error err;
  nn_tensor *a = nn_tensor_new_4d (1, 1, 250, 400, &err);
  nn_tensor *b = nn_tensor_new_4d (1, 1, 250, 400, &err);
  int beyond3 = 0;

  nn_tensor_fill_normal (a, 99);
  nn_tensor_fill_normal (b, 99);
  g_assert_cmpmem (a->data, 100000 * sizeof (float), b->data, 100000 * sizeof (float));
  g_assert_cmpfloat_with_epsilon (mean_of (a), 0.0f, 0.01f);
  g_assert_cmpfloat_with_epsilon (var_of (a), 1.0f, 0.02f);
  for (int i = 0; i < 100000; i++)
    {
      g_assert_true (isfinite (a->data[i]));
      beyond3 += fabsf (a->data[i]) > 3.0f;
    }
  /* P(|z| > 3) = 0.27%: 270 expected */
  g_assert_cmpint (beyond3, >, 180);
  g_assert_cmpint (beyond3, <, 360);
  nn_tensor_free (a);
  nn_tensor_free (b);
}

static void
test_fill_constant (void)
{
  nn_error err;
  nn_tensor *t = nn_tensor_new_4d (2, 2, 2, 2, &err);

  nn_tensor_fill (t, -3.5f);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat (t->data[i], ==, -3.5f);
  nn_tensor_free (t);
}

/* ---------------------------------------------------------------- networks (copy-on-write) */

/* Conv2d, BatchNorm2d, ReLU, Flatten, Linear: every kind of tensor a network holds */
static nn_net *
cow_net (void)
{
  nn_shape input = nn_shape_chw (1, 6, 6);
  nn_net *net = nn_net_new (&input, 17);
  nn_layer_config c;
  nn_error err;

  nn_layer_config_init (&c, NN_LAYER_CONV2D);
  c.out_channels = 4;
  g_assert_cmpint (nn_net_append (net, &c, &err), ==, NN_OK);
  nn_layer_config_init (&c, NN_LAYER_BATCHNORM2D);
  g_assert_cmpint (nn_net_append (net, &c, &err), ==, NN_OK);
  nn_layer_config_init (&c, NN_LAYER_RELU);
  g_assert_cmpint (nn_net_append (net, &c, &err), ==, NN_OK);
  nn_layer_config_init (&c, NN_LAYER_FLATTEN);
  g_assert_cmpint (nn_net_append (net, &c, &err), ==, NN_OK);
  nn_layer_config_init (&c, NN_LAYER_LINEAR);
  c.out_features = 3;
  g_assert_cmpint (nn_net_append (net, &c, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  /* BatchNorm's running statistics away from their init, so resets show */
  nn_tensor_fill (net->layers[1].running_mean, 0.5f);
  nn_tensor_fill (net->layers[1].running_var, 2.0f);
  return net;
}

static nn_tensor **
layer_tensors (nn_layer *l, nn_tensor **out)
{
  out[0] = l->weight, out[1] = l->bias, out[2] = l->running_mean, out[3] = l->running_var;
  out[4] = l->grad_weight, out[5] = l->grad_bias;
  return out;
}

/* The values of every tensor of net (parameters, buffers, gradients), copied byte by
 * byte (not with nn_tensor_copy, which would share them) */
static GPtrArray *
save_values (nn_net *net)
{
  GPtrArray *saved = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (int i = 0; i < net->n_layers; i++)
    {
      nn_tensor *ts[6];

      layer_tensors (&net->layers[i], ts);
      for (int k = 0; k < 6; k++)
        g_ptr_array_add (saved, ts[k] == NULL ? g_bytes_new (NULL, 0)
                                              : g_bytes_new (ts[k]->data, (gsize) nn_tensor_numel (ts[k]) * sizeof (float)));
      g_ptr_array_add (saved, g_bytes_new (&net->layers[i].num_batches_tracked, sizeof (int64_t)));
    }
  return saved;
}

/* Whether net still holds exactly the saved values (gradients too when with_grads) */
static bool
has_values (nn_net *net, GPtrArray *saved, bool with_grads)
{
  guint n = 0;

  for (int i = 0; i < net->n_layers; i++)
    {
      nn_tensor *ts[6];

      layer_tensors (&net->layers[i], ts);
      for (int k = 0; k < 6; k++, n++)
        {
          gsize size;
          const void *p = g_bytes_get_data (saved->pdata[n], &size);

          if ((k >= 4 && !with_grads) || (ts[k] == NULL && size == 0))
            continue;
          if (ts[k] == NULL || size != (gsize) nn_tensor_numel (ts[k]) * sizeof (float)
              || memcmp (p, ts[k]->data, size) != 0)
            return false;
        }
      if (memcmp (g_bytes_get_data (saved->pdata[n++], NULL),
                  &net->layers[i].num_batches_tracked, sizeof (int64_t)) != 0)
        return false;
    }
  return true;
}

static int64_t
param_bytes (const nn_net *net)
{
  return nn_net_total_params (net) * (int64_t) sizeof (float);
}

/* A copy shares every tensor; reset and fills in the copy leave the original alone */
static void
test_net_copy_shares (void)
{
  nn_net *net = cow_net ();
  g_autoptr(GPtrArray) before = save_values (net);
  nn_net *copy;
  nn_error err;
  int64_t bn_count = 4;   /* nn_net_total_params counts num_batches_tracked: no tensor */

  g_assert_cmpint (nn_net_unique_bytes (net), ==, param_bytes (net) - bn_count);
  copy = nn_net_copy (net, &err);
  g_assert_nonnull (copy);
  g_assert_cmpint (nn_net_unique_bytes (net), ==, 0);
  g_assert_cmpint (nn_net_unique_bytes (copy), ==, 0);
  g_assert_true (copy->layers[0].weight->data == net->layers[0].weight->data);
  g_assert_true (nn_tensor_is_shared (net->layers[4].bias));

  nn_net_reset_parameters (copy, -1, 99);
  g_assert_true (has_values (net, before, true));
  g_assert_false (has_values (copy, before, true));
  g_assert_cmpint (nn_net_unique_bytes (copy), ==, param_bytes (copy) - bn_count);
  g_assert_cmpint (nn_net_unique_bytes (net), ==, param_bytes (net) - bn_count);
  nn_net_free (copy);

  /* one layer reset in the copy: only its tensors stop being shared */
  copy = nn_net_copy (net, &err);
  nn_net_reset_parameters (copy, 4, 5);
  g_assert_true (has_values (net, before, true));
  g_assert_cmpint (nn_net_unique_bytes (copy), ==, (3 * 64 + 3) * 4);   /* Linear(64, 3) */
  g_assert_true (nn_tensor_is_shared (copy->layers[0].weight));
  nn_tensor_fill (nn_net_find_param (copy, "0.weight"), 0.0f);
  g_assert_true (has_values (net, before, true));
  nn_net_free (copy);

  /* and the other way round: the copy keeps what the original had */
  copy = nn_net_copy (net, &err);
  nn_net_reset_parameters (net, -1, 3);
  g_assert_true (has_values (copy, before, true));
  nn_net_free (copy);
  nn_net_free (net);
}

static nn_tensor *
cow_input (uint64_t seed)
{
  nn_tensor *x = nn_tensor_new_4d (4, 1, 6, 6, NULL);

  nn_tensor_fill_normal (x, seed);
  return x;
}

/* Training a copy (gradients, SGD with momentum, Adam, BatchNorm running statistics)
 * never changes the original, nor training the original a copy taken before. */
static void
test_net_copy_training (void)
{
  static const int64_t labels[4] = { 0, 2, 1, 2 };
  nn_net *net = cow_net (), *copy;
  nn_tensor *x = cow_input (1), *x2 = cow_input (2);
  nn_batch batch = { .x = x, .labels = labels }, batch2 = { .x = x2, .labels = labels };
  g_autoptr(GPtrArray) before = save_values (net);
  g_autoptr(GPtrArray) trained = NULL;
  nn_optim_config oc;
  nn_trainer *tr;
  nn_error err;
  double loss;

  for (int kind = NN_OPTIM_SGD; kind <= NN_OPTIM_ADAM; kind++)
    {
      nn_optim_config_init (&oc, (nn_optim_kind) kind);
      oc.momentum = kind == NN_OPTIM_SGD ? 0.9 : 0.0;
      oc.weight_decay = 0.01;
      copy = nn_net_copy (net, &err);
      tr = nn_trainer_new (copy, NN_LOSS_CROSS_ENTROPY, &oc, 3, &err);
      g_assert_nonnull (tr);
      for (int step = 0; step < 2; step++)
        g_assert_cmpint (nn_trainer_step (tr, &batch, NULL, &loss, NULL, &err), ==, NN_OK);
      g_assert_true (has_values (net, before, true));
      /* the step did change the copy: weights, running statistics, gradients */
      g_assert_false (has_values (copy, before, false));
      g_assert_cmpint (copy->layers[1].num_batches_tracked, ==, 2);
      g_assert_cmpfloat (copy->layers[1].running_mean->data[0], !=, 0.5f);
      g_assert_cmpint (nn_net_unique_bytes (copy), >=, param_bytes (copy) - 4);
      nn_trainer_free (tr);
      nn_net_free (copy);
    }

  /* train the original (it gets gradients), copy it, then compute other gradients and
   * take a step in the copy: the original's gradients and values stay */
  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  tr = nn_trainer_new (net, NN_LOSS_CROSS_ENTROPY, &oc, 3, &err);
  g_assert_cmpint (nn_trainer_step (tr, &batch, NULL, &loss, NULL, &err), ==, NN_OK);
  nn_trainer_free (tr);
  trained = save_values (net);
  copy = nn_net_copy (net, &err);
  g_assert_true (nn_tensor_is_shared (net->layers[0].grad_weight));
  tr = nn_trainer_new (copy, NN_LOSS_CROSS_ENTROPY, &oc, 3, &err);
  g_assert_cmpint (nn_trainer_gradients (tr, &batch2, &loss, NULL, &err), ==, NN_OK);
  g_assert_true (has_values (net, trained, true));
  g_assert_false (has_values (copy, trained, true));
  g_assert_cmpint (nn_trainer_step (tr, &batch2, NULL, &loss, NULL, &err), ==, NN_OK);
  g_assert_true (has_values (net, trained, true));
  nn_trainer_free (tr);

  /* training the original leaves a copy taken before as it was */
  tr = nn_trainer_new (net, NN_LOSS_CROSS_ENTROPY, &oc, 3, &err);
  nn_net_free (copy);
  copy = nn_net_copy (net, &err);
  g_assert_cmpint (nn_trainer_step (tr, &batch2, NULL, &loss, NULL, &err), ==, NN_OK);
  g_assert_true (has_values (copy, trained, true));
  g_assert_false (has_values (net, trained, true));
  nn_trainer_free (tr);
  nn_net_free (copy);
  nn_tensor_free (x);
  nn_tensor_free (x2);
  nn_net_free (net);
}

/* Loading weights (HDF5 and PyTorch files) into a copy leaves the original alone */
static void
test_net_copy_load_weights (void)
{
  g_autofree char *dir = g_dir_make_tmp ("layerlab-cow-XXXXXX", NULL);
  g_autofree char *h5 = g_build_filename (dir, "w.h5", NULL);
  g_autofree char *pt = g_build_filename (dir, "w.pt", NULL);
  nn_net *net = cow_net (), *other = nn_net_copy (net, NULL), *copy;
  g_autoptr(GPtrArray) before = save_values (net);
  g_autoptr(GPtrArray) theirs = NULL;
  nn_error err;
  const char *paths[] = { h5, pt };

  nn_net_reset_parameters (other, -1, 1234);
  theirs = save_values (other);
  g_assert_cmpint (nn_weights_save (h5, other, &err), ==, NN_OK);
  g_assert_cmpint (nn_pt_save_state_dict (pt, other, &err), ==, NN_OK);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      copy = nn_net_copy (net, &err);
      g_assert_cmpint (nn_file_load_weights (paths[i], copy, &err), ==, NN_OK);
      g_assert_true (has_values (net, before, true));
      g_assert_true (has_values (copy, theirs, false));
      g_assert_false (nn_tensor_is_shared (net->layers[0].weight));
      nn_net_free (copy);
      /* the other way round: loading into the original spares a copy taken before */
      copy = nn_net_copy (net, &err);
      g_assert_cmpint (nn_file_load_weights (paths[i], net, &err), ==, NN_OK);
      g_assert_true (has_values (copy, before, true));
      g_assert_true (has_values (net, theirs, false));
      nn_net_free (net);
      net = copy;
    }
  g_assert_cmpint (g_remove (h5), ==, 0);
  g_assert_cmpint (g_remove (pt), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  nn_net_free (other);
  nn_net_free (net);
}

/* First outputs of xoshiro256** seeded by splitmix64, computed with an independent
 * Python transcription of Vigna's reference code. */
static void
test_rng_reference (void)
{
  static const uint64_t seed0[] = { 0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
                                    0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL };
  static const uint64_t seed42[] = { 0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                                     0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL };
  nn_rng a, b;

  nn_rng_seed (&a, 0);
  nn_rng_seed (&b, 42);
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmphex (nn_rng_next (&a), ==, seed0[i]);
      g_assert_cmphex (nn_rng_next (&b), ==, seed42[i]);
    }
}

static void
test_rng_uniform (void)
{
  nn_rng rng;
  int buckets[10] = { 0 };

  nn_rng_seed (&rng, 7);
  for (int i = 0; i < 100000; i++)
    {
      float u = nn_rng_uniform (&rng, 0.0f, 1.0f);

      g_assert_true (u >= 0.0f && u < 1.0f);
      buckets[(int) (u * 10)]++;
    }
  for (int i = 0; i < 10; i++)
    g_assert_cmpint (abs (buckets[i] - 10000), <, 500);
  /* an empty interval gives its bound */
  g_assert_cmpfloat (nn_rng_uniform (&rng, 2.0f, 2.0f), ==, 2.0f);
}

static void
test_status (void)
{
  nn_error err;
  char long_arg[2000];

  for (int s = NN_OK; s <= NN_STATUS_NOT_FOUND; s++)
    {
      g_assert_nonnull (nn_status_to_string ((nn_status) s));
      for (int t = NN_OK; t < s; t++)
        g_assert_cmpstr (nn_status_to_string ((nn_status) s), !=,
                         nn_status_to_string ((nn_status) t));
    }
  g_assert_cmpint (nn_error_set (NULL, NN_STATUS_IO, 3, "x %d", 1), ==, NN_STATUS_IO);
  g_assert_cmpint (nn_error_set (&err, NN_STATUS_SHAPE, 3, "layer %d: %s", 3, "bad"), ==,
                   NN_STATUS_SHAPE);
  g_assert_cmpint (err.status, ==, NN_STATUS_SHAPE);
  g_assert_cmpint (err.layer, ==, 3);
  g_assert_cmpstr (err.message, ==, "layer 3: bad");
  memset (long_arg, 'a', sizeof long_arg - 1);
  long_arg[sizeof long_arg - 1] = '\0';
  nn_error_set (&err, NN_STATUS_IO, -1, "%s", long_arg);
  g_assert_cmpuint (strlen (err.message), ==, NN_ERROR_MAX - 1);
  nn_error_clear (&err);
  g_assert_cmpint (err.status, ==, NN_OK);
  g_assert_cmpint (err.layer, ==, -1);
  g_assert_cmpstr (err.message, ==, "");
  nn_error_clear (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/tensor/alloc", test_alloc);
  g_test_add_func ("/engine/tensor/alloc-edge", test_alloc_edge);
  g_test_add_func ("/engine/tensor/copy", test_copy);
  g_test_add_func ("/engine/tensor/copy-on-write/original-written", test_copy_original_written);
  g_test_add_func ("/engine/tensor/copy-on-write/foreign", test_copy_foreign);
  g_test_add_func ("/engine/tensor/copy-on-write/fill-assign", test_fill_and_assign_shared);
  g_test_add_func ("/engine/tensor/copy-on-write/threads", test_refcount_threads);
  g_test_add_func ("/engine/tensor/invalid-shapes", test_invalid_shapes);
  g_test_add_func ("/engine/tensor/overflow", test_overflow);
  g_test_add_func ("/engine/tensor/budget", test_budget);
  g_test_add_func ("/engine/tensor/checked-mul", test_checked_mul);
  g_test_add_func ("/engine/tensor/shape-format", test_shape_format);
  g_test_add_func ("/engine/tensor/fill-uniform", test_fill_uniform);
  g_test_add_func ("/engine/tensor/fill-normal", test_fill_normal);
  g_test_add_func ("/engine/tensor/fill-constant", test_fill_constant);
  g_test_add_func ("/engine/net/copy-on-write/share-reset-fill", test_net_copy_shares);
  g_test_add_func ("/engine/net/copy-on-write/training", test_net_copy_training);
  g_test_add_func ("/engine/net/copy-on-write/load-weights", test_net_copy_load_weights);
  g_test_add_func ("/engine/rng/reference", test_rng_reference);
  g_test_add_func ("/engine/rng/uniform", test_rng_uniform);
  g_test_add_func ("/engine/status/errors", test_status);
  return g_test_run ();
}
