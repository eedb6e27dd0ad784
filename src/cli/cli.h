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

#define CLI_EXIT_OK 0
#define CLI_EXIT_ERROR 1
#define CLI_EXIT_USAGE 2

int cli_cmd_summary (int argc, char **argv);
int cli_cmd_new (int argc, char **argv);
int cli_cmd_run (int argc, char **argv);
int cli_cmd_bench (int argc, char **argv);
int cli_cmd_render (int argc, char **argv);

/* Prints "layerlab-cli: error: <message>" (one line) to stderr; returns CLI_EXIT_ERROR. */
int cli_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Prints "layerlab-cli CMD: <message>\nTry 'layerlab-cli CMD --help'." and returns CLI_EXIT_USAGE. */
int cli_usage_error (const char *cmd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Same as cli_error with an nn_error's message (newlines folded into "; "). */
int cli_nn_error (const nn_error *err);
/* Parses a whole decimal integer in [min, max]; false on junk or out of range. */
bool cli_parse_int (const char *s, long long min, long long max, long long *out);
/* Opens a model file by extension (.h5/.hdf5 now; .pt later). */
nn_status cli_open_model (const char *path, nn_net **out, nn_error *err);

#endif /* LL_CLI_H */
