/* layer.c - layer type names, PyTorch's defaults and the checks of its constructors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * nn_layer_config_validate() refuses what torch.nn's constructors (or their first
 * forward) refuse, with a message naming the layer, the parameter and the value, and it
 * caps sizes at NN_SIZE_MAX so that an absurd number typed by a user or read from a file
 * gives a clear message instead of an overflow further on.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn-private.h"

static const char *const type_names[NN_LAYER_N_TYPES] = {
  [NN_LAYER_CONV2D] = "Conv2d",
  [NN_LAYER_RELU] = "ReLU",
  [NN_LAYER_MAXPOOL2D] = "MaxPool2d",
  [NN_LAYER_AVGPOOL2D] = "AvgPool2d",
  [NN_LAYER_FLATTEN] = "Flatten",
  [NN_LAYER_LINEAR] = "Linear",
  [NN_LAYER_BATCHNORM2D] = "BatchNorm2d",
  [NN_LAYER_DROPOUT] = "Dropout",
  [NN_LAYER_LEAKYRELU] = "LeakyReLU",
  [NN_LAYER_SIGMOID] = "Sigmoid",
  [NN_LAYER_TANH] = "Tanh",
  [NN_LAYER_SOFTMAX] = "Softmax",
};

const char *
nn_layer_type_name (nn_layer_type type)
{
  if ((int) type < 0 || type >= NN_LAYER_N_TYPES)
    return NULL;
  return type_names[type];
}

nn_layer_type
nn_layer_type_from_name (const char *name)
{
  if (name == NULL)
    return NN_LAYER_N_TYPES;
  for (int t = 0; t < NN_LAYER_N_TYPES; t++)
    if (strcmp (type_names[t], name) == 0)
      return (nn_layer_type) t;
  return NN_LAYER_N_TYPES;
}

static void
set_pair (int64_t pair[2], int64_t value)
{
  pair[0] = pair[1] = value;
}

const char *
nn_pair_param_name (nn_pair_param which)
{
  switch (which)
    {
    case NN_PAIR_KERNEL_SIZE: return "kernel_size";
    case NN_PAIR_STRIDE: return "stride";
    case NN_PAIR_PADDING: return "padding";
    case NN_PAIR_DILATION: return "dilation";
    default: return NULL;
    }
}

const int64_t *
nn_layer_config_pair (const nn_layer_config *cfg, nn_pair_param which)
{
  switch (which)
    {
    case NN_PAIR_KERNEL_SIZE: return cfg->kernel_size;
    case NN_PAIR_STRIDE: return cfg->stride;
    case NN_PAIR_PADDING: return cfg->padding;
    case NN_PAIR_DILATION: return cfg->dilation;
    default: return NULL;
    }
}

bool
nn_layer_config_is_tuple (const nn_layer_config *cfg, nn_pair_param which)
{
  const int64_t *p = nn_layer_config_pair (cfg, which);

  return p != NULL && ((cfg->pair_form & which) != 0 || p[0] != p[1]);
}

void
nn_layer_config_set_pair (nn_layer_config *cfg, nn_pair_param which, int64_t height,
                          int64_t width, bool tuple)
{
  int64_t *p = (int64_t *) nn_layer_config_pair (cfg, which);

  if (p == NULL)
    return;
  p[0] = height;
  p[1] = width;
  if (tuple || height != width)
    cfg->pair_form |= which;
  else
    cfg->pair_form &= ~(unsigned) which;
}

void
nn_layer_config_init (nn_layer_config *cfg, nn_layer_type type)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->type = type;
  /* Conv2d(in_channels=lazy, out_channels=32, kernel_size=3) */
  cfg->in_channels = NN_LAZY;
  cfg->out_channels = 32;
  cfg->groups = 1;
  set_pair (cfg->kernel_size, type == NN_LAYER_CONV2D ? 3 : 2);
  /* pools: stride defaults to kernel_size; all four are ints (pair_form 0), as in
   * MaxPool2d(2) */
  set_pair (cfg->stride, type == NN_LAYER_CONV2D ? 1 : 2);
  set_pair (cfg->padding, 0);
  set_pair (cfg->dilation, 1);
  cfg->bias = true;
  cfg->ceil_mode = false;
  cfg->count_include_pad = true;
  cfg->start_dim = 1;
  cfg->end_dim = -1;
  cfg->in_features = NN_LAZY;
  cfg->out_features = 10;
  cfg->num_features = NN_LAZY;
  cfg->eps = 1e-5;
  cfg->momentum = 0.1;
  cfg->affine = true;
  cfg->track_running_stats = true;
  cfg->p = 0.5;
  cfg->negative_slope = 0.01;
  cfg->dim = 1;
}

