/* pytorch-export.c - a graph as a PyTorch script (nn_graph_export_pytorch, nn-graph.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The script defines an nn.Module whose sub-modules sit at the paths their weights are
 * named after ("layer1.0.conv1.weight" -> module layer1.0.conv1, an nn.Conv2d), so its
 * state_dict() keys are the model's; forward() follows the graph node by node in
 * topological order, one statement a node, with torch functions for operators without
 * weights. The weights come from the ONNX file the graph was saved to (onnx.load and
 * numpy_helper), through a table from state_dict key to initializer name, so files
 * whose initializers are not named after modules ("onnx::Conv_193") export too.
 * Constant inputs that are small integer lists (shapes, axes) or scalars are written
 * as literals; other constants become non-persistent buffers, outside the state_dict.
 */
#define _GNU_SOURCE
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "graph/graph-private.h"
#include "nn-private.h"

/* Constants of at most this many elements are written into the script. */
#define EMBEDDED_MAX 1024

typedef struct pyx {
  nn_graph *g;
  nn_strbuf init, fwd, keys, consts;
  int n_consts;
  int *const_of;           /* per value: index of its buffer, -1 */
  char **module_of;        /* per node: the module path it calls, or NULL */
  /* the modules' _put() lines, keyed by their weight's value index: registered in the
   * order the weights were made (the model's state_dict order), not the nodes' */
  struct module_line { int key; char *text; } *lines;
  int n_lines;
  nn_error *err;
  nn_status st;
} pyx;

/* ------------------------------------------------------------------ helpers */

static const nn_attr_value *
attr (const nn_node *n, const char *name)
{
  int k = nn_attr_find (nn_ops[n->op], name);

  return k >= 0 ? &n->attrs[k] : NULL;
}

static const char *
op_name (const nn_node *n)
{
  return nn_ops[n->op]->name;
}

static nn_status
unsupported (pyx *p, const nn_node *n, const char *why)
{
  if (p->st == NN_OK)
    p->st = nn_error_set (p->err, NN_STATUS_UNSUPPORTED, (int) (n - p->g->nodes),
                          "node '%s' (%s) %s, which the PyTorch export does not write",
                          n->name, op_name (n), why);
  return p->st;
}

static void
ints_literal (nn_strbuf *sb, int n, const int64_t *v, bool tuple)
{
  nn_strbuf_printf (sb, tuple ? "(" : "[");
  for (int i = 0; i < n; i++)
    nn_strbuf_printf (sb, "%s%" PRId64, i ? ", " : "", v[i]);
  nn_strbuf_printf (sb, tuple && n == 1 ? ",)" : tuple ? ")" : "]");
}

/* ints_literal into a fixed buffer (window parameters: a few small numbers) */
static void
ints_text (char *buf, size_t size, int n, const int64_t *v)
{
  nn_strbuf sb = { 0 };
  char *text;

  ints_literal (&sb, n, v, true);
  text = nn_strbuf_finish (&sb);
  snprintf (buf, size, "%s", text != NULL ? text : "()");
  free (text);
}

/* Python's repr of a float: the shortest digits that read back as the float32 value. */
static void
float_literal (nn_strbuf *sb, double v)
{
  char buf[40];

  if (isinf (v))
    {
      nn_strbuf_printf (sb, v > 0 ? "float(\"inf\")" : "-float(\"inf\")");
      return;
    }
  for (int digits = 1; digits <= 17; digits++)
    {
      snprintf (buf, sizeof buf, "%.*g", digits, v);
      if ((float) strtod (buf, NULL) == (float) v)
        break;
    }
  nn_strbuf_printf (sb, "%s%s", buf, strpbrk (buf, ".eEn") ? "" : ".0");
}

/* The Python expression for value v: a variable, a literal of a small constant, or a
 * buffer. */
static void
value_expr (pyx *p, nn_strbuf *sb, int v)
{
  const nn_value *val = &p->g->values[v];
  const nn_array *a = val->init;

  if (a == NULL)
    {
      nn_strbuf_printf (sb, val->input >= 0 ? "x%d" : "v%d", val->input >= 0 ? val->input : v);
      return;
    }
  if (p->const_of[v] >= 0)
    {
      nn_strbuf_printf (sb, "self.c%d", p->const_of[v]);
      return;
    }
  /* small integers and scalars: literals (torch.tensor for the tensor operands) */
  if (a->type.dtype == NN_DTYPE_FLOAT32 && a->type.rank == 0)
    float_literal (sb, nn_array_get_f64 (a, 0));
  else if (a->type.rank == 0)   /* a scalar index stays a scalar (Gather drops its axis) */
    nn_strbuf_printf (sb, "%lld", (long long) nn_array_get_i64 (a, 0));
  else
    {
      int64_t n = nn_array_numel (a), v64[16];

      for (int64_t i = 0; i < n && i < 16; i++)
        v64[i] = nn_array_get_i64 (a, i);
      ints_literal (sb, (int) n, v64, false);
    }
}

