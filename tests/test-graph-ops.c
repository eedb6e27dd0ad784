/* test-graph-ops.c - the graph engine's operators and a residual block against PyTorch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tests/reference/make-graph-fixtures.py writes the cases (cases.txt and .npy files)
 * into the directory $LAYERLAB_GRAPH_FIXTURES; check-graph-ops.py makes them at test
 * time and runs this program. Each case becomes a graph (usually one node), which is
 * inferred (with a symbolic batch where the case says so), run, and compared with
 * PyTorch's outputs.
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn-graph.h"

/* ---------------------------------------------------------------- .npy (test side) */

static nn_dtype
npy_dtype (const char *header)
{
  static const struct { const char *descr; nn_dtype dtype; } map[] = {
    { "'<f4'", NN_DTYPE_FLOAT32 }, { "'<i8'", NN_DTYPE_INT64 },
    { "'<i4'", NN_DTYPE_INT32 }, { "'|b1'", NN_DTYPE_BOOL },
  };
  const char *d = strstr (header, "'descr':");

  g_assert_nonnull (d);
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (strncmp (d + 9, map[i].descr, strlen (map[i].descr)) == 0)
      return map[i].dtype;
  g_error ("unexpected npy dtype in %s", header);
}

static nn_array *
npy_load (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *buf = NULL;
  g_autofree char *header = NULL;
  gsize len;
  guint32 hlen;
  const char *shape;
  nn_type t = { 0 };
  nn_array *a;

  g_assert_true (g_file_get_contents (path, &buf, &len, NULL));
  g_assert_cmpint (memcmp (buf, "\x93NUMPY", 6), ==, 0);
  if (buf[6] == 1)
    hlen = (guint8) buf[8] | ((guint32) (guint8) buf[9] << 8);
  else
    memcpy (&hlen, buf + 8, 4);
  header = g_strndup (buf + (buf[6] == 1 ? 10 : 12), hlen);
  g_assert_nonnull (strstr (header, "'fortran_order': False"));
  t.dtype = npy_dtype (header);
  shape = strstr (header, "'shape': (");
  g_assert_nonnull (shape);
  for (const char *p = shape + 10; *p != ')';)
    {
      char *end;
      gint64 d = g_ascii_strtoll (p, &end, 10);

      if (end == p)
        break;
      t.shape[t.rank++] = d;
      p = end;
      while (*p == ',' || *p == ' ')
        p++;
    }
  a = nn_array_new (&t, NULL);
  g_assert_nonnull (a);
  g_assert_cmpuint (len - (buf[6] == 1 ? 10 : 12) - hlen, ==, nn_array_bytes (a));
  memcpy (a->data, buf + (buf[6] == 1 ? 10 : 12) + hlen, nn_array_bytes (a));
  return a;
}

/* ---------------------------------------------------------------- cases */

typedef struct test_case {
  char *name;
  char **lines;      /* the case's lines, NULL-terminated */
} test_case;

static const char *fixture_dir;

static void
set_attr (nn_graph *g, int node, char **w)
{
  nn_error err;
  nn_status s = NN_OK;

  if (strcmp (w[2], "int") == 0)
    s = nn_graph_set_attr_int (g, node, w[1], g_ascii_strtoll (w[3], NULL, 10), &err);
  else if (strcmp (w[2], "float") == 0)
    s = nn_graph_set_attr_float (g, node, w[1], g_ascii_strtod (w[3], NULL), &err);
  else if (strcmp (w[2], "string") == 0)
    s = nn_graph_set_attr_string (g, node, w[1], w[3], &err);
  else
    {
      gint64 v[16];
      int n = 0;

      for (; w[3 + n] != NULL; n++)
        v[n] = g_ascii_strtoll (w[3 + n], NULL, 10);
      s = nn_graph_set_attr_ints (g, node, w[1], n, (const int64_t *) v, &err);
    }
  if (s != NN_OK)
    g_error ("%s", err.message);
}

static void
add_node (nn_graph *g, char **w, int *node)
{
  g_auto (GStrv) ins = g_strsplit (w[4] + 3, ",", -1);
  g_auto (GStrv) outs = g_strsplit (w[5] + 4, ",", -1);
  nn_error err;

  g_assert_true (g_str_has_prefix (w[4], "in=") && g_str_has_prefix (w[5], "out="));
  if (nn_graph_add_node (g, w[1], w[2], strcmp (w[3], "-") ? w[3] : NULL,
                         (int) g_strv_length (ins), (const char *const *) ins,
                         (int) g_strv_length (outs), (const char *const *) outs, node,
                         &err) != NN_OK)
    g_error ("%s", err.message);
}

