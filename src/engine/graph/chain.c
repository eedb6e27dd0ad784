/* graph/chain.c - a chain network (nn_net) as a graph, and a chain-shaped graph as one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bridge between the list view's engine and the graph engine, until the chain is
 * ported onto the graph: nn_graph_from_net() writes each layer as the ONNX nodes
 * torch.onnx.export writes for the same torch.nn.Sequential, with its names (node
 * "/3/Conv", value "/3/Conv_output_0", weights "3.weight" as in the state_dict, scope
 * "3"), so a file exported from either tool reads the same. nn_net_from_graph() maps a
 * graph that is one path of such nodes back onto layers and says which node stops it
 * otherwise.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph-private.h"
#include "nn-private.h"

/* ------------------------------------------------------------------ net -> graph */

typedef struct builder {
  nn_graph *g;
  const nn_net *net;
  char prev[80];            /* the value the next layer reads */
  nn_error *err;
} builder;

/* A float32 initializer holding a copy of t (a parameter of the chain). */
static nn_status
add_tensor (builder *b, const char *name, const nn_tensor *t, nn_error *err)
{
  nn_array *a = nn_array_new_f32 (t->n_dims, t->shape, err);

  if (a == NULL)
    return err->status;
  memcpy (a->data, t->data, (size_t) nn_tensor_numel (t) * sizeof (float));
  return nn_graph_add_initializer (b->g, name, a, err);
}

static nn_status
add_constant (builder *b, const char *name, nn_dtype dtype, int32_t rank, const int64_t *shape,
              const void *data, nn_error *err)
{
  nn_type t = { .dtype = dtype, .rank = rank };
  nn_array *a;

  if (rank > 0)
    memcpy (t.shape, shape, (size_t) rank * sizeof *shape);
  if ((a = nn_array_new (&t, err)) == NULL)
    return err->status;
  memcpy (a->data, data, nn_array_bytes (a));
  return nn_graph_add_initializer (b->g, name, a, err);
}

/* Adds node "/i/Op" reading prev (and the names in more), writing "/i/Op_output_0", or
 * "output" for the last layer, as torch.onnx.export(output_names=["output"]) names it. */
static nn_status
add_layer_node (builder *b, int i, const char *op, int n_more, const char *const *more,
                int *node)
{
  char name[64], out[80], scope[16];
  const char *inputs[6];

  snprintf (name, sizeof name, "/%d/%s", i, op);
  if (i == b->net->n_layers - 1)
    snprintf (out, sizeof out, "output");
  else
    snprintf (out, sizeof out, "%s_output_0", name);
  snprintf (scope, sizeof scope, "%d", i);
  inputs[0] = b->prev;
  for (int k = 0; k < n_more; k++)
    inputs[k + 1] = more[k];
  if (nn_graph_add_node (b->g, op, name, scope, 1 + n_more, inputs, 1,
                         (const char *const[]) { out }, node, b->err) != NN_OK)
    return b->err->status;
  snprintf (b->prev, sizeof b->prev, "%s", out);
  return NN_OK;
}

static nn_status
set_ints (builder *b, int node, const char *attr, int n, const int64_t *v)
{
  return nn_graph_set_attr_ints (b->g, node, attr, n, v, b->err);
}

/* kernel_shape, strides, pads (both sides), dilations of a Conv or a pool */
static nn_status
set_window (builder *b, int node, const nn_layer_config *c, bool dilations)
{
  const int64_t pads[4] = { c->padding[0], c->padding[1], c->padding[0], c->padding[1] };
  nn_status st;

  if ((st = set_ints (b, node, "kernel_shape", 2, c->kernel_size)) != NN_OK
      || (st = set_ints (b, node, "strides", 2, c->stride)) != NN_OK
      || (st = set_ints (b, node, "pads", 4, pads)) != NN_OK)
    return st;
  return dilations ? set_ints (b, node, "dilations", 2, c->dilation) : NN_OK;
}

