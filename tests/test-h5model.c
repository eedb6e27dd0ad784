/* test-h5model.c - HDF5 model, weights and activation files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Round trips (architecture and bit-identical weights), strict weight loading, atomic
 * saves, the hostile files of tests/data/bad (tests/reference/make-bad-files.py), the
 * allowed variants of tests/data/good, and the h5py-written fixtures of tests/data/ref.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <hdf5.h>

#include "nn.h"

/* ---------------------------------------------------------------- helpers */

static char *
make_tmp_dir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("test-h5model-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      char *p = g_build_filename (dir, name, NULL);

      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        {
          g_chmod (p, 0755);
          remove_tree (p);
        }
      else
        g_unlink (p);
      g_free (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

static int
count_dir_entries (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  int n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

static nn_layer_config
cfg_of (nn_layer_type type)
{
  nn_layer_config c;

  nn_layer_config_init (&c, type);
  return c;
}

static void
append (nn_net *net, const nn_layer_config *c)
{
  nn_error err;

  if (nn_net_append (net, c, &err) != NN_OK)
    g_error ("append: %s", err.message);
}

/* Gives every parameter distinct, non-default values (running stats included). */
static void
scramble (nn_net *net, uint64_t seed)
{
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);

  for (int i = 0; i < n; i++)
    {
      if (params[i].tensor)
        nn_tensor_fill_uniform (params[i].tensor, seed + (uint64_t) i, 0.25f, 2.0f);
      else
        *params[i].count = (int64_t) (seed % 1000) + i;
    }
  free (params);
}

static void
assert_same_weights (const nn_net *a, const nn_net *b)
{
  nn_param *pa = NULL, *pb = NULL;
  int na = nn_net_params (a, &pa);
  int nb = nn_net_params (b, &pb);

  g_assert_cmpint (na, ==, nb);
  for (int i = 0; i < na; i++)
    {
      g_assert_cmpstr (pa[i].key, ==, pb[i].key);
      g_assert_true ((pa[i].tensor == NULL) == (pb[i].tensor == NULL));
      if (pa[i].tensor)
        {
          g_assert_true (nn_tensor_same_shape (pa[i].tensor, pb[i].tensor));
          /* bit-identical: float32 in, float32 out */
          g_assert_cmpmem (pa[i].tensor->data, nn_tensor_numel (pa[i].tensor) * sizeof (float),
                           pb[i].tensor->data, nn_tensor_numel (pb[i].tensor) * sizeof (float));
        }
      else
        g_assert_cmpint (*pa[i].count, ==, *pb[i].count);
    }
  free (pa);
  free (pb);
}

static void
assert_same_net (const nn_net *a, const nn_net *b)
{
  char *ra = nn_net_repr (a), *rb = nn_net_repr (b);

  g_assert_cmpstr (ra, ==, rb);
  g_assert_true (nn_shape_equal (&a->input, &b->input));
  g_assert_cmpint (a->n_layers, ==, b->n_layers);
  for (int i = 0; i < a->n_layers; i++)
    g_assert_cmpstr (a->layers[i].cfg.name, ==, b->layers[i].cfg.name);
  assert_same_weights (a, b);
  free (ra);
  free (rb);
}

static nn_net *
open_ok (const char *path)
{
  nn_net *net = NULL;
  nn_error err;

  if (nn_model_open (path, &net, &err) != NN_OK)
    g_error ("%s", err.message);
  g_assert_nonnull (net);
  return net;
}

static void
save_ok (const char *path, const nn_net *net)
{
  nn_error err;

  if (nn_model_save (path, net, &err) != NN_OK)
    g_error ("%s", err.message);
}

static void
roundtrip (const nn_net *net)
{
  char *dir = make_tmp_dir ();
  char *path = g_build_filename (dir, "model.h5", NULL);
  nn_file_kind kind = NN_FILE_UNKNOWN;
  nn_net *back;
  nn_error err;

  save_ok (path, net);
  g_assert_cmpint (nn_file_probe (path, &kind, &err), ==, NN_OK);
  g_assert_cmpint (kind, ==, NN_FILE_MODEL);
  back = open_ok (path);
  assert_same_net (net, back);
  /* saving what was read gives the same file content again */
  save_ok (path, back);
  nn_net_free (back);
  back = open_ok (path);
  assert_same_net (net, back);
  g_assert_cmpint (count_dir_entries (dir), ==, 1);   /* no temporary left behind */
  nn_net_free (back);
  remove_tree (dir);
  g_free (path);
  g_free (dir);
}

/* ---------------------------------------------------------------- nets */

/* Every layer type, most attributes away from their defaults. Input 3x17x15. */
static nn_net *
every_layer_net (void)
{
  nn_shape in = nn_shape_chw (3, 17, 15);
  nn_net *net = nn_net_new (&in, 42);
  nn_layer_config c;

  c = cfg_of (NN_LAYER_CONV2D);
  c.in_channels = 3, c.out_channels = 8;
  c.kernel_size[0] = 3, c.kernel_size[1] = 5;
  c.stride[0] = 2, c.stride[1] = 1;
  c.padding[0] = 1, c.padding[1] = 2;
  c.dilation[0] = 1, c.dilation[1] = 2;
  g_strlcpy (c.name, "stem \xc3\xa9\xe2\x9c\x93", sizeof c.name);   /* UTF-8 label */
  append (net, &c);                                       /* 8x9x11 */
  c = cfg_of (NN_LAYER_BATCHNORM2D);
  c.num_features = 8, c.eps = 1e-3, c.momentum = 0.2, c.affine = false;
  append (net, &c);
  c = cfg_of (NN_LAYER_LEAKYRELU);
  c.negative_slope = 0.2;
  append (net, &c);
  c = cfg_of (NN_LAYER_CONV2D);
  c.in_channels = 8, c.out_channels = 8, c.groups = 4, c.bias = false;
  c.kernel_size[0] = c.kernel_size[1] = 3;
  c.stride[0] = c.stride[1] = 1;
  c.padding[0] = c.padding[1] = 1;
  append (net, &c);                                       /* 8x9x11 */
  c = cfg_of (NN_LAYER_MAXPOOL2D);
  c.kernel_size[0] = 3, c.kernel_size[1] = 2;
  c.stride[0] = 2, c.stride[1] = 1;
  c.padding[0] = 1, c.padding[1] = 0;
  c.ceil_mode = true;
  append (net, &c);                                       /* 8x5x10 */
  c = cfg_of (NN_LAYER_AVGPOOL2D);
  c.kernel_size[0] = c.kernel_size[1] = 2;
  c.stride[0] = c.stride[1] = 1;
  c.padding[0] = c.padding[1] = 1;
  c.count_include_pad = false;
  append (net, &c);                                       /* 8x6x11 */
  c = cfg_of (NN_LAYER_BATCHNORM2D);                      /* lazy num_features */
  append (net, &c);
  c = cfg_of (NN_LAYER_TANH);
  append (net, &c);
  c = cfg_of (NN_LAYER_DROPOUT);
  c.p = 0.25;
  append (net, &c);
  c = cfg_of (NN_LAYER_FLATTEN);
  append (net, &c);                                       /* 528 */
  c = cfg_of (NN_LAYER_LINEAR);                           /* lazy in_features */
  c.out_features = 20, c.bias = false;
  append (net, &c);
  c = cfg_of (NN_LAYER_SIGMOID);
  append (net, &c);
  c = cfg_of (NN_LAYER_LINEAR);
  c.in_features = 20, c.out_features = 7;
  append (net, &c);
  c = cfg_of (NN_LAYER_RELU);
  append (net, &c);
  c = cfg_of (NN_LAYER_SOFTMAX);
  c.dim = -1;
  append (net, &c);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  scramble (net, 1234);
  return net;
}

/* Conv2d(1, 4, 3, bias) ReLU Flatten Linear(144, out, bias) on 1x8x8 */
static nn_net *
small_net (bool conv_bias, int64_t out, bool linear_bias, uint64_t seed)
{
  nn_shape in = nn_shape_chw (1, 8, 8);
  nn_net *net = nn_net_new (&in, seed);
  nn_layer_config c = cfg_of (NN_LAYER_CONV2D);

  c.in_channels = 1, c.out_channels = 4, c.bias = conv_bias;
  c.kernel_size[0] = c.kernel_size[1] = 3;
  append (net, &c);
  c = cfg_of (NN_LAYER_RELU);
  append (net, &c);
  c = cfg_of (NN_LAYER_FLATTEN);
  append (net, &c);
  c = cfg_of (NN_LAYER_LINEAR);
  c.in_features = 144, c.out_features = out, c.bias = linear_bias;
  append (net, &c);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  return net;
}

/* ---------------------------------------------------------------- round trips */

static void
test_roundtrip_template (gconstpointer data)
{
  nn_error err;
  nn_net *net = nn_net_new_template (data, 7, &err);

  if (net == NULL)
    g_error ("%s", err.message);
  scramble (net, 99);
  roundtrip (net);
  nn_net_free (net);
}

static void
test_roundtrip_every_layer (void)
{
  nn_net *net = every_layer_net ();

  roundtrip (net);
  nn_net_free (net);
}

static void
test_roundtrip_flat_input (void)
{
  nn_shape in = nn_shape_f (12);
  nn_net *net = nn_net_new (&in, 3);
  nn_layer_config c = cfg_of (NN_LAYER_LINEAR);

  c.in_features = 12, c.out_features = 4;
  append (net, &c);
  c = cfg_of (NN_LAYER_SOFTMAX);
  append (net, &c);
  roundtrip (net);
  nn_net_free (net);
}

/* ---------------------------------------------------------------- weights */

static void
test_weights_roundtrip (void)
{
  char *dir = make_tmp_dir ();
  char *wpath = g_build_filename (dir, "weights.h5", NULL);
  char *mpath = g_build_filename (dir, "model.h5", NULL);
  nn_net *a = every_layer_net ();
  nn_net *b = nn_net_copy (a, NULL);
  nn_file_kind kind;
  nn_error err;

  g_assert_cmpint (nn_weights_save (wpath, a, &err), ==, NN_OK);
  g_assert_cmpint (nn_file_probe (wpath, &kind, &err), ==, NN_OK);
  g_assert_cmpint (kind, ==, NN_FILE_WEIGHTS);
  /* a weights file is not a model */
  g_assert_cmpint (nn_model_open (wpath, &(nn_net *){ NULL }, &err), !=, NN_OK);
  g_assert_nonnull (strstr (err.message, "weights-only"));

  scramble (b, 5);
  if (nn_weights_load (wpath, b, &err) != NN_OK)
    g_error ("%s", err.message);
  assert_same_net (a, b);

  /* a model file's state_dict loads as weights too */
  save_ok (mpath, a);
  scramble (b, 6);
  if (nn_weights_load (mpath, b, &err) != NN_OK)
    g_error ("%s", err.message);
  assert_same_weights (a, b);

  nn_net_free (a);
  nn_net_free (b);
  remove_tree (dir);
  g_free (wpath);
  g_free (mpath);
  g_free (dir);
}

static void
test_weights_mismatch (void)
{
  char *dir = make_tmp_dir ();
  char *path = g_build_filename (dir, "weights.h5", NULL);
  nn_net *file_net = small_net (false, 10, true, 1);
  nn_net *net = small_net (true, 12, false, 2);
  nn_net *before = nn_net_copy (net, NULL);
  nn_error err;

  g_assert_cmpint (nn_weights_save (path, file_net, &err), ==, NN_OK);
  g_assert_cmpint (nn_weights_load (path, net, &err), ==, NN_STATUS_MISMATCH);
  g_test_message ("%s", err.message);
  g_assert_true (g_str_has_prefix (err.message, path));
  g_assert_nonnull (strstr (err.message, "3 problems in /state_dict:\n"));
  g_assert_nonnull (strstr (err.message, "\nmissing key 0.bias"));
  g_assert_nonnull (strstr (err.message, "\nsize mismatch for 3.weight: file has [10, 144], "
                                         "network has [12, 144]"));
  g_assert_nonnull (strstr (err.message, "\nunexpected key 3.bias"));
  /* strict: nothing changed */
  assert_same_net (before, net);

  nn_net_free (file_net);
  nn_net_free (net);
  nn_net_free (before);
  remove_tree (dir);
  g_free (path);
  g_free (dir);
}

/* A file that passes the key/shape check but fails while reading changes nothing. */
static void
test_weights_load_is_atomic (void)
{
  char *bad = g_test_build_filename (G_TEST_DIST, "data", "bad", "corrupt-chunk.h5", NULL);
  char *good = g_test_build_filename (G_TEST_DIST, "data", "good", "base.h5", NULL);
  nn_net *net = open_ok (good);
  nn_net *before = nn_net_copy (net, NULL);
  nn_error err;

  scramble (before, 77);
  scramble (net, 77);
  g_assert_cmpint (nn_weights_load (bad, net, &err), !=, NN_OK);
  g_assert_nonnull (strstr (err.message, "cannot read dataset 5.bias"));
  assert_same_net (before, net);
  nn_net_free (net);
  nn_net_free (before);
  g_free (bad);
  g_free (good);
}

/* ---------------------------------------------------------------- atomic saves */

typedef struct {
  char *dir, *path;
  char *old;             /* the previous file's bytes */
  gsize old_len;
  nn_net *net;
} save_fixture;

static void
save_setup (save_fixture *f, gconstpointer data)
{
  nn_error err;

  f->dir = make_tmp_dir ();
  f->path = g_build_filename (f->dir, "model.h5", NULL);
  f->net = nn_net_new_template ("lenet5", 3, &err);
  g_assert_nonnull (f->net);
  save_ok (f->path, f->net);
  g_assert_true (g_file_get_contents (f->path, &f->old, &f->old_len, NULL));
}

static void
save_teardown (save_fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  nn_net_free (f->net);
  g_free (f->old);
  g_free (f->path);
  g_free (f->dir);
}

/* The old file still has its bytes, still opens, and no temporary is left. */
static void
assert_old_intact (const save_fixture *f)
{
  char *now = NULL;
  gsize len = 0;
  nn_net *net;

  g_assert_true (g_file_get_contents (f->path, &now, &len, NULL));
  g_assert_cmpmem (now, len, f->old, f->old_len);
  g_assert_cmpint (count_dir_entries (f->dir), ==, 1);
  net = open_ok (f->path);
  assert_same_net (f->net, net);
  nn_net_free (net);
  g_free (now);
}

static void
test_save_missing_folder (save_fixture *f, gconstpointer data)
{
  char *path = g_build_filename (f->dir, "no-such-folder", "model.h5", NULL);
  nn_error err;

  g_assert_cmpint (nn_model_save (path, f->net, &err), ==, NN_STATUS_IO);
  g_assert_nonnull (strstr (err.message, "cannot create a file in"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  assert_old_intact (f);
  g_free (path);
}

static void
test_save_readonly_folder (save_fixture *f, gconstpointer data)
{
  nn_net *other = small_net (true, 10, true, 4);
  nn_error err;

  if (geteuid () == 0)
    {
      /* root writes into read-only folders; the other failure tests cover the path */
      g_test_skip ("running as root: permissions do not stop writes");
      nn_net_free (other);
      return;
    }
  g_assert_cmpint (g_chmod (f->dir, 0555), ==, 0);
  g_assert_cmpint (nn_model_save (f->path, other, &err), ==, NN_STATUS_IO);
  g_chmod (f->dir, 0755);
  assert_old_intact (f);
  nn_net_free (other);
}

static void
test_save_shape_error (save_fixture *f, gconstpointer data)
{
  nn_net *bad = small_net (true, 10, true, 4);
  nn_layer_config c = bad->layers[3].cfg;
  nn_error err;

  c.in_features = 100;
  g_assert_cmpint (nn_net_set_config (bad, 3, &c, &err), ==, NN_OK);
  g_assert_cmpint (bad->first_error, ==, 3);
  g_assert_cmpint (nn_model_save (f->path, bad, &err), ==, NN_STATUS_SHAPE);
  g_assert_cmpint (err.layer, ==, 3);
  g_assert_nonnull (strstr (err.message, "layer 3"));
  g_assert_cmpint (nn_weights_save (f->path, bad, &err), ==, NN_STATUS_SHAPE);
  /* nor load weights into one (its layers after the error have no tensors) */
  g_assert_cmpint (nn_weights_load (f->path, bad, &err), ==, NN_STATUS_SHAPE);
  g_assert_nonnull (strstr (err.message, "shape error"));
  assert_old_intact (f);
  nn_net_free (bad);
}

/* The disk "fills up" half-way: RLIMIT_FSIZE makes write() fail with EFBIG. */
static void
test_save_write_fails (save_fixture *f, gconstpointer data)
{
  struct rlimit old, lim;
  nn_net *big = nn_net_copy (f->net, NULL);
  nn_error err;
  nn_status status;

  scramble (big, 8);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old), ==, 0);
  lim = old;
  lim.rlim_cur = 16 * 1024;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
  status = nn_model_save (f->path, big, &err);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old), ==, 0);
  signal (SIGXFSZ, SIG_DFL);
  g_test_message ("%s", err.message);
  g_assert_cmpint (status, ==, NN_STATUS_IO);
  g_assert_nonnull (strstr (err.message, "cannot write the file"));
  assert_old_intact (f);
  nn_net_free (big);
}

