/* test-train.c - backward pass, losses and optimizers against PyTorch and on their own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every directory under tests/data/train/ (written by
 * tests/reference/make-train-reference.py) gives tests of autograd's gradients (train and
 * eval mode) and of the weights after a few steps of each optimizer. Beside those: a
 * finite-difference check that needs no PyTorch, Dropout's mask and scale, abort,
 * refusals, memory reuse, learning a separable problem, and nn_net_evaluate.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "train-private.h"

/* ---------------------------------------------------------------- helpers */

static char *
train_path (const char *name, const char *file)
{
  return g_test_build_filename (G_TEST_DIST, "data", "train", name, file, NULL);
}

static nn_tensor *
load_npy (const char *name, const char *file)
{
  g_autofree char *path = train_path (name, file);
  nn_tensor *t = NULL;
  nn_error err;

  if (nn_npy_read (path, &t, &err) != NN_OK)
    g_error ("%s", err.message);
  return t;
}

static nn_net *
load_net (const char *name)
{
  g_autofree char *path = train_path (name, "model.h5");
  nn_net *net = NULL;
  nn_error err;

  if (nn_model_open (path, &net, &err) != NN_OK)
    g_error ("%s", err.message);
  g_assert_cmpint (net->first_error, ==, -1);
  return net;
}

/* max |got - ref| <= tol * (1 + max |ref|) */
static void
assert_close (const float *got, const nn_tensor *ref, double tol, const char *what)
{
  int64_t n = nn_tensor_numel (ref);
  double max_err = 0.0, max_ref = 0.0;

  for (int64_t i = 0; i < n; i++)
    {
      double e = fabs ((double) got[i] - ref->data[i]);

      if (isnan (got[i]) || isnan (ref->data[i]))
        e = INFINITY;
      max_err = e > max_err ? e : max_err;
      max_ref = fabs (ref->data[i]) > max_ref ? fabs (ref->data[i]) : max_ref;
    }
  if (max_err > tol * (1.0 + max_ref))
    g_test_fail_printf ("%s: max abs error %g exceeds %g (max |ref| %g)", what, max_err,
                        tol * (1.0 + max_ref), max_ref);
  g_test_message ("%s: max abs error %g (max |ref| %g)", what, max_err, max_ref);
}

static void
assert_close_scalar (double got, double ref, double tol, const char *what)
{
  if (!(fabs (got - ref) <= tol * (1.0 + fabs (ref))))
    g_test_fail_printf ("%s: %.9g, PyTorch %.9g", what, got, ref);
}

#define GRAD_TOL 1e-4
#define STEP_TOL 1e-4

/* A case's loss, labels or target (labels freed by the caller) */
typedef struct fixture {
  char *name;
  nn_loss_kind loss;
  int steps;
  nn_tensor *x, *target;
  int64_t *labels;
  nn_batch batch;
} fixture;

static void
fixture_load (fixture *f, const char *name)
{
  g_autofree char *path = train_path (name, "train.txt");
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  memset (f, 0, sizeof *f);
  f->name = g_strdup (name);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "loss "));
  f->loss = g_str_equal (lines[0] + 5, "mse") ? NN_LOSS_MSE : NN_LOSS_CROSS_ENTROPY;
  g_assert_true (g_str_has_prefix (lines[1], "steps "));
  f->steps = atoi (lines[1] + 6);
  f->x = load_npy (name, "input.npy");
  if (f->loss == NN_LOSS_MSE)
    f->target = load_npy (name, "target.npy");
  else
    {
      nn_tensor *l = load_npy (name, "labels.npy");

      f->labels = g_new (int64_t, nn_tensor_numel (l));
      for (int64_t i = 0; i < nn_tensor_numel (l); i++)
        f->labels[i] = (int64_t) l->data[i];
      nn_tensor_free (l);
    }
  f->batch = (nn_batch) { .x = f->x, .labels = f->labels, .target = f->target };
}

static void
fixture_clear (fixture *f)
{
  nn_tensor_free (f->x);
  nn_tensor_free (f->target);
  g_free (f->labels);
  g_free (f->name);
}

static nn_trainer *
new_trainer (nn_net *net, nn_loss_kind loss, const nn_optim_config *optim)
{
  nn_error err;
  nn_trainer *tr = nn_trainer_new (net, loss, optim, 1, &err);

  if (tr == NULL)
    g_error ("nn_trainer_new: %s", err.message);
  return tr;
}

/* ---------------------------------------------------------------- gradients */

