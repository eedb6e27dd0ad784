/* test-pt.c - PyTorch .pt files: models, state_dicts, hostile archives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fixtures come from tests/reference/make-pt-fixtures.py (Debian's python3-torch).
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "nn.h"

static char *
data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "pt", name, NULL);
}

static nn_tensor *
load_npy (const char *name)
{
  g_autofree char *path = data_path (name);
  nn_tensor *t = NULL;
  nn_error err = { 0 };
  nn_status st = nn_npy_read (path, &t, &err);
  if (st != NN_OK)
    g_error ("%s", err.message);
  return t;
}

static void
assert_close (const nn_tensor *got, const nn_tensor *want, double tol)
{
  g_assert_true (nn_tensor_same_shape (got, want));
  double max_ref = 0, max_err = 0;
  for (int64_t i = 0; i < nn_tensor_numel (want); i++)
    {
      max_ref = fmax (max_ref, fabs (want->data[i]));
      max_err = fmax (max_err, fabs ((double) got->data[i] - want->data[i]));
    }
  if (max_err > tol * (1 + max_ref))
    g_error ("max abs error %g exceeds %g", max_err, tol * (1 + max_ref));
}

static void
assert_runs_like_pytorch (nn_net *net, const char *prefix)
{
  g_autofree char *in_name = g_strconcat (prefix, "-input.npy", NULL);
  g_autofree char *out_name = g_strconcat (prefix, "-output.npy", NULL);
  nn_tensor *x = load_npy (in_name);
  nn_tensor *want = load_npy (out_name);
  nn_run_result res = { 0 };
  nn_run_opts opts = { .n_threads = 1 };
  nn_error err = { 0 };
  if (nn_net_forward (net, x, &opts, &res, &err) != NN_OK)
    g_error ("%s", err.message);
  assert_close (res.output, want, 1e-4);
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  nn_tensor_free (want);
}

static void
assert_repr_file (const nn_net *net, const char *name)
{
  g_autofree char *path = data_path (name);
  g_autofree char *want = NULL;
  g_assert_true (g_file_get_contents (path, &want, NULL, NULL));
  g_strchomp (want);
  g_autofree char *got = nn_net_repr (net);
  g_assert_cmpstr (got, ==, want);
}

static void
test_seed_module (void)
{
  g_autofree char *path = data_path ("torch_network.pt");
  nn_net *net = NULL;
  nn_error err = { 0 };
  if (nn_pt_open_model (path, NULL, &net, &err) != NN_OK)
    g_error ("%s", err.message);
  /* the module stores no input size: 1×24×24 is the one the Linear(576) fixes */
  g_assert_cmpint (net->input.n_dims, ==, 3);
  g_assert_cmpint (net->input.d[0], ==, 1);
  g_assert_cmpint (net->input.d[1], ==, 24);
  g_assert_cmpint (net->input.d[2], ==, 24);
  assert_repr_file (net, "torch_network-repr.txt");
  assert_runs_like_pytorch (net, "torch_network");
  nn_net_free (net);
}

static void
test_seed_state_dict (void)
{
  g_autofree char *path = data_path ("torch_network_dict.pt");
  nn_error err = { 0 };
  nn_net *net = nn_net_new_template ("seed", 1, &err);
  g_assert_nonnull (net);
  if (nn_pt_load_weights (path, net, &err) != NN_OK)
    g_error ("%s", err.message);
  assert_runs_like_pytorch (net, "torch_network");

  /* a state_dict has no architecture: opening it as a model says so */
  nn_net *none = NULL;
  g_assert_cmpint (nn_pt_open_model (path, NULL, &none, &err), ==, NN_STATUS_UNSUPPORTED);
  g_assert_null (none);
  g_assert_nonnull (strstr (err.message, "only a state_dict"));
  nn_net_free (net);
}

static void
test_every_layer (void)
{
  g_autofree char *path = data_path ("every_layer.pt");
  g_autofree char *dict = data_path ("every_layer_dict.pt");
  nn_shape in = nn_shape_chw (3, 10, 14);
  nn_net *net = NULL;
  nn_error err = { 0 };
  if (nn_pt_open_model (path, &in, &net, &err) != NN_OK)
    g_error ("%s", err.message);
  assert_repr_file (net, "every_layer-repr.txt");
  assert_runs_like_pytorch (net, "every_layer");
  g_assert_cmpint (net->layers[1].num_batches_tracked, ==, 17);
  {
    /* without the input shape, the smallest H+W that fits is found: 3×10×14 needs
     * 4×8 after the pools, which 3×7×14 (the smallest sum) also gives */
    nn_net *guessed = NULL;
    if (nn_pt_open_model (path, NULL, &guessed, &err) != NN_OK)
      g_error ("%s", err.message);
    g_assert_cmpint (guessed->first_error, <, 0);
    g_assert_cmpint (guessed->input.d[0], ==, 3);
    nn_net_free (guessed);
  }

  /* the same weights as a state_dict load strictly into the opened network */
  nn_net_reset_parameters (net, -1, 99);
  if (nn_pt_load_weights (dict, net, &err) != NN_OK)
    g_error ("%s", err.message);
  assert_runs_like_pytorch (net, "every_layer");
  nn_net_free (net);
}

