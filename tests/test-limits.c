/* test-limits.c - absurd sizes from files and users: a clear error, no allocation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every size that reaches malloc() from a file (.npy, .pt/pickle, HDF5) or from a user
 * (layer parameters, input shapes, batch sizes) is checked for overflow and against the
 * memory budget first. A refused size gives NN_STATUS_TOO_LARGE (or a format/argument
 * error) with a message naming the size; NN_STATUS_NOMEM would mean the engine tried to
 * allocate it, which is what these tests rule out.
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "nn.h"
#include "pickle.h"

#define TERA (INT64_C (1) << 40)
#define G2 (INT64_C (1) << 31)

static const uint64_t default_budget = UINT64_C (8) << 30;

static void
budget_reset (void)
{
  nn_set_memory_budget (default_budget);
}

static void
assert_message (const nn_error *err, const char *part)
{
  if (strstr (err->message, part) == NULL)
    g_error ("message '%s' lacks '%s'", err->message, part);
}

/* ---------------------------------------------------------------- tensors */

static void
test_tensor_sizes (void)
{
  nn_error err;
  int64_t square[2] = { G2, G2 };
  int64_t overflow[4] = { G2, G2, G2, G2 };
  int64_t negative[2] = { 4, -1 };

  budget_reset ();
  g_assert_null (nn_tensor_new_4d (1, TERA, 1, 1, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_TOO_LARGE);
  assert_message (&err, "1099511627776");
  g_assert_null (nn_tensor_new (2, square, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_TOO_LARGE);
  g_assert_null (nn_tensor_new (4, overflow, &err));   /* 2^124 elements: overflows */
  g_assert_cmpint (err.status, ==, NN_STATUS_TOO_LARGE);
  g_assert_null (nn_tensor_new (2, negative, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_INVALID_ARG);
  nn_set_memory_budget (1 << 20);
  g_assert_null (nn_tensor_new_4d (1, 1, 512, 513, &err));   /* just over 1 MiB */
  g_assert_cmpint (err.status, ==, NN_STATUS_TOO_LARGE);
  budget_reset ();
}

static void
test_checked_mul (void)
{
  int64_t r;

  g_assert_false (nn_checked_mul (G2, G2 * 4, &r));
  g_assert_false (nn_checked_mul (INT64_MAX, 2, &r));
  g_assert_false (nn_checked_mul (-1, 4, &r));
  g_assert_true (nn_checked_mul (G2, G2, &r));
  g_assert_cmpint (r, ==, INT64_C (1) << 62);
}

/* ---------------------------------------------------------------- networks */

static void
test_input_shapes (void)
{
  nn_shape huge = nn_shape_chw (TERA, 1, 1);
  nn_shape product = nn_shape_chw (INT64_C (1) << 24, INT64_C (1) << 24, INT64_C (1) << 24);
  nn_shape ok = nn_shape_chw (1, 28, 28);
  nn_net *net;
  nn_error err;

  budget_reset ();
  g_assert_null (nn_net_new (&huge, 1));
  g_assert_null (nn_net_new (&product, 1));
  net = nn_net_new (&ok, 1);
  g_assert_cmpint (nn_net_set_input (net, &huge, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "between 1 and");
  g_assert_cmpint (nn_net_set_input (net, &product, &err), ==, NN_STATUS_TOO_LARGE);
  assert_message (&err, "memory budget");
  g_assert_true (nn_shape_equal (&net->input, &ok));
  nn_net_free (net);
}

static void
test_layer_configs (void)
{
  static const struct {
    nn_layer_type type;
    size_t offset;
    int64_t value;
  } cases[] = {
    { NN_LAYER_CONV2D, G_STRUCT_OFFSET (nn_layer_config, out_channels), TERA },
    { NN_LAYER_CONV2D, G_STRUCT_OFFSET (nn_layer_config, in_channels), TERA },
    { NN_LAYER_CONV2D, G_STRUCT_OFFSET (nn_layer_config, groups), INT64_MAX },
    { NN_LAYER_CONV2D, G_STRUCT_OFFSET (nn_layer_config, kernel_size), G2 },
    { NN_LAYER_CONV2D, G_STRUCT_OFFSET (nn_layer_config, stride), INT64_MIN },
    { NN_LAYER_CONV2D, G_STRUCT_OFFSET (nn_layer_config, padding), INT64_MAX },
    { NN_LAYER_CONV2D, G_STRUCT_OFFSET (nn_layer_config, dilation), TERA },
    { NN_LAYER_MAXPOOL2D, G_STRUCT_OFFSET (nn_layer_config, kernel_size), TERA },
    { NN_LAYER_LINEAR, G_STRUCT_OFFSET (nn_layer_config, out_features), G2 * G2 },
    { NN_LAYER_LINEAR, G_STRUCT_OFFSET (nn_layer_config, in_features), -TERA },
    { NN_LAYER_BATCHNORM2D, G_STRUCT_OFFSET (nn_layer_config, num_features), TERA },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      nn_layer_config cfg;
      nn_error err;
      nn_shape in = nn_shape_chw (3, 8, 8);
      nn_net *net = nn_net_new (&in, 1);

      nn_layer_config_init (&cfg, cases[i].type);
      G_STRUCT_MEMBER (int64_t, &cfg, cases[i].offset) = cases[i].value;
      g_assert_cmpint (nn_layer_config_validate (&cfg, 0, &err), ==, NN_STATUS_INVALID_ARG);
      g_assert_cmpstr (err.message, !=, "");
      /* Editing refuses it too, and leaves the network as it was. */
      g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_STATUS_INVALID_ARG);
      g_assert_cmpint (net->n_layers, ==, 0);
      nn_net_free (net);
    }
}

/* Parameters a user asks for (all sizes valid on their own) that exceed the budget: a
 * per-layer error from propagation, no tensor. */
static void
test_params_over_budget (void)
{
  nn_shape in = nn_shape_f (INT64_C (1) << 24);
  nn_layer_config cfg;
  nn_net *net;
  nn_error err;

  budget_reset ();
  net = nn_net_new (&in, 1);
  nn_layer_config_init (&cfg, NN_LAYER_LINEAR);
  cfg.out_features = INT64_C (1) << 24;   /* 2^48 weights: 1 PiB */
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, 0);
  g_assert_cmpint (net->info[0].status, ==, NN_STATUS_TOO_LARGE);
  g_assert_null (net->layers[0].weight);
  g_assert_cmpstr (net->info[0].message, !=, "");
  nn_net_free (net);

  nn_set_memory_budget (1 << 20);
  in = nn_shape_f (1000);
  net = nn_net_new (&in, 1);
  cfg.out_features = 1000;   /* 4 MB of weights over a 1 MiB budget */
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->info[0].status, ==, NN_STATUS_TOO_LARGE);
  g_assert_null (net->layers[0].weight);
  nn_net_free (net);
  budget_reset ();
}

/* An activation of one sample over the budget: propagation names it, in units that
 * make sense for the budget (not "0.0 GiB"). */
static void
test_activation_over_budget (void)
{
  nn_shape in = nn_shape_chw (1, 256, 256);
  nn_layer_config cfg;
  nn_net *net;
  nn_error err;

  nn_set_memory_budget (1 << 20);
  net = nn_net_new (&in, 1);
  nn_layer_config_init (&cfg, NN_LAYER_CONV2D);
  cfg.in_channels = 1;
  cfg.out_channels = 8;
  cfg.padding[0] = cfg.padding[1] = 1;   /* 8x256x256 floats: 2 MiB */
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->info[0].status, ==, NN_STATUS_TOO_LARGE);
  if (strstr (net->info[0].message, "2.0 MiB") == NULL)
    g_error ("message '%s' does not say 2.0 MiB", net->info[0].message);
  nn_net_free (net);
  budget_reset ();
}