/* Formats "layer 3 (Conv2d): " so every message starts the same way. */
static nn_status
fail (nn_error *err, const nn_layer_config *cfg, int index, const char *what)
{
  const char *name = nn_layer_type_name (cfg->type);

  return nn_error_set (err, NN_STATUS_INVALID_ARG, index, "layer %d (%s): %s", index,
                       name ? name : "?", what);
}

/* Checks lo <= v <= NN_SIZE_MAX for one named size. */
static bool
check_size (nn_error *err, const nn_layer_config *cfg, int index, const char *param,
            int64_t v, int64_t lo, nn_status *status)
{
  char msg[160];

  if (v >= lo && v <= NN_SIZE_MAX)
    return true;
  if (v < lo)
    snprintf (msg, sizeof msg, "%s must be at least %" PRId64 " (got %" PRId64 ")",
              param, lo, v);
  else
    snprintf (msg, sizeof msg, "%s must be at most %" PRId64 " (got %" PRId64 ")",
              param, NN_SIZE_MAX, v);
  *status = fail (err, cfg, index, msg);
  return false;
}

static bool
check_pair (nn_error *err, const nn_layer_config *cfg, int index, const char *param,
            const int64_t pair[2], int64_t lo, nn_status *status)
{
  return check_size (err, cfg, index, param, pair[0], lo, status)
         && check_size (err, cfg, index, param, pair[1], lo, status);
}

static nn_status
validate_conv (const nn_layer_config *cfg, int index, nn_error *err)
{
  nn_status s = NN_OK;
  char msg[160];

  if (!(cfg->in_channels == NN_LAZY
        || check_size (err, cfg, index, "in_channels", cfg->in_channels, 1, &s))
      || !check_size (err, cfg, index, "out_channels", cfg->out_channels, 1, &s)
      || !check_size (err, cfg, index, "groups", cfg->groups, 1, &s)
      || !check_pair (err, cfg, index, "kernel_size", cfg->kernel_size, 1, &s)
      || !check_pair (err, cfg, index, "stride", cfg->stride, 1, &s)
      || !check_pair (err, cfg, index, "padding", cfg->padding, 0, &s)
      || !check_pair (err, cfg, index, "dilation", cfg->dilation, 1, &s))
    return s;
  /* torch: "in_channels must be divisible by groups" */
  if (cfg->in_channels != NN_LAZY && cfg->in_channels % cfg->groups != 0)
    {
      snprintf (msg, sizeof msg, "in_channels (%" PRId64 ") must be divisible by groups (%"
                PRId64 ")", cfg->in_channels, cfg->groups);
      return fail (err, cfg, index, msg);
    }
  if (cfg->out_channels % cfg->groups != 0)
    {
      snprintf (msg, sizeof msg, "out_channels (%" PRId64 ") must be divisible by groups (%"
                PRId64 ")", cfg->out_channels, cfg->groups);
      return fail (err, cfg, index, msg);
    }
  return NN_OK;
}

static nn_status
validate_pool (const nn_layer_config *cfg, int index, nn_error *err)
{
  nn_status s = NN_OK;
  char msg[200];

  if (!check_pair (err, cfg, index, "kernel_size", cfg->kernel_size, 1, &s)
      || !check_pair (err, cfg, index, "stride", cfg->stride, 1, &s)
      || !check_pair (err, cfg, index, "padding", cfg->padding, 0, &s)
      || (cfg->type == NN_LAYER_MAXPOOL2D
          && !check_pair (err, cfg, index, "dilation", cfg->dilation, 1, &s)))
    return s;
  for (int a = 0; a < 2; a++)
    if (cfg->padding[a] > cfg->kernel_size[a] / 2)
      {
        /* PyTorch's own words, from pool2d_shape_check() */
        snprintf (msg, sizeof msg, "pad should be at most half of kernel size, but got "
                  "pad=%" PRId64 " and kernel_size=%" PRId64, cfg->padding[a],
                  cfg->kernel_size[a]);
        return fail (err, cfg, index, msg);
      }
  return NN_OK;
}