static nn_net *
tiny_linear (int64_t in_features, int64_t out_features)
{
  nn_shape in = nn_shape_f (in_features);
  nn_net *net = nn_net_new (&in, 1);
  nn_layer_config cfg;
  nn_layer_config_init (&cfg, NN_LAYER_LINEAR);
  cfg.in_features = in_features;
  cfg.out_features = out_features;
  g_assert_cmpint (nn_net_append (net, &cfg, NULL), ==, NN_OK);
  return net;
}

static void
test_strides_and_doubles (void)
{
  const char *files[][2] = { { "strided_dict.pt", "strided-weight.npy" },
                             { "double_dict.pt", "double-weight.npy" } };
  for (size_t i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = data_path (files[i][0]);
      nn_net *net = tiny_linear (6, 4);
      nn_error err = { 0 };
      if (nn_pt_load_weights (path, net, &err) != NN_OK)
        g_error ("%s", err.message);
      nn_tensor *want = load_npy (files[i][1]);
      assert_close (nn_net_find_param (net, "0.weight"), want, 1e-7);
      nn_tensor_free (want);
      nn_net_free (net);
    }
}

static void
test_round_trip (void)
{
  nn_error err = { 0 };
  nn_net *a = nn_net_new_template ("seed", 5, &err);
  nn_net *b = nn_net_new_template ("seed", 6, &err);
  g_autofree char *dir = g_dir_make_tmp ("layerlab-pt-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "seed_dict.pt", NULL);
  if (nn_pt_save_state_dict (path, a, &err) != NN_OK)
    g_error ("%s", err.message);
  if (nn_pt_load_weights (path, b, &err) != NN_OK)
    g_error ("%s", err.message);
  nn_param *pa, *pb;
  int na = nn_net_params (a, &pa), nb = nn_net_params (b, &pb);
  g_assert_cmpint (na, ==, nb);
  for (int i = 0; i < na; i++)
    {
      g_assert_cmpstr (pa[i].key, ==, pb[i].key);
      g_assert_cmpmem (pa[i].tensor->data, nn_tensor_numel (pa[i].tensor) * 4,
                       pb[i].tensor->data, nn_tensor_numel (pb[i].tensor) * 4);
    }
  nn_file_kind kind;
  g_assert_cmpint (nn_pt_probe (path, &kind, &err), ==, NN_OK);
  g_assert_cmpint (kind, ==, NN_FILE_WEIGHTS);
  free (pa);
  free (pb);
  g_unlink (path);
  g_rmdir (dir);
  nn_net_free (a);
  nn_net_free (b);
}

/* A whole-model .pt (every layer type, the pools' forms) opens as the same network. */
static void
test_whole_model_round_trip (void)
{
  g_autofree char *src = data_path ("every_layer.pt");
  g_autofree char *dir = g_dir_make_tmp ("layerlab-pt-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "whole.pt", NULL);
  nn_error err = { 0 };
  nn_net *a = NULL, *b = NULL, *seed = nn_net_new_template ("seed", 5, &err), *seed2 = NULL;
  nn_file_kind kind;
  nn_param *pa, *pb;
  char *ra, *rb;
  int na, nb;

  if (nn_pt_open_model (src, NULL, &a, &err) != NN_OK)
    g_error ("%s", err.message);
  for (int round = 0; round < 2; round++)
    {
      nn_net *src_net = round == 0 ? a : seed;
      nn_net **dst = round == 0 ? &b : &seed2;

      if (nn_pt_save_model (path, src_net, &err) != NN_OK)
        g_error ("%s", err.message);
      g_assert_cmpint (nn_pt_probe (path, &kind, &err), ==, NN_OK);
      g_assert_cmpint (kind, ==, NN_FILE_MODEL);
      if (nn_pt_open_model (path, &src_net->input, dst, &err) != NN_OK)
        g_error ("%s", err.message);
      ra = nn_net_repr (src_net);
      rb = nn_net_repr (*dst);
      g_assert_cmpstr (ra, ==, rb);
      free (ra);
      free (rb);
      na = nn_net_params (src_net, &pa);
      nb = nn_net_params (*dst, &pb);
      g_assert_cmpint (na, ==, nb);
      for (int i = 0; i < na; i++)
        {
          g_assert_cmpstr (pa[i].key, ==, pb[i].key);
          if (pa[i].count != NULL)
            g_assert_cmpint (*pa[i].count, ==, *pb[i].count);
          else
            g_assert_cmpmem (pa[i].tensor->data, nn_tensor_numel (pa[i].tensor) * 4,
                             pb[i].tensor->data, nn_tensor_numel (pb[i].tensor) * 4);
        }
      free (pa);
      free (pb);
    }
  ra = nn_net_repr (seed2);
  g_assert_nonnull (strstr (ra, "(2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0"));
  free (ra);
  g_unlink (path);
  g_rmdir (dir);
  nn_net_free (a);
  nn_net_free (b);
  nn_net_free (seed);
  nn_net_free (seed2);
}

static void
test_mismatch (void)
{
  g_autofree char *path = data_path ("torch_network_dict.pt");
  nn_error err = { 0 };
  nn_net *net = nn_net_new_template ("lenet5", 1, &err);
  nn_tensor *w = nn_net_find_param (net, "0.weight");
  float before = w->data[0];
  g_assert_cmpint (nn_pt_load_weights (path, net, &err), ==, NN_STATUS_MISMATCH);
  g_assert_nonnull (strstr (err.message, "size mismatch for 0.weight: file has [32, 1, 5, 5], network has [6, 1, 5, 5]"));
  g_assert_nonnull (strstr (err.message, "size mismatch for 9.weight: file has [10, 1024], network has [84, 120]"));
  g_assert_nonnull (strstr (err.message, "missing key 11.weight"));
  g_assert_cmpfloat (nn_net_find_param (net, "0.weight")->data[0], ==, before);
  nn_net_free (net);
}

static void
test_hostile (void)
{
  /* model: opened as a whole model, not loaded as weights */
  static const struct { const char *file; const char *expect; gboolean model; } cases[] = {
    { "os_system.pt", "refuses the pickled global 'posix.system'" },
    { "huge_numel.pt", "too large" },
    { "short_record.pt", "has 20 bytes but the pickle says 24" },
    { "bad_offset.pt", "reaches element" },
    { "bad_stride.pt", "invalid size or stride" },
    { "huge_size.pt", "invalid size or stride" },
    { "missing_record.pt", "has no record" },
    { "int_weight.pt", "0.weight holds int64 values" },
    { "truncated_pickle.pt", "truncated" },
    { "truncated_zip.pt", "truncated or corrupt" },
    { "legacy.pt", "legacy (pre-1.6) format" },
    { "torchscript.pt", "TorchScript" },
    { "conv1d.pt", "uses torch.nn.Conv1d, a layer Layerlab does not have; a whole model "
                   "opens when it is a torch.nn.Sequential of Conv2d, ReLU, MaxPool2d", TRUE },
    { "nested.pt", "module 1 is a Sequential inside the Sequential", TRUE },
    { "own_class.pt", "refuses the pickled global '__main__.Net'. A whole-model file names its "
                      "classes but does not contain their code", TRUE },
    { "own_class.pt", "save its weights with torch.save(model.state_dict(), PATH)", TRUE },
    { "random.pt", "not a model file Layerlab reads" },
  };
  g_remove ("/tmp/layerlab-pwned");
  {
    /* the well-formed twin of the hostile files loads */
    g_autofree char *ok = data_path ("tiny_linear_dict.pt");
    nn_net *net = tiny_linear (3, 2);
    nn_error err = { 0 };
    if (nn_pt_load_weights (ok, net, &err) != NN_OK)
      g_error ("%s", err.message);
    nn_net_free (net);
  }
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "pt", "hostile", cases[i].file, NULL);
      nn_net *net = tiny_linear (3, 2);
      nn_net *model = NULL;
      nn_error err = { 0 };
      nn_status st = cases[i].model
                     ? nn_pt_open_model (path, NULL, &model, &err)
                     : nn_pt_load_weights (path, net, &err);
      g_test_message ("%s: %s", cases[i].file, err.message);
      g_assert_cmpint (st, !=, NN_OK);
      g_assert_null (model);
      /* the path comes first; the reason must be in what follows it */
      g_assert_true (g_str_has_prefix (err.message, path));
      if (strstr (err.message + strlen (path), cases[i].expect) == NULL)
        g_error ("%s: expected '%s' in '%s'", cases[i].file, cases[i].expect, err.message);
      nn_net_free (net);
    }
  g_assert_false (g_file_test ("/tmp/layerlab-pwned", G_FILE_TEST_EXISTS));
}

