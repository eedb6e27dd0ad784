/* test-repr.c - PyTorch's print(network), the summary table, Python's float repr
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected text comes from PyTorch itself: tests/reference/make-repr.py builds
 * every case of tests/data/repr/cases.txt as a torch.nn.Sequential and stores
 * print(network). This test builds the same networks through the engine's API, starting
 * from nn_layer_config_init() so that the defaults are checked too.
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

typedef struct {
  char *name;
  char *line;
} repr_case;

/* every case, freed after the run (the tests only borrow them) */
static GPtrArray *cases;

static void
repr_case_free (gpointer data)
{
  repr_case *c = data;

  g_free (c->name);
  g_free (c->line);
  g_free (c);
}

typedef enum { F_INT, F_PAIR, F_BOOL, F_DOUBLE } field_kind;

typedef struct {
  const char *key;
  field_kind kind;
  size_t offset;
} field;

#define FIELD(key, kind) { #key, kind, offsetof (nn_layer_config, key) }

static nn_pair_param
pair_param (const char *key)
{
  for (nn_pair_param p = NN_PAIR_KERNEL_SIZE; p & NN_PAIR_ALL; p <<= 1)
    if (strcmp (nn_pair_param_name (p), key) == 0)
      return p;
  g_error ("cases.txt: %s is not a pair", key);
}

static const field fields[] = {
  FIELD (in_channels, F_INT), FIELD (out_channels, F_INT), FIELD (groups, F_INT),
  FIELD (kernel_size, F_PAIR), FIELD (stride, F_PAIR), FIELD (padding, F_PAIR),
  FIELD (dilation, F_PAIR), FIELD (bias, F_BOOL), FIELD (ceil_mode, F_BOOL),
  FIELD (count_include_pad, F_BOOL), FIELD (start_dim, F_INT), FIELD (end_dim, F_INT),
  FIELD (in_features, F_INT), FIELD (out_features, F_INT), FIELD (num_features, F_INT),
  FIELD (eps, F_DOUBLE), FIELD (momentum, F_DOUBLE), FIELD (affine, F_BOOL),
  FIELD (track_running_stats, F_BOOL), FIELD (p, F_DOUBLE), FIELD (negative_slope, F_DOUBLE),
  FIELD (dim, F_INT),
};

static char *
data_path (const char *file)
{
  return g_test_build_filename (G_TEST_DIST, "data", "repr", file, NULL);
}

