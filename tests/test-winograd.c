/* test-winograd.c - Winograd F(4x4, 3x3) convolution against PyTorch and im2col
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every directory under tests/data/winograd/ (written by
 * tests/reference/make-winograd-fixtures.py) is one 3x3 stride-1 Conv2d (+ ReLU) with
 * PyTorch's output; the network runs with Winograd forced on, fused and unfused, and is
 * compared with PyTorch and with the im2col path. Random shapes are checked against a
 * direct double-precision convolution, a large batch (several tile chunks) against
 * im2col, Inf/NaN inputs for PyTorch's NaN pattern, and training's gradients.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "nn-private.h"
#include "test-fixtures.h"

/* max |got - ref| <= tol * (1 + max |ref|), as test-forward.c's REF_TOL */
#define WG_TOL 1e-4

typedef struct spec {
  int64_t n, c_in, h, w, c_out, ph, pw;
  bool bias, relu;
} spec;

/* Checks got against ref and returns the max abs error; a NaN where the other has none
 * counts as infinite. */
static double
check_close (const nn_tensor *got, const nn_tensor *ref, double tol, const char *what)
{
  double max_err = 0.0, max_ref = 0.0;

  g_assert_cmpint (nn_tensor_numel (got), ==, nn_tensor_numel (ref));
  for (int64_t i = 0; i < nn_tensor_numel (ref); i++)
    {
      double e = fabs ((double) got->data[i] - ref->data[i]);

      if (isnan (got->data[i]) != isnan (ref->data[i]))
        e = INFINITY;
      else if (isnan (ref->data[i]) || got->data[i] == ref->data[i])
        e = 0.0;                /* NaN matches NaN, Inf matches Inf */
      max_err = e > max_err ? e : max_err;
      if (isfinite (ref->data[i]))
        max_ref = fabs (ref->data[i]) > max_ref ? fabs (ref->data[i]) : max_ref;
    }
  if (max_err > tol * (1.0 + max_ref))
    g_test_fail_printf ("%s: max abs error %g exceeds %g (max |ref| %g)", what, max_err,
                        tol * (1.0 + max_ref), max_ref);
  g_test_message ("%s: max abs error %g, relative to max |ref| %g: %g", what, max_err,
                  max_ref, max_err / (max_ref > 0.0 ? max_ref : 1.0));
  return max_err;
}

static nn_net *
conv_net (const spec *s, bool relu_layer)
{
  nn_shape in = nn_shape_chw (s->c_in, s->h, s->w);
  nn_net *net = nn_net_new (&in, 3);
  nn_layer_config cfg;
  nn_error err;

  nn_layer_config_init (&cfg, NN_LAYER_CONV2D);
  cfg.in_channels = s->c_in;
  cfg.out_channels = s->c_out;
  cfg.kernel_size[0] = cfg.kernel_size[1] = 3;
  cfg.padding[0] = s->ph;
  cfg.padding[1] = s->pw;
  cfg.bias = s->bias;
  if (nn_net_append (net, &cfg, &err) != NN_OK)
    g_error ("%s", err.message);
  if (relu_layer)
    {
      nn_layer_config_init (&cfg, NN_LAYER_RELU);
      if (nn_net_append (net, &cfg, &err) != NN_OK)
        g_error ("%s", err.message);
    }
  g_assert_cmpint (net->first_error, ==, -1);
  return net;
}

/* The network's output for x with Winograd in mode; keep: unfused (activations kept) */
static nn_tensor *
run_mode (nn_net *net, const nn_tensor *x, nn_winograd_mode mode, bool keep)
{
  nn_run_opts opts = { .keep_activations = keep };
  nn_run_result res = { 0 };
  nn_winograd_mode saved = nn_get_winograd ();
  nn_tensor *y;
  nn_error err;

  nn_set_winograd (mode);
  if (nn_net_forward (net, x, &opts, &res, &err) != NN_OK)
    g_error ("forward: %s", err.message);
  nn_set_winograd (saved);
  y = nn_tensor_copy (res.output, NULL);
  nn_run_result_clear (&res);
  return y;
}

