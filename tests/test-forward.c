/* test-forward.c - the forward pass against PyTorch fixtures and naive references
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every directory under tests/data/ref/ (written by tests/reference/make-reference.py)
 * becomes one test: build the network from spec.txt, copy PyTorch's state_dict in from
 * the .npy files, run, and compare with PyTorch's output within a tolerance.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib.h>

#include "nn-private.h"
#include "test-fixtures.h"

/* ---------------------------------------------------------------- helpers */

static char *
ref_path (const char *name, const char *file)
{
  return g_test_build_filename (G_TEST_DIST, "data", "ref", name, file, NULL);
}

static nn_tensor *
load_npy (const char *name, const char *file)
{
  g_autofree char *path = ref_path (name, file);
  nn_tensor *t = NULL;
  nn_error err;

  if (nn_npy_read (path, &t, &err) != NN_OK)
    g_error ("%s", err.message);
  return t;
}

static void
parse_pair (const char *value, int64_t *pair)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);

  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  pair[0] = g_ascii_strtoll (parts[0], NULL, 10);
  pair[1] = g_ascii_strtoll (parts[1], NULL, 10);
}

/* Sets one key=value of a spec line; the keys are torch.nn's argument names. */
static void
set_field (nn_layer_config *cfg, const char *key, const char *value)
{
  int64_t *ints[] = { &cfg->in_channels, &cfg->out_channels, &cfg->groups, &cfg->start_dim,
                      &cfg->end_dim, &cfg->in_features, &cfg->out_features,
                      &cfg->num_features, &cfg->dim };
  const char *int_keys[] = { "in_channels", "out_channels", "groups", "start_dim", "end_dim",
                             "in_features", "out_features", "num_features", "dim" };
  int64_t *pairs[] = { cfg->kernel_size, cfg->stride, cfg->padding, cfg->dilation };
  const char *pair_keys[] = { "kernel_size", "stride", "padding", "dilation" };
  bool *bools[] = { &cfg->bias, &cfg->ceil_mode, &cfg->count_include_pad, &cfg->affine,
                    &cfg->track_running_stats };
  const char *bool_keys[] = { "bias", "ceil_mode", "count_include_pad", "affine",
                              "track_running_stats" };
  double *dbls[] = { &cfg->eps, &cfg->momentum, &cfg->p, &cfg->negative_slope };
  const char *dbl_keys[] = { "eps", "momentum", "p", "negative_slope" };

  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    if (g_str_equal (key, int_keys[i]))
      return (void) (*ints[i] = g_ascii_strtoll (value, NULL, 10));
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    if (g_str_equal (key, pair_keys[i]))
      return parse_pair (value, pairs[i]);
  for (guint i = 0; i < G_N_ELEMENTS (bools); i++)
    if (g_str_equal (key, bool_keys[i]))
      return (void) (*bools[i] = g_str_equal (value, "1"));
  for (guint i = 0; i < G_N_ELEMENTS (dbls); i++)
    if (g_str_equal (key, dbl_keys[i]))
      return (void) (*dbls[i] = g_ascii_strtod (value, NULL));
  g_error ("spec: unknown key %s", key);
}

static void
parse_layer (const char *line, nn_layer_config *cfg)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  nn_layer_type type = nn_layer_type_from_name (words[0]);

  g_assert_cmpint (type, !=, NN_LAYER_N_TYPES);
  nn_layer_config_init (cfg, type);
  for (int i = 1; words[i] != NULL; i++)
    {
      char *eq = strchr (words[i], '=');

      g_assert_nonnull (eq);
      *eq = '\0';
      set_field (cfg, words[i], eq + 1);
    }
}

static nn_shape
parse_input (const char *line)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  nn_shape s = { 0 };

  g_assert_cmpstr (words[0], ==, "input");
  for (int i = 1; words[i] != NULL; i++)
    {
      g_assert_cmpint (s.n_dims, <, 3);
      s.d[s.n_dims++] = g_ascii_strtoll (words[i], NULL, 10);
    }
  g_assert_cmpint (s.n_dims, >=, 1);
  return s;
}

