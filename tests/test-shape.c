/* test-shape.c - shape propagation, messages and fixes, parameters, edits, templates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Expected shapes, parameter shapes and totals are PyTorch's (see the comments); the
 * nn_conv_out_size() table was produced by running F.conv2d / F.max_pool2d in
 * PyTorch 1.13 on each row's input (-1: PyTorch refuses the input).
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn-private.h"

/* ---------------------------------------------------------------- helpers */

static nn_net *
seed_net (void)
{
  nn_error err;
  nn_net *net = nn_net_new_template ("seed", 11, &err);

  g_assert_nonnull (net);
  g_assert_cmpint (net->first_error, ==, -1);
  return net;
}

static void
assert_shape (const nn_shape *s, int n, int64_t a, int64_t b, int64_t c)
{
  int64_t want[3] = { a, b, c };

  g_assert_cmpint (s->n_dims, ==, n);
  for (int i = 0; i < n; i++)
    g_assert_cmpint (s->d[i], ==, want[i]);
}

static void
assert_tensor_shape (const nn_tensor *t, int n, int64_t a, int64_t b, int64_t c, int64_t d)
{
  int64_t want[4] = { a, b, c, d };

  g_assert_nonnull (t);
  g_assert_cmpint (t->n_dims, ==, n);
  for (int i = 0; i < n; i++)
    g_assert_cmpint (t->shape[i], ==, want[i]);
}

static nn_layer_config
config (nn_layer_type type)
{
  nn_layer_config cfg;

  nn_layer_config_init (&cfg, type);
  return cfg;
}

static nn_layer_config
conv (int64_t in, int64_t out, int64_t k)
{
  nn_layer_config cfg = config (NN_LAYER_CONV2D);

  cfg.in_channels = in;
  cfg.out_channels = out;
  cfg.kernel_size[0] = cfg.kernel_size[1] = k;
  return cfg;
}

static nn_layer_config
linear (int64_t in, int64_t out)
{
  nn_layer_config cfg = config (NN_LAYER_LINEAR);

  cfg.in_features = in;
  cfg.out_features = out;
  return cfg;
}

static void
append (nn_net *net, nn_layer_config cfg)
{
  nn_error err;

  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
}

static nn_net *
net_chw (int64_t c, int64_t h, int64_t w)
{
  nn_shape in = nn_shape_chw (c, h, w);
  nn_net *net = nn_net_new (&in, 5);

  g_assert_nonnull (net);
  return net;
}

/* ---------------------------------------------------------------- conv_out_size */

typedef struct {
  int64_t in, k, stride, pad, dil;
  bool ceil;
  int64_t out;
} out_size_row;

static const out_size_row out_size_table[] = {
  { 24, 5, 1, 0, 1, false, 20 },
  { 4, 5, 1, 0, 1, false, -1 },
  { 5, 5, 1, 0, 1, false, 1 },
  { 4, 5, 1, 1, 1, false, 2 },
  { 224, 3, 1, 1, 1, false, 224 },
  { 7, 3, 2, 1, 1, false, 4 },
  { 8, 3, 2, 1, 1, false, 4 },
  { 10, 3, 1, 0, 2, false, 6 },
  { 5, 3, 1, 0, 2, false, 1 },
  { 4, 3, 1, 0, 2, false, -1 },
  { 1, 1, 1, 0, 1, false, 1 },
  { 1, 3, 1, 1, 1, false, 1 },
  { 9, 4, 3, 2, 1, false, 4 },
  { 17, 7, 4, 3, 3, false, 2 },
  { 6, 2, 5, 0, 1, false, 1 },
  { 20, 2, 2, 0, 1, false, 10 },
  { 20, 2, 2, 0, 1, true, 10 },
  { 5, 2, 2, 0, 1, false, 2 },
  { 5, 2, 2, 0, 1, true, 3 },
  { 5, 3, 2, 1, 1, false, 3 },
  { 5, 3, 2, 1, 1, true, 3 },
  { 6, 3, 2, 1, 1, false, 3 },
  { 6, 3, 2, 1, 1, true, 4 },
  { 7, 3, 2, 1, 1, false, 4 },
  { 7, 3, 2, 1, 1, true, 4 },
  { 1, 2, 2, 0, 1, false, -1 },
  { 1, 2, 2, 0, 1, true, 1 },
  { 2, 3, 2, 0, 1, false, -1 },
  { 2, 3, 2, 0, 1, true, 1 },
  { 2, 3, 3, 1, 1, false, 1 },
  { 2, 3, 3, 1, 1, true, 1 },
  { 1, 2, 2, 1, 1, false, 1 },
  { 1, 2, 2, 1, 1, true, 1 },
  { 10, 3, 3, 0, 1, false, 3 },
  { 10, 3, 3, 0, 1, true, 4 },
  { 10, 3, 3, 1, 1, false, 4 },
  { 10, 3, 3, 1, 1, true, 4 },
  { 11, 3, 3, 1, 1, false, 4 },
  { 11, 3, 3, 1, 1, true, 4 },
  { 5, 2, 3, 1, 1, false, 2 },
  { 5, 2, 3, 1, 1, true, 2 },
  { 8, 3, 2, 1, 2, false, 3 },
  { 8, 3, 2, 1, 2, true, 4 },
  { 9, 3, 2, 0, 2, false, 3 },
  { 9, 3, 2, 0, 2, true, 3 },
  { 3, 3, 2, 1, 2, false, 1 },
  { 3, 3, 2, 1, 2, true, 1 },
  { 4, 4, 4, 2, 1, false, 2 },
  { 4, 4, 4, 2, 1, true, 2 },
  { 13, 5, 4, 2, 1, false, 4 },
  { 13, 5, 4, 2, 1, true, 4 },
  { 1, 1, 1, 0, 1, false, 1 },
  { 1, 1, 1, 0, 1, true, 1 },
  { 3, 2, 1, 0, 1, false, 2 },
  { 3, 2, 1, 0, 1, true, 2 },
};

static void
test_out_size (gconstpointer data)
{
  const out_size_row *r = data;

  g_assert_cmpint (nn_conv_out_size (r->in, r->k, r->stride, r->pad, r->dil, r->ceil), ==,
                   r->out);
}

static void
test_out_size_invalid (void)
{
  g_assert_cmpint (nn_conv_out_size (0, 1, 1, 0, 1, false), ==, -1);
  g_assert_cmpint (nn_conv_out_size (5, 0, 1, 0, 1, false), ==, -1);
  g_assert_cmpint (nn_conv_out_size (5, 1, 0, 0, 1, false), ==, -1);
  g_assert_cmpint (nn_conv_out_size (5, 1, 1, -1, 1, false), ==, -1);
  g_assert_cmpint (nn_conv_out_size (5, 1, 1, 0, 0, true), ==, -1);
}

/* ---------------------------------------------------------------- seed network */

/* The seed walkthrough: [32,20,20] -> [32,10,10] -> [64,6,6] -> [64,3,3] -> [576]
 * -> [1024] -> [10]; parameters on layers 0, 3, 7, 9 only. */
