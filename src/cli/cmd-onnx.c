/* cmd-onnx.c - summary and run for ONNX models (the graph engine)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn-graph.h"

bool
cli_is_onnx (const char *path)
{
  size_t len = path ? strlen (path) : 0;

  return len >= 5 && strcmp (path + len - 5, ".onnx") == 0;
}

/* "1,234,567" */
static const char *
thousands (int64_t v, char *buf, size_t size)
{
  char digits[32];
  int n = snprintf (digits, sizeof digits, "%" PRId64, v < 0 ? -v : v);
  size_t len = 0;

  if (v < 0)
    buf[len++] = '-';
  for (int i = 0; i < n && len + 2 < size; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        buf[len++] = ',';
      buf[len++] = digits[i];
    }
  buf[len] = '\0';
  return buf;
}

static int
open_graph (const char *path, nn_graph **g)
{
  nn_error err = { 0 };

  if (nn_file_open_graph (path, g, &err) != NN_OK)
    return cli_nn_error (&err);
  return CLI_EXIT_OK;
}

static void
print_header (const nn_graph *g, const char *path)
{
  const char *domain;
  int64_t version;

  printf ("ONNX model %s: IR version %" PRId64, path, nn_graph_ir_version (g));
  for (int i = 0; nn_graph_opset (g, i, &domain, &version); i++)
    printf (", opset %s%s%" PRId64, domain[0] ? domain : "", domain[0] ? " " : "", version);
  if (nn_graph_info (g, "producer_name")[0] != '\0')
    printf (", producer %s %s", nn_graph_info (g, "producer_name"),
            nn_graph_info (g, "producer_version"));
  printf ("\n");
  if (nn_graph_info (g, "graph_name")[0] != '\0')
    printf ("Graph: %s\n", nn_graph_info (g, "graph_name"));
}

static void
print_values (const nn_graph *g, const char *what, int n, const char *(*name_of) (const nn_graph *, int))
{
  for (int i = 0; i < n; i++)
    {
      const char *name = name_of (g, i);
      const nn_type *t = nn_graph_value_type (g, name);
      char shape[160];

      printf ("%-8s %-24s %s %s\n", i == 0 ? what : "", name,
              t ? cli_shape_text (t, shape, sizeof shape) : "?",
              t ? nn_dtype_name (t->dtype) : "");
    }
}

#define W_NAME 40
#define W_OP 30
#define W_SHAPE 22
#define W_NUM 15

static int
print_nodes (const nn_graph *g)
{
  const int *order = nn_graph_order (g);
  int64_t params = 0, macs = 0;
  char a[32], b[32];

  printf ("%-*s %-*s %-*s %*s %*s\n", W_NAME, "Node", W_OP, "Operator", W_SHAPE,
          "Output shape", W_NUM, "Param #", W_NUM, "Mult-adds");
  for (int i = 0; i < W_NAME + W_OP + W_SHAPE + 2 * W_NUM + 4; i++)
    putchar ('=');
  putchar ('\n');
  for (int p = 0; p < nn_graph_n_nodes (g); p++)
    {
      int i = order[p];
      nn_node_cost cost = { 0 };
      nn_error err;
      char op[96], shape[160] = "";
      const nn_type *t = nn_graph_value_type (g, nn_graph_node_output (g, i, 0));

      if (nn_graph_node_cost (g, i, &cost, &err) != NN_OK)
        return cli_nn_error (&err);
      snprintf (op, sizeof op, "%s (%s)", nn_graph_node_op (g, i), nn_graph_node_torch (g, i));
      if (t != NULL)
        cli_shape_text (t, shape, sizeof shape);
      printf ("%-*s %-*s %-*s %*s %*s\n", W_NAME, nn_graph_node_name (g, i), W_OP, op,
              W_SHAPE, shape, W_NUM, thousands (cost.params, a, sizeof a), W_NUM,
              thousands (cost.macs, b, sizeof b));
      params += cost.params;
      macs += cost.macs;
    }
  for (int i = 0; i < W_NAME + W_OP + W_SHAPE + 2 * W_NUM + 4; i++)
    putchar ('=');
  putchar ('\n');
  printf ("Nodes: %d\n", nn_graph_n_nodes (g));
  printf ("Total params: %s\n", thousands (params, a, sizeof a));
  printf ("Mult-adds (batch 1): %s\n", thousands (macs, a, sizeof a));
  printf ("Parameter memory: %.2f MB\n", (double) params * sizeof (float) / 1e6);
  return CLI_EXIT_OK;
}

