/* cmd-run.c - layerlab-cli run: a forward pass on a .npy batch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char run_help[] =
  "Usage: layerlab-cli run MODEL --input X.npy --output Y.npy [--weights W.h5]\n"
  "                        [--activations A.h5] [--threads T]\n"
  "\n"
  "Run the network (inference mode) on the batch in X.npy and save the output.\n"
  "MODEL is a Layerlab model file (HDF5) or a PyTorch .pt/.pth whole-model file.\n"
  "\n"
  "Options:\n"
  "  --input X.npy        float32/float64 array [N, C, H, W] or one sample [C, H, W]\n"
  "                       ([N, F] or [F] for a network whose input is a vector)\n"
  "  -o, --output Y.npy   where to write the output, [N, ...] float32\n"
  "  --weights W.h5       load this weights-only file into the model first; keys and\n"
  "                       shapes must match exactly (like load_state_dict(strict=True));\n"
  "                       a .pt/.pth file is read as a PyTorch state_dict\n"
  "  --activations A.h5   also write the input and every layer's output (HDF5)\n"
  "  --threads T          number of threads (default: the BLAS default)\n"
  "  -h, --help           show this help\n"
  "\n"
  "MODEL.onnx runs an ONNX model (opset 7-17) on the graph engine. Each graph input\n"
  "takes one .npy file (float32/float64, int64, int32 or bool, rank 0-8, its shape as\n"
  "the model declares it; a symbolic dim such as the batch takes any size):\n"
  "  --input X.npy          when the model has one input\n"
  "  --input NAME=X.npy     for the input called NAME (repeat for each input)\n"
  "  --output Y.npy         when the model has one output\n"
  "  --output NAME=Y.npy    for the output called NAME (repeat; outputs not named are\n"
  "                         not written)\n"
  "--weights and --activations do not apply to ONNX models.\n";

/* the most --input / --output options (a graph's inputs or outputs) */
#define NN_NODE_LIST_MAX 64

typedef struct run_args {
  const char *model, *input, *output, *weights, *activations;
  int threads;
} run_args;

/* The engine would refuse a wrong shape too; checking here lets the message name the
 * file and say what fits. */
static int
check_input_shape (const nn_net *net, const nn_tensor *x, const char *path)
{
  const nn_shape *in = &net->input;
  int offset = x->n_dims - in->n_dims;
  bool fits = (offset == 0 || offset == 1);
  char got[96], want[96];

  for (int i = 0; fits && i < in->n_dims; i++)
    fits = x->shape[offset + i] == in->d[i];
  if (fits && offset == 1 && x->shape[0] == 0)
    return cli_error ("%s: the batch is empty (N = 0)", path);
  if (fits)
    return CLI_EXIT_OK;

  nn_shape_format (x->n_dims, x->shape, got, sizeof got);
  nn_shape_to_string (in, want, sizeof want);
  return cli_error ("%s: input has shape %s but the model expects [N, %s or %s",
                    path, got, want + 1, want);
}

static int
save_results (const run_args *args, const nn_net *net, const nn_run_result *res)
{
  nn_error err = { 0 };

  if (nn_npy_write (args->output, res->output, &err) != NN_OK)
    return cli_nn_error (&err);
  if (args->activations != NULL &&
      nn_activations_save (args->activations, net, res, &err) != NN_OK)
    return cli_nn_error (&err);
  return CLI_EXIT_OK;
}

/* A .pt model has no input shape of its own: the batch tells it. [N, C, H, W] and
 * [C, H, W] give (C, H, W); [N, F] and [F] give (F). */
static bool
input_sample_shape (const nn_tensor *x, nn_shape *shape)
{
  const int64_t *d = x->shape;

  switch (x->n_dims)
    {
    case 4:
      *shape = nn_shape_chw (d[1], d[2], d[3]);
      return true;
    case 3:
      *shape = nn_shape_chw (d[0], d[1], d[2]);
      return true;
    case 2:
      *shape = nn_shape_f (d[1]);
      return true;
    case 1:
      *shape = nn_shape_f (d[0]);
      return true;
    default:
      return false;
    }
}