/* Whether value v is written as a literal rather than a buffer. */
static bool
is_literal (const nn_array *a)
{
  if (a->type.dtype == NN_DTYPE_FLOAT32)
    return a->type.rank == 0;
  return a->type.rank <= 1 && nn_array_numel (a) <= 16;
}

/* The initializer name of node input k, NULL when it is not an initializer. */
static const char *
init_name (const pyx *p, const nn_node *n, int k)
{
  return k < n->n_in && n->in[k] >= 0 && p->g->values[n->in[k]].init != NULL
         ? p->g->values[n->in[k]].name : NULL;
}

/* The module path a weight name implies ("layer1.0.conv1.weight" -> "layer1.0.conv1"),
 * when every part is a Python-safe module name; else NULL. */
static char *
module_path_of (const char *weight)
{
  size_t len = strlen (weight);
  char *path;

  if (len < 8 || strcmp (weight + len - 7, ".weight") != 0)
    return NULL;
  if ((path = strndup (weight, len - 7)) == NULL)
    return NULL;
  for (char *c = path; *c != '\0'; c++)
    if (!isalnum ((unsigned char) *c) && *c != '_' && *c != '.')
      {
        free (path);
        return NULL;
      }
  if (path[0] == '.' || strstr (path, "..") != NULL || path[strlen (path) - 1] == '.')
    {
      free (path);
      return NULL;
    }
  return path;
}

/* Registers a module for node n at path (from its weight, or "node<i>") and maps its
 * state_dict keys to the node's initializers (keys[i] <- input ins[i]). */
static void
add_module (pyx *p, const nn_node *n, const char *ctor, int n_keys, const char *const *keys,
            const int *ins)
{
  int index = (int) (n - p->g->nodes);
  char *path = module_path_of (init_name (p, n, 1));

  if (path == NULL && asprintf (&path, "node%d", index) < 0)
    path = NULL;
  if (path == NULL)
    {
      p->st = nn_error_set (p->err, NN_STATUS_NOMEM, -1, "out of memory");
      return;
    }
  p->module_of[index] = path;
  {
    nn_strbuf line = { 0 };

    nn_strbuf_printf (&line, "        _put(self, ");
    nn_strbuf_pystr (&line, path);
    nn_strbuf_printf (&line, ", %s)\n", ctor);
    p->lines[p->n_lines].key = n->in[1];
    if ((p->lines[p->n_lines++].text = nn_strbuf_finish (&line)) == NULL)
      p->st = nn_error_set (p->err, NN_STATUS_NOMEM, -1, "out of memory");
  }
  for (int i = 0; i < n_keys; i++)
    {
      const char *src = ins[i] >= 0 ? init_name (p, n, ins[i]) : NULL;
      char key[256];

      snprintf (key, sizeof key, "%s.%s", path, keys[i]);
      if (ins[i] == -2)   /* num_batches_tracked: the file's when it has one */
        src = nn_graph_initializer (p->g, key) != NULL ? key : NULL;
      if (src == NULL)
        continue;
      nn_strbuf_printf (&p->keys, "    ");
      nn_strbuf_pystr (&p->keys, key);
      nn_strbuf_printf (&p->keys, ": ");
      nn_strbuf_pystr (&p->keys, src);
      nn_strbuf_printf (&p->keys, ",\n");
    }
}

/* kernel, stride, padding, dilation of a window op with symmetric pads; false if the
 * pads are not symmetric or auto_pad is set */
static bool
window (const nn_node *n, int spatial, int64_t *k, int64_t *s, int64_t *pad, int64_t *d)
{
  const nn_attr_value *ks = attr (n, "kernel_shape"), *st = attr (n, "strides");
  const nn_attr_value *pads = attr (n, "pads"), *dil = attr (n, "dilations");
  const nn_attr_value *ap = attr (n, "auto_pad");

  if (ap != NULL && ap->s[0] != '\0' && strcmp (ap->s, "NOTSET") != 0)
    return false;
  for (int i = 0; i < spatial; i++)
    {
      k[i] = ks != NULL && ks->n == spatial ? ks->ints[i] : 1;
      s[i] = st != NULL && st->n == spatial ? st->ints[i] : 1;
      d[i] = dil != NULL && dil->n == spatial ? dil->ints[i] : 1;
      pad[i] = pads != NULL && pads->n == 2 * spatial ? pads->ints[i] : 0;
      if (pads != NULL && pads->n == 2 * spatial && pads->ints[i] != pads->ints[i + spatial])
        return false;
    }
  return true;
}