/* A forward pass whose batch would not fit is refused before anything is allocated, with
 * a message that says how much it needs. */
static void
test_forward_over_budget (void)
{
  nn_shape in = nn_shape_chw (1, 64, 64);
  nn_layer_config cfg;
  nn_run_result res = { 0 };
  nn_run_opts opts = { .keep_activations = true };
  nn_tensor *x;
  nn_net *net;
  nn_error err;

  nn_set_memory_budget (4 << 20);
  net = nn_net_new (&in, 1);
  nn_layer_config_init (&cfg, NN_LAYER_CONV2D);
  cfg.in_channels = 1;
  cfg.out_channels = 16;
  cfg.padding[0] = cfg.padding[1] = 1;   /* 256 KiB per sample */
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  x = nn_tensor_new_4d (32, 1, 64, 64, &err);   /* 512 KiB of input: fits on its own */
  g_assert_nonnull (x);
  g_assert_cmpint (nn_net_forward (net, x, &opts, &res, &err), ==, NN_STATUS_TOO_LARGE);
  g_test_message ("%s", err.message);
  assert_message (&err, "MiB");
  assert_message (&err, "a batch of 32");
  g_assert_null (res.output);
  g_assert_cmpint (res.n_acts, ==, 0);
  nn_tensor_free (x);
  nn_net_free (net);
  budget_reset ();
}