/* false (and the test marked failed) when got is not PyTorch's want within tolerance */
static gboolean
compare (const char *what, const nn_array *got, const nn_array *want, double rtol, double atol)
{
  char a[160], b[160];
  int64_t n = nn_array_numel (want), bad = 0;
  double worst = 0.0;

  if (!nn_type_equal (&got->type, &want->type))
    {
      g_test_fail_printf ("%s: got %s, PyTorch gives %s", what,
                          nn_type_format (&got->type, a, sizeof a),
                          nn_type_format (&want->type, b, sizeof b));
      return FALSE;
    }
  for (int64_t i = 0; i < n; i++)
    {
      double x = nn_array_get_f64 (got, i), y = nn_array_get_f64 (want, i);
      double diff = fabs (x - y);

      if ((isnan (x) && isnan (y)) || x == y)   /* x == y: infinities */
        continue;
      if (!(diff <= atol + rtol * fabs (y)))
        {
          if (bad++ < 3)
            g_test_message ("%s[%" G_GINT64_FORMAT "] = %.8g, PyTorch %.8g", what, i, x, y);
          worst = MAX (worst, diff);
        }
    }
  if (bad > 0)
    g_test_fail_printf ("%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " elements differ "
                        "(worst %g)", what, bad, n, worst);
  return bad == 0;
}

/* the inferred type agrees with the value PyTorch computed (symbolic dims any size) */
static void
check_inferred (const nn_type *inferred, const nn_array *want, const char *what)
{
  char a[160], b[160];
  gboolean ok = inferred != NULL && inferred->dtype == want->type.dtype
                && inferred->rank == want->type.rank;

  for (int32_t i = 0; ok && i < inferred->rank; i++)
    ok = inferred->shape[i] == NN_DIM_SYMBOLIC || inferred->shape[i] == want->type.shape[i];
  if (!ok)
    g_test_fail_printf ("%s: inferred %s, PyTorch gives %s", what,
                        inferred ? nn_type_format (inferred, a, sizeof a) : "nothing",
                        nn_type_format (&want->type, b, sizeof b));
}

typedef struct case_state {
  nn_graph *g;
  GPtrArray *inputs;        /* nn_array, graph input order */
  GPtrArray *out_names;
  GPtrArray *expected;      /* nn_array */
  double rtol, atol;
  gint64 params;
  gboolean peak_below_total;
} case_state;

static void
read_case (const test_case *tc, case_state *st)
{
  int node = -1;
  nn_error err;

  for (char **l = tc->lines; *l != NULL; l++)
    {
      g_auto (GStrv) w = g_strsplit (*l, " ", -1);

      if (strcmp (w[0], "input") == 0)
        {
          nn_array *a = npy_load (fixture_dir, w[2]);
          nn_type t = a->type;

          if (w[3] != NULL && strcmp (w[3], "symbolic") == 0 && t.rank > 0)
            t.shape[0] = NN_DIM_SYMBOLIC;
          g_assert_cmpint (nn_graph_add_input (st->g, w[1], &t, &err), ==, NN_OK);
          g_ptr_array_add (st->inputs, a);
        }
      else if (strcmp (w[0], "init") == 0)
        g_assert_cmpint (nn_graph_add_initializer (st->g, w[1], npy_load (fixture_dir, w[2]),
                                                   &err), ==, NN_OK);
      else if (strcmp (w[0], "node") == 0)
        add_node (st->g, w, &node);
      else if (strcmp (w[0], "attr") == 0)
        set_attr (st->g, node, w);
      else if (strcmp (w[0], "output") == 0)
        {
          g_assert_cmpint (nn_graph_add_output (st->g, w[1], &err), ==, NN_OK);
          g_ptr_array_add (st->out_names, g_strdup (w[1]));
          g_ptr_array_add (st->expected, npy_load (fixture_dir, w[2]));
        }
      else if (strcmp (w[0], "tol") == 0)
        {
          st->rtol = g_ascii_strtod (w[1], NULL);
          st->atol = g_ascii_strtod (w[2], NULL);
        }
      else if (strcmp (w[0], "params") == 0)
        st->params = g_ascii_strtoll (w[1], NULL, 10);
      else if (strcmp (w[0], "peak-below-total") == 0)
        st->peak_below_total = TRUE;
      else
        g_error ("unknown line in cases.txt: %s", *l);
    }
}