static void
compare_gradients (const char *name, const char *sub, bool training)
{
  g_autofree char *dir = sub != NULL ? g_build_filename (name, sub, NULL) : g_strdup (name);
  fixture f;
  nn_net *net = load_net (name);
  nn_optim_config oc;
  nn_trainer *tr;
  nn_tensor *gx = NULL, *ref;
  nn_param *params = NULL;
  double loss;
  nn_error err;
  int n, checked = 0;

  fixture_load (&f, name);
  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  tr = new_trainer (net, f.loss, &oc);
  nn_trainer_set_training (tr, training);
  if (nn_trainer_gradients (tr, &f.batch, &loss, &gx, &err) != NN_OK)
    g_error ("%s: %s", name, err.message);
  ref = load_npy (dir, "loss.npy");
  assert_close_scalar (loss, ref->data[0], 1e-5, "loss");
  nn_tensor_free (ref);
  ref = load_npy (dir, "grad-input.npy");
  g_assert_true (nn_tensor_same_shape (gx, ref));
  assert_close (gx->data, ref, GRAD_TOL, "grad input");
  nn_tensor_free (ref);
  n = nn_net_params (net, &params);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *file = g_strdup_printf ("grad-%s.npy", params[i].key);
      nn_layer *l = &net->layers[params[i].layer];
      nn_tensor *got;

      if (!params[i].trainable)
        continue;
      got = g_str_equal (params[i].name, "weight") ? l->grad_weight : l->grad_bias;
      g_assert_nonnull (got);
      ref = load_npy (dir, file);
      g_assert_true (nn_tensor_same_shape (got, ref));
      assert_close (got->data, ref, GRAD_TOL, file);
      nn_tensor_free (ref);
      checked++;
    }
  g_assert_cmpint (checked, >, 0);
  free (params);
  nn_tensor_free (gx);
  nn_trainer_free (tr);
  nn_net_free (net);
  fixture_clear (&f);
}

static void
test_gradients (gconstpointer data)
{
  compare_gradients (data, NULL, true);
}

static void
test_gradients_eval (gconstpointer data)
{
  compare_gradients (data, "eval", false);
}

/* ---------------------------------------------------------------- optimizer steps */

/* "optim NAME kind=sgd lr=0.05 ..." of train.txt */
static bool
find_optim (const char *name, const char *optim, nn_optim_config *oc)
{
  g_autofree char *path = train_path (name, "train.txt");
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) w = g_strsplit (lines[i], " ", -1);

      if (g_strv_length (w) < 3 || !g_str_equal (w[0], "optim") || !g_str_equal (w[1], optim))
        continue;
      nn_optim_config_init (oc, g_str_equal (w[2], "kind=adam") ? NN_OPTIM_ADAM : NN_OPTIM_SGD);
      for (int j = 3; w[j] != NULL; j++)
        {
          g_auto (GStrv) kv = g_strsplit (w[j], "=", 2);
          double v = g_ascii_strtod (kv[1], NULL);
          const char *keys[] = { "lr", "momentum", "dampening", "weight_decay", "beta1",
                                 "beta2", "eps" };
          double *dst[] = { &oc->lr, &oc->momentum, &oc->dampening, &oc->weight_decay,
                            &oc->beta1, &oc->beta2, &oc->eps };

          if (g_str_equal (kv[0], "nesterov"))
            oc->nesterov = v != 0.0;
          for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
            if (g_str_equal (kv[0], keys[k]))
              *dst[k] = v;
        }
      return true;
    }
  return false;
}

static void
compare_state (nn_net *net, const char *dir)
{
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);

  for (int i = 0; i < n; i++)
    {
      g_autofree char *file = g_strdup_printf ("%s.npy", params[i].key);
      nn_tensor *ref = load_npy (dir, file);

      if (params[i].count != NULL)
        g_assert_cmpint (*params[i].count, ==, (int64_t) ref->data[0]);
      else
        assert_close (params[i].tensor->data, ref, STEP_TOL, file);
      nn_tensor_free (ref);
    }
  free (params);
}

static void
test_steps (gconstpointer data)
{
  g_auto (GStrv) parts = g_strsplit (data, "/", 2);
  g_autofree char *dir = g_build_filename (parts[0], parts[1], NULL);
  fixture f;
  nn_net *net = load_net (parts[0]);
  nn_optim_config oc;
  nn_trainer *tr;
  nn_tensor *losses;
  nn_run_opts opts = { .n_threads = 2 };

  fixture_load (&f, parts[0]);
  g_assert_true (find_optim (parts[0], parts[1], &oc));
  tr = new_trainer (net, f.loss, &oc);
  losses = load_npy (dir, "losses.npy");
  g_assert_cmpint (nn_tensor_numel (losses), ==, f.steps);
  for (int s = 0; s < f.steps; s++)
    {
      g_autofree char *what = g_strdup_printf ("loss before step %d", s + 1);
      double loss;
      nn_error err;

      if (nn_trainer_step (tr, &f.batch, &opts, &loss, NULL, &err) != NN_OK)
        g_error ("%s: %s", (const char *) data, err.message);
      assert_close_scalar (loss, losses->data[s], 1e-5, what);
    }
  compare_state (net, dir);
  nn_tensor_free (losses);
  nn_trainer_free (tr);
  nn_net_free (net);
  fixture_clear (&f);
}