/* ---------------------------------------------------------------- .npy */

/* A version 1.0 .npy header for dict, then data_size zero bytes. */
static GByteArray *
npy_bytes (const char *dict, gsize data_size)
{
  GByteArray *b = g_byte_array_new ();
  GString *h = g_string_new (dict);
  guint8 pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0 };

  while ((10 + h->len + 1) % 64 != 0)
    g_string_append_c (h, ' ');
  g_string_append_c (h, '\n');
  pre[8] = (guint8) (h->len & 0xff);
  pre[9] = (guint8) (h->len >> 8);
  g_byte_array_append (b, pre, sizeof pre);
  g_byte_array_append (b, (const guint8 *) h->str, (guint) h->len);
  g_byte_array_set_size (b, b->len + (guint) data_size);
  memset (b->data + b->len - data_size, 0, data_size);
  g_string_free (h, TRUE);
  return b;
}

static void
test_npy_sizes (void)
{
  static const struct {
    const char *dict;
    nn_status status;
  } cases[] = {
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", NN_STATUS_FORMAT },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648), }", NN_STATUS_FORMAT },
    { "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483648, 2147483648, 4), }", NN_STATUS_TOO_LARGE },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", NN_STATUS_TOO_LARGE },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", NN_STATUS_FORMAT },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", NN_STATUS_FORMAT },
  };

  budget_reset ();
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GByteArray *b = npy_bytes (cases[i].dict, 16);
      nn_tensor *t = NULL;
      nn_error err;
      nn_status s = nn_npy_read_mem (b->data, b->len, "huge.npy", &t, &err);

      g_test_message ("%s -> %s", cases[i].dict, err.message);
      g_assert_null (t);
      g_assert_cmpint (s, !=, NN_OK);
      g_assert_cmpint (s, !=, NN_STATUS_NOMEM);
      if (cases[i].status == NN_STATUS_TOO_LARGE)
        g_assert_cmpint (s, ==, NN_STATUS_TOO_LARGE);
      assert_message (&err, "huge.npy");
      g_byte_array_unref (b);
    }
}

/* A complete, valid file whose data is over the budget: refused by size, not by malloc. */
static void
test_npy_over_budget (void)
{
  GByteArray *b = npy_bytes ("{'descr': '<f4', 'fortran_order': False, 'shape': (512, 1024), }",
                             512 * 1024 * 4);
  nn_tensor *t = NULL;
  nn_error err;

  nn_set_memory_budget (1 << 20);
  g_assert_cmpint (nn_npy_read_mem (b->data, b->len, "big.npy", &t, &err), ==,
                   NN_STATUS_TOO_LARGE);
  g_assert_null (t);
  nn_set_memory_budget (4 << 20);
  g_assert_cmpint (nn_npy_read_mem (b->data, b->len, "big.npy", &t, &err), ==, NN_OK);
  g_assert_cmpint (nn_tensor_numel (t), ==, 512 * 1024);
  nn_tensor_free (t);
  g_byte_array_unref (b);
  budget_reset ();
}

/* ---------------------------------------------------------------- pickle / .pt */