/* The network of tests/data/ref/<name>/spec.txt, propagated, parameters initialised */
static nn_net *
build_net (const char *name)
{
  g_autofree char *path = ref_path (name, "spec.txt");
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  nn_shape input;
  nn_net *net;
  nn_error err;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (g_strstrip (text), "\n", -1);
  input = parse_input (lines[0]);
  net = nn_net_new (&input, 42);
  for (int i = 1; lines[i] != NULL; i++)
    {
      nn_layer_config cfg;

      parse_layer (lines[i], &cfg);
      if (nn_net_append (net, &cfg, &err) != NN_OK)
        g_error ("%s: %s", name, err.message);
    }
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  return net;
}

static bool
is_param_file (const char *file)
{
  return g_str_has_suffix (file, ".npy") && !g_str_equal (file, "input.npy")
         && !g_str_equal (file, "output.npy") && !g_str_has_prefix (file, "act-");
}

/* Copies every state_dict tensor from <key>.npy; each file must match a parameter. */
static void
load_params (nn_net *net, const char *name)
{
  g_autofree char *dir_path = ref_path (name, NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  nn_param *params = NULL;
  int n = nn_net_params (net, &params), used = 0;
  const char *file;

  for (int i = 0; i < n; i++)
    {
      g_autofree char *file_name = g_strconcat (params[i].key, ".npy", NULL);
      nn_tensor *t;

      if (params[i].tensor == NULL)
        continue;
      t = load_npy (name, file_name);
      g_assert_true (nn_tensor_same_shape (t, params[i].tensor));
      memcpy (params[i].tensor->data, t->data, (size_t) nn_tensor_numel (t) * sizeof (float));
      nn_tensor_free (t);
      used++;
    }
  free (params);
  g_assert_nonnull (dir);
  while ((file = g_dir_read_name (dir)) != NULL)
    if (is_param_file (file))
      used--;
  /* no .npy without a parameter: the network has every tensor PyTorch's has */
  g_assert_cmpint (used, ==, 0);
}

/* max |got - ref| <= tol * (1 + max |ref|) over the first `rows` samples (-1: all) */
static void
assert_close (const nn_tensor *got, const nn_tensor *ref, int64_t rows, double tol,
              const char *what)
{
  int64_t n, per;
  double max_err = 0.0, max_ref = 0.0;

  g_assert_cmpint (got->n_dims, ==, ref->n_dims);
  for (int i = 1; i < ref->n_dims; i++)
    g_assert_cmpint (got->shape[i], ==, ref->shape[i]);
  if (rows < 0)
    g_assert_cmpint (got->shape[0], ==, ref->shape[0]);
  g_assert_cmpint (got->shape[0], >=, ref->shape[0]);
  per = ref->shape[0] > 0 ? nn_tensor_numel (ref) / ref->shape[0] : 0;
  n = per * ref->shape[0];
  for (int64_t i = 0; i < n; i++)
    {
      double e = fabs ((double) got->data[i] - ref->data[i]);

      if (isnan (got->data[i]) != isnan (ref->data[i]))
        e = INFINITY;
      max_err = e > max_err ? e : max_err;
      max_ref = fabs (ref->data[i]) > max_ref ? fabs (ref->data[i]) : max_ref;
    }
  /* a failure marks the test failed but lets the other fixtures run */
  if (max_err > tol * (1.0 + max_ref))
    g_test_fail_printf ("%s: max abs error %g exceeds %g (max |ref| %g)", what, max_err,
                        tol * (1.0 + max_ref), max_ref);
  g_test_message ("%s: max abs error %g (max |ref| %g)", what, max_err, max_ref);
}

#define REF_TOL 1e-4

static void
run_or_die (nn_net *net, const nn_tensor *x, const nn_run_opts *opts, nn_run_result *res)
{
  nn_error err;

  if (nn_net_forward (net, x, opts, res, &err) != NN_OK)
    g_error ("forward: %s", err.message);
}

/* ---------------------------------------------------------------- fixtures */

static void
compare_acts (const char *name, const nn_run_result *res)
{
  for (int i = 0; i + 1 < res->n_acts; i++)
    {
      g_autofree char *file = g_strdup_printf ("act-%d.npy", i);
      g_autofree char *path = ref_path (name, file);
      nn_tensor *ref;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      ref = load_npy (name, file);
      assert_close (res->acts[i + 1], ref, ref->shape[0], REF_TOL, file);
      nn_tensor_free (ref);
    }
}

static void
test_reference (gconstpointer data)
{
  const char *name = data;
  nn_net *net = build_net (name);
  nn_tensor *x = load_npy (name, "input.npy");
  nn_tensor *y = load_npy (name, "output.npy");
  nn_run_opts opts = { .keep_activations = true };
  nn_run_result res = { 0 }, plain = { 0 };

  load_params (net, name);
  run_or_die (net, x, &opts, &res);
  assert_close (res.output, y, -1, REF_TOL, name);
  g_assert_cmpint (res.n_acts, ==, net->n_layers + 1);
  assert_close (res.acts[0], x, -1, 0.0, "acts[0] is the input");
  assert_close (res.acts[net->n_layers], y, -1, REF_TOL, "last activation");
  compare_acts (name, &res);
  /* without keep_activations: same numbers, no activations */
  run_or_die (net, x, NULL, &plain);
  g_assert_cmpint (plain.n_acts, ==, 0);
  g_assert_null (plain.acts);
  assert_close (plain.output, res.output, -1, 0.0, "plain run");
  nn_run_result_clear (&res);
  nn_run_result_clear (&plain);
  g_assert_null (res.output);
  nn_tensor_free (x);
  nn_tensor_free (y);
  nn_net_free (net);
}

/* ---------------------------------------------------------------- the seed network */

static nn_net *
seed_net (void)
{
  nn_net *net = build_net ("seed");

  load_params (net, "seed");
  return net;
}

static nn_tensor *
seed_input (int64_t n)
{
  nn_tensor *t = nn_tensor_new_4d (n, 1, 24, 24, NULL);

  nn_tensor_fill_uniform (t, 7, -1.0f, 1.0f);
  return t;
}

static bool
abort_after (void *data)
{
  int *calls = data;

  return ++*calls > 3;
}

static void
test_abort (void)
{
  nn_net *net = seed_net ();
  nn_tensor *x = seed_input (4);
  int calls = 0;
  nn_run_opts opts = { .keep_activations = true, .abort_cb = abort_after,
                       .abort_data = &calls };
  nn_run_result res = { 0 };
  nn_error err;

  g_assert_cmpint (nn_net_forward (net, x, &opts, &res, &err), ==, NN_STATUS_ABORTED);
  g_assert_cmpint (err.status, ==, NN_STATUS_ABORTED);
  g_assert_nonnull (strstr (err.message, "aborted before layer 3"));
  /* the callback ran between layers: three passed, the fourth call stopped the run */
  g_assert_cmpint (calls, ==, 4);
  g_assert_null (res.output);
  g_assert_cmpint (res.n_acts, ==, 0);
  /* the network is usable again afterwards */
  run_or_die (net, x, NULL, &res);
  g_assert_cmpint (res.output->shape[1], ==, 10);
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  nn_net_free (net);
}

static void
test_wrong_input (void)
{
  nn_net *net = seed_net ();
  nn_tensor *x = nn_tensor_new_4d (2, 1, 23, 24, NULL);
  int64_t flat[2] = { 2, 576 };
  nn_tensor *f = nn_tensor_new (2, flat, NULL);
  nn_run_result res = { 0 };
  nn_error err;

  g_assert_cmpint (nn_net_forward (net, x, NULL, &res, &err), ==, NN_STATUS_SHAPE);
  g_assert_nonnull (strstr (err.message, "[2, 1, 23, 24]"));
  g_assert_nonnull (strstr (err.message, "[N, 1, 24, 24]"));
  g_assert_null (res.output);
  g_assert_cmpint (nn_net_forward (net, f, NULL, &res, &err), ==, NN_STATUS_SHAPE);
  g_assert_nonnull (strstr (err.message, "[2, 576]"));
  nn_tensor_free (x);
  nn_tensor_free (f);
  nn_net_free (net);
}

/* [C, H, W] without the batch dim is one sample */
static void
test_unbatched_input (void)
{
  nn_net *net = seed_net ();
  nn_tensor *x = seed_input (3);
  int64_t chw[3] = { 1, 24, 24 };
  nn_tensor *one = nn_tensor_new (3, chw, NULL);
  nn_run_result all = { 0 }, res = { 0 };

  memcpy (one->data, x->data, 576 * sizeof (float));
  run_or_die (net, x, NULL, &all);
  run_or_die (net, one, NULL, &res);
  g_assert_cmpint (res.output->n_dims, ==, 2);
  g_assert_cmpint (res.output->shape[0], ==, 1);
  all.output->shape[0] = 1;     /* compare with the first sample only */
  assert_close (res.output, all.output, -1, 1e-5, "unbatched");
  nn_run_result_clear (&all);
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  nn_tensor_free (one);
  nn_net_free (net);
}

static void
test_shape_error_refuses (void)
{
  nn_shape in = nn_shape_chw (1, 4, 4);
  nn_net *net = nn_net_new (&in, 1);
  nn_layer_config cfg;
  nn_tensor *x = nn_tensor_new_4d (1, 1, 4, 4, NULL);
  nn_run_result res = { 0 };
  nn_error err;

  nn_layer_config_init (&cfg, NN_LAYER_RELU);
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  nn_layer_config_init (&cfg, NN_LAYER_CONV2D);
  cfg.kernel_size[0] = cfg.kernel_size[1] = 5;
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, 1);
  g_assert_cmpint (nn_net_forward (net, x, NULL, &res, &err), !=, NN_OK);
  g_assert_cmpint (err.layer, ==, 1);
  g_assert_cmpstr (err.message, ==, net->info[1].message);
  g_assert_null (res.output);
  nn_tensor_free (x);
  nn_net_free (net);
}