static char *
read_data (const char *file)
{
  g_autofree char *path = data_path (file);
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
set_field (nn_layer_config *cfg, const char *key, const char *value)
{
  char *p = (char *) cfg;

  for (size_t i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const field *f = &fields[i];
      char **parts;

      if (strcmp (f->key, key) != 0)
        continue;
      switch (f->kind)
        {
        case F_INT:
          *(int64_t *) (p + f->offset) = g_ascii_strtoll (value, NULL, 10);
          return;
        case F_BOOL:
          *(bool *) (p + f->offset) = strcmp (value, "1") == 0;
          return;
        case F_DOUBLE:
          *(double *) (p + f->offset) = g_ascii_strtod (value, NULL);
          return;
        case F_PAIR:
          /* "2" is an int, "2,2" a tuple */
          parts = g_strsplit (value, ",", 2);
          nn_layer_config_set_pair (cfg, pair_param (key), g_ascii_strtoll (parts[0], NULL, 10),
                                    g_ascii_strtoll (parts[parts[1] ? 1 : 0], NULL, 10),
                                    parts[1] != NULL);
          g_strfreev (parts);
          return;
        default:
          g_assert_not_reached ();
        }
    }
  g_error ("cases.txt: unknown argument %s", key);
}

/* "Conv2d in_channels=1 out_channels=32 kernel_size=5,5" -> config. Like torch, a pool
 * without stride gets stride = kernel_size, in the same form. */
static void
parse_layer (const char *text, nn_layer_config *cfg)
{
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  nn_layer_type type = nn_layer_type_from_name (words[0]);
  bool has_stride = false;

  g_assert_cmpint (type, !=, NN_LAYER_N_TYPES);
  nn_layer_config_init (cfg, type);
  for (int i = 1; words[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (words[i], "=", 2);

      g_assert_nonnull (kv[1]);
      set_field (cfg, kv[0], kv[1]);
      has_stride |= strcmp (kv[0], "stride") == 0;
    }
  if ((type == NN_LAYER_MAXPOOL2D || type == NN_LAYER_AVGPOOL2D) && !has_stride)
    nn_layer_config_set_pair (cfg, NN_PAIR_STRIDE, cfg->kernel_size[0], cfg->kernel_size[1],
                              nn_layer_config_is_tuple (cfg, NN_PAIR_KERNEL_SIZE));
}

static nn_shape
parse_input (const char *text, bool *known)
{
  g_auto (GStrv) dims = g_strsplit (text, " ", -1);
  nn_shape s = { 0 };

  *known = strcmp (text, "-") != 0;
  if (!*known)
    return nn_shape_f (1);   /* no input: layer 0 (a Conv2d) cannot resolve anything */
  for (s.n_dims = 0; dims[s.n_dims] != NULL; s.n_dims++)
    {
      g_assert_cmpint (s.n_dims, <, 3);
      s.d[s.n_dims] = g_ascii_strtoll (dims[s.n_dims], NULL, 10);
    }
  return s;
}

static nn_net *
build_case (const char *line)
{
  g_auto (GStrv) parts = g_strsplit (line, " | ", -1);
  bool known;
  nn_shape input = parse_input (parts[1], &known);
  nn_net *net = nn_net_new (&input, 7);
  nn_error err;

  g_assert_nonnull (net);
  for (int i = 2; parts[i] != NULL; i++)
    {
      nn_layer_config cfg;

      parse_layer (parts[i], &cfg);
      g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
    }
  if (known)
    g_assert_cmpint (net->first_error, ==, -1);
  else
    g_assert_cmpint (net->first_error, ==, 0);
  return net;
}

static char *
expected_repr (const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s.txt", name);
  char *text = read_data (file);
  size_t len = strlen (text);

  /* the fixture ends with print()'s newline; repr() has none */
  if (len > 0 && text[len - 1] == '\n')
    text[len - 1] = '\0';
  return text;
}

static void
test_case (gconstpointer data)
{
  const repr_case *c = data;
  g_autofree char *want = expected_repr (c->name);
  nn_net *net = build_case (c->line);
  g_autofree char *got = nn_net_repr (net);

  g_assert_cmpstr (got, ==, want);
  /* each line "  (i): ..." is also nn_layer_repr (net, i) */
  for (int i = 0; i < net->n_layers; i++)
    {
      g_autofree char *layer = nn_layer_repr (net, i);
      g_autofree char *line = g_strdup_printf ("\n  (%d): %s\n", i, layer);

      g_assert_nonnull (strstr (want, line));
    }
  g_assert_null (nn_layer_repr (net, net->n_layers));
  nn_net_free (net);
}

static void
test_template (gconstpointer data)
{
  const repr_case *c = data;
  g_autofree char *want = expected_repr (c->name);
  nn_error err;
  nn_net *net = nn_net_new_template (c->name + strlen ("template-"), 1, &err);
  g_autofree char *got = NULL;

  g_assert_nonnull (net);
  got = nn_net_repr (net);
  g_assert_cmpstr (got, ==, want);
  nn_net_free (net);
}

static void
test_floats (void)
{
  g_autofree char *text = read_data ("floats.txt");
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  int n = 0;

  for (int i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 2);
      char buf[64];
      double v;

      if (f[0] == NULL || f[1] == NULL)
        continue;
      v = strtod (f[0], NULL);
      g_assert_cmpstr (nn_format_float (v, buf, sizeof buf), ==, f[1]);
      n++;
    }
  g_assert_cmpint (n, >, 250);
}

static void
test_float_small_buffer (void)
{
  char buf[4];

  /* truncates like snprintf, never overflows */
  g_assert_cmpstr (nn_format_float (12345.5, buf, sizeof buf), ==, "123");
}

/* The summary of the seed network: every row, the totals, shapes with batch 1. */
static void
test_summary_seed (void)
{
  nn_error err;
  nn_net *net = nn_net_new_template ("seed", 3, &err);
  g_autofree char *s = nn_net_summary (net);
  static const char *const rows[] = {
    "(0)     Conv2d        [1, 32, 20, 20]                  832          320,000\n",
    "(3)     Conv2d        [1, 64, 6, 6]                 51,264        1,843,200\n",
    "(6)     Flatten       [1, 576]                           0                0\n",
    "(7)     Linear        [1, 1024]                    590,848          589,824\n",
    "(9)     Linear        [1, 10]                       10,250           10,240\n",
    "Input shape: [1, 1, 24, 24]\n", "Output shape: [1, 10]\n",
    "Total params: 653,194\n", "Mult-adds (batch 1): 2,763,264\n",
  };

  for (size_t i = 0; i < G_N_ELEMENTS (rows); i++)
    if (strstr (s, rows[i]) == NULL)
      g_error ("summary lacks \"%s\":\n%s", rows[i], s);
  /* input 576 + 12800 * 2 + 3200 + 2304 * 2 + 576 * 2 + 1024 * 2 + 10 = 37194 floats */
  g_assert_nonnull (strstr (s, "Activation memory (batch 1): 0.15 MB"));
  nn_net_free (net);
}

static void
test_summary_error (void)
{
  nn_error err;
  nn_net *net = nn_net_new_template ("seed", 3, &err);
  nn_layer_config cfg = net->layers[7].cfg;
  g_autofree char *s = NULL;

  cfg.in_features = 600;
  g_assert_cmpint (nn_net_set_config (net, 7, &cfg, &err), ==, NN_OK);
  s = nn_net_summary (net);
  g_assert_nonnull (strstr (s, "(7)     Linear        ERROR"));
  g_assert_nonnull (strstr (s, "! layer 7 (Linear): expects 600 input features but receives "
                               "576 (64×3×3 after Flatten)\n"));
  g_assert_nonnull (strstr (s, "(9)     Linear        (not computed)"));
  g_assert_nonnull (strstr (s, "Total params: 52,096\n"));
  g_assert_nonnull (strstr (s, "layer 7 has an error"));
  g_assert_null (strstr (s, "Output shape:"));
  nn_net_free (net);
}

static void
test_summary_empty (void)
{
  nn_error err;
  nn_net *net = nn_net_new_template ("empty", 3, &err);
  g_autofree char *s = nn_net_summary (net);
  g_autofree char *r = nn_net_repr (net);

  g_assert_cmpstr (r, ==, "Sequential()");
  g_assert_nonnull (strstr (s, "(no layers)"));
  g_assert_nonnull (strstr (s, "Output shape: [1, 1, 28, 28]\n"));
  g_assert_nonnull (strstr (s, "Total params: 0\n"));
  nn_net_free (net);
}

static void
add_cases (void)
{
  g_autofree char *text = read_data ("cases.txt");
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  cases = g_ptr_array_new_with_free_func (repr_case_free);
  for (int i = 0; lines[i] != NULL; i++)
    {
      repr_case *c;
      g_autofree char *path = NULL;

      if (lines[i][0] == '\0')
        continue;
      c = g_new0 (repr_case, 1);
      c->line = g_strdup (lines[i]);
      c->name = g_strndup (lines[i], strcspn (lines[i], " "));
      g_ptr_array_add (cases, c);
      path = g_strdup_printf ("/engine/repr/case/%s", c->name);
      g_test_add_data_func (path, c, test_case);
      if (g_str_has_prefix (c->name, "template-"))
        {
          g_autofree char *tpath = g_strdup_printf ("/engine/repr/template/%s",
                                                    c->name + strlen ("template-"));
          g_test_add_data_func (tpath, c, test_template);
        }
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  add_cases ();
  g_test_add_func ("/engine/repr/floats", test_floats);
  g_test_add_func ("/engine/repr/float-small-buffer", test_float_small_buffer);
  g_test_add_func ("/engine/repr/summary-seed", test_summary_seed);
  g_test_add_func ("/engine/repr/summary-error", test_summary_error);
  g_test_add_func ("/engine/repr/summary-empty", test_summary_empty);
  status = g_test_run ();
  g_ptr_array_unref (cases);
  return status;
}
