/* cmd-convert.c - layerlab-cli convert and export-pytorch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * convert moves a network between Layerlab's HDF5 files, PyTorch's .pt files and ONNX,
 * by extension; export-pytorch writes a Python script that rebuilds the network in
 * PyTorch.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn-graph.h"

static const char convert_help[] =
  "Usage: layerlab-cli convert IN OUT [--model MODEL] [--weights-only]\n"
  "                                   [--input-shape C,H,W]\n"
  "\n"
  "Convert between Layerlab model files (.h5, .hdf5), PyTorch files (.pt, .pth) and\n"
  "ONNX (.onnx), choosing the formats by the file extensions.\n"
  "\n"
  "  IN holds a whole model        .h5 -> .pt   the whole torch.nn.Sequential, as\n"
  "                                             torch.save(network) writes it: torch.load()\n"
  "                                             returns the network (in eval mode)\n"
  "                                .pt -> .h5   a Layerlab model (architecture + weights)\n"
  "                                any -> .onnx the network as ONNX (opset 17, a symbolic\n"
  "                                             batch), the nodes torch.onnx.export writes\n"
  "                                .onnx -> .onnx  the graph again, with its names, opset\n"
  "                                             and metadata\n"
  "                                .onnx -> .h5/.pt  when the graph is a chain of layers\n"
  "  IN holds only weights         give --model MODEL: the weights are loaded into MODEL\n"
  "                                (strictly, like load_state_dict) and written to OUT\n"
  "\n"
  "Options:\n"
  "      --model MODEL    the architecture for a weights-only IN\n"
  "      --input-shape C,H,W  the input of one sample (or F) for a .pt IN, which does\n"
  "                       not store it (default: the smallest the layers accept)\n"
  "      --weights-only   write OUT as weights only: for .pt a state_dict that\n"
  "                       load_state_dict() accepts unchanged\n"
  "  -h, --help           show this help\n";

static const char export_help[] =
  "Usage: layerlab-cli export-pytorch MODEL -o SCRIPT.py\n"
  "\n"
  "Write a Python script that builds MODEL as a torch.nn.Sequential (one layer a line,\n"
  "with PyTorch's argument names) and loads its weights from the HDF5 file MODEL with\n"
  "h5py. For an ONNX MODEL it defines an nn.Module instead (sub-modules named after the\n"
  "weights, a forward that follows the graph) that reads its weights from MODEL with the\n"
  "onnx package. Running the script prints the network; 'python3 SCRIPT.py MODEL X.npy\n"
  "Y.npy' also runs it on X.npy and saves the output.\n"
  "\n"
  "Options:\n"
  "  -o, --output SCRIPT.py   where to write the script\n"
  "  -h, --help               show this help\n";


/* "C,H,W" or "F" into shape */
static bool
parse_input_shape (const char *text, nn_shape *shape)
{
  char *copy = strdup (text), *save = NULL;
  int n = 0;
  long long v;

  if (copy == NULL)
    return false;
  shape->n_dims = 0;
  for (char *p = strtok_r (copy, ",", &save); p != NULL; p = strtok_r (NULL, ",", &save))
    {
      if (n == 3 || !cli_parse_int (p, 1, INT64_C (1) << 31, &v))
        {
          free (copy);
          return false;
        }
      shape->d[n++] = v;
    }
  free (copy);
  shape->n_dims = n;
  return n == 1 || n == 3;
}

/* Opens IN as a network: a model directly, weights through --model. */
static int
open_input (const char *in, const char *model, const nn_shape *input, nn_net **net)
{
  nn_error err = { 0 };
  nn_file_kind kind = NN_FILE_UNKNOWN;

  if (nn_file_probe_any (in, &kind, &err) != NN_OK)
    return cli_nn_error (&err);
  if (kind == NN_FILE_WEIGHTS)
    {
      if (model == NULL)
        return cli_error ("%s holds only weights; give the architecture with --model MODEL", in);
      if (cli_open_model (model, net, &err) != NN_OK || cli_load_weights (in, *net, &err) != NN_OK)
        {
          nn_net_free (*net);
          *net = NULL;
          return cli_nn_error (&err);
        }
      return CLI_EXIT_OK;
    }
  if (cli_open_model_for_input (in, input, net, &err) != NN_OK)
    return cli_nn_error (&err);
  return CLI_EXIT_OK;
}

/* IN is ONNX: to ONNX as the graph it is (names, opset and metadata kept); to .h5 or
 * .pt as a chain network, when it is one. */