static void
test_memory_budget (void)
{
  nn_net *net = seed_net ();
  nn_tensor *x = seed_input (111);
  uint64_t saved = nn_memory_budget ();
  nn_run_opts opts = { .keep_activations = true };
  nn_run_result res = { 0 };
  nn_error err;

  nn_set_memory_budget (4u << 20);
  g_assert_cmpint (nn_net_forward (net, x, &opts, &res, &err), ==, NN_STATUS_TOO_LARGE);
  nn_set_memory_budget (saved);
  /* 111 x (576 + 12800 x 2 + 3200 + ...) floats, all kept: about 13.4 MiB */
  g_assert_nonnull (strstr (err.message, "a batch of 111 needs 1"));
  g_assert_nonnull (strstr (err.message, "MiB"));
  g_assert_null (res.output);
  nn_tensor_free (x);
  nn_net_free (net);
}

static void
test_threads_agree (void)
{
  nn_net *net = seed_net ();
  nn_tensor *x = seed_input (111);
  nn_run_opts one = { .n_threads = 1 }, two = { .n_threads = 2 };
  nn_run_result a = { 0 }, b = { 0 };
  int saved = nn_get_num_threads ();

  run_or_die (net, x, &one, &a);
  g_assert_cmpint (nn_get_num_threads (), ==, 1);
  run_or_die (net, x, &two, &b);
  g_assert_cmpint (nn_get_num_threads (), ==, 2);
  assert_close (a.output, b.output, -1, 1e-6, "1 vs 2 threads");
  nn_set_num_threads (saved);
  nn_run_result_clear (&a);
  nn_run_result_clear (&b);
  nn_tensor_free (x);
  nn_net_free (net);
}