/* ------------------------------------------------------------------ nodes */

/* Nodes written as a module call: Conv, BatchNormalization, and a Gemm that is a Linear
 * (x Wᵀ + b with constant W and b). Their weights go through the state_dict. */
static bool
is_module_node (const pyx *p, const nn_node *n)
{
  const char *op = op_name (n);

  if (strcmp (op, "Conv") == 0 || strcmp (op, "BatchNormalization") == 0)
    return true;
  return strcmp (op, "Gemm") == 0 && init_name (p, n, 1) != NULL
         && attr (n, "transB")->i == 1 && attr (n, "transA")->i == 0
         && attr (n, "alpha")->f == 1.0 && attr (n, "beta")->f == 1.0
         && (n->n_in < 3 || n->in[2] < 0 || init_name (p, n, 2) != NULL);
}

/* ", a, b, None" for node inputs [from, to): None for an omitted optional input */
static void
optional_inputs (pyx *p, const nn_node *n, int from, int to)
{
  for (int k = from; k < to; k++)
    {
      nn_strbuf_printf (&p->fwd, ", ");
      if (k < n->n_in && n->in[k] >= 0)
        value_expr (p, &p->fwd, n->in[k]);
      else
        nn_strbuf_printf (&p->fwd, "None");
    }
}

static void
write_node (pyx *p, const nn_node *n)
{
  nn_strbuf *f = &p->fwd;
  const char *op = op_name (n);
  const nn_type *t0 = n->in[0] >= 0 ? &p->g->values[n->in[0]].type : NULL;
  int rank = t0 != NULL ? t0->rank : 0, spatial = rank - 2;
  char ctor[512];

  /* the left-hand side: one variable an output */
  nn_strbuf_printf (f, "        ");
  for (int i = 0; i < n->n_out; i++)
    nn_strbuf_printf (f, "%sv%d", i ? ", " : "", n->out[i]);
  nn_strbuf_printf (f, " = ");

#define IN(k) value_expr (p, f, n->in[k])
  if (is_module_node (p, n))
    {
      const nn_array *w = p->g->values[n->in[1]].init;
      int index = (int) (n - p->g->nodes);

      if (strcmp (op, "Conv") == 0)
        {
          int64_t k[3], s[3], pad[3], d[3];
          bool bias = n->n_in > 2 && n->in[2] >= 0;
          char kt[64], st[64], pt[64], dt[64];

          if (w == NULL || spatial < 1 || spatial > 3 || !window (n, spatial, k, s, pad, d)
              || (bias && init_name (p, n, 2) == NULL))
            {
              unsupported (p, n, "has computed weights, asymmetric pads or auto_pad");
              return;
            }
          for (int i = 0; i < spatial; i++)
            k[i] = w->type.shape[2 + i];
          ints_text (kt, sizeof kt, spatial, k);
          ints_text (st, sizeof st, spatial, s);
          ints_text (pt, sizeof pt, spatial, pad);
          ints_text (dt, sizeof dt, spatial, d);
          snprintf (ctor, sizeof ctor, "nn.Conv%dd(%" PRId64 ", %" PRId64 ", kernel_size=%s, "
                    "stride=%s, padding=%s, dilation=%s, groups=%" PRId64 ", bias=%s)", spatial,
                    w->type.shape[1] * attr (n, "group")->i, w->type.shape[0], kt, st, pt, dt,
                    attr (n, "group")->i, bias ? "True" : "False");
          add_module (p, n, ctor, 2, (const char *const[]) { "weight", "bias" },
                      (const int[]) { 1, 2 });
        }
      else if (strcmp (op, "BatchNormalization") == 0)
        {
          char eps[40], mom[40];
          nn_strbuf e = { 0 }, m = { 0 };
          char *et, *mt;

          for (int k = 1; k < 5; k++)
            if (init_name (p, n, k) == NULL)
              {
                unsupported (p, n, "has computed statistics");
                return;
              }
          if (n->n_out > 1 || rank < 2 || rank > 5)
            {
              unsupported (p, n, "is in training mode or not 2-5-D");
              return;
            }
          float_literal (&e, attr (n, "epsilon")->f);
          float_literal (&m, 1.0 - attr (n, "momentum")->f);
          et = nn_strbuf_finish (&e);
          mt = nn_strbuf_finish (&m);
          snprintf (eps, sizeof eps, "%s", et ? et : "1e-05");
          snprintf (mom, sizeof mom, "%s", mt ? mt : "0.1");
          free (et);
          free (mt);
          snprintf (ctor, sizeof ctor, "nn.BatchNorm%dd(%" PRId64 ", eps=%s, momentum=%s)",
                    rank <= 3 ? 1 : rank - 2, w->type.shape[0], eps, mom);
          add_module (p, n, ctor, 5, (const char *const[]) { "weight", "bias", "running_mean",
                                                             "running_var",
                                                             "num_batches_tracked" },
                      (const int[]) { 1, 2, 3, 4, -2 });
        }
      else
        {
          bool bias = n->n_in > 2 && n->in[2] >= 0;

          snprintf (ctor, sizeof ctor, "nn.Linear(in_features=%" PRId64 ", out_features=%"
                    PRId64 ", bias=%s)", w->type.shape[1], w->type.shape[0],
                    bias ? "True" : "False");
          add_module (p, n, ctor, 2, (const char *const[]) { "weight", "bias" },
                      (const int[]) { 1, 2 });
        }
      if (p->module_of[index] != NULL)
        {
          nn_strbuf_printf (f, "self.get_submodule(");
          nn_strbuf_pystr (f, p->module_of[index]);
          nn_strbuf_printf (f, ")(");
          IN (0);
          nn_strbuf_printf (f, ")\n");
        }
      return;
    }

  if (strcmp (op, "Relu") == 0)
    { nn_strbuf_printf (f, "torch.relu("); IN (0); }
  else if (strcmp (op, "Sigmoid") == 0)
    { nn_strbuf_printf (f, "torch.sigmoid("); IN (0); }
  else if (strcmp (op, "Tanh") == 0)
    { nn_strbuf_printf (f, "torch.tanh("); IN (0); }
  else if (strcmp (op, "Erf") == 0)
    { nn_strbuf_printf (f, "torch.erf("); IN (0); }
  else if (strcmp (op, "Sqrt") == 0)
    { nn_strbuf_printf (f, "torch.sqrt("); IN (0); }
  else if (strcmp (op, "HardSwish") == 0)
    { nn_strbuf_printf (f, "F.hardswish("); IN (0); }
  else if (strcmp (op, "Identity") == 0)
    { nn_strbuf_printf (f, "("); IN (0); }
  else if (strcmp (op, "LeakyRelu") == 0 || strcmp (op, "Elu") == 0)
    {
      nn_strbuf_printf (f, op[0] == 'L' ? "F.leaky_relu(" : "F.elu(");
      IN (0);
      nn_strbuf_printf (f, ", ");
      float_literal (f, attr (n, "alpha")->f);
    }
  else if (strcmp (op, "HardSigmoid") == 0)
    {
      nn_strbuf_printf (f, "torch.clamp(");
      float_literal (f, attr (n, "alpha")->f);
      nn_strbuf_printf (f, " * ");
      IN (0);
      nn_strbuf_printf (f, " + ");
      float_literal (f, attr (n, "beta")->f);
      nn_strbuf_printf (f, ", 0.0, 1.0");
    }
  else if (strcmp (op, "Clip") == 0)
    {
      nn_strbuf_printf (f, "torch.clamp(");
      IN (0);
      optional_inputs (p, n, 1, 3);
    }
  else if (strcmp (op, "Dropout") == 0)
    {
      nn_strbuf_printf (f, "F.dropout(");
      IN (0);
      nn_strbuf_printf (f, ", ");
      if (n->n_in > 1 && n->in[1] >= 0)
        IN (1);
      else
        nn_strbuf_printf (f, "0.5");
      nn_strbuf_printf (f, ", self.training");
      if (n->n_out > 1)
        {
          unsupported (p, n, "returns its mask");
          return;
        }
    }
  else if (strcmp (op, "Add") == 0 || strcmp (op, "Sub") == 0 || strcmp (op, "Mul") == 0
           || strcmp (op, "Div") == 0 || strcmp (op, "Pow") == 0)
    {
      const char *sym = op[0] == 'A' ? "+" : op[0] == 'S' ? "-" : op[0] == 'M' ? "*"
                        : op[0] == 'D' ? "/" : "**";

      nn_strbuf_printf (f, "(");
      IN (0);
      nn_strbuf_printf (f, " %s ", sym);
      IN (1);
    }
  else if (strcmp (op, "MatMul") == 0)
    {
      nn_strbuf_printf (f, "torch.matmul(");
      IN (0);
      nn_strbuf_printf (f, ", ");
      IN (1);
    }
  else if (strcmp (op, "Gemm") == 0)
    {
      nn_strbuf_printf (f, "(");
      float_literal (f, attr (n, "alpha")->f);
      nn_strbuf_printf (f, " * torch.matmul(");
      IN (0);
      nn_strbuf_printf (f, "%s, ", attr (n, "transA")->i ? ".t()" : "");
      IN (1);
      nn_strbuf_printf (f, "%s)", attr (n, "transB")->i ? ".t()" : "");
      if (n->n_in > 2 && n->in[2] >= 0)
        {
          nn_strbuf_printf (f, " + ");
          float_literal (f, attr (n, "beta")->f);
          nn_strbuf_printf (f, " * ");
          IN (2);
        }
    }
  else if (strcmp (op, "MaxPool") == 0 || strcmp (op, "AveragePool") == 0)
    {
      int64_t k[3], s[3], pad[3], d[3];
      bool max = op[0] == 'M';

      if (spatial < 1 || spatial > 3 || !window (n, spatial, k, s, pad, d) || n->n_out > 1)
        {
          unsupported (p, n, "has asymmetric pads, auto_pad or an Indices output");
          return;
        }
      nn_strbuf_printf (f, "F.%s_pool%dd(", max ? "max" : "avg", spatial);
      IN (0);
      nn_strbuf_printf (f, ", ");
      ints_literal (f, spatial, k, true);
      nn_strbuf_printf (f, ", ");
      ints_literal (f, spatial, s, true);
      nn_strbuf_printf (f, ", ");
      ints_literal (f, spatial, pad, true);
      if (max)
        {
          nn_strbuf_printf (f, ", ");
          ints_literal (f, spatial, d, true);
        }
      nn_strbuf_printf (f, ", ceil_mode=%s", attr (n, "ceil_mode")->i ? "True" : "False");
      if (!max)
        nn_strbuf_printf (f, ", count_include_pad=%s",
                          attr (n, "count_include_pad")->i ? "True" : "False");
    }
  else if (strcmp (op, "GlobalAveragePool") == 0)
    {
      nn_strbuf_printf (f, "torch.mean(");
      IN (0);
      nn_strbuf_printf (f, ", dim=tuple(range(2, %d)), keepdim=True", rank);
    }
  else if (strcmp (op, "Flatten") == 0)
    {
      int64_t axis = attr (n, "axis")->i;

      nn_strbuf_printf (f, "_flatten(");
      IN (0);
      nn_strbuf_printf (f, ", %" PRId64, axis);
    }
  else if (strcmp (op, "Reshape") == 0)
    {
      nn_strbuf_printf (f, "_reshape(");
      IN (0);
      nn_strbuf_printf (f, ", ");
      IN (1);
      nn_strbuf_printf (f, ", %s", attr (n, "allowzero")->i ? "True" : "False");
    }
  else if (strcmp (op, "Transpose") == 0)
    {
      const nn_attr_value *perm = attr (n, "perm");

      IN (0);
      if (perm->n == 0)
        nn_strbuf_printf (f, ".permute(*reversed(range(%d))", rank);
      else
        {
          nn_strbuf_printf (f, ".permute(");
          ints_literal (f, perm->n, perm->ints, false);
        }
    }
  else if (strcmp (op, "Squeeze") == 0 || strcmp (op, "Unsqueeze") == 0)
    {
      nn_strbuf_printf (f, "_%s(", op[0] == 'S' ? "squeeze" : "unsqueeze");
      IN (0);
      optional_inputs (p, n, 1, 2);
    }
  else if (strcmp (op, "Shape") == 0)
    {
      nn_strbuf_printf (f, "torch.tensor(");
      IN (0);
      nn_strbuf_printf (f, ".shape[%" PRId64 ":%" PRId64 "], dtype=torch.int64",
                        attr (n, "start")->i, attr (n, "end")->i);
    }
  else if (strcmp (op, "Concat") == 0)
    {
      nn_strbuf_printf (f, "torch.cat([");
      for (int k = 0; k < n->n_in; k++)
        {
          nn_strbuf_printf (f, k ? ", " : "");
          IN (k);
        }
      nn_strbuf_printf (f, "], %" PRId64, attr (n, "axis")->i);
    }
  else if (strcmp (op, "Split") == 0)
    {
      nn_strbuf_printf (f, "_split(");
      IN (0);
      optional_inputs (p, n, 1, 2);
      nn_strbuf_printf (f, ", %d, %" PRId64, n->n_out, attr (n, "axis")->i);
    }
  else if (strcmp (op, "Gather") == 0)
    {
      nn_strbuf_printf (f, "_gather(");
      IN (0);
      nn_strbuf_printf (f, ", ");
      IN (1);
      nn_strbuf_printf (f, ", %" PRId64, attr (n, "axis")->i);
    }
  else if (strcmp (op, "Slice") == 0)
    {
      nn_strbuf_printf (f, "_slice(");
      IN (0);
      optional_inputs (p, n, 1, 5);
    }
  else if (strcmp (op, "ReduceMean") == 0)
    {
      const nn_attr_value *axes = attr (n, "axes");

      nn_strbuf_printf (f, "_reduce_mean(");
      IN (0);
      nn_strbuf_printf (f, ", ");
      if (n->n_in > 1 && n->in[1] >= 0)
        IN (1);
      else if (axes->n > 0)
        ints_literal (f, axes->n, axes->ints, false);
      else
        nn_strbuf_printf (f, "None");
      nn_strbuf_printf (f, ", %s, %s", attr (n, "keepdims")->i ? "True" : "False",
                        attr (n, "noop_with_empty_axes")->i ? "True" : "False");
    }
  else if (strcmp (op, "Pad") == 0)
    {
      nn_strbuf_printf (f, "_pad(");
      IN (0);
      optional_inputs (p, n, 1, 3);
      nn_strbuf_printf (f, ", \"%s\"", attr (n, "mode")->s);
    }
  else if (strcmp (op, "Softmax") == 0)
    {
      nn_strbuf_printf (f, "torch.softmax(");
      IN (0);
      nn_strbuf_printf (f, ", %" PRId64, attr (n, "axis")->i);
    }
  else
    {
      unsupported (p, n, "has no PyTorch translation yet");
      return;
    }
  nn_strbuf_printf (f, ")\n");
#undef IN
}

