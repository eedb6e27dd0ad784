/* repr.c - PyTorch's print(network), the summary table, Python's float repr
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * nn_net_repr() reproduces torch.nn.Sequential.__repr__ (PyTorch 1.13) byte for byte:
 * each module's extra_repr() prints only what PyTorch prints, e.g. Conv2d shows padding,
 * dilation, groups and bias only when they differ from the defaults, AvgPool2d never
 * shows ceil_mode or count_include_pad, and lazy layers whose size is still unknown print
 * as LazyConv2d(0, ...) / LazyLinear(in_features=0, ...) / LazyBatchNorm2d(0, ...).
 * tests/reference/make-repr.py writes the fixtures test-repr compares against.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "nn-private.h"

/* ---------------------------------------------------------------- float repr */

/* Shortest digits that read back as v: the first %.*e precision that round-trips
 * (Python's repr() and printf's rounding agree on those). */
static int
shortest_digits (double v, char *digits, int *exp10)
{
  char buf[40];
  int prec, n = 0;

  for (prec = 0; prec < 17; prec++)
    {
      snprintf (buf, sizeof buf, "%.*e", prec, v);
      if (strtod (buf, NULL) == v)
        break;
    }
  /* buf is "d.ddde+XX" (v > 0 here) */
  for (const char *c = buf; *c != 'e'; c++)
    if (*c != '.')
      digits[n++] = *c;
  while (n > 1 && digits[n - 1] == '0')
    n--;
  digits[n] = '\0';
  *exp10 = atoi (strchr (buf, 'e') + 1);
  return n;
}

/* Python's float_repr: fixed notation for 1e-4 <= |v| < 1e16, else "1e-05" style. */
char *
nn_format_float (double v, char *buf, size_t size)
{
  char digits[24];
  int n, e;
  const char *sign = signbit (v) ? "-" : "";

  if (isnan (v))
    snprintf (buf, size, "nan");
  else if (isinf (v))
    snprintf (buf, size, "%sinf", sign);
  else if (v == 0.0)
    snprintf (buf, size, "%s0.0", sign);
  else
    {
      n = shortest_digits (fabs (v), digits, &e);
      if (e < -4 || e >= 16)
        snprintf (buf, size, "%s%c%s%.*s%c%c%02d", sign, digits[0], n > 1 ? "." : "",
                  n - 1, digits + 1, 'e', e < 0 ? '-' : '+', abs (e));
      else if (e < 0)
        snprintf (buf, size, "%s0.%.*s%s", sign, -e - 1, "0000", digits);
      else if (n > e + 1)
        snprintf (buf, size, "%s%.*s.%s", sign, e + 1, digits, digits + e + 1);
      else
        snprintf (buf, size, "%s%s%.*s.0", sign, digits, e + 1 - n, "0000000000000000");
    }
  return buf;
}

/* ---------------------------------------------------------------- layer repr */

static void
sb_pair (nn_strbuf *sb, const int64_t p[2])
{
  nn_strbuf_printf (sb, "(%" PRId64 ", %" PRId64 ")", p[0], p[1]);
}

/* pools print what the user passed: an int stays an int, a tuple a tuple */
static void
sb_pool_param (nn_strbuf *sb, const nn_layer_config *c, nn_pair_param which)
{
  const int64_t *p = nn_layer_config_pair (c, which);

  nn_strbuf_printf (sb, "%s=", nn_pair_param_name (which));
  if (nn_layer_config_is_tuple (c, which))
    sb_pair (sb, p);
  else
    nn_strbuf_printf (sb, "%" PRId64, p[0]);
}

static const char *
py_bool (bool b)
{
  return b ? "True" : "False";
}

static void
repr_conv (nn_strbuf *sb, const nn_layer *layer)
{
  const nn_layer_config *c = &layer->cfg;

  nn_strbuf_printf (sb, "%s(%" PRId64 ", %" PRId64 ", kernel_size=", layer->in_channels ? "Conv2d"
             : "LazyConv2d", layer->in_channels, c->out_channels);
  sb_pair (sb, c->kernel_size);
  nn_strbuf_printf (sb, ", stride=");
  sb_pair (sb, c->stride);
  if (c->padding[0] != 0 || c->padding[1] != 0)
    {
      nn_strbuf_printf (sb, ", padding=");
      sb_pair (sb, c->padding);
    }
  if (c->dilation[0] != 1 || c->dilation[1] != 1)
    {
      nn_strbuf_printf (sb, ", dilation=");
      sb_pair (sb, c->dilation);
    }
  if (c->groups != 1)
    nn_strbuf_printf (sb, ", groups=%" PRId64, c->groups);
  if (!c->bias)
    nn_strbuf_printf (sb, ", bias=False");
  nn_strbuf_printf (sb, ")");
}