/* Gives every symbolic dim of the inputs size 1 and folds again: for graphs that compute
 * shapes from the batch size at run time (Shape -> Gather -> Concat -> Reshape), whose
 * shapes inference cannot tell for any batch. */
static nn_status
specialize_batch (nn_graph *g, nn_error *err)
{
  nn_status s = NN_OK;

  for (int i = 0; i < nn_graph_n_inputs (g) && s == NN_OK; i++)
    {
      const char *name = nn_graph_input_name (g, i);
      nn_type t = *nn_graph_input_type (g, i);

      for (int32_t d = 0; d < t.rank; d++)
        if (t.shape[d] == NN_DIM_SYMBOLIC)
          t.shape[d] = 1;
      s = nn_graph_set_input_type (g, name, &t, err);
    }
  if (s == NN_OK)
    s = nn_graph_fold_constants (g, NULL, err);
  return s == NN_OK ? nn_graph_infer (g, err) : s;
}

int
cli_onnx_summary (const char *path)
{
  nn_graph *g = NULL;
  nn_error err = { 0 }, first = { 0 };
  int ret = open_graph (path, &g);
  bool specialized = false;

  if (ret != CLI_EXIT_OK)
    return ret;
  if (nn_graph_infer (g, &first) != NN_OK)
    {
      specialized = first.status == NN_STATUS_UNSUPPORTED && specialize_batch (g, &err) == NN_OK;
      if (!specialized)
        ret = cli_error ("%s: %s", path, first.message);
    }
  if (ret == CLI_EXIT_OK)
    {
      print_header (g, path);
      print_values (g, "Inputs:", nn_graph_n_inputs (g), nn_graph_input_name);
      print_values (g, "Outputs:", nn_graph_n_outputs (g), nn_graph_output_name);
      if (specialized)
        printf ("(shapes for a batch of 1: the model computes shapes from its batch size "
                "at run time)\n\n");
      else
        printf ("(-1: any batch size)\n\n");
      ret = print_nodes (g);
    }
  nn_graph_free (g);
  return ret;
}

/* "NAME=FILE" -> name (in buf) and file; "FILE" -> "" and file */
static const char *
split_spec (const char *spec, char *name, size_t size)
{
  const char *eq = strchr (spec, '=');

  name[0] = '\0';
  if (eq == NULL)
    return spec;
  snprintf (name, size, "%.*s", (int) (eq - spec), spec);
  return eq + 1;
}

/* index of the graph's input or output called name (by_output), -1 if none */
static int
find_io (const nn_graph *g, const char *name, bool output)
{
  int n = output ? nn_graph_n_outputs (g) : nn_graph_n_inputs (g);

  for (int i = 0; i < n; i++)
    if (strcmp (output ? nn_graph_output_name (g, i) : nn_graph_input_name (g, i), name) == 0)
      return i;
  return -1;
}

/* files[i] for each graph input/output from the specs ("NAME=F" or one plain "F" when
 * the graph has one); an output without a spec gets NULL (not written) */