/* ---------------------------------------------------------------- PyTorch fixtures */

static char *
fixture_path (const char *name, const char *file)
{
  return g_test_build_filename (G_TEST_DIST, "data", "winograd", name, file, NULL);
}

static nn_tensor *
load_npy (const char *name, const char *file)
{
  g_autofree char *path = fixture_path (name, file);
  nn_tensor *t = NULL;
  nn_error err;

  if (nn_npy_read (path, &t, &err) != NN_OK)
    g_error ("%s: %s", path, err.message);
  return t;
}

static void
load_spec (const char *name, spec *s)
{
  g_autofree char *path = fixture_path (name, "spec.txt");
  g_autofree char *text = NULL;
  g_auto (GStrv) words = NULL;
  int64_t v[9];

  if (!g_file_get_contents (path, &text, NULL, NULL))
    g_error ("cannot read %s", path);
  words = g_strsplit_set (g_strstrip (text), " ", -1);
  g_assert_cmpuint (g_strv_length (words), ==, 9);
  for (int i = 0; i < 9; i++)
    v[i] = g_ascii_strtoll (words[i], NULL, 10);
  *s = (spec) { v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] != 0, v[8] != 0 };
}

static void
set_param (nn_net *net, const char *key, const nn_tensor *value)
{
  nn_tensor *p = nn_net_find_param (net, key);

  g_assert_nonnull (p);
  g_assert_cmpint (nn_tensor_numel (p), ==, nn_tensor_numel (value));
  g_assert_cmpint (nn_tensor_make_writable (p, NULL), ==, NN_OK);
  memcpy (p->data, value->data, (size_t) nn_tensor_numel (p) * sizeof (float));
}

static void
test_fixture (gconstpointer data)
{
  const char *name = data;
  spec s;
  nn_net *net;
  nn_tensor *x, *y, *w, *fused, *unfused, *im2col;

  load_spec (name, &s);
  net = conv_net (&s, s.relu);
  x = load_npy (name, "input.npy");
  y = load_npy (name, "output.npy");
  w = load_npy (name, "weight.npy");
  set_param (net, "0.weight", w);
  if (s.bias)
    {
      nn_tensor *b = load_npy (name, "bias.npy");

      set_param (net, "0.bias", b);
      nn_tensor_free (b);
    }
  nn_set_winograd (NN_WINOGRAD_ALWAYS);
  g_assert_true (nn_winograd_applies (net, 0));
  nn_set_winograd (NN_WINOGRAD_AUTO);
  fused = run_mode (net, x, NN_WINOGRAD_ALWAYS, false);
  unfused = run_mode (net, x, NN_WINOGRAD_ALWAYS, true);
  im2col = run_mode (net, x, NN_WINOGRAD_OFF, false);
  check_close (im2col, y, WG_TOL, "im2col vs PyTorch");
  check_close (fused, y, WG_TOL, "Winograd (ReLU fused) vs PyTorch");
  check_close (unfused, y, WG_TOL, "Winograd (activations kept) vs PyTorch");
  check_close (fused, im2col, WG_TOL, "Winograd vs im2col");
  nn_tensor_free (fused);
  nn_tensor_free (unfused);
  nn_tensor_free (im2col);
  nn_tensor_free (w);
  nn_tensor_free (x);
  nn_tensor_free (y);
  nn_net_free (net);
}

/* ---------------------------------------------------------------- direct reference */