/* The walkthrough: bias 5, weights 1, an input of ones: every 5x5 window sums to 25 */
static void
test_seed_thirty (void)
{
  nn_error err;
  nn_net *net = nn_net_new_template ("seed", 3, &err);
  nn_tensor *x = nn_tensor_new_4d (2, 1, 24, 24, NULL);
  nn_run_opts opts = { .keep_activations = true };
  nn_run_result res = { 0 };
  const nn_tensor *a;

  g_assert_nonnull (net);
  nn_tensor_fill (nn_net_find_param (net, "0.weight"), 1.0f);
  nn_tensor_fill (nn_net_find_param (net, "0.bias"), 5.0f);
  nn_tensor_fill (x, 1.0f);
  run_or_die (net, x, &opts, &res);
  g_assert_cmpint (res.n_acts, ==, 11);
  a = res.acts[1];
  g_assert_cmpint (nn_tensor_numel (a), ==, 2 * 32 * 20 * 20);
  for (int64_t i = 0; i < nn_tensor_numel (a); i++)
    g_assert_cmpfloat (a->data[i], ==, 30.0f);
  g_assert_cmpint (res.output->shape[0], ==, 2);
  g_assert_cmpint (res.output->shape[1], ==, 10);
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  nn_net_free (net);
}

/* ---------------------------------------------------------------- naive references */