static const char *const optim_names[] = {
  "sgd-nesterov", "sgd-dampening", "sgd-plain", "adam", "adam-wd",
};

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* One test per fixture and per (fixture, optimizer); returns the strings the tests use */
static GPtrArray *
add_reference_tests (void)
{
  g_autofree char *root = g_test_build_filename (G_TEST_DIST, "data", "train", NULL);
  g_autoptr (GDir) dir = g_dir_open (root, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  guint n_cases;
  const char *name;

  if (dir == NULL)
    g_error ("no training fixtures in %s", root);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  n_cases = names->len;
  g_assert_cmpuint (n_cases, >=, 5);
  for (guint i = 0; i < n_cases; i++)
    {
      const char *c = names->pdata[i];
      g_autofree char *p1 = g_strdup_printf ("/engine/train/ref/%s/gradients", c);
      g_autofree char *p2 = g_strdup_printf ("/engine/train/ref/%s/gradients-eval", c);

      g_test_add_data_func (p1, c, test_gradients);
      g_test_add_data_func (p2, c, test_gradients_eval);
      for (guint k = 0; k < G_N_ELEMENTS (optim_names); k++)
        {
          char *both = g_strdup_printf ("%s/%s", c, optim_names[k]);
          g_autofree char *p3 = g_strdup_printf ("/engine/train/ref/%s", both);

          g_ptr_array_add (names, both);
          g_test_add_data_func (p3, both, test_steps);
        }
    }
  return names;
}

/* ---------------------------------------------------------------- tiny networks */

static void
append (nn_net *net, const nn_layer_config *cfg)
{
  nn_error err;

  if (nn_net_append (net, cfg, &err) != NN_OK)
    g_error ("%s", err.message);
}

/* A small smooth network touching Conv2d (groups, stride, padding, dilation), BatchNorm2d,
 * the smooth activations, AvgPool2d, Softmax, Linear */
static nn_net *
tiny_net (void)
{
  nn_shape in = nn_shape_chw (2, 7, 7);
  nn_net *net = nn_net_new (&in, 11);
  nn_layer_config c;

  nn_layer_config_init (&c, NN_LAYER_CONV2D);
  c.out_channels = 4, c.groups = 2, c.kernel_size[0] = 3, c.kernel_size[1] = 2;
  c.padding[0] = 1, c.dilation[1] = 2, c.stride[0] = 2;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_BATCHNORM2D);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_TANH);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_AVGPOOL2D);
  c.kernel_size[0] = c.kernel_size[1] = 2, c.stride[0] = c.stride[1] = 1, c.ceil_mode = true;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_SOFTMAX);
  c.dim = 1;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_FLATTEN);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_LINEAR);
  c.out_features = 5;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_SIGMOID);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_LINEAR);
  c.out_features = 3;
  append (net, &c);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  return net;
}

static double
loss_of (nn_trainer *tr, const nn_batch *b)
{
  double loss;
  nn_error err;

  if (nn_trainer_gradients (tr, b, &loss, NULL, &err) != NN_OK)
    g_error ("%s", err.message);
  return loss;
}

/* Central difference of the loss in one float of *v against the analytic gradient */
static void
check_entry (nn_trainer *tr, const nn_batch *b, float *v, float analytic, const char *what)
{
  float saved = *v, h = 1e-2f;
  double plus, minus, numeric;

  *v = saved + h;
  plus = loss_of (tr, b);
  *v = saved - h;
  minus = loss_of (tr, b);
  *v = saved;
  numeric = (plus - minus) / (2.0 * h);
  if (fabs (numeric - analytic) > 2e-3 + 2e-2 * fabs (numeric))
    g_test_fail_printf ("%s: numeric %g, analytic %g", what, numeric, analytic);
}

static void
test_finite_differences (void)
{
  nn_net *net = tiny_net ();
  nn_tensor *x = nn_tensor_new_4d (4, 2, 7, 7, NULL), *gx = NULL;
  int64_t labels[4] = { 0, 2, 1, 2 };
  nn_batch b = { .x = x, .labels = labels };
  nn_optim_config oc;
  nn_trainer *tr;
  nn_param *params = NULL;
  nn_error err;
  int n;

  nn_tensor_fill_normal (x, 5);
  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  tr = new_trainer (net, NN_LOSS_CROSS_ENTROPY, &oc);
  g_assert_cmpint (nn_trainer_gradients (tr, &b, NULL, &gx, &err), ==, NN_OK);
  n = nn_net_params (net, &params);
  for (int i = 0; i < n; i++)
    {
      nn_layer *l = &net->layers[params[i].layer];
      nn_tensor *g;

      if (!params[i].trainable)
        continue;
      g = g_str_equal (params[i].name, "weight") ? l->grad_weight : l->grad_bias;
      /* keep the analytic values: every loss evaluation overwrites the gradients */
      g = nn_tensor_copy (g, NULL);
      for (int64_t k = 0; k < nn_tensor_numel (g); k += 1 + nn_tensor_numel (g) / 6)
        check_entry (tr, &b, &params[i].tensor->data[k], g->data[k], params[i].key);
      nn_tensor_free (g);
    }
  for (int64_t k = 0; k < nn_tensor_numel (x); k += 13)
    check_entry (tr, &b, &x->data[k], gx->data[k], "input");
  free (params);
  nn_tensor_free (gx);
  nn_tensor_free (x);
  nn_trainer_free (tr);
  nn_net_free (net);
}

/* ---------------------------------------------------------------- Dropout */

static nn_net *
dropout_net (int64_t features, double p)
{
  nn_shape in = nn_shape_f (features);
  nn_net *net = nn_net_new (&in, 3);
  nn_layer_config c;

  nn_layer_config_init (&c, NN_LAYER_DROPOUT);
  c.p = p;
  append (net, &c);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  return net;
}