static void
repr_pool (nn_strbuf *sb, const nn_layer_config *c)
{
  bool max = c->type == NN_LAYER_MAXPOOL2D;

  nn_strbuf_printf (sb, "%s(", max ? "MaxPool2d" : "AvgPool2d");
  sb_pool_param (sb, c, NN_PAIR_KERNEL_SIZE);
  nn_strbuf_printf (sb, ", ");
  sb_pool_param (sb, c, NN_PAIR_STRIDE);
  nn_strbuf_printf (sb, ", ");
  sb_pool_param (sb, c, NN_PAIR_PADDING);
  if (max)
    {
      nn_strbuf_printf (sb, ", ");
      sb_pool_param (sb, c, NN_PAIR_DILATION);
      nn_strbuf_printf (sb, ", ceil_mode=%s", py_bool (c->ceil_mode));
    }
  nn_strbuf_printf (sb, ")");
}

static void
repr_batchnorm (nn_strbuf *sb, const nn_layer *layer)
{
  const nn_layer_config *c = &layer->cfg;
  char eps[32], momentum[32];

  nn_strbuf_printf (sb, "%s(%" PRId64 ", eps=%s, momentum=%s, affine=%s, track_running_stats=%s)",
             layer->num_features ? "BatchNorm2d" : "LazyBatchNorm2d", layer->num_features,
             nn_format_float (c->eps, eps, sizeof eps),
             nn_format_float (c->momentum, momentum, sizeof momentum), py_bool (c->affine),
             py_bool (c->track_running_stats));
}

static void
repr_layer (nn_strbuf *sb, const nn_layer *layer)
{
  const nn_layer_config *c = &layer->cfg;
  char fbuf[32];

  switch (c->type)
    {
    case NN_LAYER_CONV2D:
      repr_conv (sb, layer);
      break;
    case NN_LAYER_MAXPOOL2D:
    case NN_LAYER_AVGPOOL2D:
      repr_pool (sb, c);
      break;
    case NN_LAYER_BATCHNORM2D:
      repr_batchnorm (sb, layer);
      break;
    case NN_LAYER_LINEAR:
      nn_strbuf_printf (sb, "%s(in_features=%" PRId64 ", out_features=%" PRId64 ", bias=%s)",
                 layer->in_features ? "Linear" : "LazyLinear", layer->in_features,
                 c->out_features, py_bool (c->bias));
      break;
    case NN_LAYER_FLATTEN:
      nn_strbuf_printf (sb, "Flatten(start_dim=%" PRId64 ", end_dim=%" PRId64 ")", c->start_dim,
                 c->end_dim);
      break;
    case NN_LAYER_DROPOUT:
      nn_strbuf_printf (sb, "Dropout(p=%s, inplace=False)", nn_format_float (c->p, fbuf, sizeof fbuf));
      break;
    case NN_LAYER_LEAKYRELU:
      nn_strbuf_printf (sb, "LeakyReLU(negative_slope=%s)",
                 nn_format_float (c->negative_slope, fbuf, sizeof fbuf));
      break;
    case NN_LAYER_SOFTMAX:
      nn_strbuf_printf (sb, "Softmax(dim=%" PRId64 ")", c->dim);
      break;
    case NN_LAYER_RELU:
    case NN_LAYER_SIGMOID:
    case NN_LAYER_TANH:
      nn_strbuf_printf (sb, "%s()", nn_layer_type_name (c->type));
      break;
    case NN_LAYER_N_TYPES:
    default:
      nn_strbuf_printf (sb, "Unknown()");
      break;
    }
}

char *
nn_layer_repr (const nn_net *net, int index)
{
  nn_strbuf sb = { 0 };

  if (index < 0 || index >= net->n_layers)
    return NULL;
  repr_layer (&sb, &net->layers[index]);
  return nn_strbuf_finish (&sb);
}

char *
nn_net_repr (const nn_net *net)
{
  nn_strbuf sb = { 0 };

  if (net->n_layers == 0)
    {
      nn_strbuf_printf (&sb, "Sequential()");
      return nn_strbuf_finish (&sb);
    }
  nn_strbuf_printf (&sb, "Sequential(\n");
  for (int i = 0; i < net->n_layers; i++)
    {
      nn_strbuf_printf (&sb, "  (%d): ", i);
      repr_layer (&sb, &net->layers[i]);
      nn_strbuf_printf (&sb, "\n");
    }
  nn_strbuf_printf (&sb, ")");
  return nn_strbuf_finish (&sb);
}

/* ---------------------------------------------------------------- summary */