static void
test_export_script (void)
{
  nn_error err = { 0 };
  nn_net *net = nn_net_new_template ("seed", 1, &err);
  char *py = nn_net_export_pytorch (net, "seed.h5");
  g_assert_nonnull (strstr (py, "    nn.Conv2d(1, 32, kernel_size=(5, 5), stride=(1, 1)),\n"));
  g_assert_nonnull (strstr (py, "    nn.Linear(in_features=576, out_features=1024, bias=True),\n"));
  g_assert_nonnull (strstr (py, "network.load_state_dict(state)"));
  free (py);
  nn_net_free (net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/pt/seed-module", test_seed_module);
  g_test_add_func ("/engine/pt/seed-state-dict", test_seed_state_dict);
  g_test_add_func ("/engine/pt/every-layer", test_every_layer);
  g_test_add_func ("/engine/pt/strides-and-doubles", test_strides_and_doubles);
  g_test_add_func ("/engine/pt/round-trip", test_round_trip);
  g_test_add_func ("/engine/pt/whole-model-round-trip", test_whole_model_round_trip);
  g_test_add_func ("/engine/pt/mismatch", test_mismatch);
  g_test_add_func ("/engine/pt/hostile", test_hostile);
  g_test_add_func ("/engine/pt/export-script", test_export_script);
  return g_test_run ();
}