/* rename() fails: the target is a directory */
static void
test_save_rename_fails (save_fixture *f, gconstpointer data)
{
  char *target = g_build_filename (f->dir, "folder.h5", NULL);
  nn_error err;

  g_assert_cmpint (g_mkdir (target, 0755), ==, 0);
  g_assert_cmpint (nn_model_save (target, f->net, &err), ==, NN_STATUS_IO);
  g_assert_nonnull (strstr (err.message, "cannot replace the file"));
  g_assert_true (g_file_test (target, G_FILE_TEST_IS_DIR));
  g_rmdir (target);
  assert_old_intact (f);
  g_free (target);
}

static void
test_save_replaces (save_fixture *f, gconstpointer data)
{
  nn_net *other = small_net (true, 10, true, 4);
  nn_net *back;
  struct stat st;
  nn_error err;

  g_assert_cmpint (g_chmod (f->path, 0640), ==, 0);
  g_assert_cmpint (nn_model_save (f->path, other, &err), ==, NN_OK);
  back = open_ok (f->path);
  assert_same_net (other, back);
  g_assert_cmpint (count_dir_entries (f->dir), ==, 1);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);   /* permissions kept */
  nn_net_free (back);
  nn_net_free (other);
}

/* ---------------------------------------------------------------- hostile files */