/* 3x3 stride-1 convolution straight from the definition, in double, + bias, + ReLU */
static void
conv_direct (const spec *s, const float *x, const float *wt, const float *bias, float *y)
{
  int64_t ho = s->h + 2 * s->ph - 2, wo = s->w + 2 * s->pw - 2;

  for (int64_t b = 0; b < s->n; b++)
    for (int64_t co = 0; co < s->c_out; co++)
      for (int64_t oh = 0; oh < ho; oh++)
        for (int64_t ow = 0; ow < wo; ow++)
          {
            double acc = bias != NULL ? bias[co] : 0.0;

            for (int64_t ci = 0; ci < s->c_in; ci++)
              for (int64_t i = 0; i < 3; i++)
                for (int64_t j = 0; j < 3; j++)
                  {
                    int64_t ih = oh - s->ph + i, iw = ow - s->pw + j;

                    if (ih >= 0 && ih < s->h && iw >= 0 && iw < s->w)
                      acc += (double) wt[((co * s->c_in + ci) * 3 + i) * 3 + j]
                             * x[((b * s->c_in + ci) * s->h + ih) * s->w + iw];
                  }
            if (s->relu && acc < 0.0)
              acc = 0.0;
            y[((b * s->c_out + co) * ho + oh) * wo + ow] = (float) acc;
          }
}

static void
random_spec (GRand *r, spec *s)
{
  s->n = g_rand_int_range (r, 1, 6);
  s->c_in = g_rand_int_range (r, 1, 24);
  /* now and then more than one panel of 32 output channels, the last one partial */
  s->c_out = g_rand_int_range (r, 0, 4) == 0 ? g_rand_int_range (r, 33, 72)
                                              : g_rand_int_range (r, 1, 24);
  s->ph = g_rand_int_range (r, 0, 3);
  s->pw = g_rand_int_range (r, 0, 3);
  /* at least one output: h + 2 ph >= 3 */
  s->h = g_rand_int_range (r, MAX (1, 3 - 2 * s->ph), 19);
  s->w = g_rand_int_range (r, MAX (1, 3 - 2 * s->pw), 19);
  s->bias = g_rand_boolean (r);
  s->relu = g_rand_boolean (r);
}

/* 60 random shapes against the direct convolution, with the GEMM micro-kernel of the
 * given instruction set (skipped where the CPU lacks it) */
static void
test_random_vs_direct (gconstpointer data)
{
  nn_simd_level level = GPOINTER_TO_INT (data);
  g_autoptr (GRand) r = g_rand_new_with_seed (4242);

  if (!nn_winograd_set_simd (level))
    {
      g_test_skip ("this CPU lacks that instruction set");
      return;
    }
  for (int iter = 0; iter < 60; iter++)
    {
      spec s;
      nn_net *net;
      nn_tensor *x, *got, *ref, *bias;
      g_autofree char *what = NULL;

      random_spec (r, &s);
      net = conv_net (&s, s.relu);
      x = nn_tensor_new_4d (s.n, s.c_in, s.h, s.w, NULL);
      nn_tensor_fill_uniform (x, (uint64_t) iter, -1.0f, 1.0f);
      got = run_mode (net, x, NN_WINOGRAD_ALWAYS, false);
      ref = nn_tensor_copy (got, NULL);
      g_assert_cmpint (nn_tensor_make_writable (ref, NULL), ==, NN_OK);
      bias = nn_net_find_param (net, "0.bias");
      conv_direct (&s, x->data, nn_net_find_param (net, "0.weight")->data,
                   bias != NULL ? bias->data : NULL, ref->data);
      what = g_strdup_printf ("n %" G_GINT64_FORMAT " c_in %" G_GINT64_FORMAT " %"
                              G_GINT64_FORMAT "x%" G_GINT64_FORMAT " c_out %"
                              G_GINT64_FORMAT " pad %" G_GINT64_FORMAT ",%" G_GINT64_FORMAT,
                              s.n, s.c_in, s.h, s.w, s.c_out, s.ph, s.pw);
      check_close (got, ref, WG_TOL, what);
      nn_tensor_free (got);
      nn_tensor_free (ref);
      nn_tensor_free (x);
      nn_net_free (net);
    }
  g_assert_true (nn_winograd_set_simd (NN_SIMD_BEST));
}

/* ---------------------------------------------------------------- the automatic choice */

/* 3 images of 22x22 outputs, 512 channels: 108 tiles, more than one chunk of the tile
 * loop holds, with a chunk boundary inside an image; the default mode picks Winograd. */
