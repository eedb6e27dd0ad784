/* main.c - layerlab-cli: command dispatch, --help and --version
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct cli_entry {
  const char *name;
  int (*run) (int argc, char **argv);
} cli_entry;

static const cli_entry commands[] = {
  { "summary", cli_cmd_summary },
  { "new", cli_cmd_new },
  { "run", cli_cmd_run },
  { "bench", cli_cmd_bench },
  { "render", cli_cmd_render },
  { "compare", cli_cmd_compare },
  { "convert", cli_cmd_convert },
  { "export-pytorch", cli_cmd_export_pytorch },
  { "diff", cli_cmd_diff },
  { "profile", cli_cmd_profile },
  { "train", cli_cmd_train },
  { "eval", cli_cmd_eval },
};

static const char main_help[] =
  "Usage: layerlab-cli COMMAND [ARGS...]\n"
  "\n"
  "Build, run and inspect Layerlab neural network models from the command line.\n"
  "\n"
  "Commands:\n"
  "  summary MODEL                    print the network as PyTorch does, then a table of\n"
  "                                   output shapes, parameters and multiply-adds\n"
  "  new --template NAME -o MODEL     write a new model from a template\n"
  "      [--seed S]                   (empty, seed, lenet5, vgg11, vgg16)\n"
  "  run MODEL --input X.npy          run the network on a batch and save the output\n"
  "      --output Y.npy [--weights W.h5] [--activations A.h5] [--threads T]\n"
  "  bench MODEL --batch N            time the forward pass; prints one JSON line\n"
  "      [--threads T] [--repeat R]\n"
  "  render ...                       draw weights or activations to PNG/SVG\n"
  "  compare A.npy B.npy [--tol T]    print the largest difference between two arrays;\n"
  "                                   fails when it exceeds the tolerance\n"
  "  convert IN OUT                   convert between .h5 and PyTorch .pt files\n"
  "  export-pytorch MODEL -o NET.py   write a PyTorch script that rebuilds MODEL\n"
  "  diff A B [--json]                what changed between two models: nodes, weights,\n"
  "                                   outputs on the same input\n"
  "  profile MODEL [--batch N]        time and memory of each node of a forward pass\n"
  "  train MODEL --data DATA          train as a classifier (Adam or SGD) and save the\n"
  "      --epochs E --batch B         trained model; DATA: an MNIST folder, a folder of\n"
  "      -o OUT.h5 [--val VAL] ...    class folders of images, or X.npy:Y.npy\n"
  "  eval MODEL --data DATA           print loss, accuracy and the confusion matrix\n"
  "\n"
  "MODEL is a Layerlab model file (HDF5) or a PyTorch .pt file of a torch.nn.Sequential;\n"
  "summary and run also take an ONNX model (MODEL.onnx, opset 7-17).\n"
  "\n"
  "Options:\n"
  "  -h, --help      show this help; 'layerlab-cli COMMAND --help' shows a command's help\n"
  "  --version       print the version\n"
  "\n"
  "Exit status: 0 on success, 1 for bad input (one 'layerlab-cli: error: ...' line on\n"
  "stderr), 2 for usage errors.\n";

static const cli_entry *
find_command (const char *name)
{
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    {
      if (strcmp (commands[i].name, name) == 0)
        return &commands[i];
    }
  return NULL;
}

/* "layerlab-cli help [COMMAND]" is the same as "--help" / "COMMAND --help". */
static int
run_help (int argc, char **argv)
{
  const cli_entry *entry;
  char *help_argv[] = { NULL, (char *) "--help", NULL };

  if (argc < 2)
    {
      fputs (main_help, stdout);
      return CLI_EXIT_OK;
    }
  entry = find_command (argv[1]);
  if (entry == NULL)
    return cli_usage_error (NULL, "unknown command '%s'", argv[1]);
  help_argv[0] = argv[1];
  return entry->run (2, help_argv);
}

int
main (int argc, char **argv)
{
  const cli_entry *entry;
  const char *name;

  nn_init ();
  if (argc < 2)
    {
      fputs (main_help, stderr);
      return CLI_EXIT_USAGE;
    }
  name = argv[1];
  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0)
    {
      fputs (main_help, stdout);
      return CLI_EXIT_OK;
    }
  if (strcmp (name, "--version") == 0)
    {
      printf ("layerlab-cli %s\n", PACKAGE_VERSION);
      return CLI_EXIT_OK;
    }
  if (strcmp (name, "help") == 0)
    return run_help (argc - 1, argv + 1);
  if (name[0] == '-')
    return cli_usage_error (NULL, "unknown option '%s'", name);

  entry = find_command (name);
  if (entry == NULL)
    return cli_usage_error (NULL, "unknown command '%s'", name);
  return entry->run (argc - 1, argv + 1);
}
