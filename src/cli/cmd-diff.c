/* cmd-diff.c - layerlab-cli diff: what changed between two models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn-graph.h"

static const char diff_help[] =
  "Usage: layerlab-cli diff A B [--input X.npy | --seed S] [--json]\n"
  "\n"
  "Show what changed from model A to model B (before and after training, a model and\n"
  "its conversion, two versions of a design): nodes added, removed or changed (operator,\n"
  "attributes, what their inputs read), each weight's change (largest absolute\n"
  "difference, and ||B - A|| / ||A||), and the outputs of both on the same random input.\n"
  "Nodes and weights are matched by name. A and B are model files Layerlab opens (.h5,\n"
  ".pt, .onnx); a chain network is compared as the graph it exports to ONNX.\n"
  "\n"
  "Options:\n"
  "  --input X.npy  the input both run on (a batch, or one sample)\n"
  "  --seed S     else a random input, uniform in [0, 1), from seed S (default 0)\n"
  "  --json       print one JSON object instead of the text\n"
  "  -h, --help   show this help\n";

static const char *const kind_sign = " +-~";   /* by nn_diff_kind */

static int64_t
numel (const nn_type *t)
{
  int64_t n = 1;

  for (int i = 0; i < t->rank; i++)
    n *= t->shape[i];
  return n;
}

static void
counts (const nn_graph_diff *d, bool weights, int c[4])
{
  memset (c, 0, 4 * sizeof *c);
  if (weights)
    for (int i = 0; i < d->n_weights; i++)
      c[d->weights[i].kind]++;
  else
    {
      for (int i = 0; i < d->n_nodes; i++)
        c[d->nodes[i].kind]++;
      c[NN_DIFF_SAME] = d->n_same_nodes;
    }
}

static void
print_text (const nn_graph_diff *d, const char *input, uint64_t seed)
{
  int c[4];
  char ta[128], tb[128];

  counts (d, false, c);
  printf ("Nodes: %d changed, %d added, %d removed, %d the same\n", c[NN_DIFF_CHANGED],
          c[NN_DIFF_ADDED], c[NN_DIFF_REMOVED], c[NN_DIFF_SAME]);
  for (int i = 0; i < d->n_nodes; i++)
    {
      const nn_node_diff *n = &d->nodes[i];

      printf ("  %c %s (%s)", kind_sign[n->kind], n->name, n->op_a != NULL ? n->op_a : n->op_b);
      if (n->kind == NN_DIFF_CHANGED)
        printf (": %s", n->what);
      printf ("\n");
    }
  counts (d, true, c);
  printf ("\nWeights: %d changed, %d added, %d removed, %d the same\n", c[NN_DIFF_CHANGED],
          c[NN_DIFF_ADDED], c[NN_DIFF_REMOVED], c[NN_DIFF_SAME]);
  for (int i = 0; i < d->n_weights; i++)
    {
      const nn_weight_diff *w = &d->weights[i];

      if (w->kind == NN_DIFF_SAME)
        continue;
      cli_shape_text (w->kind == NN_DIFF_ADDED ? &w->type_b : &w->type_a, ta, sizeof ta);
      printf ("  %c %s %s", kind_sign[w->kind], w->name, ta);
      if (w->kind == NN_DIFF_CHANGED && isnan (w->max_abs))
        {
          cli_shape_text (&w->type_b, tb, sizeof tb);
          printf (" -> %s", tb);
        }
      else if (w->kind == NN_DIFF_CHANGED)
        printf ("  max |B - A| %.4g, relative %.3g%%", w->max_abs, 100.0 * w->rel);
      printf ("\n");
    }
  if (input != NULL)
    printf ("\nOutputs on %s: ", input);
  else
    printf ("\nOutputs on the same random input (seed %" PRIu64 "): ", seed);
  if (d->outputs_compared)
    printf ("max |B - A| %.4g, relative %.3g%%\n", d->out_max_abs, 100.0 * d->out_rel);
  else
    printf ("not compared: %s\n", d->outputs_why);
}

static void
json_string (const char *s)
{
  putchar ('"');
  for (; *s != '\0'; s++)
    {
      if (*s == '"' || *s == '\\')
        printf ("\\%c", *s);
      else if ((unsigned char) *s < 0x20)
        printf ("\\u%04x", (unsigned char) *s);
      else
        putchar (*s);
    }
  putchar ('"');
}

static void
json_number (double v)
{
  if (isfinite (v))
    printf ("%.9g", v);
  else
    printf ("null");
}