/* ------------------------------------------------------------------ the script */

static const char helpers[] =
  "def _put(root, path, module):\n"
  "    \"\"\"Registers module at a dotted path below root, with containers on the way.\"\"\"\n"
  "    *parents, leaf = path.split(\".\")\n"
  "    for name in parents:\n"
  "        if name not in root._modules:\n"
  "            root.add_module(name, nn.Module())\n"
  "        root = root._modules[name]\n"
  "    root.add_module(leaf, module)\n"
  "\n\n"
  "def _flatten(x, axis):  # ONNX Flatten: 2-D, split at axis\n"
  "    axis = axis % x.dim() if x.dim() else 0\n"
  "    return x.reshape(int(np.prod(x.shape[:axis])), -1)\n"
  "\n\n"
  "def _reshape(x, shape, allowzero):  # ONNX Reshape: 0 copies a dim unless allowzero\n"
  "    shape = [x.shape[i] if d == 0 and not allowzero else d for i, d in enumerate(shape)]\n"
  "    return x.reshape(shape)\n"
  "\n\n"
  "def _axes(axes, rank):\n"
  "    return sorted(a % rank for a in axes)\n"
  "\n\n"
  "def _squeeze(x, axes):\n"
  "    axes = [i for i, d in enumerate(x.shape) if d == 1] if axes is None else _axes(axes, x.dim())\n"
  "    return x.reshape([d for i, d in enumerate(x.shape) if i not in axes])\n"
  "\n\n"
  "def _unsqueeze(x, axes):\n"
  "    shape, rank = list(x.shape), x.dim() + len(axes)\n"
  "    for a in _axes(axes, rank):\n"
  "        shape.insert(a, 1)\n"
  "    return x.reshape(shape)\n"
  "\n\n"
  "def _split(x, sizes, n, axis):\n"
  "    if sizes is None:\n"
  "        size = -(-x.shape[axis] // n)\n"
  "        sizes = [min(size, x.shape[axis] - i * size) for i in range(n)]\n"
  "    return torch.split(x, [int(s) for s in sizes], axis)\n"
  "\n\n"
  "def _gather(x, indices, axis):\n"
  "    indices = torch.as_tensor(indices, dtype=torch.int64)\n"
  "    axis %= x.dim()\n"
  "    flat = x.index_select(axis, (indices % x.shape[axis]).flatten())\n"
  "    return flat.reshape(x.shape[:axis] + indices.shape + x.shape[axis + 1:])\n"
  "\n\n"
  "def _slice(x, starts, ends, axes, steps):\n"
  "    axes = list(range(len(starts))) if axes is None else axes\n"
  "    steps = [1] * len(starts) if steps is None else steps\n"
  "    for start, end, axis, step in zip(starts, ends, axes, steps):\n"
  "        axis %= x.dim()\n"
  "        size = x.shape[axis]\n"
  "        index = list(range(size))[slice(start if abs(start) < 2**62 else (None if (start > 0) == (step > 0) else start),\n"
  "                                         end if abs(end) < 2**62 else None, step)]\n"
  "        x = x.index_select(axis, torch.tensor(index, dtype=torch.int64))\n"
  "    return x\n"
  "\n\n"
  "def _pad(x, pads, value, mode):  # ONNX pads: all begins, then all ends\n"
  "    r = x.dim()\n"
  "    torch_pads = []\n"
  "    for d in reversed(range(r)):\n"
  "        torch_pads += [int(pads[d]), int(pads[d + r])]\n"
  "    if mode == \"constant\":\n"
  "        return F.pad(x, torch_pads, value=0.0 if value is None else float(value))\n"
  "    return F.pad(x, torch_pads, mode={\"reflect\": \"reflect\", \"edge\": \"replicate\"}[mode])\n"
  "\n\n"
  "def _reduce_mean(x, axes, keepdims, noop_with_empty_axes):\n"
  "    if axes is None or len(axes) == 0:\n"
  "        if noop_with_empty_axes:\n"
  "            return x\n"
  "        axes = range(x.dim())\n"
  "    return torch.mean(x, dim=tuple(_axes(axes, x.dim())), keepdim=bool(keepdims))\n";

