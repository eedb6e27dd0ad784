/* cmd-new.c - layerlab-cli new: write a model file from a template
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nn-graph.h"

static const char new_help[] =
  "Usage: layerlab-cli new --template NAME -o MODEL [--seed S]\n"
  "\n"
  "Write a new model file (architecture and freshly initialised weights).\n"
  "\n"
  "Options:\n"
  "  --template NAME    empty, seed (the 1x24x24 seed network), lenet5, vgg11, vgg16;\n"
  "                     graphs: resnet18, mobilenet_v2 (torchvision's, with its\n"
  "                     state_dict names), resnet-mini (1x28x28, 10 classes)\n"
  "  -o, --output MODEL the model file to write (replaced if it exists): HDF5 (.h5),\n"
  "                     PyTorch (.pt) or ONNX (.onnx); graphs are written as ONNX\n"
  "  --seed S           seed for the weight initialisation, 0 or more (default 0);\n"
  "                     the same seed gives the same weights\n"
  "  -h, --help         show this help\n";

static bool
in_list (const char *const *list, const char *name)
{
  for (const char *const *t = list; *t != NULL; t++)
    {
      if (strcmp (*t, name) == 0)
        return true;
    }
  return false;
}

static int
unknown_template (const char *name)
{
  char list[256] = "";
  const char *const *lists[2] = { nn_template_names (), nn_graph_template_names () };

  for (int k = 0; k < 2; k++)
    for (const char *const *t = lists[k]; *t != NULL; t++)
      {
        if (list[0] != '\0')
          strncat (list, ", ", sizeof list - strlen (list) - 1);
        strncat (list, *t, sizeof list - strlen (list) - 1);
      }
  return cli_usage_error ("new", "unknown template '%s' (available: %s)", name, list);
}

static int
write_template (const char *name, uint64_t seed, const char *path)
{
  nn_error err = { 0 };
  nn_net *net;
  nn_status status;

  if (in_list (nn_graph_template_names (), name))
    {
      nn_graph *g;

      if (!nn_path_is_onnx (path))
        return cli_error ("%s: %s is a graph (skip connections); save it as .onnx (the "
                          "graph layout of Layerlab's .h5 files is not there yet)", path, name);
      if ((g = nn_graph_new_template (name, seed, &err)) == NULL)
        return cli_nn_error (&err);
      status = nn_graph_save_onnx (g, path, NULL, &err);
      nn_graph_free (g);
      return status == NN_OK ? CLI_EXIT_OK : cli_nn_error (&err);
    }
  net = nn_net_new_template (name, seed, &err);
  if (net == NULL)
    return cli_nn_error (&err);
  status = nn_file_save (path, net, false, &err);
  nn_net_free (net);
  if (status != NN_OK)
    return cli_nn_error (&err);
  return CLI_EXIT_OK;
}

int
cli_cmd_new (int argc, char **argv)
{
  const char *template = NULL, *output = NULL, *seed_text = NULL;
  const cli_option options[] = {
    { "template", '\0', &template },
    { "output", 'o', &output },
    { "seed", '\0', &seed_text },
    { NULL },
  };
  cli_command cmd = {
    .name = "new", .help = new_help, .options = options,
    .positional = NULL, .max_positional = 0,
  };
  long long seed = 0;
  int ret;

  ret = cli_parse_args (&cmd, argc, argv);
  if (ret >= 0)
    return ret;
  if (template == NULL)
    return cli_usage_error ("new", "missing --template NAME");
  if (output == NULL)
    return cli_usage_error ("new", "missing -o MODEL");
  if (seed_text != NULL && !cli_parse_int (seed_text, 0, INT64_MAX, &seed))
    return cli_usage_error ("new", "--seed needs a whole number >= 0, not '%s'", seed_text);
  if (!in_list (nn_template_names (), template)
      && !in_list (nn_graph_template_names (), template))
    return unknown_template (template);

  return write_template (template, (uint64_t) seed, output);
}