static void
test_bad_files (void)
{
  char *dir = g_test_build_filename (G_TEST_DIST, "data", "bad", NULL);
  char *list = g_build_filename (dir, "expected.txt", NULL);
  char *text = NULL, **lines;
  int n = 0;

  g_assert_true (g_file_get_contents (list, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      char **cols, *path, *expected;
      nn_net *net = (nn_net *) 1;
      nn_error err;

      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      cols = g_strsplit (lines[i], "\t", 2);
      g_assert_nonnull (cols[1]);
      path = g_build_filename (dir, cols[0], NULL);
      expected = g_strcompress (cols[1]);
      g_assert_cmpint (nn_model_open (path, &net, &err), !=, NN_OK);
      g_assert_null (net);
      g_test_message ("%s -> %s", cols[0], err.message);
      g_assert_true (g_str_has_prefix (err.message, path));
      if (strstr (err.message, expected) == NULL)
        g_error ("%s: expected \"%s\" in \"%s\"", cols[0], expected, err.message);
      n++;
      g_free (expected);
      g_free (path);
      g_strfreev (cols);
    }
  g_assert_cmpint (n, >=, 40);
  g_strfreev (lines);
  g_free (text);
  g_free (list);
  g_free (dir);
}

/* Files that are neither HDF5 nor there. */
static void
test_missing_file (void)
{
  nn_net *net = NULL;
  nn_file_kind kind = NN_FILE_MODEL;
  nn_error err;

  g_assert_cmpint (nn_model_open ("/nonexistent/model.h5", &net, &err), ==, NN_STATUS_IO);
  g_assert_nonnull (strstr (err.message, "/nonexistent/model.h5: "));
  g_assert_cmpint (nn_file_probe ("/nonexistent/model.h5", &kind, &err), ==, NN_STATUS_IO);
  g_assert_cmpint (kind, ==, NN_FILE_UNKNOWN);
  g_assert_cmpint (nn_model_open ("/", &net, &err), ==, NN_STATUS_IO);
  g_assert_null (net);
}

static void
test_good_files (void)
{
  char *dir = g_test_build_filename (G_TEST_DIST, "data", "good", NULL);
  char *base_path = g_build_filename (dir, "base.h5", NULL);
  nn_net *base = open_ok (base_path);
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  int n = 0;

  g_assert_nonnull (d);
  g_assert_cmpint (base->n_layers, ==, 6);
  g_assert_cmpint (base->layers[1].num_batches_tracked, ==, 12);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      char *path = g_build_filename (dir, name, NULL);
      nn_net *net = open_ok (path);
      nn_net *copy = nn_net_copy (base, NULL);
      nn_error err;

      g_test_message ("%s", name);
      assert_same_net (base, net);
      scramble (copy, 3);
      if (nn_weights_load (path, copy, &err) != NN_OK)
        g_error ("%s", err.message);
      assert_same_weights (base, copy);
      nn_net_free (copy);
      nn_net_free (net);
      g_free (path);
      n++;
    }
  g_assert_cmpint (n, >=, 10);
  g_dir_close (d);
  nn_net_free (base);
  g_free (base_path);
  g_free (dir);
}