/* y = mask * x / (1 - p), dx = mask * dy / (1 - p) with dy = 2 y / numel (MSE to 0) */
static void
check_dropout (double p, uint64_t seed, bool training, double *drop_rate)
{
  const int64_t n = 4, f = 5000;
  nn_net *net = dropout_net (f, p);
  nn_tensor *x = nn_tensor_new_4d (n, f, 1, 1, NULL), *zero, *gx = NULL;
  nn_batch b;
  nn_optim_config oc;
  nn_trainer *tr;
  float scale = p < 1.0 ? (float) (1.0 / (1.0 - p)) : 0.0f;
  int64_t dropped = 0;
  const float *y;

  x->n_dims = 2, x->shape[1] = f;
  zero = nn_tensor_copy (x, NULL);
  nn_tensor_fill_uniform (x, 9, 0.5f, 1.5f);
  nn_tensor_fill (zero, 0.0f);
  b = (nn_batch) { .x = x, .target = zero };
  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  tr = nn_trainer_new (net, NN_LOSS_MSE, &oc, seed, NULL);
  g_assert_nonnull (tr);
  nn_trainer_set_training (tr, training);
  g_assert_cmpint (nn_trainer_gradients (tr, &b, NULL, &gx, NULL), ==, NN_OK);
  y = tr->acts[1];
  for (int64_t i = 0; i < n * f; i++)
    {
      float dy = (float) (2.0 * y[i] / (double) (n * f));

      if (!training)
        g_assert_cmpfloat (y[i], ==, x->data[i]);
      else if (y[i] == 0.0f)
        dropped++;
      else
        g_assert_cmpfloat (y[i], ==, x->data[i] * scale);
      g_assert_cmpfloat (gx->data[i], ==, training ? (y[i] == 0.0f ? 0.0f : dy * scale) : dy);
    }
  *drop_rate = (double) dropped / (double) (n * f);
  nn_tensor_free (gx);
  nn_tensor_free (x);
  nn_tensor_free (zero);
  nn_trainer_free (tr);
  nn_net_free (net);
}

static void
test_dropout (void)
{
  const double ps[] = { 0.0, 0.1, 0.5, 0.8, 1.0 };
  double rate, other;

  for (guint i = 0; i < G_N_ELEMENTS (ps); i++)
    {
      /* 20000 draws: 5 standard deviations of the binomial rate */
      double tol = 5.0 * sqrt (ps[i] * (1.0 - ps[i]) / 20000.0) + 1e-12;

      check_dropout (ps[i], 7, true, &rate);
      g_assert_cmpfloat (fabs (rate - ps[i]), <=, tol);
      check_dropout (ps[i], 7, false, &rate);
      g_assert_cmpfloat (rate, ==, 0.0);
    }
  /* the seed decides the mask: same seed, same rate; another seed, another mask */
  check_dropout (0.5, 7, true, &rate);
  check_dropout (0.5, 7, true, &other);
  g_assert_cmpfloat (rate, ==, other);
  check_dropout (0.5, 8, true, &other);
  g_assert_cmpfloat (rate, !=, other);
}

/* MaxPool2d(2) routes to PyTorch's arg-max: the first of equal maxima, the last NaN,
 * the first tap of an all -inf window */
static void
test_maxpool_routing (void)
{
  nn_shape in = nn_shape_chw (1, 2, 8);
  nn_net *net = nn_net_new (&in, 1);
  nn_tensor *x = nn_tensor_new_4d (1, 1, 2, 8, NULL), *t = nn_tensor_new_4d (1, 1, 1, 4, NULL);
  nn_tensor *gx = NULL;
  const float row0[8] = { 1, NAN, -INFINITY, -INFINITY, 0, 0, 0.5f, 3 };
  const float row1[8] = { 2, NAN, -INFINITY, -INFINITY, 0, 0, 3, 1 };
  nn_batch b = { .x = x, .target = t };
  nn_layer_config c;
  nn_optim_config oc;
  nn_trainer *tr;

  nn_layer_config_init (&c, NN_LAYER_MAXPOOL2D);
  append (net, &c);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  memcpy (x->data, row0, sizeof row0);
  memcpy (x->data + 8, row1, sizeof row1);
  nn_tensor_fill (t, -1.0f);
  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  tr = new_trainer (net, NN_LOSS_MSE, &oc);
  g_assert_cmpint (nn_trainer_gradients (tr, &b, NULL, &gx, NULL), ==, NN_OK);
  for (int i = 0; i < 16; i++)
    {
      bool want = i == 9 || i == 2 || i == 4 || i == 7;

      g_assert_cmpint (gx->data[i] != 0.0f, ==, want);
    }
  g_assert_true (isnan (gx->data[9]));
  g_assert_cmpfloat (gx->data[4], ==, 0.5f);
  g_assert_cmpfloat (gx->data[7], ==, 2.0f);
  nn_tensor_free (gx);
  nn_tensor_free (x);
  nn_tensor_free (t);
  nn_trainer_free (tr);
  nn_net_free (net);
}

/* ---------------------------------------------------------------- abort, refusals */

static int abort_countdown;

static bool
abort_when_zero (void *data)
{
  return abort_countdown-- <= 0;
}

/* all state_dict floats and counters of net, concatenated */
static GArray *
snapshot (const nn_net *net)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (float));
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);

  for (int i = 0; i < n; i++)
    {
      if (params[i].tensor != NULL)
        g_array_append_vals (a, params[i].tensor->data, (guint) nn_tensor_numel (params[i].tensor));
      else
        {
          float c = (float) *params[i].count;

          g_array_append_val (a, c);
        }
    }
  free (params);
  return a;
}