static nn_status
validate_float (const nn_layer_config *cfg, int index, const char *param, double v,
                double lo, double hi, bool lo_open, nn_error *err)
{
  char msg[160], vbuf[32];

  if (isfinite (v) && (lo_open ? v > lo : v >= lo) && v <= hi)
    return NN_OK;
  nn_format_float (v, vbuf, sizeof vbuf);
  if (lo_open && isinf (hi))
    snprintf (msg, sizeof msg, "%s must be a number greater than 0 (got %s)", param, vbuf);
  else if (isinf (hi))
    snprintf (msg, sizeof msg, "%s must be a finite number (got %s)", param, vbuf);
  else
    snprintf (msg, sizeof msg, "%s must be between 0 and 1 (got %s)", param, vbuf);
  return fail (err, cfg, index, msg);
}

static nn_status
validate_batchnorm (const nn_layer_config *cfg, int index, nn_error *err)
{
  nn_status s = NN_OK;

  if (cfg->num_features != NN_LAZY
      && !check_size (err, cfg, index, "num_features", cfg->num_features, 1, &s))
    return s;
  if ((s = validate_float (cfg, index, "eps", cfg->eps, 0.0, INFINITY, true, err)) != NN_OK)
    return s;
  return validate_float (cfg, index, "momentum", cfg->momentum, -INFINITY, INFINITY, false,
                         err);
}

static nn_status
validate_linear (const nn_layer_config *cfg, int index, nn_error *err)
{
  nn_status s = NN_OK;

  if (!(cfg->in_features == NN_LAZY
        || check_size (err, cfg, index, "in_features", cfg->in_features, 1, &s))
      || !check_size (err, cfg, index, "out_features", cfg->out_features, 1, &s))
    return s;
  return NN_OK;
}

/* Flatten and Softmax dims are checked against the rank during propagation; here
 * only against the largest rank a network can have (4 with the batch dim). */
static nn_status
validate_dim (const nn_layer_config *cfg, int index, const char *param, int64_t v,
              nn_error *err)
{
  char msg[160];

  if (v >= -(NN_MAX_DIMS) && v < NN_MAX_DIMS)
    return NN_OK;
  snprintf (msg, sizeof msg, "%s must be between %d and %d (got %" PRId64 ")", param,
            -(NN_MAX_DIMS), NN_MAX_DIMS - 1, v);
  return fail (err, cfg, index, msg);
}

nn_status
nn_layer_config_validate (const nn_layer_config *cfg, int index, nn_error *err)
{
  nn_status s;

  /* the label comes from files and text fields: it must be a terminated string */
  if (memchr (cfg->name, '\0', sizeof cfg->name) == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, index, "layer %d: the name is longer "
                         "than %zu bytes", index, sizeof cfg->name - 1);
  switch (cfg->type)
    {
    case NN_LAYER_CONV2D:
      return validate_conv (cfg, index, err);
    case NN_LAYER_MAXPOOL2D:
    case NN_LAYER_AVGPOOL2D:
      return validate_pool (cfg, index, err);
    case NN_LAYER_LINEAR:
      return validate_linear (cfg, index, err);
    case NN_LAYER_BATCHNORM2D:
      return validate_batchnorm (cfg, index, err);
    case NN_LAYER_FLATTEN:
      if ((s = validate_dim (cfg, index, "start_dim", cfg->start_dim, err)) != NN_OK)
        return s;
      return validate_dim (cfg, index, "end_dim", cfg->end_dim, err);
    case NN_LAYER_SOFTMAX:
      return validate_dim (cfg, index, "dim", cfg->dim, err);
    case NN_LAYER_DROPOUT:
      /* torch: "dropout probability has to be between 0 and 1" */
      return validate_float (cfg, index, "p", cfg->p, 0.0, 1.0, false, err);
    case NN_LAYER_LEAKYRELU:
      return validate_float (cfg, index, "negative_slope", cfg->negative_slope, -INFINITY,
                             INFINITY, false, err);
    case NN_LAYER_RELU:
    case NN_LAYER_SIGMOID:
    case NN_LAYER_TANH:
      return NN_OK;
    case NN_LAYER_N_TYPES:
    default:
      return nn_error_set (err, NN_STATUS_INVALID_ARG, index,
                           "layer %d: unknown layer type %d", index, (int) cfg->type);
    }
}