/* Column widths of the summary table */
#define W_INDEX 8
#define W_TYPE 14
#define W_SHAPE 22
#define W_PARAMS 14
#define W_MACS 17
#define W_TOTAL (W_INDEX + W_TYPE + W_SHAPE + W_PARAMS + W_MACS)

/* "1,234,567" */
static char *
thousands (int64_t v, char *buf, size_t size)
{
  char digits[32];
  int n = snprintf (digits, sizeof digits, "%" PRId64, v < 0 ? -v : v), len = 0;

  if (v < 0)
    buf[len++] = '-';
  for (int i = 0; i < n && (size_t) len + 2 < size; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        buf[len++] = ',';
      buf[len++] = digits[i];
    }
  buf[len] = '\0';
  return buf;
}

static void
sb_rule (nn_strbuf *sb, char c)
{
  for (int i = 0; i < W_TOTAL; i++)
    nn_strbuf_printf (sb, "%c", c);
  nn_strbuf_printf (sb, "\n");
}

static void
summary_row (nn_strbuf *sb, const nn_net *net, int i)
{
  const nn_layer_info *info = &net->info[i];
  char idx[16], shape[64], params[32], macs[32];

  snprintf (idx, sizeof idx, "(%d)", i);
  if (info->status == NN_OK)
    {
      nn_shape_to_batch_string (&info->out_shape, shape, sizeof shape);
      thousands (info->n_params, params, sizeof params);
      thousands (info->macs, macs, sizeof macs);
    }
  else
    {
      snprintf (shape, sizeof shape, "%s", info->status == NN_STATUS_ABORTED ? "(not computed)" : "ERROR");
      snprintf (params, sizeof params, "-");
      snprintf (macs, sizeof macs, "-");
    }
  nn_strbuf_printf (sb, "%-*s%-*s%-*s%*s%*s\n", W_INDEX, idx, W_TYPE,
             nn_layer_type_name (net->layers[i].cfg.type), W_SHAPE, shape, W_PARAMS, params,
             W_MACS, macs);
  if (info->status != NN_OK && info->status != NN_STATUS_ABORTED)
    nn_strbuf_printf (sb, "        ! %s\n", info->message);
}

static void
summary_totals (nn_strbuf *sb, const nn_net *net)
{
  char buf[32], shape[64];
  nn_shape out = nn_net_output_shape (net);
  int64_t trainable = 0;
  nn_param *params;
  int n = nn_net_params (net, &params);

  for (int i = 0; i < n; i++)
    if (params[i].trainable)
      trainable += nn_tensor_numel (params[i].tensor);
  free (params);
  nn_strbuf_printf (sb, "Input shape: %s\n", nn_shape_to_batch_string (&net->input, shape, sizeof shape));
  if (net->first_error < 0)
    nn_strbuf_printf (sb, "Output shape: %s\n",
               nn_shape_to_batch_string (&out, shape, sizeof shape));
  nn_strbuf_printf (sb, "Total params: %s\n", thousands (nn_net_total_params (net), buf, sizeof buf));
  nn_strbuf_printf (sb, "Trainable params: %s\n", thousands (trainable, buf, sizeof buf));
  nn_strbuf_printf (sb, "Mult-adds (batch 1): %s\n", thousands (nn_net_total_macs (net), buf,
                                                          sizeof buf));
  nn_strbuf_printf (sb, "Activation memory (batch 1): %.2f MB\n",
             (double) nn_net_activation_numel (net) * sizeof (float) / 1e6);
  nn_strbuf_printf (sb, "Parameter memory: %.2f MB",
             (double) nn_net_total_params (net) * sizeof (float) / 1e6);
  if (net->first_error > 0)
    nn_strbuf_printf (sb, "\nTotals cover layers 0 to %d only: layer %d has an error.",
               net->first_error - 1, net->first_error);
  else if (net->first_error == 0)
    nn_strbuf_printf (sb, "\nTotals cover no layer: layer 0 has an error.");
}

/* A fixed-width table in the spirit of torchinfo's summary(); shapes include batch 1. */
char *
nn_net_summary (const nn_net *net)
{
  nn_strbuf sb = { 0 };

  sb_rule (&sb, '=');
  nn_strbuf_printf (&sb, "%-*s%-*s%-*s%*s%*s\n", W_INDEX, "Layer", W_TYPE, "Type", W_SHAPE,
             "Output shape", W_PARAMS, "Param #", W_MACS, "Mult-adds");
  sb_rule (&sb, '=');
  for (int i = 0; i < net->n_layers; i++)
    summary_row (&sb, net, i);
  if (net->n_layers == 0)
    nn_strbuf_printf (&sb, "(no layers)\n");
  sb_rule (&sb, '=');
  summary_totals (&sb, net);
  return nn_strbuf_finish (&sb);
}
