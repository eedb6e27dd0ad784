/* cmd-compare.c - layerlab-cli compare: the largest difference between two arrays
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Used by the tests to check `run` against PyTorch's outputs without needing Python,
 * and by users for the same purpose.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "cli.h"

#define COMPARE_DEFAULT_TOL 1e-4

static const char compare_help[] =
  "Usage: layerlab-cli compare A.npy B.npy [--tol T]\n"
  "\n"
  "Compare two arrays of the same shape, B being the reference. Prints\n"
  "  max_abs_error E max_rel_error R elements N\n"
  "where an element's relative error is |A - B| / max(|B|, 1), and fails (exit 1) when\n"
  "the shapes differ, when only one of them is NaN somewhere, or when R exceeds T.\n"
  "\n"
  "Options:\n"
  "  --tol T      tolerance for the relative error (default 1e-4)\n"
  "  -h, --help   show this help\n";

typedef struct compare_stats {
  double max_abs, max_rel;
  int64_t worst;        /* element with the largest relative error */
  int64_t nan_at;       /* first element where only one side is NaN, or -1 */
} compare_stats;

static compare_stats
compare_data (const nn_tensor *a, const nn_tensor *b)
{
  compare_stats s = { 0.0, 0.0, 0, -1 };
  int64_t n = nn_tensor_numel (a);

  for (int64_t i = 0; i < n; i++)
    {
      double x = a->data[i], y = b->data[i];
      double abs_err = fabs (x - y), rel_err;

      if (isnan (x) || isnan (y))
        {
          if (!(isnan (x) && isnan (y)) && s.nan_at < 0)
            s.nan_at = i;
          continue;
        }
      if (x == y)   /* also equal infinities, whose difference would be NaN */
        continue;
      rel_err = abs_err / fmax (fabs (y), 1.0);
      if (abs_err > s.max_abs)
        s.max_abs = abs_err;
      if (rel_err > s.max_rel)
        {
          s.max_rel = rel_err;
          s.worst = i;
        }
    }
  return s;
}

/* "[1, 7]": the multi-index of flat element i */
static void
format_index (const nn_tensor *t, int64_t i, char *buf, size_t size)
{
  int64_t idx[NN_MAX_DIMS] = { 0 };

  for (int d = t->n_dims - 1; d >= 0; d--)
    {
      idx[d] = t->shape[d] > 0 ? i % t->shape[d] : 0;
      i = t->shape[d] > 0 ? i / t->shape[d] : 0;
    }
  nn_shape_format (t->n_dims, idx, buf, size);
}

static int
report (const char *path_a, const nn_tensor *a, const char *path_b, const nn_tensor *b,
        double tol)
{
  compare_stats s = compare_data (a, b);
  char where[96];

  printf ("max_abs_error %.6g max_rel_error %.6g elements %lld\n",
          s.max_abs, s.max_rel, (long long) nn_tensor_numel (a));
  if (s.nan_at >= 0)
    {
      format_index (a, s.nan_at, where, sizeof where);
      return cli_error ("%s and %s differ at %s: NaN on one side only", path_a, path_b, where);
    }
  if (!(s.max_rel <= tol))
    {
      format_index (a, s.worst, where, sizeof where);
      return cli_error ("%s and %s differ by %.6g at %s (%g vs %g), more than the tolerance %g",
                        path_a, path_b, s.max_rel, where, (double) a->data[s.worst],
                        (double) b->data[s.worst], tol);
    }
  return CLI_EXIT_OK;
}

static int
compare_files (const char *path_a, const char *path_b, double tol)
{
  nn_error err = { 0 };
  nn_tensor *a = NULL, *b = NULL;
  char shape_a[96], shape_b[96];
  int ret;

  if (nn_npy_read (path_a, &a, &err) != NN_OK)
    return cli_nn_error (&err);
  if (nn_npy_read (path_b, &b, &err) != NN_OK)
    {
      nn_tensor_free (a);
      return cli_nn_error (&err);
    }
  if (!nn_tensor_same_shape (a, b))
    ret = cli_error ("%s has shape %s but %s has shape %s", path_a,
                     nn_shape_format (a->n_dims, a->shape, shape_a, sizeof shape_a), path_b,
                     nn_shape_format (b->n_dims, b->shape, shape_b, sizeof shape_b));
  else
    ret = report (path_a, a, path_b, b, tol);
  nn_tensor_free (a);
  nn_tensor_free (b);
  return ret;
}

int
cli_cmd_compare (int argc, char **argv)
{
  const char *paths[2] = { NULL, NULL }, *tol_text = NULL;
  const cli_option options[] = {
    { "tol", '\0', &tol_text },
    { NULL },
  };
  cli_command cmd = {
    .name = "compare", .help = compare_help, .options = options,
    .positional = paths, .max_positional = 2,
  };
  double tol = COMPARE_DEFAULT_TOL;
  int ret;

  ret = cli_parse_args (&cmd, argc, argv);
  if (ret >= 0)
    return ret;
  if (cmd.n_positional < 2)
    return cli_usage_error ("compare", "needs two files, A.npy and B.npy");
  if (tol_text != NULL && !cli_parse_double (tol_text, 0.0, 1e30, &tol))
    return cli_usage_error ("compare", "--tol needs a number >= 0, not '%s'", tol_text);
  return compare_files (paths[0], paths[1], tol);
}