static int
open_and_check (const run_args *args, const nn_tensor *x, nn_net **net)
{
  nn_error err = { 0 };
  nn_shape shape;
  bool known = input_sample_shape (x, &shape);

  if (cli_open_model_for_input (args->model, known ? &shape : NULL, net, &err) != NN_OK)
    return cli_nn_error (&err);
  if (args->weights != NULL && cli_load_weights (args->weights, *net, &err) != NN_OK)
    return cli_nn_error (&err);
  if (cli_check_net (*net, args->model) != CLI_EXIT_OK)
    return CLI_EXIT_ERROR;
  return check_input_shape (*net, x, args->input);
}

static int
forward_and_save (const run_args *args, nn_net *net, const nn_tensor *x)
{
  nn_error err = { 0 };
  nn_run_opts opts = { .n_threads = args->threads,
                       .keep_activations = args->activations != NULL };
  nn_run_result res = { 0 };
  int ret;

  if (args->threads > 0)
    nn_set_num_threads (args->threads);
  if (nn_net_forward (net, x, &opts, &res, &err) != NN_OK)
    ret = cli_nn_error (&err);
  else
    ret = save_results (args, net, &res);
  nn_run_result_clear (&res);
  return ret;
}

/* The input is read first: a .pt model takes its input shape from it. */
static int
run_model (const run_args *args)
{
  nn_error err = { 0 };
  nn_tensor *x = NULL;
  nn_net *net = NULL;
  int ret;

  if (nn_npy_read (args->input, &x, &err) != NN_OK)
    return cli_nn_error (&err);
  ret = open_and_check (args, x, &net);
  if (ret == CLI_EXIT_OK)
    ret = forward_and_save (args, net, x);
  nn_net_free (net);
  nn_tensor_free (x);
  return ret;
}

int
cli_cmd_run (int argc, char **argv)
{
  run_args args = { 0 };
  const char *threads = NULL;
  const char *inputs[NN_NODE_LIST_MAX], *outputs[NN_NODE_LIST_MAX];
  int n_inputs = 0, n_outputs = 0;
  const cli_option options[] = {
    { "input", '\0', &args.input, .list = inputs, .n_list = &n_inputs,
      .max_list = NN_NODE_LIST_MAX },
    { "output", 'o', &args.output, .list = outputs, .n_list = &n_outputs,
      .max_list = NN_NODE_LIST_MAX },
    { "weights", '\0', &args.weights },
    { "activations", '\0', &args.activations },
    { "threads", '\0', &threads },
    { NULL },
  };
  cli_command cmd = {
    .name = "run", .help = run_help, .options = options,
    .positional = &args.model, .max_positional = 1,
  };
  long long n;
  int ret;

  ret = cli_parse_args (&cmd, argc, argv);
  if (ret >= 0)
    return ret;
  if (args.model == NULL)
    return cli_usage_error ("run", "missing MODEL");
  if (args.input == NULL)
    return cli_usage_error ("run", "missing --input X.npy");
  if (args.output == NULL)
    return cli_usage_error ("run", "missing --output Y.npy");
  if (threads != NULL)
    {
      if (!cli_parse_int (threads, 1, 1024, &n))
        return cli_usage_error ("run", "--threads needs a whole number from 1 to 1024, not '%s'",
                                threads);
      args.threads = (int) n;
      nn_set_num_threads (args.threads);
    }
  if (cli_is_onnx (args.model))
    {
      if (args.weights != NULL || args.activations != NULL)
        return cli_usage_error ("run", "--weights and --activations do not apply to ONNX "
                                "models");
      return cli_onnx_run (args.model, n_inputs, inputs, n_outputs, outputs);
    }
  if (n_inputs > 1 || n_outputs > 1)
    return cli_usage_error ("run", "--input and --output are given once for a %s model",
                            "Layerlab or PyTorch");
  return run_model (&args);
}