static void
check_params (const case_state *st)
{
  gint64 total = 0;
  nn_error err;

  for (int i = 0; i < nn_graph_n_nodes (st->g); i++)
    {
      nn_node_cost cost;

      g_assert_cmpint (nn_graph_node_cost (st->g, i, &cost, &err), ==, NN_OK);
      total += cost.params;
    }
  g_assert_cmpint (total, ==, st->params);
}

static void
run_case (gconstpointer data)
{
  const test_case *tc = data;
  case_state st = { .params = -1 };
  nn_array *outputs[16] = { NULL };
  nn_graph_run_stats stats;
  nn_error err;

  st.g = nn_graph_new ();
  st.inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_array_free);
  st.out_names = g_ptr_array_new_with_free_func (g_free);
  st.expected = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_array_free);
  read_case (tc, &st);
  if (nn_graph_infer (st.g, &err) != NN_OK)
    g_test_fail_printf ("%s: inference: %s", tc->name, err.message);
  for (guint i = 0; i < st.out_names->len; i++)
    check_inferred (nn_graph_value_type (st.g, st.out_names->pdata[i]), st.expected->pdata[i],
                    st.out_names->pdata[i]);
  if (st.params >= 0 && !g_test_failed ())
    check_params (&st);
  g_assert_cmpuint (st.out_names->len, <=, G_N_ELEMENTS (outputs));
  if (!g_test_failed ()
      && nn_graph_run (st.g, (const nn_array *const *) st.inputs->pdata, outputs, &stats,
                       &err) != NN_OK)
    g_test_fail_printf ("%s: run: %s", tc->name, err.message);
  for (guint i = 0; i < st.out_names->len && outputs[0] != NULL; i++)
    {
      compare (st.out_names->pdata[i], outputs[i], st.expected->pdata[i], st.rtol, st.atol);
      nn_array_free (outputs[i]);
    }
  if (st.peak_below_total && outputs[0] != NULL)
    g_assert_cmpuint (stats.peak_live_bytes, <, stats.total_value_bytes);
  nn_graph_free (st.g);
  g_ptr_array_unref (st.inputs);
  g_ptr_array_unref (st.out_names);
  g_ptr_array_unref (st.expected);
}

static GPtrArray *
load_cases (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "cases.txt", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *cases = g_ptr_array_new ();
  GPtrArray *body = NULL;
  test_case *tc = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    g_error ("no %s: run tests/reference/make-graph-fixtures.py first", path);
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      if (g_str_has_prefix (*l, "case "))
        {
          tc = g_new0 (test_case, 1);
          tc->name = g_strdup (*l + 5);
          body = g_ptr_array_new ();
        }
      else if (strcmp (*l, "end") == 0 && tc != NULL)
        {
          g_ptr_array_add (body, NULL);
          tc->lines = (char **) g_ptr_array_free (body, FALSE);
          g_ptr_array_add (cases, tc);
          tc = NULL;
        }
      else if (tc != NULL && **l != '\0')
        g_ptr_array_add (body, g_strdup (*l));
    }
  return cases;
}

int
main (int argc, char **argv)
{
  GPtrArray *cases;
  int status;

  g_test_init (&argc, &argv, NULL);
  fixture_dir = g_getenv ("LAYERLAB_GRAPH_FIXTURES");
  if (fixture_dir == NULL)
    {
      g_test_skip ("LAYERLAB_GRAPH_FIXTURES is not set (check-graph-ops.py sets it)");
      return g_test_run ();
    }
  cases = load_cases (fixture_dir);
  g_assert_cmpuint (cases->len, >=, 600);   /* a generator that stopped early fails here */
  for (guint i = 0; i < cases->len; i++)
    {
      const test_case *tc = cases->pdata[i];
      g_autofree char *path = g_strdup_printf ("/graph/ops/%s", tc->name);

      g_test_add_data_func (path, tc, run_case);
    }
  status = g_test_run ();
  for (guint i = 0; i < cases->len; i++)
    {
      test_case *tc = cases->pdata[i];

      g_free (tc->name);
      g_strfreev (tc->lines);
      g_free (tc);
    }
  g_ptr_array_unref (cases);
  return status;
}
