/* cmd-profile.c - layerlab-cli profile: where a forward pass spends its time and memory
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

static const char profile_help[] =
  "Usage: layerlab-cli profile MODEL [--batch N] [--threads T] [--repeat R] [--json]\n"
  "\n"
  "Run MODEL's graph on a random batch R times (after one warm-up run) and print each\n"
  "node's median time, its share of the whole and the share of the nodes before it, the\n"
  "bytes it writes and the bytes alive while it runs, slowest first; then the peak\n"
  "memory of the values. Chain networks (.h5, .pt) run as the graph they export to ONNX.\n"
  "\n"
  "Options:\n"
  "  --batch N     batch size (default 1)\n"
  "  --threads T   number of threads (default 1)\n"
  "  --repeat R    timed runs (default 10)\n"
  "  --json        one JSON object instead of the table\n"
  "  -h, --help    show this help\n";

typedef struct row {
  int node;
  double seconds;           /* median */
  uint64_t output_bytes, live_bytes;
} row;

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static int
slowest_first (const void *a, const void *b)
{
  const row *x = a, *y = b;

  if (x->seconds != y->seconds)
    return x->seconds < y->seconds ? 1 : -1;
  return x->node - y->node;
}

/* Random inputs of the graph's input types, batch for the symbolic dims. */
static nn_status
make_inputs (nn_graph *g, int64_t batch, nn_array **in, int *n_in, nn_error *err)
{
  *n_in = 0;
  if (nn_graph_n_inputs (g) > NN_NODE_MAX_IO)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "the model has %d inputs; at most "
                         "%d are profiled", nn_graph_n_inputs (g), NN_NODE_MAX_IO);
  for (int k = 0; k < nn_graph_n_inputs (g); k++)
    {
      nn_type t = *nn_graph_input_type (g, k);

      for (int i = 0; i < t.rank; i++)
        if (t.shape[i] == NN_DIM_SYMBOLIC)
          t.shape[i] = batch;
      if ((in[k] = nn_array_new (&t, err)) == NULL)
        return err->status;
      if (t.dtype == NN_DTYPE_FLOAT32)
        for (int64_t i = 0; i < nn_array_numel (in[k]); i++)
          ((float *) in[k]->data)[i] = (float) ((i * 2654435761u) % 1000) / 1000.0f;
      (*n_in)++;
    }
  return NN_OK;
}

static void
human_bytes (uint64_t b, char *buf, size_t size)
{
  if (b >= 1000000)
    snprintf (buf, size, "%.1f MB", (double) b / 1e6);
  else if (b >= 1000)
    snprintf (buf, size, "%.1f kB", (double) b / 1e3);
  else
    snprintf (buf, size, "%" PRIu64 " B", b);
}