static void
test_pickle_sizes (void)
{
  /* PROTO 2, then an opcode whose length or index is absurd, then STOP. */
  static const struct {
    const char *what;
    guint8 bytes[16];
    gsize len;
  } cases[] = {
    { "BINUNICODE of 4 GiB", { 0x80, 2, 'X', 0xf0, 0xff, 0xff, 0xff, 'a', '.' }, 9 },
    { "BINBYTES of 4 GiB", { 0x80, 3, 'B', 0xff, 0xff, 0xff, 0xff, 'a', '.' }, 9 },
    { "SHORT_BINBYTES past the end", { 0x80, 3, 'C', 0xff, 'a', '.' }, 6 },
    { "BINUNICODE8 of 2^63", { 0x80, 4, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x80, 'a', '.' }, 13 },
    { "LONG_BINPUT at 2^31", { 0x80, 2, ']', 'r', 0, 0, 0, 0x80, '.' }, 9 },
    { "LONG_BINGET at 4 G", { 0x80, 2, 'j', 0xff, 0xff, 0xff, 0xff, '.' }, 8 },
    { "LONG4 of 2 GiB", { 0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0x7f, 1, '.' }, 9 },
  };
  /* FRAME's length is only a read-ahead hint: an absurd one is ignored, not allocated. */
  static const guint8 frame[] = { 0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0x80, ']', '.' };
  pk_doc *doc = NULL;

  g_assert_cmpint (pk_load (frame, sizeof frame, "data.pkl", &doc, NULL), ==, NN_OK);
  g_assert_cmpint (pk_doc_root (doc)->kind, ==, PK_LIST);
  pk_doc_free (doc);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      nn_error err;
      nn_status s;

      doc = NULL;
      s = pk_load (cases[i].bytes, cases[i].len, "data.pkl", &doc, &err);

      g_test_message ("%s -> %s", cases[i].what, err.message);
      g_assert_cmpint (s, !=, NN_OK);
      g_assert_cmpint (s, !=, NN_STATUS_NOMEM);
      g_assert_null (doc);
      assert_message (&err, "data.pkl");
    }
}

static void
test_pt_hostile_sizes (void)
{
  static const char *const files[] = { "huge_numel.pt", "huge_size.pt" };

  budget_reset ();
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "pt", "hostile",
                                                     files[i], NULL);
      nn_net *net = nn_net_new_template ("seed", 1, NULL);
      nn_error err;
      nn_status s = nn_pt_load_weights (path, net, &err);

      /* state_dicts with a tensor of absurd size or numel, loaded into the seed net */
      g_test_message ("%s -> %s", files[i], err.message);
      g_assert_true (s == NN_STATUS_TOO_LARGE || s == NN_STATUS_FORMAT
                     || s == NN_STATUS_MISMATCH);
      nn_net_free (net);
    }
}

/* ---------------------------------------------------------------- HDF5 */

static void
test_h5_hostile_sizes (void)
{
  static const char *const files[] = {
    "huge-channels.h5", "huge-input.h5", "huge-params.h5", "num-layers-huge.h5",
  };

  budget_reset ();
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "bad", files[i], NULL);
      nn_net *net = NULL;
      nn_error err;
      nn_status s = nn_model_open (path, &net, &err);

      g_test_message ("%s -> %s", files[i], err.message);
      g_assert_true (s == NN_STATUS_TOO_LARGE || s == NN_STATUS_FORMAT);
      g_assert_null (net);
      assert_message (&err, files[i]);
    }
}

/* A valid model whose weights exceed a small budget: refused, not half-loaded. */
static void
test_h5_over_budget (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "ref", "seed", "model.h5",
                                                 NULL);
  nn_net *net = NULL;
  nn_error err;

  nn_set_memory_budget (1 << 20);   /* the seed's Linear(576, ...) alone is larger */
  g_assert_cmpint (nn_model_open (path, &net, &err), !=, NN_OK);
  g_assert_cmpint (err.status, ==, NN_STATUS_TOO_LARGE);
  g_assert_null (net);
  budget_reset ();
  g_assert_cmpint (nn_model_open (path, &net, &err), ==, NN_OK);
  nn_net_free (net);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/limits/tensor/sizes", test_tensor_sizes);
  g_test_add_func ("/limits/tensor/checked-mul", test_checked_mul);
  g_test_add_func ("/limits/net/input-shapes", test_input_shapes);
  g_test_add_func ("/limits/net/layer-configs", test_layer_configs);
  g_test_add_func ("/limits/net/params-over-budget", test_params_over_budget);
  g_test_add_func ("/limits/net/activation-over-budget", test_activation_over_budget);
  g_test_add_func ("/limits/forward/over-budget", test_forward_over_budget);
  g_test_add_func ("/limits/npy/sizes", test_npy_sizes);
  g_test_add_func ("/limits/npy/over-budget", test_npy_over_budget);
  g_test_add_func ("/limits/pickle/sizes", test_pickle_sizes);
  g_test_add_func ("/limits/pt/hostile-sizes", test_pt_hostile_sizes);
  g_test_add_func ("/limits/h5/hostile-sizes", test_h5_hostile_sizes);
  g_test_add_func ("/limits/h5/over-budget", test_h5_over_budget);
  return g_test_run ();
}