static void
test_seed_propagation (void)
{
  nn_net *net = seed_net ();
  static const int64_t want[10][4] = {
    { 3, 32, 20, 20 }, { 3, 32, 20, 20 }, { 3, 32, 10, 10 }, { 3, 64, 6, 6 },
    { 3, 64, 6, 6 }, { 3, 64, 3, 3 }, { 1, 576 }, { 1, 1024 }, { 1, 1024 }, { 1, 10 },
  };
  /* PyTorch's numel of each state_dict, and multiply-adds per sample */
  static const int64_t params[10] = { 832, 0, 0, 51264, 0, 0, 0, 590848, 0, 10250 };
  static const int64_t macs[10] = { 32 * 400 * 25, 0, 0, 64 * 36 * 32 * 25, 0, 0, 0,
                                    576 * 1024, 0, 1024 * 10 };

  g_assert_cmpint (net->n_layers, ==, 10);
  assert_shape (&net->info[0].in_shape, 3, 1, 24, 24);
  for (int i = 0; i < 10; i++)
    {
      g_assert_cmpint (net->info[i].status, ==, NN_OK);
      g_assert_cmpstr (net->info[i].message, ==, "");
      g_assert_cmpint (net->info[i].fix.kind, ==, NN_FIX_NONE);
      assert_shape (&net->info[i].out_shape, (int) want[i][0], want[i][1], want[i][2],
                    want[i][3]);
      if (i > 0)
        g_assert_true (nn_shape_equal (&net->info[i].in_shape, &net->info[i - 1].out_shape));
      g_assert_cmpint (net->info[i].n_params, ==, params[i]);
      g_assert_cmpint (net->info[i].macs, ==, macs[i]);
      g_assert_true ((net->layers[i].weight != NULL) == (params[i] > 0));
      g_assert_true ((net->layers[i].bias != NULL) == (params[i] > 0));
      g_assert_null (net->layers[i].running_mean);
    }
  assert_tensor_shape (net->layers[0].weight, 4, 32, 1, 5, 5);
  assert_tensor_shape (net->layers[0].bias, 1, 32, 0, 0, 0);
  assert_tensor_shape (net->layers[3].weight, 4, 64, 32, 5, 5);
  assert_tensor_shape (net->layers[3].bias, 1, 64, 0, 0, 0);
  assert_tensor_shape (net->layers[7].weight, 2, 1024, 576, 0, 0);
  assert_tensor_shape (net->layers[7].bias, 1, 1024, 0, 0, 0);
  assert_tensor_shape (net->layers[9].weight, 2, 10, 1024, 0, 0);
  assert_tensor_shape (net->layers[9].bias, 1, 10, 0, 0, 0);
  {
    nn_shape out = nn_net_output_shape (net);
    assert_shape (&out, 1, 10, 0, 0);
  }
  g_assert_cmpint (nn_net_total_params (net), ==, 653194);
  g_assert_cmpint (nn_net_total_macs (net), ==, 320000 + 1843200 + 589824 + 10240);
  /* input 576, then 12800 * 2, 3200, 2304 * 2, 576 * 2, 1024 * 2, 10 */
  g_assert_cmpint (nn_net_activation_numel (net), ==, 37194);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  nn_net_free (net);
}

/* state_dict keys in PyTorch's order, pointers into the layers */
static void
test_seed_params (void)
{
  nn_net *net = seed_net ();
  static const char *const keys[] = { "0.weight", "0.bias", "3.weight", "3.bias",
                                      "7.weight", "7.bias", "9.weight", "9.bias" };
  nn_param *p;
  int n = nn_net_params (net, &p);

  g_assert_cmpint (n, ==, 8);
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpstr (p[i].key, ==, keys[i]);
      g_assert_true (p[i].trainable);
      g_assert_null (p[i].count);
      g_assert_cmpstr (p[i].name, ==, i % 2 ? "bias" : "weight");
      g_assert_true (p[i].tensor == (i % 2 ? net->layers[p[i].layer].bias
                                          : net->layers[p[i].layer].weight));
      g_assert_true (nn_net_find_param (net, keys[i]) == p[i].tensor);
    }
  g_assert_null (nn_net_find_param (net, "1.weight"));
  g_assert_null (nn_net_find_param (net, "weight"));
  free (p);
  nn_net_free (net);
}

/* ---------------------------------------------------------------- errors and fixes */