typedef struct conv_case {
  int64_t n, c_in, h, w, c_out, groups, kh, kw, sh, sw, ph, pw, dh, dw;
  bool bias;
} conv_case;

static int64_t
out_size (int64_t in, int64_t k, int64_t s, int64_t p, int64_t d)
{
  int64_t span = in + 2 * p - d * (k - 1) - 1;

  return span < 0 ? 0 : span / s + 1;
}

/* Direct loops straight from the definition of a grouped, dilated convolution */
static void
conv_naive (const conv_case *c, const float *x, const float *wt, const float *bias,
            float *y)
{
  int64_t ho = out_size (c->h, c->kh, c->sh, c->ph, c->dh);
  int64_t wo = out_size (c->w, c->kw, c->sw, c->pw, c->dw);
  int64_t cgi = c->c_in / c->groups, cgo = c->c_out / c->groups;

  for (int64_t b = 0; b < c->n; b++)
    for (int64_t co = 0; co < c->c_out; co++)
      for (int64_t oh = 0; oh < ho; oh++)
        for (int64_t ow = 0; ow < wo; ow++)
          {
            double acc = bias != NULL ? bias[co] : 0.0;

            for (int64_t ci = 0; ci < cgi; ci++)
              for (int64_t i = 0; i < c->kh; i++)
                for (int64_t j = 0; j < c->kw; j++)
                  {
                    int64_t ih = oh * c->sh - c->ph + i * c->dh;
                    int64_t iw = ow * c->sw - c->pw + j * c->dw;
                    int64_t cin = co / cgo * cgi + ci;

                    if (ih < 0 || ih >= c->h || iw < 0 || iw >= c->w)
                      continue;
                    acc += (double) wt[((co * cgi + ci) * c->kh + i) * c->kw + j]
                           * x[((b * c->c_in + cin) * c->h + ih) * c->w + iw];
                  }
            y[((b * c->c_out + co) * ho + oh) * wo + ow] = (float) acc;
          }
}

static void
random_conv_case (GRand *r, conv_case *c)
{
  do
    {
      c->groups = g_rand_int_range (r, 1, 4);
      c->c_in = c->groups * g_rand_int_range (r, 1, 4);
      c->c_out = c->groups * g_rand_int_range (r, 1, 4);
      c->n = g_rand_int_range (r, 1, 40);
      c->h = g_rand_int_range (r, 1, 14);
      c->w = g_rand_int_range (r, 1, 14);
      c->kh = g_rand_int_range (r, 1, 5);
      c->kw = g_rand_int_range (r, 1, 5);
      c->sh = g_rand_int_range (r, 1, 4);
      c->sw = g_rand_int_range (r, 1, 4);
      c->dh = g_rand_int_range (r, 1, 3);
      c->dw = g_rand_int_range (r, 1, 3);
      c->ph = g_rand_int_range (r, 0, 3);
      c->pw = g_rand_int_range (r, 0, 3);
      c->bias = g_rand_boolean (r);
      /* a third of the cases are pointwise, the path without im2col */
      if (g_rand_int_range (r, 0, 3) == 0)
        c->kh = c->kw = c->sh = c->sw = 1, c->ph = c->pw = 0;
    }
  while (out_size (c->h, c->kh, c->sh, c->ph, c->dh) < 1
         || out_size (c->w, c->kw, c->sw, c->pw, c->dw) < 1);
}

static nn_net *
conv_net (const conv_case *c)
{
  nn_shape in = nn_shape_chw (c->c_in, c->h, c->w);
  nn_net *net = nn_net_new (&in, 5);
  nn_layer_config cfg;
  nn_error err;

  nn_layer_config_init (&cfg, NN_LAYER_CONV2D);
  cfg.in_channels = c->c_in;
  cfg.out_channels = c->c_out;
  cfg.groups = c->groups;
  cfg.kernel_size[0] = c->kh, cfg.kernel_size[1] = c->kw;
  cfg.stride[0] = c->sh, cfg.stride[1] = c->sw;
  cfg.padding[0] = c->ph, cfg.padding[1] = c->pw;
  cfg.dilation[0] = c->dh, cfg.dilation[1] = c->dw;
  cfg.bias = c->bias;
  if (nn_net_append (net, &cfg, &err) != NN_OK)
    g_error ("%s", err.message);
  g_assert_cmpint (net->first_error, ==, -1);
  return net;
}

