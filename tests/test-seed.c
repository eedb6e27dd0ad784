/* test-seed.c - the seed walkthrough from issue 2, end to end through the engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The seed network is the tutorial's
 *   Sequential(Conv2d(1, 32, 5), ReLU(), MaxPool2d(kernel_size=(2, 2), stride=(2, 2)),
 *              Conv2d(32, 64, 5), ReLU(), MaxPool2d(kernel_size=(2, 2), stride=(2, 2)),
 *              Flatten(), Linear(576, 1024), ReLU(), Linear(1024, 10))
 * on 1×24×24 inputs. Each test repeats one step of the walkthrough.
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

/* What PyTorch 1.13 prints for print(network) (generated once with torch). */
static const char seed_repr[] =
  "Sequential(\n"
  "  (0): Conv2d(1, 32, kernel_size=(5, 5), stride=(1, 1))\n"
  "  (1): ReLU()\n"
  "  (2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=False)\n"
  "  (3): Conv2d(32, 64, kernel_size=(5, 5), stride=(1, 1))\n"
  "  (4): ReLU()\n"
  "  (5): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=False)\n"
  "  (6): Flatten(start_dim=1, end_dim=-1)\n"
  "  (7): Linear(in_features=576, out_features=1024, bias=True)\n"
  "  (8): ReLU()\n"
  "  (9): Linear(in_features=1024, out_features=10, bias=True)\n"
  ")";

/* Per-sample shape of activity[i]: the input, then each layer's output. */
static const struct {
  int n_dims;
  int64_t d[3];
} seed_acts[11] = {
  { 3, { 1, 24, 24 } },
  { 3, { 32, 20, 20 } }, { 3, { 32, 20, 20 } }, { 3, { 32, 10, 10 } },
  { 3, { 64, 6, 6 } }, { 3, { 64, 6, 6 } }, { 3, { 64, 3, 3 } },
  { 1, { 576 } }, { 1, { 1024 } }, { 1, { 1024 } }, { 1, { 10 } },
};

/* On failure, shows the engine's message rather than just the status. */
static void
assert_ok (nn_status status, const nn_error *err)
{
  g_assert_cmpstr (status == NN_OK ? "" : err->message, ==, "");
}

static nn_net *
new_seed (uint64_t seed)
{
  nn_error err = { 0 };
  nn_net *net = nn_net_new_template ("seed", seed, &err);

  if (net == NULL)
    g_error ("seed template: %s", err.message);
  g_assert_cmpint (net->first_error, ==, -1);
  return net;
}

static nn_tensor *
new_input (int64_t batch, uint64_t seed)
{
  nn_error err = { 0 };
  nn_tensor *x = nn_tensor_new_4d (batch, 1, 24, 24, &err);

  g_assert_nonnull (x);
  nn_tensor_fill_uniform (x, seed, 0.0f, 1.0f);
  return x;
}

static void
forward (nn_net *net, const nn_tensor *x, bool keep, nn_run_result *res)
{
  nn_run_opts opts = { .keep_activations = keep };
  nn_error err = { 0 };

  memset (res, 0, sizeof *res);
  if (nn_net_forward (net, x, &opts, res, &err) != NN_OK)
    g_error ("forward: %s", err.message);
}

static void
assert_batch_shape (const nn_tensor *t, int64_t batch, int i)
{
  g_assert_cmpint (t->n_dims, ==, seed_acts[i].n_dims + 1);
  g_assert_cmpint (t->shape[0], ==, batch);
  for (int d = 0; d < seed_acts[i].n_dims; d++)
    g_assert_cmpint (t->shape[d + 1], ==, seed_acts[i].d[d]);
}

static void
test_repr (void)
{
  nn_net *net = new_seed (1);
  char *repr = nn_net_repr (net);

  g_assert_cmpstr (repr, ==, seed_repr);
  g_assert_cmpint (net->n_layers, ==, 10);
  free (repr);
  nn_net_free (net);
}