static void
test_linear_mismatch (void)
{
  nn_net *net = seed_net ();
  nn_layer_config cfg = net->layers[7].cfg;
  nn_error err;
  nn_param *p;

  cfg.in_features = 600;
  g_assert_cmpint (nn_net_set_config (net, 7, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, 7);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_STATUS_SHAPE);
  g_assert_cmpint (net->info[7].status, ==, NN_STATUS_SHAPE);
  g_assert_cmpstr (net->info[7].message, ==, "layer 7 (Linear): expects 600 input features "
                   "but receives 576 (64×3×3 after Flatten)");
  g_assert_cmpint (net->info[7].fix.kind, ==, NN_FIX_SET_IN_FEATURES);
  g_assert_cmpint (net->info[7].fix.value, ==, 576);
  g_assert_cmpstr (net->info[7].fix.label, ==, "Set in_features to 576");
  /* the layers after it are not computed and own no parameters in the state_dict */
  for (int i = 8; i < 10; i++)
    {
      g_assert_cmpint (net->info[i].status, ==, NN_STATUS_ABORTED);
      g_assert_nonnull (strstr (net->info[i].message,
                                "not computed (an earlier layer has an error)"));
      g_assert_cmpint (net->info[i].out_shape.n_dims, ==, 0);
    }
  g_assert_cmpint (nn_net_params (net, &p), ==, 4);
  free (p);
  g_assert_null (nn_net_find_param (net, "9.weight"));
  g_assert_cmpint (nn_net_total_params (net), ==, 832 + 51264);

  g_assert_cmpint (nn_net_apply_fix (net, 7, &net->info[7].fix, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  g_assert_cmpint (net->layers[7].cfg.in_features, ==, 576);
  g_assert_cmpint (nn_net_total_params (net), ==, 653194);
  nn_net_free (net);
}

static void
test_kernel_too_big (void)
{
  nn_net *net = seed_net ();
  nn_shape small = nn_shape_chw (1, 12, 12);
  nn_error err;

  /* 12 -> conv 8 -> pool 4: the second 5×5 conv no longer fits */
  g_assert_cmpint (nn_net_set_input (net, &small, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, 3);
  g_assert_cmpstr (net->info[3].message, ==, "layer 3 (Conv2d): 5×5 kernel does not fit the "
                   "4×4 input (padding 0)");
  g_assert_cmpint (net->info[3].fix.kind, ==, NN_FIX_SET_PADDING);
  g_assert_cmpint (net->info[3].fix.value, ==, 1);
  g_assert_cmpstr (net->info[3].fix.label, ==, "Set padding to 1");
  /* layers before the error keep their shapes */
  assert_shape (&net->info[2].out_shape, 3, 32, 4, 4);
  assert_shape (&net->info[3].in_shape, 3, 32, 4, 4);

  g_assert_cmpint (nn_net_apply_fix (net, 3, &net->info[3].fix, &err), ==, NN_OK);
  g_assert_cmpint (net->info[3].status, ==, NN_OK);
  assert_shape (&net->info[3].out_shape, 3, 64, 2, 2);
  /* the next problem shows up, with its origin */
  g_assert_cmpint (net->first_error, ==, 7);
  g_assert_cmpstr (net->info[7].message, ==, "layer 7 (Linear): expects 576 input features "
                   "but receives 64 (64×1×1 after Flatten)");
  nn_net_free (net);
}

static void
test_kernel_dilated (void)
{
  nn_net *net = net_chw (2, 6, 9);
  nn_layer_config c = conv (2, 4, 3);
  nn_error err;

  c.dilation[0] = 3;
  c.padding[1] = 1;
  append (net, c);
  g_assert_cmpstr (net->info[0].message, ==, "layer 0 (Conv2d): 3×3 kernel with dilation "
                   "(3, 1) (spanning 7×3) does not fit the 6×9 input (padding (0, 1))");
  g_assert_cmpint (net->info[0].fix.value, ==, 1);
  g_assert_cmpint (nn_net_apply_fix (net, 0, &net->info[0].fix, &err), ==, NN_OK);
  assert_shape (&net->info[0].out_shape, 3, 4, 2, 9);
  nn_net_free (net);
}

static void
test_pool_too_big (void)
{
  nn_net *net = net_chw (3, 2, 2);
  nn_layer_config pool = config (NN_LAYER_MAXPOOL2D);
  nn_error err;

  pool.kernel_size[0] = pool.kernel_size[1] = 3;
  append (net, pool);
  g_assert_cmpstr (net->info[0].message, ==, "layer 0 (MaxPool2d): 3×3 kernel does not fit "
                   "the 2×2 input (padding 0)");
  g_assert_cmpint (net->info[0].fix.kind, ==, NN_FIX_SET_PADDING);
  g_assert_cmpint (net->info[0].fix.value, ==, 1);
  /* ceil_mode lets the one window start inside the input, as in PyTorch */
  pool.ceil_mode = true;
  g_assert_cmpint (nn_net_set_config (net, 0, &pool, &err), ==, NN_OK);
  assert_shape (&net->info[0].out_shape, 3, 3, 1, 1);
  /* a 3×3 pool dilated 3 cannot be padded to fit a 1×1 input (padding <= kernel / 2) */
  pool.ceil_mode = false;
  pool.dilation[0] = pool.dilation[1] = 3;
  g_assert_cmpint (nn_net_set_config (net, 0, &pool, &err), ==, NN_OK);
  g_assert_cmpint (nn_net_set_input (net, &(nn_shape) { 3, { 3, 1, 1 } }, &err), ==, NN_OK);
  g_assert_cmpint (net->info[0].fix.kind, ==, NN_FIX_REMOVE_LAYER);
  g_assert_cmpstr (net->info[0].fix.label, ==, "Remove this layer");
  g_assert_cmpint (nn_net_apply_fix (net, 0, &net->info[0].fix, &err), ==, NN_OK);
  g_assert_cmpint (net->n_layers, ==, 0);
  nn_net_free (net);
}

static void
test_conv_channels (void)
{
  nn_net *net = seed_net ();
  nn_layer_config cfg = net->layers[3].cfg;
  nn_error err;

  cfg.in_channels = 16;
  g_assert_cmpint (nn_net_set_config (net, 3, &cfg, &err), ==, NN_OK);
  g_assert_cmpstr (net->info[3].message, ==, "layer 3 (Conv2d): expects 16 input channels "
                   "but receives 32");
  g_assert_cmpint (net->info[3].fix.kind, ==, NN_FIX_SET_IN_CHANNELS);
  g_assert_cmpint (net->info[3].fix.value, ==, 32);
  g_assert_cmpstr (net->info[3].fix.label, ==, "Set in_channels to 32");
  g_assert_cmpint (nn_net_apply_fix (net, 3, &net->info[3].fix, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  nn_net_free (net);
}

static void
test_conv_groups_lazy (void)
{
  nn_net *net = net_chw (6, 8, 8);
  nn_layer_config c = conv (NN_LAZY, 8, 3);

  c.groups = 4;
  append (net, c);
  g_assert_cmpstr (net->info[0].message, ==, "layer 0 (Conv2d): receives 6 input channels, "
                   "which groups=4 does not divide");
  g_assert_cmpint (net->info[0].fix.kind, ==, NN_FIX_NONE);
  g_assert_cmpstr (net->info[0].fix.label, ==, "");
  nn_net_free (net);
}

static void
test_needs_chw (void)
{
  static const nn_layer_type types[] = { NN_LAYER_CONV2D, NN_LAYER_MAXPOOL2D,
                                         NN_LAYER_AVGPOOL2D, NN_LAYER_BATCHNORM2D };
  nn_shape f = nn_shape_f (576);

  for (size_t i = 0; i < G_N_ELEMENTS (types); i++)
    {
      nn_net *net = nn_net_new (&f, 1);
      g_autofree char *want = g_strdup_printf ("layer 0 (%s): expects a 3-D (channels, "
                                               "height, width) input but receives the 1-D "
                                               "shape [576]", nn_layer_type_name (types[i]));

      append (net, config (types[i]));
      g_assert_cmpint (net->info[0].status, ==, NN_STATUS_SHAPE);
      g_assert_cmpstr (net->info[0].message, ==, want);
      g_assert_cmpint (net->info[0].fix.kind, ==, NN_FIX_REMOVE_LAYER);
      g_assert_null (net->layers[0].weight);
      nn_net_free (net);
    }
}

/* Linear works on the last dim of a [C, H, W] input, like torch.nn.Linear */
static void
test_linear_3d (void)
{
  nn_net *net = seed_net ();
  nn_error err;

  g_assert_cmpint (nn_net_remove (net, 6, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, 6);
  g_assert_cmpstr (net->info[6].message, ==, "layer 6 (Linear): expects 576 input features "
                   "but receives the 3-D shape [64, 3, 3]; Linear works on the last "
                   "dimension (3), so flatten the input first");
  g_assert_cmpint (net->info[6].fix.kind, ==, NN_FIX_INSERT_FLATTEN);
  g_assert_cmpstr (net->info[6].fix.label, ==, "Insert Flatten before this layer");
  g_assert_cmpint (nn_net_apply_fix (net, 6, &net->info[6].fix, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  g_assert_cmpint (net->layers[6].cfg.type, ==, NN_LAYER_FLATTEN);
  g_assert_cmpint (nn_net_total_params (net), ==, 653194);
  nn_net_free (net);
}

static void
test_linear_last_dim (void)
{
  nn_net *net = net_chw (3, 4, 5);

  append (net, linear (5, 7));
  append (net, linear (NN_LAZY, 2));
  assert_shape (&net->info[0].out_shape, 3, 3, 4, 7);
  assert_shape (&net->info[1].out_shape, 3, 3, 4, 2);
  g_assert_cmpint (net->layers[1].in_features, ==, 7);
  assert_tensor_shape (net->layers[1].weight, 2, 2, 7, 0, 0);
  /* rows * in * out: every leading dim is a row */
  g_assert_cmpint (net->info[0].macs, ==, 12 * 5 * 7);
  g_assert_cmpint (net->info[1].macs, ==, 12 * 7 * 2);
  nn_net_free (net);
}

static void
test_batchnorm (void)
{
  nn_net *net = net_chw (8, 5, 5);
  nn_layer_config bn = config (NN_LAYER_BATCHNORM2D);
  nn_error err;
  nn_param *p;
  int n;
  static const char *const keys[] = { "0.weight", "0.bias", "0.running_mean",
                                      "0.running_var", "0.num_batches_tracked" };

  bn.num_features = 16;
  append (net, bn);
  g_assert_cmpstr (net->info[0].message, ==, "layer 0 (BatchNorm2d): expects 16 channels "
                   "(num_features) but receives 8");
  g_assert_cmpint (net->info[0].fix.kind, ==, NN_FIX_SET_NUM_FEATURES);
  g_assert_cmpstr (net->info[0].fix.label, ==, "Set num_features to 8");
  g_assert_cmpint (nn_net_apply_fix (net, 0, &net->info[0].fix, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  /* PyTorch: weight 1, bias 0, running_mean 0, running_var 1, num_batches_tracked 0 */
  for (int i = 0; i < 8; i++)
    {
      g_assert_cmpfloat (net->layers[0].weight->data[i], ==, 1.0f);
      g_assert_cmpfloat (net->layers[0].bias->data[i], ==, 0.0f);
      g_assert_cmpfloat (net->layers[0].running_mean->data[i], ==, 0.0f);
      g_assert_cmpfloat (net->layers[0].running_var->data[i], ==, 1.0f);
    }
  g_assert_cmpint (net->info[0].n_params, ==, 4 * 8 + 1);
  g_assert_cmpint (net->info[0].macs, ==, 8 * 25);
  n = nn_net_params (net, &p);
  g_assert_cmpint (n, ==, 5);
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpstr (p[i].key, ==, keys[i]);
      g_assert_true (p[i].trainable == (i < 2));
    }
  g_assert_null (p[4].tensor);
  g_assert_true (p[4].count == &net->layers[0].num_batches_tracked);
  free (p);

  /* affine off: no weight/bias; stats off: no buffers */
  bn = net->layers[0].cfg;
  bn.affine = false;
  g_assert_cmpint (nn_net_set_config (net, 0, &bn, &err), ==, NN_OK);
  g_assert_null (net->layers[0].weight);
  g_assert_nonnull (net->layers[0].running_var);
  g_assert_cmpint (net->info[0].n_params, ==, 2 * 8 + 1);
  bn.track_running_stats = false;
  bn.affine = true;
  g_assert_cmpint (nn_net_set_config (net, 0, &bn, &err), ==, NN_OK);
  g_assert_null (net->layers[0].running_mean);
  g_assert_null (net->layers[0].running_var);
  g_assert_cmpint (net->info[0].n_params, ==, 2 * 8);
  g_assert_cmpint (nn_net_params (net, &p), ==, 2);
  free (p);
  nn_net_free (net);
}

static void
test_flatten_dims (void)
{
  static const struct {
    int64_t start, end;
    int n;
    int64_t a, b, c;
  } ok[] = {
    { 1, -1, 1, 24, 0, 0 }, { 2, -1, 2, 2, 12, 0 }, { 1, 2, 2, 6, 4, 0 },
    { -2, -1, 2, 2, 12, 0 }, { 3, 3, 3, 2, 3, 4 }, { 0, 0, 3, 2, 3, 4 },
    { -3, 3, 1, 24, 0, 0 }, { 1, 1, 3, 2, 3, 4 },
  };
  nn_error err;

  for (size_t i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      nn_net *net = net_chw (2, 3, 4);
      nn_layer_config f = config (NN_LAYER_FLATTEN);

      f.start_dim = ok[i].start;
      f.end_dim = ok[i].end;
      g_assert_cmpint (nn_net_append (net, &f, &err), ==, NN_OK);
      g_assert_cmpint (net->info[0].status, ==, NN_OK);
      assert_shape (&net->info[0].out_shape, ok[i].n, ok[i].a, ok[i].b, ok[i].c);
      nn_net_free (net);
    }
}

static void
test_flatten_errors (void)
{
  nn_net *net = net_chw (2, 3, 4);
  nn_layer_config f = config (NN_LAYER_FLATTEN);
  nn_shape f1 = nn_shape_f (10);
  nn_error err;

  f.start_dim = 2;
  f.end_dim = 1;
  append (net, f);
  g_assert_cmpstr (net->info[0].message, ==, "layer 0 (Flatten): start_dim (2) comes after "
                   "end_dim (1)");
  f.start_dim = 0;
  f.end_dim = -1;
  g_assert_cmpint (nn_net_set_config (net, 0, &f, &err), ==, NN_OK);
  g_assert_cmpint (net->info[0].status, ==, NN_STATUS_UNSUPPORTED);
  g_assert_nonnull (strstr (net->info[0].message, "start_dim 0 would merge the batch "
                            "dimension"));
  /* valid for a [N, C, H, W] input, out of range for [N, F] */
  f.start_dim = 3;
  g_assert_cmpint (nn_net_set_config (net, 0, &f, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  g_assert_cmpint (nn_net_set_input (net, &f1, &err), ==, NN_OK);
  g_assert_cmpstr (net->info[0].message, ==, "layer 0 (Flatten): start_dim 3 is out of range "
                   "for the 2-D input [N, 10] (the batch dimension counts: valid dims are -2 "
                   "to 1)");
  nn_net_free (net);
}

static void
test_softmax_dim (void)
{
  nn_shape f = nn_shape_f (10);
  nn_net *net = nn_net_new (&f, 1);
  nn_layer_config s = config (NN_LAYER_SOFTMAX);
  nn_error err;

  g_assert_cmpint (s.dim, ==, 1);   /* dim 1 of [N, F]: the features */
  append (net, s);
  assert_shape (&net->info[0].out_shape, 1, 10, 0, 0);
  for (int64_t d = -2; d <= 1; d++)
    {
      s.dim = d;
      g_assert_cmpint (nn_net_set_config (net, 0, &s, &err), ==, NN_OK);
      g_assert_cmpint (net->first_error, ==, -1);
    }
  s.dim = 2;
  g_assert_cmpint (nn_net_set_config (net, 0, &s, &err), ==, NN_OK);
  g_assert_cmpstr (net->info[0].message, ==, "layer 0 (Softmax): dim 2 is out of range for "
                   "the 2-D input [N, 10] (the batch dimension counts: valid dims are -2 to "
                   "1)");
  s.dim = -3;
  g_assert_cmpint (nn_net_set_config (net, 0, &s, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, 0);
  nn_net_free (net);
}

/* ---------------------------------------------------------------- lazy sizes */

static void
test_lazy (void)
{
  nn_net *net = net_chw (3, 12, 12);
  nn_layer_config c = conv (NN_LAZY, 8, 3), bn = config (NN_LAYER_BATCHNORM2D);
  nn_shape bigger = nn_shape_chw (5, 14, 14);
  nn_error err;
  g_autofree char *repr = NULL;
  nn_tensor *w0;

  c.groups = 1;
  append (net, c);
  append (net, bn);
  append (net, config (NN_LAYER_FLATTEN));
  append (net, config (NN_LAYER_LINEAR));   /* lazy -> 10 */
  g_assert_cmpint (net->first_error, ==, -1);
  g_assert_cmpint (net->layers[0].cfg.in_channels, ==, NN_LAZY);
  g_assert_cmpint (net->layers[0].in_channels, ==, 3);
  g_assert_cmpint (net->layers[1].num_features, ==, 8);
  g_assert_cmpint (net->layers[3].in_features, ==, 800);
  assert_tensor_shape (net->layers[0].weight, 4, 8, 3, 3, 3);
  assert_tensor_shape (net->layers[1].running_var, 1, 8, 0, 0, 0);
  assert_tensor_shape (net->layers[3].weight, 2, 10, 800, 0, 0);
  assert_shape (&net->info[3].out_shape, 1, 10, 0, 0);
  repr = nn_net_repr (net);
  g_assert_nonnull (strstr (repr, "(0): Conv2d(3, 8, kernel_size=(3, 3)"));
  g_assert_nonnull (strstr (repr, "(3): Linear(in_features=800, out_features=10"));

  /* a new input re-resolves and reshapes (new weights), keeping the BatchNorm */
  w0 = net->layers[1].weight;
  g_assert_cmpint (nn_net_set_input (net, &bigger, &err), ==, NN_OK);
  g_assert_cmpint (net->layers[0].in_channels, ==, 5);
  assert_tensor_shape (net->layers[0].weight, 4, 8, 5, 3, 3);
  assert_tensor_shape (net->layers[3].weight, 2, 10, 1152, 0, 0);
  g_assert_true (net->layers[1].weight == w0);
  nn_net_free (net);
}

static void
test_lazy_unresolved (void)
{
  nn_shape f = nn_shape_f (7);
  nn_net *net = nn_net_new (&f, 1);
  g_autofree char *r = NULL;

  append (net, conv (NN_LAZY, 4, 3));
  append (net, config (NN_LAYER_LINEAR));
  g_assert_cmpint (net->first_error, ==, 0);
  g_assert_cmpint (net->layers[0].in_channels, ==, 0);
  g_assert_cmpint (net->layers[1].in_features, ==, 0);
  g_assert_null (net->layers[1].weight);
  r = nn_net_repr (net);
  g_assert_cmpstr (r, ==, "Sequential(\n"
                   "  (0): LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))\n"
                   "  (1): LazyLinear(in_features=0, out_features=10, bias=True)\n)");
  nn_net_free (net);
}

/* ---------------------------------------------------------------- edits keep weights */

static bool
same_data (const nn_tensor *a, const nn_tensor *b)
{
  return a && b && nn_tensor_same_shape (a, b)
         && memcmp (a->data, b->data, (size_t) nn_tensor_numel (a) * sizeof (float)) == 0;
}

static void
test_edits_keep_weights (void)
{
  nn_net *net = seed_net ();
  nn_net *orig = NULL;
  nn_layer_config cfg;
  nn_error err;

  orig = nn_net_copy (net, &err);
  g_assert_nonnull (orig);
  /* change the last layer's size: only its own tensors change */
  cfg = net->layers[9].cfg;
  cfg.out_features = 5;
  g_assert_cmpint (nn_net_set_config (net, 9, &cfg, &err), ==, NN_OK);
  for (int i = 0; i < 9; i++)
    if (orig->layers[i].weight)
      {
        g_assert_true (same_data (net->layers[i].weight, orig->layers[i].weight));
        g_assert_true (same_data (net->layers[i].bias, orig->layers[i].bias));
      }
  assert_tensor_shape (net->layers[9].weight, 2, 5, 1024, 0, 0);

  /* inserting, moving and removing layers carries their weights along */
  g_assert_cmpint (nn_net_insert (net, 0, &(nn_layer_config) { .type = NN_LAYER_RELU }, &err),
                   ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  g_assert_true (same_data (net->layers[1].weight, orig->layers[0].weight));
  g_assert_true (same_data (net->layers[8].weight, orig->layers[7].weight));
  g_assert_cmpint (nn_net_move (net, 0, 2, &err), ==, NN_OK);   /* ReLU after the conv */
  g_assert_cmpint (net->layers[2].cfg.type, ==, NN_LAYER_RELU);
  g_assert_true (same_data (net->layers[0].weight, orig->layers[0].weight));
  g_assert_cmpint (nn_net_move (net, 2, 0, &err), ==, NN_OK);
  g_assert_cmpint (net->layers[0].cfg.type, ==, NN_LAYER_RELU);
  g_assert_cmpint (nn_net_remove (net, 0, &err), ==, NN_OK);
  g_assert_true (same_data (net->layers[3].weight, orig->layers[3].weight));
  g_assert_true (same_data (net->layers[7].bias, orig->layers[7].bias));

  /* a temporary shape error keeps the weights after it: fixing restores them */
  cfg = net->layers[0].cfg;
  cfg.out_channels = 16;
  g_assert_cmpint (nn_net_set_config (net, 0, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, 3);
  cfg.out_channels = 32;
  g_assert_cmpint (nn_net_set_config (net, 0, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  g_assert_true (same_data (net->layers[3].weight, orig->layers[3].weight));
  g_assert_true (same_data (net->layers[7].weight, orig->layers[7].weight));
  /* layer 0 was reshaped twice: new values, PyTorch's shape */
  assert_tensor_shape (net->layers[0].weight, 4, 32, 1, 5, 5);
  nn_net_free (orig);
  nn_net_free (net);
}

static void
test_bias_toggle (void)
{
  nn_net *net = seed_net ();
  nn_layer_config cfg = net->layers[7].cfg;
  nn_tensor *w = net->layers[7].weight;
  nn_error err;
  nn_param *p;

  cfg.bias = false;
  g_assert_cmpint (nn_net_set_config (net, 7, &cfg, &err), ==, NN_OK);
  g_assert_null (net->layers[7].bias);
  g_assert_true (net->layers[7].weight == w);
  g_assert_cmpint (net->info[7].n_params, ==, 576 * 1024);
  g_assert_cmpint (nn_net_params (net, &p), ==, 7);
  g_assert_cmpstr (p[4].key, ==, "7.weight");
  g_assert_cmpstr (p[5].key, ==, "9.weight");
  free (p);
  cfg.bias = true;
  g_assert_cmpint (nn_net_set_config (net, 7, &cfg, &err), ==, NN_OK);
  assert_tensor_shape (net->layers[7].bias, 1, 1024, 0, 0, 0);

  /* a new type shares nothing with the old one */
  g_assert_cmpint (nn_net_set_config (net, 7, &(nn_layer_config) { .type = NN_LAYER_RELU },
                                      &err), ==, NN_OK);
  g_assert_null (net->layers[7].weight);
  g_assert_null (net->layers[7].bias);
  nn_net_free (net);
}

static void
test_copy (void)
{
  nn_net *net = seed_net ();
  nn_net *copy, *small;
  nn_error err;

  g_assert_nonnull (nn_workspace_get (net, 4096));
  copy = nn_net_copy (net, &err);
  g_assert_nonnull (copy);
  g_assert_null (copy->workspace);
  g_assert_cmpint (copy->n_layers, ==, 10);
  g_assert_cmpint (copy->first_error, ==, -1);
  g_assert_cmpint (copy->seed, ==, net->seed);
  for (int i = 0; i < 10; i++)
    {
      g_assert_cmpmem (&copy->info[i], sizeof copy->info[i], &net->info[i], sizeof net->info[i]);
      if (net->layers[i].weight)
        {
          g_assert_true (copy->layers[i].weight != net->layers[i].weight);
          g_assert_true (same_data (copy->layers[i].weight, net->layers[i].weight));
          /* copy-on-write: the values are shared, not copied */
          g_assert_true (copy->layers[i].weight->data == net->layers[i].weight->data);
        }
    }
  /* so a copy allocates no values: even the 1024×576 weight fits a 1 MiB budget */
  nn_set_memory_budget (UINT64_C (1) << 20);
  small = nn_net_copy (net, &err);
  nn_set_memory_budget (UINT64_C (8) << 30);
  g_assert_nonnull (small);
  nn_net_free (small);
  g_assert_cmpint (nn_tensor_make_writable (copy->layers[0].weight, &err), ==, NN_OK);
  copy->layers[0].weight->data[0] += 1.0f;
  g_assert_false (same_data (copy->layers[0].weight, net->layers[0].weight));
  nn_net_free (net);
  /* the copy lives on its own */
  g_assert_cmpint (nn_net_remove (copy, 9, &err), ==, NN_OK);
  nn_net_free (copy);
}

/* ---------------------------------------------------------------- init */

static void
check_uniform_init (const nn_tensor *t, double fan_in)
{
  double bound = 1.0 / sqrt (fan_in), sum2 = 0, max = 0;
  int64_t n = nn_tensor_numel (t);

  for (int64_t i = 0; i < n; i++)
    {
      double v = t->data[i];

      g_assert_cmpfloat (fabs (v), <, bound);
      sum2 += v * v;
      max = fmax (max, fabs (v));
    }
  /* U(-b, b): variance b^2 / 3, and the extremes come close to b */
  g_assert_cmpfloat_with_epsilon (sum2 / (double) n, bound * bound / 3.0,
                                  bound * bound / 3.0 * 0.2);
  g_assert_cmpfloat (max, >, bound * 0.9);
}

static void
test_init (void)
{
  nn_net *a = seed_net ();
  nn_error err;
  nn_net *b = nn_net_new_template ("seed", 11, &err);
  nn_net *c = nn_net_new_template ("seed", 12, &err);
  nn_tensor *saved;

  /* kaiming_uniform(a=sqrt(5)) and the bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) */
  check_uniform_init (a->layers[0].weight, 25);
  check_uniform_init (a->layers[0].bias, 25);
  check_uniform_init (a->layers[3].weight, 32 * 25);
  check_uniform_init (a->layers[3].bias, 32 * 25);
  check_uniform_init (a->layers[7].weight, 576);
  check_uniform_init (a->layers[7].bias, 576);
  check_uniform_init (a->layers[9].weight, 1024);
  /* reproducible from the seed, different for another seed and another tensor */
  g_assert_true (same_data (a->layers[3].weight, b->layers[3].weight));
  g_assert_false (same_data (a->layers[3].weight, c->layers[3].weight));
  g_assert_cmpfloat (a->layers[7].weight->data[0], !=, a->layers[9].weight->data[0]);
  g_assert_cmpfloat (a->layers[0].weight->data[0], !=, a->layers[0].bias->data[0]);
  g_assert_cmpuint (a->init_counter, >=, 8);

  /* reset one layer with another seed: only that layer changes */
  saved = nn_tensor_copy (a->layers[7].weight, &err);
  nn_net_reset_parameters (a, 3, 99);
  g_assert_false (same_data (a->layers[3].weight, b->layers[3].weight));
  g_assert_true (same_data (a->layers[7].weight, saved));
  check_uniform_init (a->layers[3].weight, 32 * 25);
  nn_net_reset_parameters (a, -1, 11);
  g_assert_true (same_data (a->layers[3].weight, b->layers[3].weight));
  g_assert_true (same_data (a->layers[7].weight, b->layers[7].weight));
  nn_net_reset_parameters (a, 10, 1);   /* out of range: nothing */
  nn_tensor_free (saved);
  nn_net_free (a);
  nn_net_free (b);
  nn_net_free (c);
}

static void
test_init_groups (void)
{
  nn_net *net = net_chw (8, 6, 6);
  nn_layer_config c = conv (8, 4, 3);

  c.groups = 2;
  c.kernel_size[1] = 2;
  append (net, c);
  /* [out, in/groups, kH, kW] and fan_in = in/groups * kH * kW */
  assert_tensor_shape (net->layers[0].weight, 4, 4, 4, 3, 2);
  check_uniform_init (net->layers[0].weight, 4 * 3 * 2);
  g_assert_cmpint (net->info[0].macs, ==, 4 * 4 * 5 * (4 * 3 * 2));
  nn_net_free (net);
}

/* ---------------------------------------------------------------- refusals */

typedef struct {
  const char *what;
  nn_layer_type type;
  void (*mutate) (nn_layer_config *cfg);
  const char *message;
} invalid_case;

static void stride0 (nn_layer_config *c) { c->stride[1] = 0; }
static void kernel0 (nn_layer_config *c) { c->kernel_size[0] = 0; }
static void pad_neg (nn_layer_config *c) { c->padding[0] = -1; }
static void dil0 (nn_layer_config *c) { c->dilation[0] = 0; }
static void groups3 (nn_layer_config *c) { c->in_channels = 4; c->groups = 3; c->out_channels = 6; }
static void groups_out (nn_layer_config *c) { c->groups = 4; c->out_channels = 6; }
static void groups0 (nn_layer_config *c) { c->groups = 0; }
static void huge_out (nn_layer_config *c) { c->out_channels = INT64_C (1) << 40; }
static void neg_in (nn_layer_config *c) { c->in_channels = -3; }
static void pool_pad (nn_layer_config *c) { c->kernel_size[0] = c->kernel_size[1] = 3; c->padding[1] = 2; }
static void p_high (nn_layer_config *c) { c->p = 1.5; }
static void p_nan (nn_layer_config *c) { c->p = NAN; }
static void eps0 (nn_layer_config *c) { c->eps = 0.0; }
static void momentum_inf (nn_layer_config *c) { c->momentum = INFINITY; }
static void out0 (nn_layer_config *c) { c->out_features = 0; }
static void flat_dim (nn_layer_config *c) { c->end_dim = 4; }
static void soft_dim (nn_layer_config *c) { c->dim = -5; }
static void bad_type (nn_layer_config *c) { c->type = NN_LAYER_N_TYPES; }
static void long_name (nn_layer_config *c) { memset (c->name, 'x', sizeof c->name); }

static const invalid_case invalid_cases[] = {
  { "stride", NN_LAYER_CONV2D, stride0,
    "layer 3 (Conv2d): stride must be at least 1 (got 0)" },
  { "kernel", NN_LAYER_MAXPOOL2D, kernel0,
    "layer 3 (MaxPool2d): kernel_size must be at least 1 (got 0)" },
  { "padding", NN_LAYER_AVGPOOL2D, pad_neg,
    "layer 3 (AvgPool2d): padding must be at least 0 (got -1)" },
  { "dilation", NN_LAYER_CONV2D, dil0,
    "layer 3 (Conv2d): dilation must be at least 1 (got 0)" },
  { "groups-in", NN_LAYER_CONV2D, groups3,
    "layer 3 (Conv2d): in_channels (4) must be divisible by groups (3)" },
  { "groups-out", NN_LAYER_CONV2D, groups_out,
    "layer 3 (Conv2d): out_channels (6) must be divisible by groups (4)" },
  { "groups0", NN_LAYER_CONV2D, groups0,
    "layer 3 (Conv2d): groups must be at least 1 (got 0)" },
  { "huge", NN_LAYER_CONV2D, huge_out,
    "layer 3 (Conv2d): out_channels must be at most 16777216 (got 1099511627776)" },
  { "negative-in", NN_LAYER_CONV2D, neg_in,
    "layer 3 (Conv2d): in_channels must be at least 1 (got -3)" },
  { "pool-pad", NN_LAYER_MAXPOOL2D, pool_pad,
    "layer 3 (MaxPool2d): pad should be at most half of kernel size, but got pad=2 and "
    "kernel_size=3" },
  { "p", NN_LAYER_DROPOUT, p_high, "layer 3 (Dropout): p must be between 0 and 1 (got 1.5)" },
  { "p-nan", NN_LAYER_DROPOUT, p_nan, "layer 3 (Dropout): p must be between 0 and 1 (got nan)" },
  { "eps", NN_LAYER_BATCHNORM2D, eps0,
    "layer 3 (BatchNorm2d): eps must be a number greater than 0 (got 0.0)" },
  { "momentum", NN_LAYER_BATCHNORM2D, momentum_inf,
    "layer 3 (BatchNorm2d): momentum must be a finite number (got inf)" },
  { "out-features", NN_LAYER_LINEAR, out0,
    "layer 3 (Linear): out_features must be at least 1 (got 0)" },
  { "flatten", NN_LAYER_FLATTEN, flat_dim,
    "layer 3 (Flatten): end_dim must be between -4 and 3 (got 4)" },
  { "softmax", NN_LAYER_SOFTMAX, soft_dim,
    "layer 3 (Softmax): dim must be between -4 and 3 (got -5)" },
  { "type", NN_LAYER_RELU, bad_type, "layer 3: unknown layer type 12" },
  { "name", NN_LAYER_TANH, long_name, "layer 3: the name is longer than 63 bytes" },
};

static void
test_invalid_config (gconstpointer data)
{
  const invalid_case *ic = data;
  nn_net *net = seed_net ();
  nn_net *before = nn_net_copy (net, NULL);
  nn_layer_config cfg = config (ic->type);
  nn_error err;
  g_autofree char *r0 = nn_net_repr (net);
  g_autofree char *r1 = NULL;

  g_assert_cmpint (nn_layer_config_validate (&cfg, 3, &err), ==, NN_OK);
  ic->mutate (&cfg);
  g_assert_cmpint (nn_layer_config_validate (&cfg, 3, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_cmpstr (err.message, ==, ic->message);
  g_assert_cmpint (err.layer, ==, 3);
  /* refused by every edit, and the network is left as it was */
  g_assert_cmpint (nn_net_set_config (net, 3, &cfg, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_cmpstr (err.message, ==, ic->message);
  g_assert_cmpint (nn_net_insert (net, 3, &cfg, &err), ==, NN_STATUS_INVALID_ARG);
  r1 = nn_net_repr (net);
  g_assert_cmpstr (r0, ==, r1);
  g_assert_true (same_data (net->layers[3].weight, before->layers[3].weight));
  nn_net_free (before);
  nn_net_free (net);
}

static void
test_bad_index (void)
{
  nn_net *net = seed_net ();
  nn_layer_config relu = config (NN_LAYER_RELU);
  nn_fix none = { NN_FIX_NONE };
  nn_error err;
  nn_shape bad = { 3, { 1, 0, 5 } }, four = { 4, { 1, 2, 3 } };

  g_assert_cmpint (nn_net_insert (net, 11, &relu, &err), ==, NN_STATUS_NOT_FOUND);
  g_assert_cmpstr (err.message, ==, "there is no layer 11 (the network has 10 layers)");
  g_assert_cmpint (nn_net_insert (net, -1, &relu, &err), ==, NN_STATUS_NOT_FOUND);
  g_assert_cmpint (nn_net_remove (net, 10, &err), ==, NN_STATUS_NOT_FOUND);
  g_assert_cmpint (nn_net_move (net, 0, 10, &err), ==, NN_STATUS_NOT_FOUND);
  g_assert_cmpint (nn_net_move (net, -2, 1, &err), ==, NN_STATUS_NOT_FOUND);
  g_assert_cmpint (nn_net_set_config (net, 10, &relu, &err), ==, NN_STATUS_NOT_FOUND);
  g_assert_cmpint (nn_net_apply_fix (net, 10, &none, &err), ==, NN_STATUS_NOT_FOUND);
  g_assert_cmpint (nn_net_apply_fix (net, 1, &none, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_cmpint (nn_net_set_input (net, &bad, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_cmpstr (err.message, ==, "input shape [1, 0, 5]: every size must be between 1 and "
                   "16777216");
  g_assert_cmpint (nn_net_set_input (net, &four, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_null (nn_net_new (&bad, 0));
  g_assert_cmpint (net->n_layers, ==, 10);
  g_assert_cmpint (net->first_error, ==, -1);
  assert_shape (&net->input, 3, 1, 24, 24);
  nn_net_free (net);
}

/* Sizes that multiply past memory give a layer error, never an allocation. */
static void
test_too_large (void)
{
  nn_shape f = nn_shape_f (1 << 24);
  nn_net *net = nn_net_new (&f, 1);
  nn_layer_config big = linear (NN_LAZY, 1 << 24);
  nn_shape img = nn_shape_chw (4096, 4096, 4096);
  nn_error err;

  append (net, big);
  g_assert_cmpint (net->info[0].status, ==, NN_STATUS_TOO_LARGE);
  g_assert_cmpstr (net->info[0].message, ==, "layer 0 (Linear): cannot allocate the weight: "
                   "tensor [16777216, 16777216] needs 1.0 PiB, more than the 8.0 GiB budget");
  g_assert_null (net->layers[0].weight);
  /* an input of 2^36 floats is refused as such */
  g_assert_cmpint (nn_net_set_input (net, &img, &err), ==, NN_STATUS_TOO_LARGE);
  /* an activation past the budget: 1×1 conv from 1 to 2^24 channels on 64×64 */
  nn_net_free (net);
  img = nn_shape_chw (1, 64, 64);
  net = nn_net_new (&img, 1);
  append (net, conv (1, 1 << 24, 1));
  g_assert_cmpint (net->info[0].status, ==, NN_STATUS_TOO_LARGE);
  g_assert_cmpstr (net->info[0].message, ==, "layer 0 (Conv2d): the output [16777216, 64, 64] "
                   "needs 256.0 GiB per sample, more than the 8.0 GiB budget");
  nn_net_free (net);
}

/* ---------------------------------------------------------------- templates */

typedef struct {
  const char *name;
  int n_layers;
  int64_t params;   /* sum of numel over PyTorch's state_dict of the same network */
  int c, h, w;
  int64_t out;
} template_case;

static const template_case templates[] = {
  { "empty", 0, 0, 1, 28, 28, 0 },
  { "seed", 10, 653194, 1, 24, 24, 10 },
  { "lenet5", 12, 61706, 1, 32, 32, 10 },
  { "vgg11", 29, 132863336, 3, 224, 224, 1000 },
  { "vgg16", 39, 138357544, 3, 224, 224, 1000 },
};

static void
test_template (gconstpointer data)
{
  const template_case *tc = data;
  nn_error err;
  nn_net *net = nn_net_new_template (tc->name, 1, &err);
  nn_shape out;

  g_assert_nonnull (net);
  g_assert_cmpint (net->n_layers, ==, tc->n_layers);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  assert_shape (&net->input, 3, tc->c, tc->h, tc->w);
  g_assert_cmpint (nn_net_total_params (net), ==, tc->params);
  out = nn_net_output_shape (net);
  if (tc->out > 0)
    assert_shape (&out, 1, tc->out, 0, 0);
  nn_net_free (net);
}

static void
test_template_unknown (void)
{
  nn_error err;
  const char *const *names = nn_template_names ();
  int n = 0;

  g_assert_null (nn_net_new_template ("resnet50", 1, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_NOT_FOUND);
  g_assert_nonnull (strstr (err.message, "unknown template \"resnet50\""));
  while (names[n] != NULL)
    n++;
  g_assert_cmpint (n, ==, (int) G_N_ELEMENTS (templates));
}

/* ---------------------------------------------------------------- names, defaults */

static void
test_names (void)
{
  static const char *const names[] = { "Conv2d", "ReLU", "MaxPool2d", "AvgPool2d", "Flatten",
                                       "Linear", "BatchNorm2d", "Dropout", "LeakyReLU",
                                       "Sigmoid", "Tanh", "Softmax" };

  for (int t = 0; t < NN_LAYER_N_TYPES; t++)
    {
      g_assert_cmpstr (nn_layer_type_name ((nn_layer_type) t), ==, names[t]);
      g_assert_cmpint (nn_layer_type_from_name (names[t]), ==, t);
    }
  g_assert_null (nn_layer_type_name (NN_LAYER_N_TYPES));
  g_assert_null (nn_layer_type_name ((nn_layer_type) -1));
  g_assert_cmpint (nn_layer_type_from_name ("conv2d"), ==, NN_LAYER_N_TYPES);
  g_assert_cmpint (nn_layer_type_from_name (NULL), ==, NN_LAYER_N_TYPES);
}

static void
test_defaults (void)
{
  nn_layer_config c = config (NN_LAYER_CONV2D), m = config (NN_LAYER_MAXPOOL2D);
  nn_layer_config a = config (NN_LAYER_AVGPOOL2D), b = config (NN_LAYER_BATCHNORM2D);

  /* Layerlab's required-argument defaults, PyTorch's keyword defaults */
  g_assert_cmpint (c.in_channels, ==, NN_LAZY);
  g_assert_cmpint (c.out_channels, ==, 32);
  g_assert_cmpint (c.kernel_size[0], ==, 3);
  g_assert_cmpint (c.stride[1], ==, 1);
  g_assert_cmpint (c.padding[0], ==, 0);
  g_assert_cmpint (c.dilation[1], ==, 1);
  g_assert_cmpint (c.groups, ==, 1);
  g_assert_true (c.bias);
  g_assert_cmpint (m.kernel_size[0], ==, 2);
  g_assert_cmpint (m.stride[0], ==, 2);
  g_assert_cmpint (m.dilation[0], ==, 1);
  g_assert_false (m.ceil_mode);
  g_assert_true (a.count_include_pad);
  g_assert_cmpfloat (b.eps, ==, 1e-5);
  g_assert_cmpfloat (b.momentum, ==, 0.1);
  g_assert_true (b.affine && b.track_running_stats);
  g_assert_cmpint (b.num_features, ==, NN_LAZY);
  g_assert_cmpfloat (config (NN_LAYER_DROPOUT).p, ==, 0.5);
  g_assert_cmpfloat (config (NN_LAYER_LEAKYRELU).negative_slope, ==, 0.01);
  g_assert_cmpint (config (NN_LAYER_FLATTEN).start_dim, ==, 1);
  g_assert_cmpint (config (NN_LAYER_FLATTEN).end_dim, ==, -1);
  g_assert_cmpint (config (NN_LAYER_LINEAR).in_features, ==, NN_LAZY);
  g_assert_cmpint (config (NN_LAYER_LINEAR).out_features, ==, 10);
  g_assert_cmpint (config (NN_LAYER_SOFTMAX).dim, ==, 1);
  for (int t = 0; t < NN_LAYER_N_TYPES; t++)
    {
      nn_layer_config d = config ((nn_layer_type) t);
      g_assert_cmpint (nn_layer_config_validate (&d, 0, NULL), ==, NN_OK);
    }
}

static void
test_shape_helpers (void)
{
  nn_shape a = nn_shape_chw (64, 3, 3), b = nn_shape_f (576);
  char buf[32];

  g_assert_cmpint (nn_shape_numel (&a), ==, 576);
  g_assert_cmpint (nn_shape_numel (&b), ==, 576);
  g_assert_false (nn_shape_equal (&a, &b));
  g_assert_true (nn_shape_equal (&b, &(nn_shape) { 1, { 576, 9, 9 } }));
  g_assert_cmpstr (nn_shape_to_string (&a, buf, sizeof buf), ==, "[64, 3, 3]");
  g_assert_cmpstr (nn_shape_to_string (&b, buf, sizeof buf), ==, "[576]");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (out_size_table); i++)
    {
      const out_size_row *r = &out_size_table[i];
      g_autofree char *path = g_strdup_printf ("/engine/shape/out-size/%02d-in%d-k%d-s%d-p%d-d%d%s",
                                               (int) i, (int) r->in, (int) r->k, (int) r->stride,
                                               (int) r->pad, (int) r->dil,
                                               r->ceil ? "-ceil" : "");
      g_test_add_data_func (path, r, test_out_size);
    }
  g_test_add_func ("/engine/shape/out-size-invalid", test_out_size_invalid);
  g_test_add_func ("/engine/shape/seed-propagation", test_seed_propagation);
  g_test_add_func ("/engine/shape/seed-params", test_seed_params);
  g_test_add_func ("/engine/shape/linear-mismatch", test_linear_mismatch);
  g_test_add_func ("/engine/shape/kernel-too-big", test_kernel_too_big);
  g_test_add_func ("/engine/shape/kernel-dilated", test_kernel_dilated);
  g_test_add_func ("/engine/shape/pool-too-big", test_pool_too_big);
  g_test_add_func ("/engine/shape/conv-channels", test_conv_channels);
  g_test_add_func ("/engine/shape/conv-groups-lazy", test_conv_groups_lazy);
  g_test_add_func ("/engine/shape/needs-chw", test_needs_chw);
  g_test_add_func ("/engine/shape/linear-3d", test_linear_3d);
  g_test_add_func ("/engine/shape/linear-last-dim", test_linear_last_dim);
  g_test_add_func ("/engine/shape/batchnorm", test_batchnorm);
  g_test_add_func ("/engine/shape/flatten-dims", test_flatten_dims);
  g_test_add_func ("/engine/shape/flatten-errors", test_flatten_errors);
  g_test_add_func ("/engine/shape/softmax-dim", test_softmax_dim);
  g_test_add_func ("/engine/shape/lazy", test_lazy);
  g_test_add_func ("/engine/shape/lazy-unresolved", test_lazy_unresolved);
  g_test_add_func ("/engine/shape/edits-keep-weights", test_edits_keep_weights);
  g_test_add_func ("/engine/shape/bias-toggle", test_bias_toggle);
  g_test_add_func ("/engine/shape/copy", test_copy);
  g_test_add_func ("/engine/shape/init", test_init);
  g_test_add_func ("/engine/shape/init-groups", test_init_groups);
  for (size_t i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/shape/invalid/%s",
                                               invalid_cases[i].what);
      g_test_add_data_func (path, &invalid_cases[i], test_invalid_config);
    }
  g_test_add_func ("/engine/shape/bad-index", test_bad_index);
  g_test_add_func ("/engine/shape/too-large", test_too_large);
  for (size_t i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/shape/template/%s", templates[i].name);
      g_test_add_data_func (path, &templates[i], test_template);
    }
  g_test_add_func ("/engine/shape/template-unknown", test_template_unknown);
  g_test_add_func ("/engine/shape/names", test_names);
  g_test_add_func ("/engine/shape/defaults", test_defaults);
  g_test_add_func ("/engine/shape/shape-helpers", test_shape_helpers);
  return g_test_run ();
}