static void
test_conv_vs_naive (void)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (2024);

  for (int iter = 0; iter < 60; iter++)
    {
      conv_case c;
      nn_net *net;
      nn_tensor *x, *ref, *wt, *bias;
      nn_run_result res = { 0 };

      random_conv_case (r, &c);
      net = conv_net (&c);
      wt = nn_net_find_param (net, "0.weight");
      bias = nn_net_find_param (net, "0.bias");
      g_assert_true (c.bias == (bias != NULL));
      x = nn_tensor_new_4d (c.n, c.c_in, c.h, c.w, NULL);
      nn_tensor_fill_uniform (x, (uint64_t) iter, -1.0f, 1.0f);
      run_or_die (net, x, NULL, &res);
      ref = nn_tensor_copy (res.output, NULL);
      conv_naive (&c, x->data, wt->data, bias != NULL ? bias->data : NULL, ref->data);
      assert_close (res.output, ref, -1, 1e-5, "conv vs naive");
      nn_tensor_free (ref);
      nn_tensor_free (x);
      nn_run_result_clear (&res);
      nn_net_free (net);
    }
}

/* Conv2d(32, 64, 5) -> ReLU -> MaxPool2d(2) on 12x12 inputs */
static nn_net *
conv_relu_pool_net (const conv_case *c)
{
  nn_net *net = conv_net (c);
  nn_layer_config cfg;
  nn_error err;

  nn_layer_config_init (&cfg, NN_LAYER_RELU);
  if (nn_net_append (net, &cfg, &err) != NN_OK)
    g_error ("%s", err.message);
  nn_layer_config_init (&cfg, NN_LAYER_MAXPOOL2D);
  cfg.kernel_size[0] = cfg.kernel_size[1] = 2;
  cfg.stride[0] = cfg.stride[1] = 2;
  if (nn_net_append (net, &cfg, &err) != NN_OK)
    g_error ("%s", err.message);
  return net;
}

/* When the im2col scratch of a batch of images does not fit the memory budget, a conv
 * (plain, and with its MaxPool2d fused) falls back to one image at a time and still
 * computes the same output */
static void
test_conv_scratch_fallback (void)
{
  conv_case c = { 20, 32, 12, 12, 64, 1, 5, 5, 1, 1, 0, 0, 1, 1, true };
  uint64_t saved = nn_memory_budget ();
  nn_tensor *x = nn_tensor_new_4d (c.n, c.c_in, c.h, c.w, NULL);

  nn_tensor_fill_uniform (x, 3, -1.0f, 1.0f);
  for (int pooled = 0; pooled < 2; pooled++)
    {
      nn_net *roomy = conv_relu_pool_net (&c), *tight = conv_relu_pool_net (&c);
      int64_t side = pooled ? 4 : 8;
      nn_tensor *a = nn_tensor_new_4d (c.n, c.c_out, side, side, NULL);
      nn_tensor *b = nn_tensor_new_4d (c.n, c.c_out, side, side, NULL);
      nn_status sa, sb;
      nn_error err;

      sa = pooled ? nn_conv2d_pool_forward (roomy, 0, 2, x, a, true, &err)
                  : nn_conv2d_forward_fused (roomy, 0, x, a, true, &err);
      g_assert_cmpint (sa, ==, NN_OK);
      /* 20 images' columns at once: 20 x 800 x 64 floats */
      g_assert_cmpuint (roomy->workspace_size, >, 1u << 20);
      nn_set_memory_budget (1u << 20);
      sb = pooled ? nn_conv2d_pool_forward (tight, 0, 2, x, b, true, &err)
                  : nn_conv2d_forward_fused (tight, 0, x, b, true, &err);
      nn_set_memory_budget (saved);
      g_assert_cmpint (sb, ==, NN_OK);
      g_assert_cmpuint (tight->workspace_size, <=, 1u << 20);
      assert_close (b, a, -1, 1e-5, pooled ? "pooled, one image at a time vs batched"
                                           : "one image at a time vs batched");
      nn_tensor_free (a);
      nn_tensor_free (b);
      nn_net_free (roomy);
      nn_net_free (tight);
    }
  nn_tensor_free (x);
}

