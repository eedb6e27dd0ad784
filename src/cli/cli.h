/* cli.h - commands of layerlab-cli
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each command gets argv starting at its own name (argv[0] = "summary") and returns the
 * process exit status: 0 on success, 1 for bad input (one line "layerlab-cli: error: ..."
 * on stderr), 2 for usage errors (message + "Try 'layerlab-cli CMD --help'.").
 */
#ifndef LL_CLI_H
#define LL_CLI_H

#include <stdbool.h>
#include "nn.h"
#include "nn-graph.h"
#include "dataset.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_ERROR 1
#define CLI_EXIT_USAGE 2

int cli_cmd_summary (int argc, char **argv);
int cli_cmd_new (int argc, char **argv);
int cli_cmd_run (int argc, char **argv);
int cli_cmd_bench (int argc, char **argv);
int cli_cmd_render (int argc, char **argv);
int cli_cmd_compare (int argc, char **argv);
int cli_cmd_convert (int argc, char **argv);
int cli_cmd_export_pytorch (int argc, char **argv);
int cli_cmd_diff (int argc, char **argv);
int cli_cmd_profile (int argc, char **argv);

/* Prints "layerlab-cli: error: <message>" (one line) to stderr; returns CLI_EXIT_ERROR. */
int cli_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Prints "layerlab-cli CMD: <message>\nTry 'layerlab-cli CMD --help'." and returns CLI_EXIT_USAGE.
 * cmd NULL is the top level: "layerlab-cli: <message>\nTry 'layerlab-cli --help'." */
int cli_usage_error (const char *cmd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Same as cli_error with an nn_error's message (newlines folded into "; "). */
int cli_nn_error (const nn_error *err);
/* Parses a whole decimal integer in [min, max]; false on junk or out of range. */
bool cli_parse_int (const char *s, long long min, long long max, long long *out);
/* Opens a model file by extension (.pt/.pth: PyTorch, anything else: HDF5). */
nn_status cli_open_model (const char *path, nn_net **out, nn_error *err);
/* The same; a .pt file stores no input shape, so input (if not NULL) gives it instead
 * of the engine's guess. HDF5 models keep their own. */
nn_status cli_open_model_for_input (const char *path, const nn_shape *input, nn_net **out,
                                    nn_error *err);
/* Opens a model file as a graph: a chain network (.h5, .pt) as the graph it exports to
 * ONNX (nn_graph_from_net). */
nn_status cli_open_graph (const char *path, nn_graph **out, nn_error *err);
/* "[-1, 64, 112, 112]" into buf: a symbolic dim (the batch) is -1, as torchsummary
 * prints it; returns buf */
const char *cli_shape_text (const nn_type *t, char *buf, size_t size);
/* Loads a weights file (strict) into net, by extension like cli_open_model(). */
nn_status cli_load_weights (const char *path, nn_net *net, nn_error *err);

/* Parses a whole decimal floating-point number in [min, max] (finite); false otherwise. */
bool cli_parse_double (const char *s, double min, double max, double *out);

/* An option that takes a value: "--name VALUE", "--name=VALUE" or "-s VALUE";
 * or, when flag is set, a switch without a value ("--weights-only"). */
typedef struct cli_option {
  const char *name;           /* long name without the dashes: "output" */
  char short_name;            /* 'o', or '\0' for none */
  const char **value;         /* receives the value; the last occurrence wins */
  bool *flag;                 /* if not NULL: set to true, and the option takes no value */
  /* if not NULL: every occurrence is kept, in list[0..*n_list), at most max_list */
  const char **list;
  int *n_list;
  int max_list;
} cli_option;

/* What cli_parse_args() needs to know about a command. */
typedef struct cli_command {
  const char *name;           /* "run" */
  const char *help;           /* the whole --help text, printed on stdout */
  const cli_option *options;  /* terminated by an entry with name == NULL */
  const char **positional;    /* receives the arguments that are not options */
  int max_positional;
  int n_positional;           /* set by cli_parse_args() */
} cli_command;

/* Parses argv[1..argc-1] of a command: its options, --help / -h (prints cmd->help),
 * "--" (the rest is positional) and positional arguments. Returns -1 when the command
 * should go on, else the exit status (CLI_EXIT_OK after --help, CLI_EXIT_USAGE after
 * printing a usage error). */
int cli_parse_args (cli_command *cmd, int argc, char **argv);
/* CLI_EXIT_OK if the network propagates without error, else prints the first
 * layer's message prefixed by path and returns CLI_EXIT_ERROR. */
int cli_check_net (const nn_net *net, const char *path);

/* train and eval (cmd-train.c, cmd-eval.c) */
int cli_cmd_train (int argc, char **argv);
int cli_cmd_eval (int argc, char **argv);
/* --fit crop|resize and --normalize MEAN,STD into *pp;
 * -1 when fine, else the exit status after a usage error. */
int cli_parse_data_opts (const char *cmd, const char *fit, const char *normalize,
                         nn_preprocess *pp);
/* Loads spec (split "train"/"test") converted to net's input; checks the labels fit the
 * network's K outputs. Returns the exit status after printing any error. */
int cli_load_data (const char *spec, const char *split, const nn_net *net,
                   const nn_preprocess *pp, nn_dataset **out);
/* Inference over ds in batches: mean loss, hits and (if not NULL) a zeroed K×K confusion. */
int cli_evaluate (nn_net *net, const nn_dataset *ds, int64_t batch, int threads,
                  double *loss, int64_t *correct, int64_t *confusion);

/* ONNX models (cmd-onnx.c): by the ".onnx" extension */
bool cli_is_onnx (const char *path);
int cli_onnx_summary (const char *path);
/* inputs/outputs: "NAME=FILE.npy", or one "FILE.npy" for a graph with one input/output */
int cli_onnx_run (const char *path, int n_inputs, const char *const *inputs, int n_outputs,
                  const char *const *outputs);

#endif /* LL_CLI_H */
