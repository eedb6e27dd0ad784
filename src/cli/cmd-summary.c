/* cmd-summary.c - layerlab-cli summary: PyTorch repr and the summary table
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

static const char summary_help[] =
  "Usage: layerlab-cli summary MODEL\n"
  "\n"
  "Print the network in PyTorch's format (print(network)), then a table with each\n"
  "layer's output shape, parameter count and multiply-adds per sample, and the totals.\n"
  "\n"
  "MODEL is a Layerlab model file (HDF5) or a PyTorch .pt/.pth file holding a\n"
  "torch.nn.Sequential. Exits with 1 (after printing) when a layer's shapes do not fit.\n"
  "A model trained by Layerlab also shows its training settings and per-epoch history\n"
  "(the file's /training group).\n"
  "\n"
  "MODEL.onnx (an ONNX model, opset 7-17) prints its IR version, opsets and producer,\n"
  "its inputs and outputs, then each node in the order it runs: its name, operator (with\n"
  "the PyTorch module it corresponds to), output shape ([-1, ...]: any batch size),\n"
  "parameters and multiply-adds per sample, and the totals. Constant subgraphs (shape\n"
  "computations) are folded when the model is read and do not appear.\n"
  "\n"
  "Options:\n"
  "  -h, --help   show this help\n";

static void
print_text (const char *text)
{
  size_t len = strlen (text);

  fputs (text, stdout);
  if (len == 0 || text[len - 1] != '\n')
    fputc ('\n', stdout);
}

static int
print_summary (const nn_net *net)
{
  char *repr = nn_net_repr (net);
  char *table = nn_net_summary (net);
  int ret = CLI_EXIT_OK;

  if (repr == NULL || table == NULL)
    {
      ret = cli_error ("out of memory");
    }
  else
    {
      print_text (repr);
      fputc ('\n', stdout);
      print_text (table);
    }
  free (repr);
  free (table);
  return ret;
}

/* "-" for a value that was not measured (NAN) */
static void
print_cell (double v, bool percent, int width)
{
  if (isnan (v))
    printf ("  %*s", width, "-");
  else if (percent)
    printf ("  %*.2f%%", width - 1, 100.0 * v);
  else
    printf ("  %*.4f", width, v);
}

static void
print_optimizer (const nn_optim_config *o)
{
  char a[32], b[32], c[32], d[32];

  if (o->kind == NN_OPTIM_SGD)
    printf ("SGD (lr=%s, momentum=%s, dampening=%s, weight_decay=%s, nesterov=%s)",
            nn_format_float (o->lr, a, sizeof a), nn_format_float (o->momentum, b, sizeof b),
            nn_format_float (o->dampening, c, sizeof c),
            nn_format_float (o->weight_decay, d, sizeof d), o->nesterov ? "True" : "False");
  else
    {
      char e[32];

      printf ("Adam (lr=%s, betas=(%s, %s), eps=%s, weight_decay=%s)",
              nn_format_float (o->lr, a, sizeof a), nn_format_float (o->beta1, b, sizeof b),
              nn_format_float (o->beta2, c, sizeof c), nn_format_float (o->eps, d, sizeof d),
              nn_format_float (o->weight_decay, e, sizeof e));
    }
}

static void
print_training (const nn_training_record *r)
{
  printf ("\nTraining: %s, ", nn_loss_name (r->loss));
  print_optimizer (&r->optim);
  printf ("\n  data: %s", r->data[0] ? r->data : "(not recorded)");
  if (r->validation_data[0])
    printf ("; validation: %s", r->validation_data);
  else if (r->validation_fraction > 0)
    printf ("; validation: %.4g%% held out", 100.0 * r->validation_fraction);
  if (r->preprocessing[0])
    printf ("; %s", r->preprocessing);
  printf ("\n  epochs: %" PRId64 ", batch size: %" PRId64 ", seed: %" PRIu64 ", %s\n",
          r->epochs, r->batch_size, r->seed, r->shuffle ? "shuffled" : "not shuffled");
  if (r->n_history == 0)
    {
      printf ("  no epoch finished\n");
      return;
    }
  printf ("  %5s  %10s  %10s  %10s  %10s  %8s\n", "epoch", "train loss", "train acc",
          "val loss", "val acc", "seconds");
  for (int64_t i = 0; i < r->n_history; i++)
    {
      const nn_training_epoch *e = &r->history[i];

      printf ("  %5" PRId64, i + 1);
      print_cell (e->train_loss, false, 10);
      print_cell (e->train_accuracy, true, 10);
      print_cell (e->val_loss, false, 10);
      print_cell (e->val_accuracy, true, 10);
      if (isnan (e->seconds))
        printf ("  %8s\n", "-");
      else
        printf ("  %8.2f\n", e->seconds);
    }
}

int
cli_cmd_summary (int argc, char **argv)
{
  const char *model_path = NULL;
  cli_command cmd = {
    .name = "summary", .help = summary_help, .options = NULL,
    .positional = &model_path, .max_positional = 1,
  };
  nn_error err = { 0 };
  nn_net *net = NULL;
  int ret;

  ret = cli_parse_args (&cmd, argc, argv);
  if (ret >= 0)
    return ret;
  if (model_path == NULL)
    return cli_usage_error ("summary", "missing MODEL");

  if (cli_is_onnx (model_path))
    return cli_onnx_summary (model_path);
  if (cli_open_model (model_path, &net, &err) != NN_OK)
    return cli_nn_error (&err);
  ret = print_summary (net);
  if (ret == CLI_EXIT_OK && net->training != NULL)
    print_training (net->training);
  if (ret == CLI_EXIT_OK)
    {
      /* the table already shows the failing layer; the status tells scripts */
      fflush (stdout);
      ret = cli_check_net (net, model_path);
    }
  nn_net_free (net);
  return ret;
}