static void
print_json (const char *pa, const char *pb, const nn_graph_diff *d, uint64_t seed)
{
  static const char *const kinds[4] = { "same", "added", "removed", "changed" };

  printf ("{\"a\": ");
  json_string (pa);
  printf (", \"b\": ");
  json_string (pb);
  printf (", \"nodes_same\": %d, \"nodes\": [", d->n_same_nodes);
  for (int i = 0; i < d->n_nodes; i++)
    {
      const nn_node_diff *n = &d->nodes[i];

      printf ("%s{\"change\": \"%s\", \"name\": ", i ? ", " : "", kinds[n->kind]);
      json_string (n->name);
      printf (", \"op\": ");
      json_string (n->op_a != NULL ? n->op_a : n->op_b);
      if (n->kind == NN_DIFF_CHANGED)
        {
          printf (", \"what\": ");
          json_string (n->what);
        }
      printf ("}");
    }
  printf ("], \"weights\": [");
  for (int i = 0; i < d->n_weights; i++)
    {
      const nn_weight_diff *w = &d->weights[i];
      char ta[128], tb[128];

      cli_shape_text (&w->type_a, ta, sizeof ta);
      cli_shape_text (&w->type_b, tb, sizeof tb);
      printf ("%s{\"change\": \"%s\", \"name\": ", i ? ", " : "", kinds[w->kind]);
      json_string (w->name);
      printf (", \"shape_a\": %s, \"shape_b\": %s, \"max_abs\": ",
              w->kind == NN_DIFF_ADDED ? "null" : ta, w->kind == NN_DIFF_REMOVED ? "null" : tb);
      json_number (w->kind == NN_DIFF_SAME ? 0 : w->kind == NN_DIFF_CHANGED ? w->max_abs : NAN);
      printf (", \"relative\": ");
      json_number (w->kind == NN_DIFF_SAME ? 0 : w->kind == NN_DIFF_CHANGED ? w->rel : NAN);
      printf (", \"elements\": %" PRId64 "}", numel (w->kind == NN_DIFF_ADDED ? &w->type_b
                                                                            : &w->type_a));
    }
  printf ("], \"outputs\": {\"seed\": %" PRIu64 ", \"compared\": %s", seed,
          d->outputs_compared ? "true" : "false");
  if (d->outputs_compared)
    {
      printf (", \"max_abs\": ");
      json_number (d->out_max_abs);
      printf (", \"relative\": ");
      json_number (d->out_rel);
    }
  else
    {
      printf (", \"why\": ");
      json_string (d->outputs_why);
    }
  printf ("}}\n");
}

/* X.npy as the graph's one input: a batch, or one sample given a batch of one */
static nn_array *
read_input (const char *path, nn_graph *g, nn_error *err)
{
  nn_tensor *t = NULL;
  nn_array *a;
  const nn_type *want;
  int64_t shape[NN_ARRAY_MAX_RANK];
  int32_t rank;

  if (nn_graph_infer (g, err) != NN_OK || nn_npy_read (path, &t, err) != NN_OK)
    return NULL;
  want = nn_graph_n_inputs (g) == 1 ? nn_graph_input_type (g, 0) : NULL;
  rank = t->n_dims;
  memcpy (shape, t->shape, (size_t) rank * sizeof *shape);
  if (want != NULL && rank == want->rank - 1)
    {
      memmove (shape + 1, shape, (size_t) rank * sizeof *shape);
      shape[0] = 1;
      rank++;
    }
  if ((a = nn_array_new_f32 (rank, shape, err)) != NULL)
    memcpy (a->data, t->data, (size_t) nn_tensor_numel (t) * sizeof (float));
  nn_tensor_free (t);
  return a;
}

int
cli_cmd_diff (int argc, char **argv)
{
  const char *paths[2] = { NULL, NULL }, *seed_text = NULL, *input_path = NULL;
  bool json = false;
  const cli_option options[] = {
    { "seed", '\0', &seed_text },
    { "input", '\0', &input_path },
    { "json", '\0', NULL, &json },
    { NULL, '\0', NULL },
  };
  cli_command cmd = {
    .name = "diff", .help = diff_help, .options = options,
    .positional = paths, .max_positional = 2,
  };
  long long seed = 0;
  nn_graph *g[2] = { NULL, NULL };
  nn_graph_diff d;
  nn_error err = { 0 };
  nn_array *x = NULL;
  int ret = cli_parse_args (&cmd, argc, argv);

  if (ret >= 0)
    return ret;
  if (cmd.n_positional != 2)
    return cli_usage_error ("diff", "needs A and B");
  if (seed_text != NULL && !cli_parse_int (seed_text, 0, INT64_MAX, &seed))
    return cli_usage_error ("diff", "--seed needs a whole number >= 0, not '%s'", seed_text);
  for (int k = 0; k < 2; k++)
    if (cli_open_graph (paths[k], &g[k], &err) != NN_OK)
      {
        nn_graph_free (g[0]);
        return cli_nn_error (&err);
      }
  if (input_path != NULL && (x = read_input (input_path, g[0], &err)) == NULL)
    {
      nn_graph_free (g[0]);
      nn_graph_free (g[1]);
      return cli_nn_error (&err);
    }
  if (nn_graph_diff_compute (g[0], g[1], x != NULL ? (const nn_array *const[]) { x } : NULL,
                             (uint64_t) seed, &d, &err) != NN_OK)
    ret = cli_nn_error (&err);
  else
    {
      if (json)
        print_json (paths[0], paths[1], &d, (uint64_t) seed);
      else
        print_text (&d, input_path, (uint64_t) seed);
      nn_graph_diff_clear (&d);
      ret = CLI_EXIT_OK;
    }
  nn_array_free (x);
  nn_graph_free (g[0]);
  nn_graph_free (g[1]);
  return ret;
}