static bool
same_snapshot (GArray *a, GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (float)) == 0;
}

static void
test_abort (void)
{
  nn_net *net = tiny_net (), *copy;
  nn_tensor *x = nn_tensor_new_4d (3, 2, 7, 7, NULL);
  int64_t labels[3] = { 2, 0, 1 };
  nn_batch b = { .x = x, .labels = labels };
  nn_run_opts opts = { .abort_cb = abort_when_zero };
  nn_optim_config oc;
  nn_trainer *tr, *fresh;
  GArray *before, *after, *want;
  nn_error err;

  nn_tensor_fill_normal (x, 3);
  nn_optim_config_init (&oc, NN_OPTIM_ADAM);
  copy = nn_net_copy (net, NULL);
  tr = new_trainer (net, NN_LOSS_CROSS_ENTROPY, &oc);
  fresh = new_trainer (copy, NN_LOSS_CROSS_ENTROPY, &oc);
  before = snapshot (net);
  /* abort before every layer of the forward (9) and of the backward (9) in turn */
  for (int k = 0; k < 2 * net->n_layers; k++)
    {
      abort_countdown = k;
      g_assert_cmpint (nn_trainer_step (tr, &b, &opts, NULL, NULL, &err), ==,
                       NN_STATUS_ABORTED);
      g_assert_cmpint (err.status, ==, NN_STATUS_ABORTED);
      after = snapshot (net);
      g_assert_true (same_snapshot (before, after));
      g_array_unref (after);
    }
  /* the optimizer state did not move either: the next step equals a fresh trainer's */
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, NULL), ==, NN_OK);
  g_assert_cmpint (nn_trainer_step (fresh, &b, NULL, NULL, NULL, NULL), ==, NN_OK);
  after = snapshot (net);
  want = snapshot (copy);
  g_assert_false (same_snapshot (before, after));
  g_assert_true (same_snapshot (want, after));
  g_array_unref (before);
  g_array_unref (after);
  g_array_unref (want);
  nn_trainer_free (tr);
  nn_trainer_free (fresh);
  nn_tensor_free (x);
  nn_net_free (net);
  nn_net_free (copy);
}

static void
test_refuses (void)
{
  nn_shape in = nn_shape_chw (1, 8, 8);
  nn_net *net = nn_net_new (&in, 1);
  nn_layer_config c;
  nn_optim_config oc;
  nn_error err;

  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  /* no layers */
  g_assert_null (nn_trainer_new (net, NN_LOSS_MSE, &oc, 1, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_INVALID_ARG);
  /* cross-entropy on a [N, C, H, W] output */
  nn_layer_config_init (&c, NN_LAYER_CONV2D);
  c.out_channels = 2;
  append (net, &c);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  g_assert_null (nn_trainer_new (net, NN_LOSS_CROSS_ENTROPY, &oc, 1, &err));
  g_assert_cmpint (err.status, ==, NN_STATUS_SHAPE);
  g_assert_nonnull (strstr (err.message, "CrossEntropyLoss"));
  /* a shape error: Linear on the wrong number of features */
  nn_layer_config_init (&c, NN_LAYER_FLATTEN);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_LINEAR);
  c.in_features = 100;
  append (net, &c);
  g_assert_cmpint (net->first_error, ==, 2);
  g_assert_null (nn_trainer_new (net, NN_LOSS_CROSS_ENTROPY, &oc, 1, &err));
  g_assert_cmpint (err.layer, ==, 2);
  g_assert_nonnull (strstr (err.message, "shape error"));
  g_assert_nonnull (strstr (err.message, "layer 2 (Linear)"));
  /* impossible optimizer settings, as torch.optim refuses them */
  nn_net_remove (net, 2, NULL);
  oc.nesterov = true;
  g_assert_null (nn_trainer_new (net, NN_LOSS_MSE, &oc, 1, &err));
  g_assert_nonnull (strstr (err.message, "Nesterov"));
  nn_optim_config_init (&oc, NN_OPTIM_ADAM);
  oc.beta1 = 1.0;
  g_assert_null (nn_trainer_new (net, NN_LOSS_MSE, &oc, 1, &err));
  oc.beta1 = 0.9, oc.lr = -1.0;
  g_assert_null (nn_trainer_new (net, NN_LOSS_MSE, &oc, 1, &err));
  nn_net_free (net);
}