/* The walkthrough feeds one image and prints the shape after every layer. */
static void
test_iterative_shapes (void)
{
  nn_net *net = new_seed (2);
  nn_tensor *x = new_input (1, 7);
  nn_run_result res;

  forward (net, x, true, &res);
  g_assert_cmpint (res.n_acts, ==, 11);
  for (int i = 0; i < 11; i++)
    assert_batch_shape (res.acts[i], 1, i);
  /* propagation, without computing, knows the same shapes */
  for (int i = 0; i < net->n_layers; i++)
    {
      g_assert_cmpint (net->info[i].status, ==, NN_OK);
      g_assert_cmpint (net->info[i].out_shape.n_dims, ==, seed_acts[i + 1].n_dims);
      for (int d = 0; d < seed_acts[i + 1].n_dims; d++)
        g_assert_cmpint (net->info[i].out_shape.d[d], ==, seed_acts[i + 1].d[d]);
    }
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  nn_net_free (net);
}

static void
test_batch_111 (void)
{
  nn_net *net = new_seed (3);
  nn_tensor *x = new_input (111, 8);
  nn_run_result res;

  forward (net, x, true, &res);
  g_assert_cmpint (res.output->n_dims, ==, 2);
  g_assert_cmpint (res.output->shape[0], ==, 111);
  g_assert_cmpint (res.output->shape[1], ==, 10);
  g_assert_cmpint (res.n_acts, ==, 11);
  for (int i = 0; i < 11; i++)
    assert_batch_shape (res.acts[i], 111, i);
  /* activity[0] is the input as fed, the last one the output */
  g_assert_cmpmem (res.acts[0]->data, nn_tensor_numel (x) * sizeof (float),
                   x->data, nn_tensor_numel (x) * sizeof (float));
  g_assert_cmpmem (res.acts[10]->data, 1110 * sizeof (float),
                   res.output->data, 1110 * sizeof (float));
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  nn_net_free (net);
}

static void
test_parameters (void)
{
  static const struct {
    const char *key;
    int layer, n_dims;
    int64_t shape[4];
  } expected[] = {
    { "0.weight", 0, 4, { 32, 1, 5, 5 } },   { "0.bias", 0, 1, { 32 } },
    { "3.weight", 3, 4, { 64, 32, 5, 5 } },  { "3.bias", 3, 1, { 64 } },
    { "7.weight", 7, 2, { 1024, 576 } },     { "7.bias", 7, 1, { 1024 } },
    { "9.weight", 9, 2, { 10, 1024 } },      { "9.bias", 9, 1, { 10 } },
  };
  nn_net *net = new_seed (4);
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);

  g_assert_cmpint (n, ==, G_N_ELEMENTS (expected));
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpstr (params[i].key, ==, expected[i].key);
      g_assert_cmpint (params[i].layer, ==, expected[i].layer);
      g_assert_true (params[i].trainable);
      g_assert_cmpint (params[i].tensor->n_dims, ==, expected[i].n_dims);
      for (int d = 0; d < expected[i].n_dims; d++)
        g_assert_cmpint (params[i].tensor->shape[d], ==, expected[i].shape[d]);
    }
  for (int l = 0; l < net->n_layers; l++)
    {
      bool owns = (l == 0 || l == 3 || l == 7 || l == 9);
      g_assert_true ((net->layers[l].weight != NULL) == owns);
      g_assert_true ((net->layers[l].bias != NULL) == owns);
    }
  g_assert_cmpint (nn_net_total_params (net), ==, 832 + 51264 + 590848 + 10250);
  free (params);
  nn_net_free (net);
}

/* Bias 5 and all weights 1 on the first conv: every 5×5 window of a ones image sums to
 * 25, so every element of activity[1] is 30 (exact in float). */