static void
test_chunks_vs_im2col (void)
{
  spec s = { 3, 512, 24, 24, 512, 0, 0, true, true };
  nn_net *net = conv_net (&s, true);
  nn_tensor *x = nn_tensor_new_4d (s.n, s.c_in, s.h, s.w, NULL);
  nn_tensor *got, *ref;

  nn_tensor_fill_uniform (x, 99, -1.0f, 1.0f);
  nn_set_winograd (NN_WINOGRAD_AUTO);
  g_assert_true (nn_winograd_applies (net, 0));
  got = run_mode (net, x, NN_WINOGRAD_AUTO, false);
  ref = run_mode (net, x, NN_WINOGRAD_OFF, false);
  check_close (got, ref, WG_TOL, "chunks: Winograd vs im2col");
  nn_tensor_free (got);
  nn_tensor_free (ref);
  nn_tensor_free (x);
  nn_net_free (net);
}

static bool
applies_to (nn_layer_config *cfg, int64_t c_in, int64_t hw)
{
  nn_shape in = nn_shape_chw (c_in, hw, hw);
  nn_net *net = nn_net_new (&in, 1);
  nn_error err;
  bool yes;

  cfg->in_channels = c_in;
  if (nn_net_append (net, cfg, &err) != NN_OK)
    g_error ("%s", err.message);
  g_assert_cmpint (net->first_error, ==, -1);
  yes = nn_winograd_applies (net, 0);
  nn_net_free (net);
  return yes;
}

static void
test_applies (void)
{
  nn_layer_config cfg;

  nn_set_winograd (NN_WINOGRAD_AUTO);
  nn_layer_config_init (&cfg, NN_LAYER_CONV2D);
  cfg.out_channels = 64;
  cfg.kernel_size[0] = cfg.kernel_size[1] = 3;
  cfg.padding[0] = cfg.padding[1] = 1;
  /* VGG-16's layers: 224..14 Winograd, the first conv im2col */
  g_assert_true (applies_to (&cfg, 64, 224));
  g_assert_true (applies_to (&cfg, 64, 28));
  g_assert_true (applies_to (&cfg, 64, 24));    /* 36 tiles */
  g_assert_true (applies_to (&cfg, 64, 14));    /* 16 tiles */
  g_assert_false (applies_to (&cfg, 64, 12));   /* 9 tiles per image: thin GEMMs */
  g_assert_false (applies_to (&cfg, 3, 224));   /* VGG-16's first conv: thin GEMMs */
  g_assert_false (applies_to (&cfg, 64, 2));    /* outputs smaller than a tile */
  cfg.stride[0] = 2;
  g_assert_false (applies_to (&cfg, 64, 56));
  cfg.stride[0] = 1;
  cfg.dilation[1] = 2;
  g_assert_false (applies_to (&cfg, 64, 56));
  cfg.dilation[1] = 1;
  cfg.groups = 2;
  g_assert_false (applies_to (&cfg, 64, 56));
  cfg.groups = 1;
  cfg.kernel_size[0] = 5;
  g_assert_false (applies_to (&cfg, 64, 56));
  cfg.kernel_size[0] = 3;
  nn_set_winograd (NN_WINOGRAD_ALWAYS);
  g_assert_true (applies_to (&cfg, 3, 56));
  g_assert_true (applies_to (&cfg, 64, 2));
  g_assert_true (applies_to (&cfg, 64, 14));
  nn_set_winograd (NN_WINOGRAD_OFF);
  g_assert_false (applies_to (&cfg, 64, 56));
  nn_set_winograd (NN_WINOGRAD_AUTO);
}

/* ---------------------------------------------------------------- Inf and NaN */

/* One NaN and one Inf in the input: PyTorch's pattern (NaN or Inf only in the 3x3
 * windows that read them), which Winograd's tiles would smear over 4x4 blocks. */