/* bad labels, wrong shapes, a changed network, the memory budget: errors, no change */
static void
test_bad_batches (void)
{
  nn_net *net = tiny_net ();
  nn_tensor *x = nn_tensor_new_4d (2, 2, 7, 7, NULL), *wrong = nn_tensor_new_4d (2, 3, 7, 7, NULL);
  int64_t labels[2] = { 0, 3 };
  nn_batch b = { .x = x, .labels = labels };
  nn_optim_config oc;
  nn_trainer *tr;
  GArray *before, *after;
  nn_layer_config c;
  nn_error err;
  uint64_t budget = nn_memory_budget ();

  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  tr = new_trainer (net, NN_LOSS_CROSS_ENTROPY, &oc);
  before = snapshot (net);
  /* the buffers are checked against the budget before they are allocated */
  nn_set_memory_budget (1000);
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, &err), ==, NN_STATUS_TOO_LARGE);
  g_assert_nonnull (strstr (err.message, "budget"));
  nn_set_memory_budget (budget);
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_nonnull (strstr (err.message, "label 3 of sample 1"));
  labels[1] = -1;
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, &err), ==, NN_STATUS_INVALID_ARG);
  b.labels = NULL;
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, &err), ==, NN_STATUS_INVALID_ARG);
  labels[1] = 1;
  b = (nn_batch) { .x = wrong, .labels = labels };
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, &err), ==, NN_STATUS_SHAPE);
  g_assert_nonnull (strstr (err.message, "[2, 3, 7, 7]"));
  b.x = x;
  after = snapshot (net);
  g_assert_true (same_snapshot (before, after));
  g_array_unref (after);
  /* an edit invalidates the trainer */
  c = net->layers[6].cfg;
  c.out_features = 6;
  g_assert_cmpint (nn_net_set_config (net, 6, &c, NULL), ==, NN_OK);
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_nonnull (strstr (err.message, "changed"));
  g_array_unref (before);
  nn_trainer_free (tr);
  nn_tensor_free (x);
  nn_tensor_free (wrong);
  nn_net_free (net);
}

/* BatchNorm2d: gradients() changes nothing, a step counts one batch, one value per
 * channel is refused as by PyTorch */
static void
test_batchnorm_state (void)
{
  nn_shape in = nn_shape_chw (3, 1, 1);
  nn_net *net = nn_net_new (&in, 2);
  nn_tensor *x = nn_tensor_new_4d (2, 3, 1, 1, NULL), *target = nn_tensor_new_4d (2, 3, 1, 1, NULL);
  nn_batch b = { .x = x, .target = target };
  nn_layer_config c;
  nn_optim_config oc;
  nn_trainer *tr;
  GArray *before, *after;
  nn_error err;

  nn_layer_config_init (&c, NN_LAYER_BATCHNORM2D);
  append (net, &c);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  nn_tensor_fill_normal (x, 1);
  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  tr = new_trainer (net, NN_LOSS_MSE, &oc);
  before = snapshot (net);
  g_assert_cmpint (nn_trainer_gradients (tr, &b, NULL, NULL, &err), ==, NN_OK);
  after = snapshot (net);
  g_assert_true (same_snapshot (before, after));
  g_array_unref (after);
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, &err), ==, NN_OK);
  g_assert_cmpint (net->layers[0].num_batches_tracked, ==, 1);
  /* momentum 0.1 from 0 towards the batch mean of channel 0 */
  g_assert_cmpfloat_with_epsilon (net->layers[0].running_mean->data[0],
                                  0.05 * (x->data[0] + x->data[3]), 1e-6);
  x->shape[0] = target->shape[0] = 1;
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, &err), ==, NN_STATUS_SHAPE);
  g_assert_nonnull (strstr (err.message, "more than 1 value per channel"));
  g_assert_cmpint (net->layers[0].num_batches_tracked, ==, 1);
  x->shape[0] = target->shape[0] = 2;
  g_array_unref (before);
  nn_trainer_free (tr);
  nn_tensor_free (x);
  nn_tensor_free (target);
  nn_net_free (net);
}

/* Buffers are allocated for the largest batch and reused: same pointers step after step */
static void
test_buffers_reused (void)
{
  nn_net *net = tiny_net ();
  nn_tensor *x = nn_tensor_new_4d (6, 2, 7, 7, NULL);
  int64_t labels[6] = { 0, 1, 2, 0, 1, 2 };
  nn_batch b = { .x = x, .labels = labels };
  nn_optim_config oc;
  nn_trainer *tr;
  float *acts1, *grad_a, *gw;

  nn_tensor_fill_normal (x, 1);
  nn_optim_config_init (&oc, NN_OPTIM_ADAM);
  tr = new_trainer (net, NN_LOSS_CROSS_ENTROPY, &oc);
  g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, NULL), ==, NN_OK);
  acts1 = tr->acts[1], grad_a = tr->grad_a, gw = net->layers[0].grad_weight->data;
  g_assert_cmpint (tr->capacity, ==, 6);
  for (int s = 0; s < 3; s++)
    {
      /* a smaller last batch fits the same buffers */
      x->shape[0] = s == 2 ? 4 : 6;
      g_assert_cmpint (nn_trainer_step (tr, &b, NULL, NULL, NULL, NULL), ==, NN_OK);
      g_assert_true (tr->acts[1] == acts1 && tr->grad_a == grad_a);
      g_assert_true (net->layers[0].grad_weight->data == gw);
    }
  g_assert_cmpint (tr->capacity, ==, 6);
  g_assert_cmpint (tr->step_count, ==, 4);
  x->shape[0] = 6;
  nn_trainer_free (tr);
  nn_tensor_free (x);
  nn_net_free (net);
}

/* The seed template (large enough for the parallel loops) trained with 1 and 2 threads
 * from the same start: the same numbers up to BLAS's summation order */