static void
test_thirty (void)
{
  nn_net *net = new_seed (5);
  nn_tensor *x = new_input (1, 9);
  nn_run_result res;
  int64_t n;

  nn_tensor_fill (nn_net_find_param (net, "0.weight"), 1.0f);
  nn_tensor_fill (nn_net_find_param (net, "0.bias"), 5.0f);
  nn_tensor_fill (x, 1.0f);
  forward (net, x, true, &res);
  n = nn_tensor_numel (res.acts[1]);
  g_assert_cmpint (n, ==, 32 * 20 * 20);
  for (int64_t i = 0; i < n; i++)
    g_assert_cmpfloat (res.acts[1]->data[i], ==, 30.0f);
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  nn_net_free (net);
}

static void
assert_same_params (const nn_net *a, const nn_net *b)
{
  nn_param *pa = NULL, *pb = NULL;
  int na = nn_net_params (a, &pa), nb = nn_net_params (b, &pb);

  g_assert_cmpint (na, ==, nb);
  for (int i = 0; i < na; i++)
    {
      g_assert_cmpstr (pa[i].key, ==, pb[i].key);
      g_assert_true (nn_tensor_same_shape (pa[i].tensor, pb[i].tensor));
      g_assert_cmpmem (pa[i].tensor->data, nn_tensor_numel (pa[i].tensor) * sizeof (float),
                       pb[i].tensor->data, nn_tensor_numel (pb[i].tensor) * sizeof (float));
    }
  free (pa);
  free (pb);
}

static void
assert_same_output (nn_net *a, nn_net *b)
{
  nn_tensor *x = new_input (3, 10);
  nn_run_result ra, rb;

  forward (a, x, false, &ra);
  forward (b, x, false, &rb);
  g_assert_true (nn_tensor_same_shape (ra.output, rb.output));
  g_assert_cmpmem (ra.output->data, nn_tensor_numel (ra.output) * sizeof (float),
                   rb.output->data, nn_tensor_numel (rb.output) * sizeof (float));
  nn_run_result_clear (&ra);
  nn_run_result_clear (&rb);
  nn_tensor_free (x);
}

/* Whole model and weights only, reopened both ways: bit-exact weights, same outputs. */
static void
test_save_open (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-seed-XXXXXX", &error);
  g_autofree char *model_path = g_build_filename (dir, "seed.h5", NULL);
  g_autofree char *weights_path = g_build_filename (dir, "seed-weights.h5", NULL);
  nn_net *net = new_seed (6), *opened = NULL, *fresh = new_seed (7);
  nn_error err = { 0 };
  char *repr;

  g_assert_no_error (error);
  assert_ok (nn_model_save (model_path, net, &err), &err);
  assert_ok (nn_weights_save (weights_path, net, &err), &err);

  assert_ok (nn_model_open (model_path, &opened, &err), &err);
  repr = nn_net_repr (opened);
  g_assert_cmpstr (repr, ==, seed_repr);
  free (repr);
  assert_same_params (net, opened);
  assert_same_output (net, opened);

  /* a different seed gives other weights until the file replaces them */
  g_assert_cmpint (memcmp (nn_net_find_param (fresh, "0.weight")->data,
                           nn_net_find_param (net, "0.weight")->data, 32 * 25 * sizeof (float)),
                   !=, 0);
  assert_ok (nn_weights_load (weights_path, fresh, &err), &err);
  assert_same_params (net, fresh);
  assert_same_output (net, fresh);

  g_assert_cmpint (g_remove (model_path), ==, 0);
  g_assert_cmpint (g_remove (weights_path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  nn_net_free (fresh);
  nn_net_free (opened);
  nn_net_free (net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/seed/repr", test_repr);
  g_test_add_func ("/engine/seed/iterative-shapes", test_iterative_shapes);
  g_test_add_func ("/engine/seed/batch-111", test_batch_111);
  g_test_add_func ("/engine/seed/parameters", test_parameters);
  g_test_add_func ("/engine/seed/thirty", test_thirty);
  g_test_add_func ("/engine/seed/save-open", test_save_open);

  return g_test_run ();
}