static nn_status
layer_to_nodes (builder *b, int i)
{
  const nn_layer *l = &b->net->layers[i];
  const nn_layer_config *c = &l->cfg;
  const nn_layer_info *info = &b->net->info[i];
  char w[64], bias[64], mean[64], var[64];
  int node;
  nn_status st;

  snprintf (w, sizeof w, "%d.weight", i);
  snprintf (bias, sizeof bias, "%d.bias", i);
  switch (c->type)
    {
    case NN_LAYER_CONV2D:
      if ((st = add_tensor (b, w, l->weight, b->err)) != NN_OK
          || (c->bias && (st = add_tensor (b, bias, l->bias, b->err)) != NN_OK)
          || (st = add_layer_node (b, i, "Conv", c->bias ? 2 : 1,
                                   (const char *const[]) { w, bias }, &node)) != NN_OK
          || (st = set_window (b, node, c, true)) != NN_OK)
        return st;
      return nn_graph_set_attr_int (b->g, node, "group", c->groups, b->err);
    case NN_LAYER_LINEAR:
      if ((st = add_tensor (b, w, l->weight, b->err)) != NN_OK
          || (c->bias && (st = add_tensor (b, bias, l->bias, b->err)) != NN_OK)
          || (st = add_layer_node (b, i, "Gemm", c->bias ? 2 : 1,
                                   (const char *const[]) { w, bias }, &node)) != NN_OK)
        return st;
      return nn_graph_set_attr_int (b->g, node, "transB", 1, b->err);
    case NN_LAYER_BATCHNORM2D:
      snprintf (mean, sizeof mean, "%d.running_mean", i);
      snprintf (var, sizeof var, "%d.running_var", i);
      if (!c->track_running_stats)
        return nn_error_set (b->err, NN_STATUS_UNSUPPORTED, i, "layer %d (BatchNorm2d): "
                             "track_running_stats=False normalises with each batch's own "
                             "statistics, which an ONNX BatchNormalization cannot do", i);
      if (c->affine)
        st = add_tensor (b, w, l->weight, b->err) == NN_OK
             ? add_tensor (b, bias, l->bias, b->err) : b->err->status;
      else
        {
          /* affine=False: scale 1, shift 0 */
          float *ones = calloc ((size_t) l->num_features, 2 * sizeof *ones);
          const int64_t shape[1] = { l->num_features };

          if (ones == NULL)
            return nn_error_set (b->err, NN_STATUS_NOMEM, i, "out of memory");
          for (int64_t k = 0; k < l->num_features; k++)
            ones[k] = 1.0f;
          snprintf (w, sizeof w, "/%d/scale", i);
          snprintf (bias, sizeof bias, "/%d/shift", i);
          st = add_constant (b, w, NN_DTYPE_FLOAT32, 1, shape, ones, b->err);
          if (st == NN_OK)
            st = add_constant (b, bias, NN_DTYPE_FLOAT32, 1, shape, ones + l->num_features,
                               b->err);
          free (ones);
        }
      if (st != NN_OK
          || (st = add_tensor (b, mean, l->running_mean, b->err)) != NN_OK
          || (st = add_tensor (b, var, l->running_var, b->err)) != NN_OK
          || (st = add_layer_node (b, i, "BatchNormalization", 4,
                                   (const char *const[]) { w, bias, mean, var }, &node)) != NN_OK
          || (st = nn_graph_set_attr_float (b->g, node, "epsilon", c->eps, b->err)) != NN_OK)
        return st;
      /* ONNX's momentum weighs the running value, PyTorch's the batch's */
      return nn_graph_set_attr_float (b->g, node, "momentum", 1.0 - c->momentum, b->err);
    case NN_LAYER_RELU:
      return add_layer_node (b, i, "Relu", 0, NULL, &node);
    case NN_LAYER_SIGMOID:
      return add_layer_node (b, i, "Sigmoid", 0, NULL, &node);
    case NN_LAYER_TANH:
      return add_layer_node (b, i, "Tanh", 0, NULL, &node);
    case NN_LAYER_LEAKYRELU:
      if ((st = add_layer_node (b, i, "LeakyRelu", 0, NULL, &node)) != NN_OK)
        return st;
      return nn_graph_set_attr_float (b->g, node, "alpha", c->negative_slope, b->err);
    case NN_LAYER_SOFTMAX:
      if ((st = add_layer_node (b, i, "Softmax", 0, NULL, &node)) != NN_OK)
        return st;
      return nn_graph_set_attr_int (b->g, node, "axis", c->dim, b->err);
    case NN_LAYER_DROPOUT:
      {
        /* the ratio as an input (opset 12+), so p survives; inference copies */
        const float ratio = (float) c->p;

        snprintf (w, sizeof w, "/%d/ratio", i);
        if ((st = add_constant (b, w, NN_DTYPE_FLOAT32, 0, NULL, &ratio, b->err)) != NN_OK)
          return st;
        return add_layer_node (b, i, "Dropout", 1, (const char *const[]) { w }, &node);
      }
    case NN_LAYER_MAXPOOL2D:
      if ((st = add_layer_node (b, i, "MaxPool", 0, NULL, &node)) != NN_OK
          || (st = set_window (b, node, c, true)) != NN_OK)
        return st;
      return nn_graph_set_attr_int (b->g, node, "ceil_mode", c->ceil_mode, b->err);
    case NN_LAYER_AVGPOOL2D:
      if ((st = add_layer_node (b, i, "AveragePool", 0, NULL, &node)) != NN_OK
          || (st = set_window (b, node, c, false)) != NN_OK
          || (st = nn_graph_set_attr_int (b->g, node, "ceil_mode", c->ceil_mode, b->err)) != NN_OK)
        return st;
      return nn_graph_set_attr_int (b->g, node, "count_include_pad", c->count_include_pad,
                                    b->err);
    case NN_LAYER_FLATTEN:
      {
        int rank = info->in_shape.n_dims + 1;
        int64_t end = c->end_dim < 0 ? c->end_dim + rank : c->end_dim;
        int64_t start = c->start_dim < 0 ? c->start_dim + rank : c->start_dim;
        int64_t shape[NN_MAX_DIMS] = { 0 };   /* 0: the batch, copied */
        const int64_t n = info->out_shape.n_dims + 1;

        /* ONNX's Flatten makes [d0 ... d(axis-1), rest] 2-D: torch's start_dim=1 only */
        if (start == 1 && end == rank - 1)
          {
            if ((st = add_layer_node (b, i, "Flatten", 0, NULL, &node)) != NN_OK)
              return st;
            return nn_graph_set_attr_int (b->g, node, "axis", start, b->err);
          }
        /* otherwise, as torch.onnx does, a Reshape to the known shape */
        for (int k = 0; k < info->out_shape.n_dims; k++)
          shape[k + 1] = info->out_shape.d[k];
        snprintf (w, sizeof w, "/%d/shape", i);
        if ((st = add_constant (b, w, NN_DTYPE_INT64, 1, &n, shape, b->err)) != NN_OK)
          return st;
        return add_layer_node (b, i, "Reshape", 1, (const char *const[]) { w }, &node);
      }
    default:
      return nn_error_set (b->err, NN_STATUS_UNSUPPORTED, i, "layer %d: unknown type", i);
    }
}