static void
test_threads_agree (void)
{
  nn_net *one = nn_net_new_template ("seed", 4, NULL), *two = nn_net_copy (one, NULL);
  nn_tensor *x = nn_tensor_new_4d (24, 1, 24, 24, NULL);
  int64_t labels[24];
  nn_batch b = { .x = x, .labels = labels };
  nn_optim_config oc;
  nn_trainer *t1, *t2;
  nn_run_opts o1 = { .n_threads = 1 }, o2 = { .n_threads = 2 };
  GArray *s1, *s2;
  double l1, l2, max_err = 0.0;

  nn_tensor_fill_uniform (x, 6, 0.0f, 1.0f);
  for (int i = 0; i < 24; i++)
    labels[i] = (i * 7) % 10;
  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  oc.momentum = 0.9;
  t1 = new_trainer (one, NN_LOSS_CROSS_ENTROPY, &oc);
  t2 = new_trainer (two, NN_LOSS_CROSS_ENTROPY, &oc);
  for (int s = 0; s < 2; s++)
    {
      g_assert_cmpint (nn_trainer_step (t1, &b, &o1, &l1, NULL, NULL), ==, NN_OK);
      g_assert_cmpint (nn_trainer_step (t2, &b, &o2, &l2, NULL, NULL), ==, NN_OK);
      g_assert_cmpfloat (fabs (l1 - l2), <, 1e-5);
    }
  s1 = snapshot (one);
  s2 = snapshot (two);
  g_assert_cmpuint (s1->len, ==, s2->len);
  for (guint i = 0; i < s1->len; i++)
    {
      double e = fabs (g_array_index (s1, float, i) - g_array_index (s2, float, i));

      max_err = e > max_err ? e : max_err;
    }
  g_assert_cmpfloat (max_err, <, 1e-5);
  nn_set_num_threads (1);
  g_array_unref (s1);
  g_array_unref (s2);
  nn_trainer_free (t1);
  nn_trainer_free (t2);
  nn_tensor_free (x);
  nn_net_free (one);
  nn_net_free (two);
}

/* ---------------------------------------------------------------- learning */

/* 4x4 images, class = which quadrant is bright: separable, but only through the conv */
static void
quadrant_data (int64_t n, uint64_t seed, nn_tensor **x, int64_t **labels)
{
  nn_rng rng;

  *x = nn_tensor_new_4d (n, 1, 4, 4, NULL);
  *labels = g_new (int64_t, n);
  nn_rng_seed (&rng, seed);
  for (int64_t i = 0; i < n; i++)
    {
      int64_t q = (int64_t) (nn_rng_next (&rng) % 4);
      float *img = (*x)->data + i * 16;

      (*labels)[i] = q;
      for (int p = 0; p < 16; p++)
        {
          bool in_q = (p / 4 >= 2) == (q / 2 == 1) && (p % 4 >= 2) == (q % 2 == 1);

          img[p] = (in_q ? 1.0f : 0.0f) + 0.3f * nn_rng_normal (&rng);
        }
    }
}

static nn_net *
quadrant_net (void)
{
  nn_shape in = nn_shape_chw (1, 4, 4);
  nn_net *net = nn_net_new (&in, 5);
  nn_layer_config c;

  nn_layer_config_init (&c, NN_LAYER_CONV2D);
  c.out_channels = 4, c.kernel_size[0] = c.kernel_size[1] = 2, c.stride[0] = c.stride[1] = 2;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_BATCHNORM2D);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_RELU);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_FLATTEN);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_DROPOUT);
  c.p = 0.1;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_LINEAR);
  c.out_features = 4;
  append (net, &c);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  return net;
}

static void
learn (nn_optim_kind kind)
{
  nn_net *net = quadrant_net ();
  nn_tensor *x, *vx;
  int64_t *labels, *vlabels, correct = 0, confusion[16] = { 0 }, sum = 0, diag = 0;
  nn_batch b, vb;
  nn_optim_config oc;
  nn_trainer *tr;
  double first = 0.0, loss = 0.0, vloss = 0.0;
  nn_run_opts opts = { .n_threads = 1 };
  nn_error err;

  quadrant_data (64, 1, &x, &labels);
  quadrant_data (200, 2, &vx, &vlabels);
  b = (nn_batch) { .x = x, .labels = labels };
  vb = (nn_batch) { .x = vx, .labels = vlabels };
  nn_optim_config_init (&oc, kind);
  if (kind == NN_OPTIM_SGD)
    oc.lr = 0.1, oc.momentum = 0.9;
  else
    oc.lr = 0.05;
  tr = new_trainer (net, NN_LOSS_CROSS_ENTROPY, &oc);
  for (int s = 0; s < 60; s++)
    {
      g_assert_cmpint (nn_trainer_step (tr, &b, &opts, &loss, NULL, &err), ==, NN_OK);
      if (s == 0)
        first = loss;
    }
  g_test_message ("loss %g -> %g", first, loss);
  g_assert_cmpfloat (loss, <, 0.25 * first);
  /* held-out data, inference mode */
  g_assert_cmpint (nn_net_evaluate (net, NN_LOSS_CROSS_ENTROPY, &vb, &opts, &vloss, &correct,
                                    confusion, &err), ==, NN_OK);
  for (int i = 0; i < 16; i++)
    {
      sum += confusion[i];
      diag += i % 5 == 0 ? confusion[i] : 0;
    }
  g_assert_cmpint (sum, ==, 200);
  g_assert_cmpint (diag, ==, correct);
  g_assert_cmpint (correct, >=, 190);
  g_assert_cmpfloat (vloss / 200.0, <, 0.5 * first);
  nn_trainer_free (tr);
  nn_tensor_free (x);
  nn_tensor_free (vx);
  g_free (labels);
  g_free (vlabels);
  nn_net_free (net);
}

