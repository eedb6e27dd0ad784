/* cmd-summary.c - layerlab-cli summary: PyTorch repr and the summary table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

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

  if (cli_open_model (model_path, &net, &err) != NN_OK)
    return cli_nn_error (&err);
  ret = print_summary (net);
  if (ret == CLI_EXIT_OK)
    {
      /* the table already shows the failing layer; the status tells scripts */
      fflush (stdout);
      ret = cli_check_net (net, model_path);
    }
  nn_net_free (net);
  return ret;
}