static int
match_specs (const nn_graph *g, const char *path, bool output, int n_specs,
             const char *const *specs, const char **files)
{
  int n = output ? nn_graph_n_outputs (g) : nn_graph_n_inputs (g);
  const char *what = output ? "output" : "input";

  for (int i = 0; i < n; i++)
    files[i] = NULL;
  for (int k = 0; k < n_specs; k++)
    {
      char name[256];
      const char *file = split_spec (specs[k], name, sizeof name);
      int i;

      if (name[0] == '\0')
        {
          if (n_specs != 1 || n != 1)
            return cli_usage_error ("run", "the model has %d %ss; name each: --%s NAME=FILE.npy",
                                    n, what, what);
          i = 0;
        }
      else if ((i = find_io (g, name, output)) < 0)
        {
          char names[512] = "";
          size_t len = 0;

          for (int j = 0; j < n && len < sizeof names; j++)
            len += (size_t) snprintf (names + len, sizeof names - len, "%s%s", j ? ", " : "",
                                      output ? nn_graph_output_name (g, j)
                                             : nn_graph_input_name (g, j));
          return cli_error ("%s: the model has no %s called '%s' (its %ss: %s)", path, what,
                            name, what, names);
        }
      if (files[i] != NULL)
        return cli_usage_error ("run", "--%s %s is given twice", what, name);
      files[i] = file;
    }
  for (int i = 0; i < n && !output; i++)
    if (files[i] == NULL)
      return cli_usage_error ("run", "missing --input %s=FILE.npy", nn_graph_input_name (g, i));
  return CLI_EXIT_OK;
}

static int
run_graph (nn_graph *g, const char *path, const char **in_files, const char **out_files)
{
  int n_in = nn_graph_n_inputs (g), n_out = nn_graph_n_outputs (g);
  nn_array **x = calloc ((size_t) n_in + 1, sizeof *x);
  nn_array **y = calloc ((size_t) n_out + 1, sizeof *y);
  nn_error err = { 0 };
  int ret = CLI_EXIT_OK;

  if (x == NULL || y == NULL)
    ret = cli_error ("out of memory");
  for (int i = 0; i < n_in && ret == CLI_EXIT_OK; i++)
    if (nn_npy_read_array (in_files[i], &x[i], &err) != NN_OK)
      ret = cli_nn_error (&err);
  if (ret == CLI_EXIT_OK
      && nn_graph_run (g, (const nn_array *const *) x, y, NULL, &err) != NN_OK)
    ret = cli_error ("%s: %s", path, err.message);
  for (int i = 0; i < n_out && ret == CLI_EXIT_OK; i++)
    if (out_files[i] != NULL && nn_npy_write_array (out_files[i], y[i], &err) != NN_OK)
      ret = cli_nn_error (&err);
  for (int i = 0; x != NULL && i < n_in; i++)
    nn_array_free (x[i]);
  for (int i = 0; y != NULL && i < n_out; i++)
    nn_array_free (y[i]);
  free (x);
  free (y);
  return ret;
}

int
cli_onnx_run (const char *path, int n_inputs, const char *const *inputs, int n_outputs,
              const char *const *outputs)
{
  nn_graph *g = NULL;
  const char **in_files = NULL, **out_files = NULL;
  int ret = open_graph (path, &g);

  if (ret != CLI_EXIT_OK)
    return ret;
  in_files = calloc ((size_t) nn_graph_n_inputs (g) + 1, sizeof *in_files);
  out_files = calloc ((size_t) nn_graph_n_outputs (g) + 1, sizeof *out_files);
  if (in_files == NULL || out_files == NULL)
    ret = cli_error ("out of memory");
  if (ret == CLI_EXIT_OK)
    ret = match_specs (g, path, false, n_inputs, inputs, in_files);
  if (ret == CLI_EXIT_OK)
    ret = match_specs (g, path, true, n_outputs, outputs, out_files);
  if (ret == CLI_EXIT_OK)
    ret = run_graph (g, path, in_files, out_files);
  free (in_files);
  free (out_files);
  nn_graph_free (g);
  return ret;
}