static void
test_nonfinite (void)
{
  spec s = { 2, 16, 13, 11, 16, 1, 1, true, false };
  nn_net *net = conv_net (&s, false);
  nn_tensor *x = nn_tensor_new_4d (s.n, s.c_in, s.h, s.w, NULL);
  nn_tensor *got, *ref;
  int64_t n_nan = 0;

  nn_tensor_fill_uniform (x, 5, -1.0f, 1.0f);
  x->data[3 * s.h * s.w + 5 * s.w + 6] = NAN;
  x->data[(s.c_in + 2) * s.h * s.w + 2] = INFINITY;
  ref = run_mode (net, x, NN_WINOGRAD_OFF, false);
  for (int64_t i = 0; i < nn_tensor_numel (ref); i++)
    n_nan += isnan (ref->data[i]);
  g_assert_cmpint (n_nan, >, 0);
  got = run_mode (net, x, NN_WINOGRAD_ALWAYS, false);
  check_close (got, ref, WG_TOL, "Inf/NaN input");
  nn_tensor_free (got);
  nn_tensor_free (ref);
  nn_tensor_free (x);
  nn_net_free (net);
}

/* ---------------------------------------------------------------- fused MaxPool2d */

/* NaN-aware bit equality */
static void
assert_same (const nn_tensor *a, const nn_tensor *b, const char *what)
{
  g_assert_cmpint (nn_tensor_numel (a), ==, nn_tensor_numel (b));
  for (int64_t i = 0; i < nn_tensor_numel (a); i++)
    if (!(a->data[i] == b->data[i] || (isnan (a->data[i]) && isnan (b->data[i]))))
      {
        g_test_fail_printf ("%s: element %" G_GINT64_FORMAT ": %g != %g", what, i,
                            a->data[i], b->data[i]);
        return;
      }
}

/* Conv2d + ReLU + MaxPool2d(2) without activations kept (pooled in Winograd's output
 * transform, or after Winograd gave up on a NaN: im2col pooled in cache, or for a conv
 * too big for that, conv then pool) gives the layer-by-layer run's numbers exactly. */
static void
test_fused_pool (void)
{
  static const struct { spec s; bool winograd_pools; } cases[] = {
    { { 2, 16, 24, 24, 16, 1, 1, true, true }, true },      /* whole tiles */
    { { 3, 16, 28, 28, 24, 0, 0, false, true }, true },     /* 26x26: half tiles */
    { { 1, 16, 200, 200, 16, 1, 1, true, true }, true },    /* NaN: conv then pool */
    { { 2, 16, 27, 27, 16, 1, 1, true, true }, false },     /* odd: pooled by im2col */
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      const spec *s = &cases[c].s;
      nn_net *net = conv_net (s, true);
      nn_tensor *x = nn_tensor_new_4d (s->n, s->c_in, s->h, s->w, NULL);
      nn_layer_config cfg;
      nn_error err;

      nn_layer_config_init (&cfg, NN_LAYER_MAXPOOL2D);
      cfg.kernel_size[0] = cfg.kernel_size[1] = 2;
      cfg.stride[0] = cfg.stride[1] = 2;
      if (nn_net_append (net, &cfg, &err) != NN_OK)
        g_error ("%s", err.message);
      g_assert_true (nn_winograd_applies (net, 0));
      g_assert_cmpint (nn_winograd_pool_fusable (net, 0, 2), ==, cases[c].winograd_pools);
      nn_tensor_fill_uniform (x, 40 + c, -1.0f, 1.0f);
      for (int nan = 0; nan < 2; nan++)
        {
          g_autofree char *what = g_strdup_printf ("case %u%s", c, nan ? ", NaN" : "");
          nn_tensor *fused, *layers;

          if (nan)
            x->data[s->h * s->w + 5 * s->w + 6] = NAN;
          fused = run_mode (net, x, NN_WINOGRAD_AUTO, false);
          layers = run_mode (net, x, NN_WINOGRAD_AUTO, true);
          assert_same (fused, layers, what);
          nn_tensor_free (fused);
          nn_tensor_free (layers);
        }
      nn_tensor_free (x);
      nn_net_free (net);
    }
}