/* ---------------------------------------------------------------- activations */

static void
test_activations (void)
{
  char *dir = make_tmp_dir ();
  char *path = g_build_filename (dir, "acts.h5", NULL);
  nn_net *net = every_layer_net ();
  nn_tensor *x = nn_tensor_new_4d (2, 3, 17, 15, NULL);
  nn_run_opts opts = { .keep_activations = true };
  nn_run_result res = { 0 };
  nn_file_kind kind;
  nn_net *none = NULL;
  nn_error err;

  nn_tensor_fill_normal (x, 11);
  if (nn_net_forward (net, x, &opts, &res, &err) != NN_OK)
    g_error ("%s", err.message);
  g_assert_cmpint (nn_activations_save (path, net, &res, &err), ==, NN_OK);
  if (nn_file_probe (path, &kind, &err) != NN_OK)
    g_error ("%s", err.message);
  g_assert_cmpint (kind, ==, NN_FILE_ACTIVATIONS);
  g_assert_cmpint (nn_model_open (path, &none, &err), ==, NN_STATUS_FORMAT);
  g_assert_nonnull (strstr (err.message, "activations"));
  g_assert_cmpint (nn_activations_save (path, net, &(nn_run_result){ 0 }, &err), ==,
                   NN_STATUS_INVALID_ARG);
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  nn_net_free (net);
  remove_tree (dir);
  g_free (path);
  g_free (dir);
}

/* ---------------------------------------------------------------- h5py fixtures */

