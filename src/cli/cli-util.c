/* cli-util.c - messages, option parsing and model opening shared by the commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "nn-graph.h"

/* Writes msg on one line: newlines (multi-line engine messages) become "; ", or a
 * space after a line ending in ':' ("3 problems:\nmissing key ..."). */
static void
write_folded (FILE *out, const char *msg)
{
  for (const char *p = msg; *p != '\0'; p++)
    {
      if (*p == '\n')
        {
          if (p[1] != '\0')
            fputs (p > msg && p[-1] == ':' ? " " : "; ", out);
        }
      else if (*p != '\r')
        {
          fputc (*p, out);
        }
    }
}

static int
cli_verror (const char *fmt, va_list ap)
{
  char msg[2 * NN_ERROR_MAX];

  vsnprintf (msg, sizeof msg, fmt, ap);
  fputs ("layerlab-cli: error: ", stderr);
  write_folded (stderr, msg);
  fputc ('\n', stderr);
  return CLI_EXIT_ERROR;
}

int
cli_error (const char *fmt, ...)
{
  va_list ap;
  int ret;

  va_start (ap, fmt);
  ret = cli_verror (fmt, ap);
  va_end (ap);
  return ret;
}

int
cli_usage_error (const char *cmd, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);

  if (cmd != NULL)
    fprintf (stderr, "layerlab-cli %s: %s\nTry 'layerlab-cli %s --help'.\n", cmd, msg, cmd);
  else
    fprintf (stderr, "layerlab-cli: %s\nTry 'layerlab-cli --help'.\n", msg);
  return CLI_EXIT_USAGE;
}

int
cli_nn_error (const nn_error *err)
{
  if (err->message[0] == '\0')
    return cli_error ("%s", nn_status_to_string (err->status));
  /* the engine says what the file is; how to load it is the command line's to say */
  if (err->status == NN_STATUS_WEIGHTS_ONLY)
    return cli_error ("%s (layerlab-cli run MODEL --weights FILE, or convert FILE OUT "
                      "--model MODEL)", err->message);
  return cli_error ("%s", err->message);
}

bool
cli_parse_int (const char *s, long long min, long long max, long long *out)
{
  char *end = NULL;
  long long v;

  if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t')
    return false;
  errno = 0;
  v = strtoll (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
    return false;
  *out = v;
  return true;
}

bool
cli_parse_double (const char *s, double min, double max, double *out)
{
  char *end = NULL;
  double v;

  if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t')
    return false;
  errno = 0;
  v = strtod (s, &end);
  if (errno != 0 || end == s || *end != '\0' || !isfinite (v) || v < min || v > max)
    return false;
  *out = v;
  return true;
}

/* Does arg name opt, as "--name", "--name=VALUE" or "-o"? Sets *inline_value for "=". */
static bool
option_matches (const cli_option *opt, const char *arg, const char **inline_value)
{
  size_t len = strlen (opt->name);

  *inline_value = NULL;
  if (opt->short_name != '\0' && arg[0] == '-' && arg[1] == opt->short_name && arg[2] == '\0')
    return true;
  if (arg[0] != '-' || arg[1] != '-' || strncmp (arg + 2, opt->name, len) != 0)
    return false;
  if (arg[2 + len] == '\0')
    return true;
  if (arg[2 + len] == '=')
    {
      *inline_value = arg + 3 + len;
      return true;
    }
  return false;
}

/* Handles the option at argv[*i]: stores its value and advances *i past it. */
static int
parse_option (const cli_command *cmd, int argc, char **argv, int *i)
{
  const char *arg = argv[*i];

  for (const cli_option *opt = cmd->options; opt != NULL && opt->name != NULL; opt++)
    {
      const char *value;

      if (!option_matches (opt, arg, &value))
        continue;
      if (opt->flag != NULL)
        {
          if (value != NULL)
            return cli_usage_error (cmd->name, "option '--%s' takes no value", opt->name);
          *opt->flag = true;
          return -1;
        }
      if (value == NULL)
        {
          if (*i + 1 >= argc)
            return cli_usage_error (cmd->name, "option '%s' needs a value", arg);
          value = argv[++*i];
        }
      if (opt->list != NULL)
        {
          if (*opt->n_list >= opt->max_list)
            return cli_usage_error (cmd->name, "option '--%s' is given more than %d times",
                                    opt->name, opt->max_list);
          opt->list[(*opt->n_list)++] = value;
        }
      if (opt->value != NULL)
        *opt->value = value;
      return -1;
    }
  return cli_usage_error (cmd->name, "unknown option '%s'", arg);
}

int
cli_parse_args (cli_command *cmd, int argc, char **argv)
{
  bool options_done = false;

  cmd->n_positional = 0;
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (!options_done && (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0))
        {
          fputs (cmd->help, stdout);
          return CLI_EXIT_OK;
        }
      if (!options_done && strcmp (arg, "--") == 0)
        {
          options_done = true;
        }
      else if (!options_done && arg[0] == '-' && arg[1] != '\0')
        {
          int ret = parse_option (cmd, argc, argv, &i);

          if (ret >= 0)
            return ret;
        }
      else
        {
          if (cmd->n_positional >= cmd->max_positional)
            return cli_usage_error (cmd->name, "unexpected argument '%s'", arg);
          cmd->positional[cmd->n_positional++] = arg;
        }
    }
  return -1;
}

/* Opens a model; what did not stop the open (a malformed /training group, dropped) is
 * printed as a warning on stderr, so a script sees it without failing. */
nn_status
cli_open_model_for_input (const char *path, const nn_shape *input, nn_net **out,
                          nn_error *err)
{
  nn_error warning;
  nn_status s = nn_file_open_model_full (path, input, out, &warning, err);

  if (s == NN_OK && warning.status != NN_OK)
    fprintf (stderr, "layerlab-cli: warning: %s\n", warning.message);
  return s;
}

nn_status
cli_open_model (const char *path, nn_net **out, nn_error *err)
{
  return cli_open_model_for_input (path, NULL, out, err);
}

nn_status
cli_open_graph (const char *path, nn_graph **out, nn_error *err)
{
  return nn_file_open_graph (path, out, err);
}

const char *
cli_shape_text (const nn_type *t, char *buf, size_t size)
{
  size_t len = (size_t) snprintf (buf, size, "[");

  for (int32_t d = 0; d < t->rank && len < size; d++)
    len += (size_t) snprintf (buf + len, size - len, "%s%" PRId64, d ? ", " : "",
                              t->shape[d] == NN_DIM_SYMBOLIC ? -1 : t->shape[d]);
  if (len < size)
    snprintf (buf + len, size - len, "]");
  return buf;
}

nn_status
cli_load_weights (const char *path, nn_net *net, nn_error *err)
{
  return nn_file_load_weights (path, net, err);
}

int
cli_check_net (const nn_net *net, const char *path)
{
  if (net->first_error < 0)
    return CLI_EXIT_OK;
  return cli_error ("%s: %s", path, net->info[net->first_error].message);
}