static void
test_learn_sgd (void)
{
  learn (NN_OPTIM_SGD);
}

static void
test_learn_adam (void)
{
  learn (NN_OPTIM_ADAM);
}

/* nn_net_evaluate against the trainer's loss in eval mode and a hand count */
static void
test_evaluate (void)
{
  nn_net *net = tiny_net ();
  nn_tensor *x = nn_tensor_new_4d (7, 2, 7, 7, NULL), *target;
  int64_t labels[7] = { 0, 1, 2, 2, 1, 0, 1 }, correct = -1, confusion[9] = { 0 }, sum = 0;
  int64_t dims[2] = { 7, 3 };
  nn_batch b = { .x = x, .labels = labels };
  nn_optim_config oc;
  nn_trainer *tr;
  nn_run_result res = { 0 };
  double loss_sum, loss;
  int64_t hits = 0;

  nn_tensor_fill_normal (x, 4);
  g_assert_cmpint (nn_net_evaluate (net, NN_LOSS_CROSS_ENTROPY, &b, NULL, &loss_sum, &correct,
                                    confusion, NULL), ==, NN_OK);
  for (int i = 0; i < 9; i++)
    sum += confusion[i];
  g_assert_cmpint (sum, ==, 7);
  g_assert_cmpint (nn_net_forward (net, x, NULL, &res, NULL), ==, NN_OK);
  for (int i = 0; i < 7; i++)
    {
      const float *z = res.output->data + i * 3;
      int best = z[1] > z[0] ? 1 : 0;

      best = z[2] > z[best] ? 2 : best;
      hits += best == labels[i];
      g_assert_cmpint (confusion[labels[i] * 3 + best], >, 0);
    }
  g_assert_cmpint (correct, ==, hits);
  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  tr = new_trainer (net, NN_LOSS_CROSS_ENTROPY, &oc);
  nn_trainer_set_training (tr, false);
  loss = loss_of (tr, &b);
  g_assert_cmpfloat (fabs (loss_sum / 7.0 - loss), <, 1e-6);
  /* MSE: the sum of per-sample means; a target of the wrong shape is refused */
  target = nn_tensor_new (2, dims, NULL);
  b = (nn_batch) { .x = x, .target = target };
  g_assert_cmpint (nn_net_evaluate (net, NN_LOSS_MSE, &b, NULL, &loss_sum, &correct, NULL,
                                    NULL), ==, NN_OK);
  loss = 0.0;
  for (int64_t i = 0; i < 21; i++)
    loss += (double) res.output->data[i] * res.output->data[i];
  g_assert_cmpfloat (fabs (loss_sum - loss / 3.0), <, 1e-5 * (1.0 + loss));
  target->shape[1] = 1, target->shape[0] = 21;
  g_assert_cmpint (nn_net_evaluate (net, NN_LOSS_MSE, &b, NULL, &loss_sum, &correct, NULL,
                                    NULL), ==, NN_STATUS_SHAPE);
  nn_run_result_clear (&res);
  nn_tensor_free (target);
  nn_trainer_free (tr);
  nn_tensor_free (x);
  nn_net_free (net);
}

static void
test_defaults (void)
{
  nn_optim_config oc;

  nn_optim_config_init (&oc, NN_OPTIM_SGD);
  g_assert_cmpfloat (oc.lr, ==, 0.01);
  g_assert_cmpfloat (oc.momentum, ==, 0.0);
  g_assert_false (oc.nesterov);
  nn_optim_config_init (&oc, NN_OPTIM_ADAM);
  g_assert_cmpfloat (oc.lr, ==, 1e-3);
  g_assert_cmpfloat (oc.beta1, ==, 0.9);
  g_assert_cmpfloat (oc.beta2, ==, 0.999);
  g_assert_cmpfloat (oc.eps, ==, 1e-8);
  g_assert_cmpfloat (oc.weight_decay, ==, 0.0);
  g_assert_cmpstr (nn_loss_name (NN_LOSS_CROSS_ENTROPY), ==, "CrossEntropyLoss");
  g_assert_cmpstr (nn_loss_name (NN_LOSS_MSE), ==, "MSELoss");
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) names = NULL;

  g_test_init (&argc, &argv, NULL);
  names = add_reference_tests ();
  g_test_add_func ("/engine/train/defaults", test_defaults);
  g_test_add_func ("/engine/train/finite-differences", test_finite_differences);
  g_test_add_func ("/engine/train/dropout", test_dropout);
  g_test_add_func ("/engine/train/maxpool-routing", test_maxpool_routing);
  g_test_add_func ("/engine/train/abort", test_abort);
  g_test_add_func ("/engine/train/refuses", test_refuses);
  g_test_add_func ("/engine/train/bad-batches", test_bad_batches);
  g_test_add_func ("/engine/train/batchnorm-state", test_batchnorm_state);
  g_test_add_func ("/engine/train/buffers-reused", test_buffers_reused);
  g_test_add_func ("/engine/train/threads-agree", test_threads_agree);
  g_test_add_func ("/engine/train/learn-sgd", test_learn_sgd);
  g_test_add_func ("/engine/train/learn-adam", test_learn_adam);
  g_test_add_func ("/engine/train/evaluate", test_evaluate);
  return g_test_run ();
}