static double
max_abs_diff (const nn_tensor *a, const nn_tensor *b, double *ref_max)
{
  double m = 0;

  *ref_max = 0;
  for (int64_t i = 0; i < nn_tensor_numel (a); i++)
    {
      m = fmax (m, fabs ((double) a->data[i] - (double) b->data[i]));
      *ref_max = fmax (*ref_max, fabs ((double) b->data[i]));
    }
  return m;
}

static void
check_fixture (const char *dir, const char *name)
{
  char *model = g_build_filename (dir, name, "model.h5", NULL);
  char *in_path = g_build_filename (dir, name, "input.npy", NULL);
  char *out_path = g_build_filename (dir, name, "output.npy", NULL);
  nn_net *net = open_ok (model);
  nn_tensor *x = NULL, *y = NULL;
  nn_run_opts opts = { 0 };
  nn_run_result res = { 0 };
  double diff, ref_max;
  nn_error err;

  if (nn_npy_read (in_path, &x, &err) != NN_OK || nn_npy_read (out_path, &y, &err) != NN_OK)
    g_error ("%s", err.message);
  if (nn_net_forward (net, x, &opts, &res, &err) != NN_OK)
    g_error ("%s: %s", name, err.message);
  g_assert_cmpint (nn_tensor_numel (res.output), ==, nn_tensor_numel (y));
  diff = max_abs_diff (res.output, y, &ref_max);
  if (diff > 1e-4 * (1.0 + ref_max))
    g_error ("%s: max |layerlab - torch| = %g (max |torch| = %g)", name, diff, ref_max);
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  nn_tensor_free (y);
  nn_net_free (net);
  g_free (model);
  g_free (in_path);
  g_free (out_path);
}

static void
test_h5py_fixtures (void)
{
  char *dir = g_test_build_filename (G_TEST_DIST, "data", "ref", NULL);
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  int n = 0;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      char *model = g_build_filename (dir, name, "model.h5", NULL);

      if (g_file_test (model, G_FILE_TEST_EXISTS))
        {
          check_fixture (dir, name);
          n++;
        }
      g_free (model);
    }
  if (d)
    g_dir_close (d);
  if (n == 0)
    g_test_skip ("no tests/data/ref/*/model.h5 fixtures");
  g_free (dir);
}

/* ---------------------------------------------------------------- /training (format 1.1) */

static nn_training_record *
sample_record (nn_optim_kind kind, int n_epochs)
{
  nn_training_record *r = nn_training_record_new ();
  nn_error err;

  g_assert_nonnull (r);
  g_strlcpy (r->data, "/data/fashion-mnist", sizeof r->data);
  g_strlcpy (r->validation_data, "val-x.npy:val-y.npy", sizeof r->validation_data);
  g_strlcpy (r->preprocessing, "fit=centre crop, scale [0, 1], überall", sizeof r->preprocessing);
  r->loss = NN_LOSS_MSE;
  nn_optim_config_init (&r->optim, kind);
  r->optim.lr = 0.0123;
  r->optim.weight_decay = 5e-4;
  if (kind == NN_OPTIM_SGD)
    {
      r->optim.momentum = 0.9;
      r->optim.dampening = 0.1;
      r->optim.nesterov = true;
    }
  else
    {
      r->optim.beta1 = 0.8;
      r->optim.beta2 = 0.99;
      r->optim.eps = 1e-7;
    }
  r->epochs = 12;
  r->batch_size = 111;
  r->seed = UINT64_MAX - 5;   /* above INT64_MAX: stored unsigned */
  r->shuffle = false;
  r->validation_fraction = 0.0;
  for (int i = 0; i < n_epochs; i++)
    {
      nn_training_epoch e = {
        2.0 / (i + 1), 0.5 + i * 0.01, i == 1 ? NAN : 1.5 / (i + 1), NAN, 20.0 + i,
      };

      g_assert_cmpint (nn_training_record_add_epoch (r, &e, &err), ==, NN_OK);
    }
  return r;
}

static void
assert_same_double (double a, double b)
{
  if (isnan (a))
    g_assert_true (isnan (b));
  else
    g_assert_cmpfloat (a, ==, b);
}

static void
assert_same_record (const nn_training_record *a, const nn_training_record *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (a->data, ==, b->data);
  g_assert_cmpstr (a->validation_data, ==, b->validation_data);
  g_assert_cmpstr (a->preprocessing, ==, b->preprocessing);
  g_assert_cmpint (a->loss, ==, b->loss);
  g_assert_cmpint (a->optim.kind, ==, b->optim.kind);
  g_assert_cmpfloat (a->optim.lr, ==, b->optim.lr);
  g_assert_cmpfloat (a->optim.weight_decay, ==, b->optim.weight_decay);
  g_assert_cmpfloat (a->optim.momentum, ==, b->optim.momentum);
  g_assert_cmpfloat (a->optim.dampening, ==, b->optim.dampening);
  g_assert_cmpint (a->optim.nesterov, ==, b->optim.nesterov);
  g_assert_cmpfloat (a->optim.beta1, ==, b->optim.beta1);
  g_assert_cmpfloat (a->optim.beta2, ==, b->optim.beta2);
  g_assert_cmpfloat (a->optim.eps, ==, b->optim.eps);
  g_assert_cmpint (a->epochs, ==, b->epochs);
  g_assert_cmpint (a->batch_size, ==, b->batch_size);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpint (a->shuffle, ==, b->shuffle);
  g_assert_cmpfloat (a->validation_fraction, ==, b->validation_fraction);
  g_assert_cmpint (a->n_history, ==, b->n_history);
  for (int64_t i = 0; i < a->n_history; i++)
    {
      assert_same_double (a->history[i].train_loss, b->history[i].train_loss);
      assert_same_double (a->history[i].train_accuracy, b->history[i].train_accuracy);
      assert_same_double (a->history[i].val_loss, b->history[i].val_loss);
      assert_same_double (a->history[i].val_accuracy, b->history[i].val_accuracy);
      assert_same_double (a->history[i].seconds, b->history[i].seconds);
    }
}