nn_status
nn_graph_from_net (const nn_net *net, nn_graph **out, nn_error *err)
{
  builder b = { .net = net, .err = err, .prev = "input" };
  nn_type in = { .dtype = NN_DTYPE_FLOAT32, .rank = net->input.n_dims + 1 };
  nn_status st;

  *out = NULL;
  if (net->first_error >= 0)
    return nn_error_set (err, NN_STATUS_SHAPE, net->first_error, "%s",
                         net->info[net->first_error].message);
  in.shape[0] = NN_DIM_SYMBOLIC;
  for (int k = 0; k < net->input.n_dims; k++)
    in.shape[k + 1] = net->input.d[k];
  if ((b.g = nn_graph_new ()) == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  st = nn_graph_add_input (b.g, "input", &in, err);
  for (int i = 0; st == NN_OK && i < net->n_layers; i++)
    st = layer_to_nodes (&b, i);
  if (st == NN_OK)
    st = nn_graph_add_output (b.g, b.prev, err);
  if (st == NN_OK)
    st = nn_graph_infer (b.g, err);
  if (st != NN_OK)
    {
      nn_graph_free (b.g);
      return st;
    }
  *out = b.g;
  return NN_OK;
}

/* ------------------------------------------------------------------ graph -> net */

typedef struct reader {
  nn_graph *g;
  const nn_node *n;
  nn_error *err;
} reader;

static const nn_attr_value *
attr (const reader *r, const char *name)
{
  int k = nn_attr_find (nn_ops[r->n->op], name);

  return k >= 0 ? &r->n->attrs[k] : NULL;
}

static nn_status
not_a_layer (const reader *r, const char *why)
{
  return nn_error_set (r->err, NN_STATUS_UNSUPPORTED, (int) (r->n - r->g->nodes),
                       "node '%s' (%s) %s; the list view holds one chain of Conv2d, "
                       "ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, MaxPool2d, AvgPool2d, "
                       "BatchNorm2d, Dropout, Flatten and Linear layers", r->n->name,
                       nn_ops[r->n->op]->name, why);
}

/* The initializer read by input k, NULL when it is not one (or is omitted). */
static const nn_array *
weight_input (const reader *r, int k)
{
  return k < r->n->n_in && r->n->in[k] >= 0 ? r->g->values[r->n->in[k]].init : NULL;
}

/* A 2-D window's attributes into cfg; false when they are not a symmetric 2-D window. */
static bool
read_window (const reader *r, nn_layer_config *c, const nn_type *in, bool dilations)
{
  const nn_attr_value *k = attr (r, "kernel_shape"), *s = attr (r, "strides");
  const nn_attr_value *p = attr (r, "pads"), *d = attr (r, "dilations");
  const nn_attr_value *ap = attr (r, "auto_pad");

  if (in->rank != 4 || (ap != NULL && strcmp (ap->s, "NOTSET") != 0 && ap->s[0] != '\0'))
    return false;
  if (k != NULL && k->n == 2)
    nn_layer_config_set_pair (c, NN_PAIR_KERNEL_SIZE, k->ints[0], k->ints[1],
                              c->type == NN_LAYER_CONV2D || k->ints[0] != k->ints[1]);
  else if (c->type != NN_LAYER_CONV2D || k == NULL || k->n != 0)
    return false;
  if (s != NULL && s->n == 2)
    nn_layer_config_set_pair (c, NN_PAIR_STRIDE, s->ints[0], s->ints[1],
                              c->type == NN_LAYER_CONV2D || s->ints[0] != s->ints[1]);
  else if (s != NULL && s->n != 0)
    return false;
  else
    nn_layer_config_set_pair (c, NN_PAIR_STRIDE, 1, 1, c->type == NN_LAYER_CONV2D);
  if (p != NULL && p->n == 4)
    {
      if (p->ints[0] != p->ints[2] || p->ints[1] != p->ints[3])
        return false;
      nn_layer_config_set_pair (c, NN_PAIR_PADDING, p->ints[0], p->ints[1],
                                c->type == NN_LAYER_CONV2D || p->ints[0] != p->ints[1]);
    }
  else if (p != NULL && p->n != 0)
    return false;
  else
    nn_layer_config_set_pair (c, NN_PAIR_PADDING, 0, 0, c->type == NN_LAYER_CONV2D);
  if (d != NULL && d->n == 2 && (dilations || (d->ints[0] == 1 && d->ints[1] == 1)))
    nn_layer_config_set_pair (c, NN_PAIR_DILATION, d->ints[0], d->ints[1],
                              c->type == NN_LAYER_CONV2D || d->ints[0] != d->ints[1]);
  else if (d != NULL && d->n != 0)
    return false;
  return true;
}

/* A number an ONNX file held as a float, back at the precision it had (1 - 0.7f is
 * 0.3, not 0.30000001192092896), so the repr prints what the user typed. */
static double
float_precision (double v)
{
  char buf[32];

  snprintf (buf, sizeof buf, "%.7g", v);
  return strtod (buf, NULL);
}

/* Whether BatchNormalization's scale and shift are the constants 1 and 0 of an
 * affine=False BatchNorm2d rather than learned weights ("N.weight", "N.bias"). */
static bool
is_identity_affine (const reader *r, const nn_array *scale, const nn_array *shift)
{
  const char *name = r->g->values[r->n->in[1]].name;
  size_t len = strlen (name);

  if (len >= 7 && strcmp (name + len - 7, ".weight") == 0)
    return false;
  for (int64_t i = 0; i < nn_array_numel (scale); i++)
    if (nn_array_get_f64 (scale, i) != 1.0 || nn_array_get_f64 (shift, i) != 0.0)
      return false;
  return true;
}

static nn_tensor *
tensor_of (const nn_array *a, nn_error *err)
{
  nn_tensor *t;

  if (a->type.dtype != NN_DTYPE_FLOAT32 || a->type.rank > NN_MAX_DIMS)
    return NULL;
  if ((t = nn_tensor_new (a->type.rank, a->type.shape, err)) != NULL)
    memcpy (t->data, a->data, nn_array_bytes (a));
  return t;
}

/* Layer cfg (and its weights into *w) for node r->n reading a value of type in. */
static nn_status
node_to_layer (reader *r, const nn_type *in, nn_layer_config *c, const nn_array *w[4])
{
  const char *op = nn_ops[r->n->op]->name;
  const nn_attr_value *a;

  memset (w, 0, 4 * sizeof *w);
  if (strcmp (op, "Conv") == 0)
    {
      nn_layer_config_init (c, NN_LAYER_CONV2D);
      w[0] = weight_input (r, 1);
      w[1] = weight_input (r, 2);
      if (w[0] == NULL || w[0]->type.rank != 4 || (r->n->n_in > 2 && r->n->in[2] >= 0
                                                   && w[1] == NULL))
        return not_a_layer (r, "takes its weights from a computed value");
      if (!read_window (r, c, in, true))
        return not_a_layer (r, "is not a 2-D convolution with symmetric padding");
      c->groups = attr (r, "group")->i;
      c->out_channels = w[0]->type.shape[0];
      c->in_channels = w[0]->type.shape[1] * c->groups;
      if (attr (r, "kernel_shape")->n == 0)
        nn_layer_config_set_pair (c, NN_PAIR_KERNEL_SIZE, w[0]->type.shape[2],
                                  w[0]->type.shape[3], true);
      c->bias = w[1] != NULL;
      return NN_OK;
    }
  if (strcmp (op, "Gemm") == 0)
    {
      nn_layer_config_init (c, NN_LAYER_LINEAR);
      w[0] = weight_input (r, 1);
      w[1] = weight_input (r, 2);
      if (attr (r, "transA")->i != 0 || attr (r, "alpha")->f != 1.0
          || (w[1] != NULL && attr (r, "beta")->f != 1.0))
        return not_a_layer (r, "scales or transposes its input");
      if (w[0] == NULL || w[0]->type.rank != 2
          || (w[1] != NULL && (w[1]->type.rank != 1
                               || w[1]->type.shape[0] != w[0]->type.shape[
                                    attr (r, "transB")->i ? 0 : 1])))
        return not_a_layer (r, "is not x·Wᵀ + b with a weight matrix and a bias vector");
      if (attr (r, "transB")->i == 0)
        return not_a_layer (r, "keeps its weight untransposed (Linear stores [out, in])");
      c->out_features = w[0]->type.shape[0];
      c->in_features = w[0]->type.shape[1];
      c->bias = w[1] != NULL;
      return NN_OK;
    }
  if (strcmp (op, "BatchNormalization") == 0)
    {
      nn_layer_config_init (c, NN_LAYER_BATCHNORM2D);
      for (int k = 0; k < 4; k++)
        if ((w[k] = weight_input (r, k + 1)) == NULL || w[k]->type.rank != 1)
          return not_a_layer (r, "takes its statistics from computed values");
      if (in->rank != 4 || r->n->n_out > 1)
        return not_a_layer (r, "is not a BatchNorm2d in inference");
      c->num_features = w[0]->type.shape[0];
      c->eps = float_precision (attr (r, "epsilon")->f);
      c->momentum = float_precision (1.0 - attr (r, "momentum")->f);
      if (is_identity_affine (r, w[0], w[1]))
        {
          c->affine = false;
          w[0] = w[1] = NULL;
        }
      return NN_OK;
    }
  if (strcmp (op, "MaxPool") == 0 || strcmp (op, "AveragePool") == 0)
    {
      bool max = op[0] == 'M';

      nn_layer_config_init (c, max ? NN_LAYER_MAXPOOL2D : NN_LAYER_AVGPOOL2D);
      if (r->n->n_out > 1 || !read_window (r, c, in, max))
        return not_a_layer (r, "is not a 2-D pool with symmetric padding");
      c->ceil_mode = attr (r, "ceil_mode")->i != 0;
      if (!max)
        c->count_include_pad = attr (r, "count_include_pad")->i != 0;
      return NN_OK;
    }
  if (strcmp (op, "Relu") == 0 || strcmp (op, "Sigmoid") == 0 || strcmp (op, "Tanh") == 0)
    {
      nn_layer_config_init (c, op[0] == 'R' ? NN_LAYER_RELU : op[0] == 'S' ? NN_LAYER_SIGMOID
                                                                          : NN_LAYER_TANH);
      return NN_OK;
    }
  if (strcmp (op, "LeakyRelu") == 0)
    {
      nn_layer_config_init (c, NN_LAYER_LEAKYRELU);
      c->negative_slope = float_precision (attr (r, "alpha")->f);
      return NN_OK;
    }
  if (strcmp (op, "Softmax") == 0)
    {
      nn_layer_config_init (c, NN_LAYER_SOFTMAX);
      c->dim = attr (r, "axis")->i;
      return NN_OK;
    }
  if (strcmp (op, "Dropout") == 0)
    {
      const nn_array *ratio = weight_input (r, 1);

      nn_layer_config_init (c, NN_LAYER_DROPOUT);
      if (r->n->n_in > 1 && r->n->in[1] >= 0 && ratio == NULL)
        return not_a_layer (r, "takes its ratio from a computed value");
      if (ratio != NULL)
        c->p = float_precision (nn_array_get_f64 (ratio, 0));
      return NN_OK;
    }
  if (strcmp (op, "Flatten") == 0)
    {
      nn_layer_config_init (c, NN_LAYER_FLATTEN);
      a = attr (r, "axis");
      c->start_dim = a->i < 0 ? a->i + in->rank : a->i;
      c->end_dim = -1;
      if (c->start_dim < 1)
        return not_a_layer (r, "merges the batch dimension into the features");
      return NN_OK;
    }
  return not_a_layer (r, "has no layer in the list view");
}

/* how many node inputs read value v */
static int
readers_of (const nn_graph *g, int v)
{
  int n = 0;

  for (int j = 0; j < g->n_nodes; j++)
    for (int i = 0; i < g->nodes[j].n_in; i++)
      n += g->nodes[j].in[i] == v;
  return n;
}

nn_status
nn_net_from_graph (nn_graph *g, nn_net **out, nn_error *err)
{
  const nn_type *in;
  nn_shape shape = { 0 };
  nn_net *net;
  int prev;
  nn_status st;

  *out = NULL;
  if ((st = nn_graph_infer (g, err)) != NN_OK)
    return st;
  if (g->n_inputs != 1 || g->n_outputs != 1)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "the graph has %d inputs and %d "
                         "outputs; the list view holds a chain with one of each", g->n_inputs,
                         g->n_outputs);
  prev = g->inputs[0];
  in = &g->values[prev].type;
  if (in->dtype != NN_DTYPE_FLOAT32 || (in->rank != 2 && in->rank != 4))
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "the graph's input '%s' is %s; the "
                         "list view takes a float batch of images [N, C, H, W] or of "
                         "features [N, F]", g->values[prev].name,
                         nn_type_format (in, (char[80]) { 0 }, 80));
  shape.n_dims = in->rank - 1;
  for (int k = 1; k < in->rank; k++)
    {
      if (in->shape[k] < 1)
        return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "the graph's input '%s' has a "
                             "dimension of unknown size besides the batch",
                             g->values[prev].name);
      shape.d[k - 1] = in->shape[k];
    }
  if ((net = nn_net_new (&shape, 1)) == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  for (int k = 0; k < g->n_nodes; k++)
    {
      const nn_node *n = &g->nodes[g->order[k]];
      reader r = { .g = g, .n = n, .err = err };
      nn_layer_config c;
      const nn_array *w[4];
      nn_layer *l;

      if (n->in[0] != prev || n->n_out < 1)
        {
          nn_net_free (net);
          return not_a_layer (&r, "branches off the chain (it does not read the output of "
                              "the node before it)");
        }
      if (readers_of (g, prev) != 1)
        {
          nn_net_free (net);
          return not_a_layer (&r, "shares its input with another node (a skip "
                              "connection or a branch)");
        }
      if (strcmp (nn_ops[n->op]->name, "Identity") == 0)
        {
          prev = n->out[0];
          continue;
        }
      if ((st = node_to_layer (&r, &g->values[prev].type, &c, w)) != NN_OK
          || (st = nn_net_append (net, &c, err)) != NN_OK)
        {
          nn_net_free (net);
          return st;
        }
      l = &net->layers[net->n_layers - 1];
      if (net->first_error >= 0)
        {
          st = nn_error_set (err, NN_STATUS_SHAPE, -1, "node '%s': %s", n->name,
                             net->info[net->first_error].message);
          nn_net_free (net);
          return st;
        }
      /* the weights, as the graph has them (shapes were checked by inference) */
      {
        nn_tensor **dst[4] = { &l->weight, &l->bias, &l->running_mean, &l->running_var };

        for (int i = 0; i < 4; i++)
          if (w[i] != NULL && *dst[i] != NULL)
            {
              nn_tensor *t = tensor_of (w[i], err);

              if (t == NULL || nn_tensor_assign (*dst[i], t, err) != NN_OK)
                {
                  nn_tensor_free (t);
                  nn_net_free (net);
                  return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "node '%s': its "
                                       "weights do not fit the layer", n->name);
                }
              nn_tensor_free (t);
            }
      }
      prev = n->out[0];
    }
  if (prev != g->outputs[0])
    {
      nn_net_free (net);
      return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "the graph's output '%s' is not "
                           "the end of the chain", g->values[g->outputs[0]].name);
    }
  *out = net;
  return NN_OK;
}