int
cli_cmd_profile (int argc, char **argv)
{
  const char *model = NULL, *batch_text = NULL, *threads_text = NULL, *repeat_text = NULL;
  bool json = false;
  const cli_option options[] = {
    { "batch", '\0', &batch_text },
    { "threads", '\0', &threads_text },
    { "repeat", '\0', &repeat_text },
    { "json", '\0', NULL, &json },
    { NULL, '\0', NULL },
  };
  cli_command cmd = {
    .name = "profile", .help = profile_help, .options = options,
    .positional = &model, .max_positional = 1,
  };
  long long batch = 1, threads = 1, repeat = 10;
  nn_graph *g = NULL;
  nn_array *in[NN_NODE_MAX_IO] = { 0 }, *out[NN_NODE_MAX_IO] = { 0 };
  nn_graph_run_stats stats = { 0 };
  nn_node_profile *runs = NULL;
  double *samples = NULL, total = 0, before = 0;
  row *rows = NULL;
  nn_error err = { 0 };
  int n_in = 0, n_nodes, n_out, ret = CLI_EXIT_OK;

  if ((ret = cli_parse_args (&cmd, argc, argv)) >= 0)
    return ret;
  ret = CLI_EXIT_OK;
  if (model == NULL)
    return cli_usage_error ("profile", "missing MODEL");
  if (batch_text != NULL && !cli_parse_int (batch_text, 1, 1 << 20, &batch))
    return cli_usage_error ("profile", "--batch needs a whole number >= 1, not '%s'", batch_text);
  if (threads_text != NULL && !cli_parse_int (threads_text, 1, 256, &threads))
    return cli_usage_error ("profile", "--threads needs a whole number 1-256, not '%s'",
                            threads_text);
  if (repeat_text != NULL && !cli_parse_int (repeat_text, 1, 100000, &repeat))
    return cli_usage_error ("profile", "--repeat needs a whole number >= 1, not '%s'",
                            repeat_text);
  if (cli_open_graph (model, &g, &err) != NN_OK)
    return cli_nn_error (&err);
  nn_set_num_threads ((int) threads);
  n_nodes = nn_graph_n_nodes (g);
  n_out = nn_graph_n_outputs (g);
  runs = calloc ((size_t) n_nodes * (size_t) (repeat + 1), sizeof *runs);
  samples = calloc ((size_t) repeat, sizeof *samples);
  rows = calloc ((size_t) n_nodes + 1, sizeof *rows);
  if (runs == NULL || samples == NULL || rows == NULL)
    {
      ret = cli_error ("out of memory");
      goto out;
    }
  if (make_inputs (g, batch, in, &n_in, &err) != NN_OK)
    {
      ret = cli_nn_error (&err);
      goto out;
    }
  /* run 0 warms up; runs 1..repeat are timed */
  for (long long r = 0; r <= repeat; r++)
    {
      if (nn_graph_run_profiled (g, (const nn_array *const *) in, out, &stats,
                                 runs + (size_t) r * (size_t) n_nodes, &err) != NN_OK)
        {
          ret = cli_error ("%s: %s", model, err.message);
          goto out;
        }
      for (int k = 0; k < n_out; k++)
        {
          nn_array_free (out[k]);
          out[k] = NULL;
        }
    }
  for (int i = 0; i < n_nodes; i++)
    {
      const nn_node_profile *first = &runs[(size_t) n_nodes + (size_t) i];

      for (long long r = 0; r < repeat; r++)
        samples[r] = runs[(size_t) (r + 1) * (size_t) n_nodes + (size_t) i].seconds;
      qsort (samples, (size_t) repeat, sizeof *samples, compare_doubles);
      rows[i] = (row) { .node = i, .output_bytes = first->output_bytes,
                        .live_bytes = first->live_bytes,
                        .seconds = repeat % 2 ? samples[repeat / 2]
                                   : 0.5 * (samples[repeat / 2 - 1] + samples[repeat / 2]) };
      total += rows[i].seconds;
    }
  qsort (rows, (size_t) n_nodes, sizeof *rows, slowest_first);

  if (json)
    {
      printf ("{\"model\": \"%s\", \"batch\": %lld, \"threads\": %lld, \"repeat\": %lld, "
              "\"total_ms\": %.6f, \"peak_live_bytes\": %" PRIu64 ", \"total_value_bytes\": %"
              PRIu64 ", \"nodes\": [", model, batch, threads, repeat, 1e3 * total,
              stats.peak_live_bytes, stats.total_value_bytes);
      for (int i = 0; i < n_nodes; i++)
        printf ("%s{\"name\": \"%s\", \"op\": \"%s\", \"ms\": %.6f, \"share\": %.6f, "
                "\"output_bytes\": %" PRIu64 ", \"live_bytes\": %" PRIu64 "}", i ? ", " : "",
                nn_graph_node_name (g, rows[i].node), nn_graph_node_op (g, rows[i].node),
                1e3 * rows[i].seconds, total > 0 ? rows[i].seconds / total : 0,
                rows[i].output_bytes, rows[i].live_bytes);
      printf ("]}\n");
      goto out;
    }
  printf ("%s: batch %lld, %lld thread%s, median of %lld run%s: %.3f ms in %d nodes\n\n",
          model, batch, threads, threads == 1 ? "" : "s", repeat, repeat == 1 ? "" : "s",
          1e3 * total, n_nodes);
  printf ("  %-40s %-20s %10s %7s %7s %10s %10s\n", "node", "operator", "time", "share",
          "cumul.", "output", "live");
  for (int i = 0; i < n_nodes; i++)
    {
      char ob[32], lb[32];
      double share = total > 0 ? rows[i].seconds / total : 0;

      before += share;
      human_bytes (rows[i].output_bytes, ob, sizeof ob);
      human_bytes (rows[i].live_bytes, lb, sizeof lb);
      printf ("  %-40s %-20s %7.3f ms %6.1f%% %6.1f%% %10s %10s\n",
              nn_graph_node_name (g, rows[i].node), nn_graph_node_op (g, rows[i].node),
              1e3 * rows[i].seconds, 100 * share, 100 * before, ob, lb);
    }
  {
    char peak[32], all[32];

    human_bytes (stats.peak_live_bytes, peak, sizeof peak);
    human_bytes (stats.total_value_bytes, all, sizeof all);
    printf ("\nPeak memory of the values: %s (every value kept: %s)\n", peak, all);
  }
out:
  for (int k = 0; k < NN_NODE_MAX_IO; k++)
    {
      nn_array_free (in[k]);
      nn_array_free (out[k]);
    }
  free (runs);
  free (samples);
  free (rows);
  nn_graph_free (g);
  return ret;
}