/* Settings and history survive save/open (both optimizers, empty history too), copies
 * are deep, and a model without a record opens without one. */
static void
test_training_roundtrip (void)
{
  char *dir = make_tmp_dir ();
  char *path = g_build_filename (dir, "trained.h5", NULL);
  const int n_epochs[] = { 5, 0, 3 };
  const nn_optim_kind kinds[] = { NN_OPTIM_ADAM, NN_OPTIM_SGD, NN_OPTIM_SGD };
  nn_error err, warning;

  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      nn_net *net = nn_net_new_template ("seed", 1, &err), *back = NULL, *copy;

      g_assert_nonnull (net);
      net->training = sample_record (kinds[k], n_epochs[k]);
      copy = nn_net_copy (net, &err);
      g_assert_nonnull (copy);
      g_assert_true (copy->training != net->training);
      g_assert_true (n_epochs[k] == 0 || copy->training->history != net->training->history);
      assert_same_record (net->training, copy->training);
      g_assert_true (nn_training_record_equal (net->training, copy->training));
      /* one setting, or one epoch's number, apart: not equal */
      copy->training->optim.eps *= 2.0;
      g_assert_false (nn_training_record_equal (net->training, copy->training));
      copy->training->optim.eps = net->training->optim.eps;
      if (n_epochs[k] > 0)
        {
          copy->training->history[n_epochs[k] - 1].seconds += 1.0;
          g_assert_false (nn_training_record_equal (net->training, copy->training));
        }
      g_assert_false (nn_training_record_equal (net->training, NULL));
      g_assert_true (nn_training_record_equal (NULL, NULL));
      save_ok (path, net);
      g_assert_cmpint (nn_model_open_full (path, &back, &warning, &err), ==, NN_OK);
      g_assert_cmpint (warning.status, ==, NN_OK);
      g_assert_cmpstr (warning.message, ==, "");
      assert_same_net (net, back);
      assert_same_record (net->training, back->training);
      nn_net_free (back);
      nn_net_free (copy);
      nn_net_free (net);
    }
  /* without a record: none comes back */
  {
    nn_net *net = nn_net_new_template ("seed", 1, &err), *back;

    save_ok (path, net);
    back = open_ok (path);
    g_assert_null (back->training);
    nn_net_free (back);
    nn_net_free (net);
  }
  remove_tree (dir);
  g_free (path);
  g_free (dir);
}