static int
compare_lines (const void *a, const void *b)
{
  const struct module_line *x = a, *y = b;

  return (x->key > y->key) - (x->key < y->key);
}

char *
nn_graph_export_pytorch (nn_graph *g, const char *onnx_path, nn_error *err)
{
  pyx p = { .g = g, .err = err };
  const char *base = strrchr (onnx_path, '/');
  const int *order;
  nn_strbuf s = { 0 };
  char *init_text, *fwd_text, *keys_text, *consts_text, *out = NULL;

  base = base != NULL ? base + 1 : onnx_path;
  if ((p.st = nn_graph_infer (g, err)) != NN_OK)
    return NULL;
  order = nn_graph_order (g);
  p.const_of = calloc ((size_t) g->n_values, sizeof *p.const_of);
  p.module_of = calloc ((size_t) g->n_nodes, sizeof *p.module_of);
  p.lines = calloc ((size_t) g->n_nodes + 1, sizeof *p.lines);
  if (p.const_of == NULL || p.module_of == NULL || p.lines == NULL)
    {
      free (p.lines);
      free (p.const_of);
      free (p.module_of);
      nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
      return NULL;
    }
  /* constants other nodes read that are not literals: non-persistent buffers */
  for (int v = 0; v < g->n_values; v++)
    p.const_of[v] = -1;
  for (int k = 0; k < g->n_nodes; k++)
    {
      const nn_node *n = &g->nodes[order[k]];

      if (is_module_node (&p, n))
        continue;
      for (int i = 0; i < n->n_in; i++)
        {
          int v = n->in[i];
          const nn_array *a = v >= 0 ? g->values[v].init : NULL;

          if (a == NULL || is_literal (a) || p.const_of[v] >= 0)
            continue;
          p.const_of[v] = p.n_consts++;
          if (nn_array_numel (a) <= EMBEDDED_MAX)
            {
              /* small constants (some made by folding, in no file) are written out */
              nn_strbuf_printf (&p.init, "        self.register_buffer(\"c%d\", torch.tensor([",
                                p.const_of[v]);
              for (int64_t e = 0; e < nn_array_numel (a); e++)
                {
                  nn_strbuf_printf (&p.init, e ? ", " : "");
                  if (a->type.dtype == NN_DTYPE_FLOAT32)
                    float_literal (&p.init, nn_array_get_f64 (a, e));
                  else
                    nn_strbuf_printf (&p.init, "%lld", (long long) nn_array_get_i64 (a, e));
                }
              nn_strbuf_printf (&p.init, "], dtype=torch.%s).reshape(",
                                a->type.dtype == NN_DTYPE_FLOAT32 ? "float32"
                                : a->type.dtype == NN_DTYPE_BOOL ? "bool" : "int64");
              ints_literal (&p.init, a->type.rank, a->type.shape, true);
              nn_strbuf_printf (&p.init, "), persistent=False)\n");
              continue;
            }
          nn_strbuf_printf (&p.init, "        self.register_buffer(\"c%d\", torch.zeros(",
                            p.const_of[v]);
          ints_literal (&p.init, a->type.rank, a->type.shape, true);
          nn_strbuf_printf (&p.init, ", dtype=torch.%s), persistent=False)\n",
                            a->type.dtype == NN_DTYPE_FLOAT32 ? "float32"
                            : a->type.dtype == NN_DTYPE_BOOL ? "bool" : "int64");
          nn_strbuf_printf (&p.consts, "    \"c%d\": ", p.const_of[v]);
          nn_strbuf_pystr (&p.consts, g->values[v].name);
          nn_strbuf_printf (&p.consts, ",\n");
        }
    }
  for (int k = 0; p.st == NN_OK && k < g->n_nodes; k++)
    write_node (&p, &g->nodes[order[k]]);
  qsort (p.lines, (size_t) p.n_lines, sizeof *p.lines, compare_lines);
  for (int k = 0; k < p.n_lines; k++)
    {
      nn_strbuf_printf (&p.init, "%s", p.lines[k].text);
      free (p.lines[k].text);
    }
  free (p.lines);

  init_text = nn_strbuf_finish (&p.init);
  fwd_text = nn_strbuf_finish (&p.fwd);
  keys_text = nn_strbuf_finish (&p.keys);
  consts_text = nn_strbuf_finish (&p.consts);
  if (p.st == NN_OK && (init_text == NULL || fwd_text == NULL || keys_text == NULL
                        || consts_text == NULL))
    p.st = nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  if (p.st == NN_OK)
    {
      const nn_type *in = &g->values[g->inputs[0]].type;

      nn_strbuf_printf (&s, "#!/usr/bin/env python3\n\"\"\"The network of %s as a "
                        "torch.nn.Module (exported by Layerlab %s).\n\n", base,
                        NN_VERSION_STRING);
      nn_strbuf_printf (&s, "Usage: python3 this.py [MODEL.onnx] [INPUT.npy [OUTPUT.npy]]\n"
                        "Prints the network; with an input array, runs it and prints or saves "
                        "the output.\nThe weights are read from the ONNX file with the onnx "
                        "package (python3-onnx).\n\"\"\"\n");
      nn_strbuf_printf (&s, "import sys\n\nimport numpy as np\nimport onnx\nimport torch\n"
                        "import torch.nn.functional as F\nfrom onnx import numpy_helper\n"
                        "from torch import nn\n\n");
      nn_strbuf_printf (&s, "INPUT_SHAPE = ");
      ints_literal (&s, in->rank - 1, in->shape + 1, true);
      nn_strbuf_printf (&s, "  # one sample\n\n\n%s\n\nclass Network(nn.Module):\n"
                        "    def __init__(self):\n        super().__init__()\n%s\n"
                        "    def forward(self", helpers, init_text);
      for (int k = 0; k < g->n_inputs; k++)
        nn_strbuf_printf (&s, ", x%d", k);
      nn_strbuf_printf (&s, "):\n%s        return ", fwd_text);
      for (int k = 0; k < g->n_outputs; k++)
        {
          nn_strbuf_printf (&s, k ? ", " : "");
          value_expr (&p, &s, g->outputs[k]);
        }
      nn_strbuf_printf (&s, "\n\n\n# state_dict key: the ONNX initializer it is read from\n"
                        "WEIGHTS = {\n%s}\n# buffer: the ONNX initializer it is read from\n"
                        "CONSTANTS = {\n%s}\n\n", keys_text, consts_text);
      nn_strbuf_printf (&s, "model_path = sys.argv[1] if len(sys.argv) > 1 else ");
      nn_strbuf_pystr (&s, onnx_path);
      nn_strbuf_printf (&s, "\nnetwork = Network()\n"
                        "_model = onnx.load(model_path)\n"
                        "_init = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())\n"
                        "         for t in _model.graph.initializer}\n"
                        "for _n in _model.graph.node:   # Constant nodes hold weights too\n"
                        "    if _n.op_type == \"Constant\" and _n.attribute:\n"
                        "        _v = onnx.helper.get_attribute_value(_n.attribute[0])\n"
                        "        _v = numpy_helper.to_array(_v) if isinstance(_v, onnx.TensorProto) else np.array(_v)\n"
                        "        _init[_n.output[0]] = torch.from_numpy(np.array(_v))\n"
                        "    elif _n.op_type == \"Identity\" and _n.input[0] in _init:\n"
                        "        _init[_n.output[0]] = _init[_n.input[0]]   # a shared weight\n"
                        "_state = network.state_dict()\n"
                        "network.load_state_dict({k: _init[WEIGHTS[k]] if k in WEIGHTS else v\n"
                        "                         for k, v in _state.items()})\n"
                        "for _name, _key in CONSTANTS.items():\n"
                        "    getattr(network, _name).copy_(_init[_key])\n"
                        "network.eval()\n\n"
                        "if __name__ == \"__main__\":\n"
                        "    print(network)\n"
                        "    if len(sys.argv) > 2:\n"
                        "        x = torch.from_numpy(np.load(sys.argv[2]).astype(np.float32))\n"
                        "        if x.dim() == len(INPUT_SHAPE):\n"
                        "            x = x.unsqueeze(0)\n"
                        "        with torch.no_grad():\n"
                        "            y = network(x)\n"
                        "        if len(sys.argv) > 3:\n"
                        "            np.save(sys.argv[3], y.numpy())\n"
                        "        else:\n"
                        "            print(y)\n");
      out = nn_strbuf_finish (&s);
      if (out == NULL)
        nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
    }
  free (init_text);
  free (fwd_text);
  free (keys_text);
  free (consts_text);
  for (int k = 0; k < g->n_nodes; k++)
    free (p.module_of[k]);
  free (p.module_of);
  free (p.const_of);
  return out;
}