static void
gemm_naive (bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
            const float *B, int64_t ldb, float *C, int64_t ldc)
{
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++)
      {
        double acc = 0.0;

        for (int64_t k = 0; k < K; k++)
          acc += (double) (ta ? A[k * lda + i] : A[i * lda + k])
                 * (tb ? B[j * ldb + k] : B[k * ldb + j]);
        C[i * ldc + j] = (float) (0.5 * acc + 2.0 * C[i * ldc + j]);
      }
}

static void
test_sgemm (void)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (11);

  for (int iter = 0; iter < 16; iter++)
    {
      bool ta = iter & 1, tb = iter & 2;
      int64_t M = g_rand_int_range (r, 1, 40), N = g_rand_int_range (r, 1, 40);
      int64_t K = g_rand_int_range (r, 1, 40), pad = g_rand_int_range (r, 0, 3);
      int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
      g_autofree float *A = g_new (float, (ta ? K : M) * lda);
      g_autofree float *B = g_new (float, (tb ? N : K) * ldb);
      g_autofree float *C = g_new (float, M * ldc);
      g_autofree float *D = NULL;

      for (int64_t i = 0; i < (ta ? K : M) * lda; i++)
        A[i] = (float) g_rand_double_range (r, -1, 1);
      for (int64_t i = 0; i < (tb ? N : K) * ldb; i++)
        B[i] = (float) g_rand_double_range (r, -1, 1);
      for (int64_t i = 0; i < M * ldc; i++)
        C[i] = (float) g_rand_double_range (r, -1, 1);
      D = g_memdup2 (C, M * ldc * sizeof (float));
      nn_sgemm (ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 2.0f, C, ldc);
      gemm_naive (ta, tb, M, N, K, A, lda, B, ldb, D, ldc);
      for (int64_t i = 0; i < M * ldc; i++)
        g_assert_cmpfloat_with_epsilon (C[i], D[i], 1e-4);
    }
}

static void
test_workspace (void)
{
  nn_shape in = nn_shape_f (4);
  nn_net *net = nn_net_new (&in, 1);
  uint64_t saved = nn_memory_budget ();
  void *a, *b;

  a = nn_workspace_get (net, 1000);
  g_assert_nonnull (a);
  g_assert_cmpuint (net->workspace_size, >=, 1000);
  /* smaller requests reuse the buffer */
  b = nn_workspace_get (net, 10);
  g_assert_true (a == b);
  b = nn_workspace_get (net, 100000);
  g_assert_nonnull (b);
  g_assert_cmpuint (net->workspace_size, >=, 100000);
  ((char *) b)[99999] = 1;
  nn_set_memory_budget (1u << 20);
  g_assert_null (nn_workspace_get (net, 2u << 20));
  nn_set_memory_budget (saved);
  /* a refused request leaves the old buffer in place */
  g_assert_true (net->workspace == b);
  nn_workspace_free (net);
  g_assert_null (net->workspace);
  g_assert_cmpuint (net->workspace_size, ==, 0);
  nn_net_free (net);
}

static bool user_blas_timeout;

/* The CPU time (ms) that the process's threads other than the calling one have used. */
static double
others_cpu_ms (void)
{
  struct timespec process, thread;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &process);
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &thread);
  return (process.tv_sec - thread.tv_sec) * 1e3 + (process.tv_nsec - thread.tv_nsec) / 1e6;
}

/* Whether every thread of the process but the calling one sleeps (state 'R' is running
 * or runnable, as a spinning thread is), with the sum of their involuntary context
 * switches in *switches. */