/* An invalid record is refused at saving (what cannot be read back is not written). */
static void
test_training_save_invalid (void)
{
  char *dir = make_tmp_dir ();
  char *path = g_build_filename (dir, "bad.h5", NULL);
  nn_error err;
  nn_net *net = nn_net_new_template ("seed", 1, &err);

  net->training = sample_record (NN_OPTIM_ADAM, 2);
  net->training->batch_size = 0;
  g_assert_cmpint (nn_model_save (path, net, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_nonnull (strstr (err.message, "batch_size"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  nn_net_free (net);
  remove_tree (dir);
  g_free (path);
  g_free (dir);
}

/* ---- damaging /training of a saved file with libhdf5 */

typedef void (*damage_fn) (hid_t training);

static void
set_string_attr (hid_t g, const char *name, const char *value)
{
  hid_t type = H5Tcopy (H5T_C_S1), space = H5Screate (H5S_SCALAR), a;

  H5Tset_size (type, H5T_VARIABLE);
  if (H5Aexists (g, name) > 0)
    H5Adelete (g, name);
  a = H5Acreate2 (g, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (H5Awrite (a, type, &value), >=, 0);
  H5Aclose (a);
  H5Sclose (space);
  H5Tclose (type);
}

static void
damage_loss (hid_t g)
{
  set_string_attr (g, "loss", "HingeEmbeddingLoss");
}

static void
damage_lr_type (hid_t g)
{
  set_string_attr (g, "lr", "fast");
}

static void
damage_batch (hid_t g)
{
  int64_t v = -3;
  hid_t space = H5Screate (H5S_SCALAR), a;

  H5Adelete (g, "batch_size");
  a = H5Acreate2 (g, "batch_size", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite (a, H5T_NATIVE_INT64, &v);
  H5Aclose (a);
  H5Sclose (space);
}

static void
damage_column_length (hid_t g)
{
  hsize_t n = 2;
  double v[2] = { 1, 2 };
  hid_t space = H5Screate_simple (1, &n, NULL), ds;

  H5Ldelete (g, "val_loss", H5P_DEFAULT);
  ds = H5Dcreate2 (g, "val_loss", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite (ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  H5Dclose (ds);
  H5Sclose (space);
}

static void
damage_missing_loss_column (hid_t g)
{
  H5Ldelete (g, "train_loss", H5P_DEFAULT);
}

static void
damage_column_type (hid_t g)
{
  hsize_t n = 4;
  int32_t v[4] = { 1, 2, 3, 4 };
  hid_t space = H5Screate_simple (1, &n, NULL), ds;

  H5Ldelete (g, "seconds", H5P_DEFAULT);
  ds = H5Dcreate2 (g, "seconds", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite (ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  H5Dclose (ds);
  H5Sclose (space);
}

/* /training made a dataset: not a group */
static void
damage_not_group (hid_t file)
{
  (void) file;
}

typedef struct damage_case {
  const char *name;
  damage_fn fn;
  const char *expected;   /* in the warning */
} damage_case;

static void
damage_file (const char *path, damage_fn fn)
{
  hid_t file = H5Fopen (path, H5F_ACC_RDWR, H5P_DEFAULT), g;

  g_assert_cmpint (file, >=, 0);
  if (fn == damage_not_group)
    {
      hsize_t n = 1;
      hid_t space = H5Screate_simple (1, &n, NULL);

      H5Ldelete (file, "training", H5P_DEFAULT);
      H5Dclose (H5Dcreate2 (file, "training", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT));
      H5Sclose (space);
    }
  else
    {
      g = H5Gopen2 (file, "training", H5P_DEFAULT);
      g_assert_cmpint (g, >=, 0);
      fn (g);
      H5Gclose (g);
    }
  H5Fclose (file);
}

/* A malformed /training group never stops the model from opening: the record is
 * dropped and the warning says what was wrong (the CLI prints it). */
static void
test_training_corrupt (void)
{
  const damage_case cases[] = {
    { "unknown loss", damage_loss, "unknown loss 'HingeEmbeddingLoss'" },
    { "lr is a string", damage_lr_type, "attribute 'lr' must be a float" },
    { "negative batch", damage_batch, "attribute 'batch_size' is -3" },
    { "column length", damage_column_length, "'val_loss' has 2 entries, unlike the other" },
    { "no train_loss", damage_missing_loss_column, "missing dataset 'train_loss'" },
    { "int column", damage_column_type, "'seconds' must be a 1-D float dataset" },
    { "not a group", damage_not_group, "'training' is not a group" },
  };
  char *dir = make_tmp_dir ();
  char *path = g_build_filename (dir, "damaged.h5", NULL);
  nn_error err;
  nn_net *net = nn_net_new_template ("seed", 1, &err);

  net->training = sample_record (NN_OPTIM_SGD, 4);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      nn_net *back = NULL;
      nn_error warning;

      save_ok (path, net);
      damage_file (path, cases[i].fn);
      g_assert_cmpint (nn_model_open_full (path, &back, &warning, &err), ==, NN_OK);
      g_test_message ("%s: %s", cases[i].name, warning.message);
      g_assert_cmpint (warning.status, ==, NN_STATUS_FORMAT);
      g_assert_true (g_str_has_prefix (warning.message, path));
      if (strstr (warning.message, cases[i].expected) == NULL)
        g_error ("%s: expected \"%s\" in \"%s\"", cases[i].name, cases[i].expected,
                 warning.message);
      g_assert_nonnull (strstr (warning.message, "training record was ignored"));
      g_assert_null (back->training);
      assert_same_net (net, back);
      nn_net_free (back);
      /* the plain open and the file-name open drop it silently / with the same warning */
      back = open_ok (path);
      g_assert_null (back->training);
      nn_net_free (back);
      g_assert_cmpint (nn_file_open_model_full (path, NULL, &back, &warning, &err), ==, NN_OK);
      g_assert_cmpint (warning.status, ==, NN_STATUS_FORMAT);
      nn_net_free (back);
    }
  nn_net_free (net);
  remove_tree (dir);
  g_free (path);
  g_free (dir);
}

/* ---------------------------------------------------------------- pool forms */

/* Pools with each parameter as an int, an equal pair and an unequal pair. */
static nn_net *
pool_forms_net (void)
{
  static const struct {
    nn_layer_type type;
    int64_t k[2], s[2], p[2], d[2];
    unsigned tuples;
  } pools[] = {
    { NN_LAYER_MAXPOOL2D, { 2, 2 }, { 2, 2 }, { 0, 0 }, { 1, 1 }, 0 },
    { NN_LAYER_MAXPOOL2D, { 2, 2 }, { 2, 2 }, { 0, 0 }, { 1, 1 }, NN_PAIR_KERNEL_SIZE | NN_PAIR_STRIDE },
    { NN_LAYER_MAXPOOL2D, { 2, 2 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, NN_PAIR_STRIDE | NN_PAIR_PADDING | NN_PAIR_DILATION },
    { NN_LAYER_MAXPOOL2D, { 3, 2 }, { 2, 1 }, { 1, 1 }, { 1, 2 }, 0 },
    { NN_LAYER_AVGPOOL2D, { 2, 2 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, NN_PAIR_KERNEL_SIZE | NN_PAIR_PADDING },
    { NN_LAYER_AVGPOOL2D, { 2, 1 }, { 1, 2 }, { 0, 0 }, { 1, 1 }, NN_PAIR_PADDING },
    { NN_LAYER_AVGPOOL2D, { 1, 1 }, { 1, 1 }, { 0, 0 }, { 1, 1 }, 0 },
  };
  nn_shape in = nn_shape_chw (2, 23, 21);
  nn_net *net = nn_net_new (&in, 1);
  nn_error err;

  for (size_t i = 0; i < G_N_ELEMENTS (pools); i++)
    {
      nn_layer_config cfg;

      nn_layer_config_init (&cfg, pools[i].type);
      nn_layer_config_set_pair (&cfg, NN_PAIR_KERNEL_SIZE, pools[i].k[0], pools[i].k[1],
                                pools[i].tuples & NN_PAIR_KERNEL_SIZE);
      nn_layer_config_set_pair (&cfg, NN_PAIR_STRIDE, pools[i].s[0], pools[i].s[1],
                                pools[i].tuples & NN_PAIR_STRIDE);
      nn_layer_config_set_pair (&cfg, NN_PAIR_PADDING, pools[i].p[0], pools[i].p[1],
                                pools[i].tuples & NN_PAIR_PADDING);
      nn_layer_config_set_pair (&cfg, NN_PAIR_DILATION, pools[i].d[0], pools[i].d[1],
                                pools[i].tuples & NN_PAIR_DILATION);
      g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
    }
  g_assert_cmpint (net->first_error, <, 0);
  return net;
}

/* The forms print as given, and a save and an open keep them. */
static void
test_pool_forms (void)
{
  char *dir = make_tmp_dir ();
  char *path = g_build_filename (dir, "pools.h5", NULL);
  nn_net *net = pool_forms_net ();
  nn_net *back;
  char *want = nn_net_repr (net), *got;

  g_assert_nonnull (strstr (want, "(0): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1"));
  g_assert_nonnull (strstr (want, "(1): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1"));
  g_assert_nonnull (strstr (want, "(2): MaxPool2d(kernel_size=2, stride=(1, 1), padding=(1, 1), dilation=(1, 1)"));
  g_assert_nonnull (strstr (want, "(3): MaxPool2d(kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=(1, 2)"));
  g_assert_nonnull (strstr (want, "(4): AvgPool2d(kernel_size=(2, 2), stride=1, padding=(1, 1))"));
  g_assert_nonnull (strstr (want, "(5): AvgPool2d(kernel_size=(2, 1), stride=(1, 2), padding=(0, 0))"));
  save_ok (path, net);
  back = open_ok (path);
  got = nn_net_repr (back);
  g_assert_cmpstr (got, ==, want);
  for (int i = 0; i < net->n_layers; i++)
    for (nn_pair_param p = NN_PAIR_KERNEL_SIZE; p & NN_PAIR_ALL; p <<= 1)
      g_assert_cmpint (nn_layer_config_is_tuple (&back->layers[i].cfg, p), ==,
                       nn_layer_config_is_tuple (&net->layers[i].cfg, p));
  free (got);
  free (want);
  nn_net_free (back);
  nn_net_free (net);
  remove_tree (dir);
  g_free (path);
  g_free (dir);
}

/* Files before 1.2 held int64[2] for every pool parameter: they print as they did (an
 * int where both sides agree), and a scalar is not a 1.0 pair. */
static void
test_pool_forms_legacy (void)
{
  char *good = g_test_build_filename (G_TEST_DIST, "data", "good", "base.h5", NULL);
  char *dir = make_tmp_dir ();
  char *path = g_build_filename (dir, "scalar-1.0.h5", NULL);
  nn_net *net = open_ok (good);
  char *repr = nn_net_repr (net);
  nn_net *scalar_net = NULL;
  nn_error err;
  hid_t file, g, space, attr;
  int32_t version[2] = { 1, 0 };
  int64_t k = 2;

  g_assert_nonnull (strstr (repr, "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, "
                                  "ceil_mode=False)"));
  /* a 1.2 file of the same network, made a 1.0 file: the scalar kernel_size is refused */
  save_ok (path, net);
  file = H5Fopen (path, H5F_ACC_RDWR, H5P_DEFAULT);
  g_assert_cmpint (file, >=, 0);
  attr = H5Aopen (file, "format_version", H5P_DEFAULT);
  g_assert_cmpint (H5Awrite (attr, H5T_NATIVE_INT32, version), >=, 0);
  H5Aclose (attr);
  g = H5Gopen2 (file, "/architecture/3", H5P_DEFAULT);
  g_assert_cmpint (H5Adelete (g, "kernel_size"), >=, 0);
  space = H5Screate (H5S_SCALAR);
  attr = H5Acreate2 (g, "kernel_size", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (H5Awrite (attr, H5T_NATIVE_INT64, &k), >=, 0);
  H5Aclose (attr);
  H5Sclose (space);
  H5Gclose (g);
  H5Fclose (file);
  g_assert_cmpint (nn_model_open (path, &scalar_net, &err), ==, NN_STATUS_FORMAT);
  g_assert_null (scalar_net);
  g_assert_nonnull (strstr (err.message, "layer 3 (MaxPool2d): attribute 'kernel_size' must be "
                                         "2 integers, found 1 (a scalar)"));
  free (repr);
  nn_net_free (net);
  remove_tree (dir);
  g_free (path);
  g_free (dir);
  g_free (good);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/engine/h5model/roundtrip/seed", "seed", test_roundtrip_template);
  g_test_add_data_func ("/engine/h5model/roundtrip/lenet5", "lenet5", test_roundtrip_template);
  g_test_add_data_func ("/engine/h5model/roundtrip/empty", "empty", test_roundtrip_template);
  g_test_add_func ("/engine/h5model/roundtrip/every-layer", test_roundtrip_every_layer);
  g_test_add_func ("/engine/h5model/roundtrip/flat-input", test_roundtrip_flat_input);
  g_test_add_func ("/engine/h5model/weights/roundtrip", test_weights_roundtrip);
  g_test_add_func ("/engine/h5model/weights/mismatch", test_weights_mismatch);
  g_test_add_func ("/engine/h5model/weights/atomic", test_weights_load_is_atomic);
  g_test_add ("/engine/h5model/save/missing-folder", save_fixture, NULL, save_setup,
              test_save_missing_folder, save_teardown);
  g_test_add ("/engine/h5model/save/readonly-folder", save_fixture, NULL, save_setup,
              test_save_readonly_folder, save_teardown);
  g_test_add ("/engine/h5model/save/shape-error", save_fixture, NULL, save_setup,
              test_save_shape_error, save_teardown);
  g_test_add ("/engine/h5model/save/write-fails", save_fixture, NULL, save_setup,
              test_save_write_fails, save_teardown);
  g_test_add ("/engine/h5model/save/rename-fails", save_fixture, NULL, save_setup,
              test_save_rename_fails, save_teardown);
  g_test_add ("/engine/h5model/save/replaces", save_fixture, NULL, save_setup,
              test_save_replaces, save_teardown);
  g_test_add_func ("/engine/h5model/open/bad-files", test_bad_files);
  g_test_add_func ("/engine/h5model/open/missing-file", test_missing_file);
  g_test_add_func ("/engine/h5model/open/good-files", test_good_files);
  g_test_add_func ("/engine/h5model/pool-forms/roundtrip", test_pool_forms);
  g_test_add_func ("/engine/h5model/pool-forms/legacy", test_pool_forms_legacy);
  g_test_add_func ("/engine/h5model/activations", test_activations);
  g_test_add_func ("/engine/h5model/h5py-fixtures", test_h5py_fixtures);
  g_test_add_func ("/engine/h5model/training/roundtrip", test_training_roundtrip);
  g_test_add_func ("/engine/h5model/training/save-invalid", test_training_save_invalid);
  g_test_add_func ("/engine/h5model/training/corrupt", test_training_corrupt);

  return g_test_run ();
}