/* ---------------------------------------------------------------- training */

/* Training's forward goes through the same Conv2d: the loss and gradients of a small
 * conv net must agree with Winograd on and off. */
static double
train_gradients (nn_net *net, const nn_tensor *x, const int64_t *labels,
                 nn_winograd_mode mode, nn_tensor **gw, nn_tensor **gx)
{
  nn_optim_config optim;
  nn_batch batch = { x, labels, NULL };
  nn_trainer *tr;
  nn_error err;
  double loss = 0.0;

  nn_optim_config_init (&optim, NN_OPTIM_SGD);
  tr = nn_trainer_new (net, NN_LOSS_CROSS_ENTROPY, &optim, 1, &err);
  g_assert_nonnull (tr);
  nn_set_winograd (mode);
  if (nn_trainer_gradients (tr, &batch, &loss, gx, &err) != NN_OK)
    g_error ("gradients: %s", err.message);
  nn_set_winograd (NN_WINOGRAD_AUTO);
  *gw = nn_tensor_copy (net->layers[0].grad_weight, NULL);
  nn_trainer_free (tr);
  return loss;
}

static void
test_training (void)
{
  spec s = { 4, 16, 10, 10, 16, 1, 1, true, true };
  nn_net *net = conv_net (&s, true);
  nn_tensor *x = nn_tensor_new_4d (s.n, s.c_in, s.h, s.w, NULL);
  int64_t labels[4] = { 1, 0, 3, 2 };
  nn_tensor *gx_on = NULL, *gx_off = NULL, *gw_on = NULL, *gw_off = NULL;
  nn_layer_config cfg;
  double loss_on, loss_off;
  nn_error err;

  nn_layer_config_init (&cfg, NN_LAYER_FLATTEN);
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  nn_layer_config_init (&cfg, NN_LAYER_LINEAR);
  cfg.out_features = 4;
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, ==, -1);
  nn_tensor_fill_uniform (x, 17, -1.0f, 1.0f);
  loss_on = train_gradients (net, x, labels, NN_WINOGRAD_ALWAYS, &gw_on, &gx_on);
  loss_off = train_gradients (net, x, labels, NN_WINOGRAD_OFF, &gw_off, &gx_off);
  g_assert_cmpfloat_with_epsilon (loss_on, loss_off, 1e-5 * (1.0 + fabs (loss_off)));
  check_close (gw_on, gw_off, WG_TOL, "grad weight");
  check_close (gx_on, gx_off, WG_TOL, "grad input");
  nn_tensor_free (gw_on);
  nn_tensor_free (gw_off);
  nn_tensor_free (gx_on);
  nn_tensor_free (gx_off);
  nn_tensor_free (x);
  nn_net_free (net);
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) names = NULL;

  g_test_init (&argc, &argv, NULL);
  nn_set_num_threads (2);
  names = test_add_fixture_tests ("winograd", "/engine/winograd/pytorch", 9, test_fixture);
  g_test_add_data_func ("/engine/winograd/random-vs-direct/base",
                        GINT_TO_POINTER (NN_SIMD_BASE), test_random_vs_direct);
  g_test_add_data_func ("/engine/winograd/random-vs-direct/avx2",
                        GINT_TO_POINTER (NN_SIMD_AVX2), test_random_vs_direct);
  g_test_add_data_func ("/engine/winograd/random-vs-direct/avx512",
                        GINT_TO_POINTER (NN_SIMD_AVX512), test_random_vs_direct);
  g_test_add_func ("/engine/winograd/chunks-vs-im2col", test_chunks_vs_im2col);
  g_test_add_func ("/engine/winograd/applies", test_applies);
  g_test_add_func ("/engine/winograd/inf-nan", test_nonfinite);
  g_test_add_func ("/engine/winograd/fused-pool", test_fused_pool);
  g_test_add_func ("/engine/winograd/training", test_training);
  return g_test_run ();
}