static bool
others_asleep (guint64 *switches)
{
  pid_t self = (pid_t) syscall (SYS_gettid);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;
  bool asleep = true;

  g_assert_nonnull (dir);
  *switches = 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", name);
      g_autofree char *status_path = g_strdup_printf ("/proc/self/task/%s/status", name);
      g_autofree char *stat = NULL;
      g_autofree char *status = NULL;
      const char *p;

      if (atoi (name) == self)
        continue;
      /* the command name (field 2) may hold anything: the state follows its last ')' */
      if (g_file_get_contents (stat_path, &stat, NULL, NULL) && (p = strrchr (stat, ')')) != NULL
          && p[1] == ' ' && p[2] == 'R')
        asleep = false;
      if (g_file_get_contents (status_path, &status, NULL, NULL)
          && (p = strstr (status, "nonvoluntary_ctxt_switches:")) != NULL)
        *switches += g_ascii_strtoull (p + strlen ("nonvoluntary_ctxt_switches:"), NULL, 10);
    }
  return asleep;
}

/* nn_init() (called first thing in main) makes OpenBLAS's idle threads sleep 2^16
 * cycles (~25 us) after a call: after a threaded GEMM, the process then uses next to no
 * CPU while it waits. Left at OpenBLAS's default, an idle thread spins for 2^28 cycles
 * (~0.1 s), calling sched_yield(): on a free core it burns ~100 ms of CPU, and when
 * other processes want the cores (a loaded machine) it gives the core away at almost
 * every call, an involuntary context switch each (tens in 0.1 s), using little CPU.
 * The test waits until the threads sleep (not a fixed while: a loaded machine only
 * delays that) and bounds both: a 25 us spin cannot reach either bound, however slow
 * or busy the machine, and a 0.1 s one exceeds one of them. */
static void
test_blas_idle (void)
{
  int64_t n = 512;
  g_autofree float *a = g_new0 (float, n * n);
  g_autofree float *b = g_new0 (float, n * n);
  g_autofree float *c = g_new0 (float, n * n);
  gint64 start;
  guint64 switches0, switches;
  double cpu0, idle_cpu_ms;

  if (user_blas_timeout)
    {
      g_test_skip ("OPENBLAS_THREAD_TIMEOUT is set: the user's value wins");
      return;
    }
  nn_set_num_threads (2);
  nn_sgemm (false, false, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
  others_asleep (&switches0);
  cpu0 = others_cpu_ms ();
  start = g_get_monotonic_time ();
  while (!others_asleep (&switches))
    {
      /* a generous timeout: without nn_init() they sleep after ~0.1 s too */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 60 * G_USEC_PER_SEC);
      g_usleep (1000);     /* polling: this thread sleeps, out of the cores' way */
    }
  idle_cpu_ms = others_cpu_ms () - cpu0;
  g_test_message ("after a GEMM, until its threads slept (%.1f ms): %.3f ms of CPU, "
                  "%" G_GUINT64_FORMAT " involuntary context switches",
                  (g_get_monotonic_time () - start) / 1e3, idle_cpu_ms, switches - switches0);
  g_assert_cmpfloat (idle_cpu_ms, <, 10.0);
  g_assert_cmpuint (switches - switches0, <, 10);
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) names = NULL;
  bool blas_told;

  /* before any thread exists (see nn_init); false only with another BLAS */
  user_blas_timeout = g_strcmp0 (g_getenv ("OPENBLAS_THREAD_TIMEOUT"), "") > 0;
  blas_told = nn_init ();

  g_test_init (&argc, &argv, NULL);
  g_assert_true (blas_told);
  names = test_add_fixture_tests ("ref", "/engine/forward/ref", 40, test_reference);
  g_test_add_func ("/engine/forward/abort", test_abort);
  g_test_add_func ("/engine/forward/wrong-input", test_wrong_input);
  g_test_add_func ("/engine/forward/unbatched-input", test_unbatched_input);
  g_test_add_func ("/engine/forward/shape-error-refuses", test_shape_error_refuses);
  g_test_add_func ("/engine/forward/memory-budget", test_memory_budget);
  g_test_add_func ("/engine/forward/threads-agree", test_threads_agree);
  g_test_add_func ("/engine/forward/seed-thirty", test_seed_thirty);
  g_test_add_func ("/engine/conv2d/vs-naive", test_conv_vs_naive);
  g_test_add_func ("/engine/conv2d/scratch-fallback", test_conv_scratch_fallback);
  g_test_add_func ("/engine/sgemm/vs-naive", test_sgemm);
  g_test_add_func ("/engine/sgemm/workspace", test_workspace);
  g_test_add_func ("/engine/sgemm/blas-idle", test_blas_idle);
  /* names is freed after the run returns */
  return g_test_run ();
}