static int
convert_onnx (const char *in, const char *out, bool weights_only)
{
  nn_error err = { 0 };
  nn_graph *g = NULL;
  nn_net *net = NULL;
  nn_status st;

  if (nn_file_open_graph (in, &g, &err) != NN_OK)
    return cli_nn_error (&err);
  if (nn_path_is_onnx (out))
    {
      st = weights_only ? nn_error_set (&err, NN_STATUS_INVALID_ARG, -1, "%s: an ONNX file "
                                        "holds the whole model; save weights alone as .pt (a "
                                        "state_dict) or .h5", out)
                        : nn_graph_save_onnx (g, out, NULL, &err);
      nn_graph_free (g);
      return st == NN_OK ? CLI_EXIT_OK : cli_nn_error (&err);
    }
  if (nn_net_from_graph (g, &net, &err) != NN_OK)
    {
      nn_error why = err;

      nn_graph_free (g);
      return cli_error ("%s: %s; it converts to .h5 or .pt when it is a chain of Layerlab's "
                        "layers (graphs stay .onnx until the .h5 graph layout lands)", in,
                        why.message);
    }
  nn_graph_free (g);
  st = nn_file_save (out, net, weights_only, &err);
  nn_net_free (net);
  return st == NN_OK ? CLI_EXIT_OK : cli_nn_error (&err);
}

int
cli_cmd_convert (int argc, char **argv)
{
  const char *paths[2] = { NULL, NULL };
  const char *model = NULL, *input_shape = NULL;
  bool weights = false;
  nn_shape input;
  const cli_option options[] = {
    { "model", '\0', &model },
    { "input-shape", '\0', &input_shape },
    { "weights-only", '\0', NULL, &weights },
    { NULL, '\0', NULL },
  };
  cli_command cmd = {
    .name = "convert", .help = convert_help, .options = options,
    .positional = paths, .max_positional = 2,
  };
  nn_error err = { 0 };
  nn_net *net = NULL;
  int ret = cli_parse_args (&cmd, argc, argv);
  if (ret >= 0)
    return ret;
  if (cmd.n_positional != 2)
    return cli_usage_error ("convert", "needs IN and OUT");

  if (nn_file_reads_as_onnx (paths[0]))
    return convert_onnx (paths[0], paths[1], weights);
  if (input_shape != NULL && !parse_input_shape (input_shape, &input))
    return cli_usage_error ("convert", "--input-shape takes C,H,W or F (positive integers), "
                            "not '%s'", input_shape);
  ret = open_input (paths[0], model, input_shape != NULL ? &input : NULL, &net);
  if (ret != CLI_EXIT_OK)
    return ret;
  nn_status st = nn_file_save (paths[1], net, weights, &err);
  nn_net_free (net);
  if (st != NN_OK)
    return cli_nn_error (&err);
  return CLI_EXIT_OK;
}

int
cli_cmd_export_pytorch (int argc, char **argv)
{
  const char *model = NULL, *output = NULL;
  const cli_option options[] = {
    { "output", 'o', &output },
    { NULL, '\0', NULL },
  };
  cli_command cmd = {
    .name = "export-pytorch", .help = export_help, .options = options,
    .positional = &model, .max_positional = 1,
  };
  nn_error err = { 0 };
  nn_net *net = NULL;

  int ret = cli_parse_args (&cmd, argc, argv);
  if (ret >= 0)
    return ret;
  if (model == NULL)
    return cli_usage_error ("export-pytorch", "missing MODEL");
  if (output == NULL)
    return cli_usage_error ("export-pytorch", "missing -o SCRIPT.py");
  if (nn_path_is_pytorch (model))
    return cli_error ("%s: the script loads its weights from an HDF5 model file; convert it first: "
                      "layerlab-cli convert %s MODEL.h5", model, model);
  char *script;
  if (nn_file_reads_as_onnx (model))
    {
      /* a graph: an nn.Module whose weights come from the ONNX file */
      nn_graph *g = NULL;

      if (nn_file_open_graph (model, &g, &err) != NN_OK)
        return cli_nn_error (&err);
      script = nn_graph_export_pytorch (g, model, &err);
      nn_graph_free (g);
      if (script == NULL)
        return cli_error ("%s: %s", model, err.message);
    }
  else
    {
      if (cli_open_model (model, &net, &err) != NN_OK)
        return cli_nn_error (&err);
      script = nn_net_export_pytorch (net, model);
      nn_net_free (net);
    }
  if (script == NULL)
    return cli_error ("out of memory");
  FILE *f = fopen (output, "w");
  if (f == NULL)
    {
      free (script);
      return cli_error ("%s: cannot write: %s", output, strerror (errno));
    }
  bool ok = fputs (script, f) >= 0;
  ok = fclose (f) == 0 && ok;
  free (script);
  if (!ok)
    return cli_error ("%s: cannot write: %s", output, strerror (errno));
  return CLI_EXIT_OK;
}
