/* onnx-write.c - saving a graph as an ONNX model (nn_graph_save_onnx, nn-graph.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The graph becomes protobuf-c structs of the generated onnx.pb-c.h that point into
 * the graph (names, weights: nothing is copied), and protobuf-c packs them straight
 * into a save temporary through a buffered sink, which is then committed atomically
 * (nn_save_temp_*). Nodes are written in topological order, as ONNX requires; the
 * inferred type of every value goes into value_info, so viewers and runtimes see the
 * shapes without inferring them; a symbolic dimension is the dim_param "N".
 *
 * Weights go into raw_data (little-endian, what ONNX Runtime and onnx.numpy_helper
 * read fastest), or with external data into one file beside the model, each tensor
 * aligned to 4096 bytes (what onnx.external_data_helper writes), written and committed
 * before the model that names it. A model whose weights would push the protobuf past
 * its 2 GiB limit gets external data even when it was not asked for.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/graph-private.h"
#include "nn-private.h"
#include "onnx-file.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "raw_data is little-endian; this writer stores arrays as they are in memory"
#endif

/* external data: tensors of at least this many bytes go to the data file */
#define EXTERNAL_MIN_BYTES 1024
#define EXTERNAL_ALIGN 4096
/* the protobuf's limit, less room for everything but the weights */
#define INLINE_LIMIT (NN_ONNX_MAX_FILE_BYTES - ((uint64_t) 64 << 20))

/* ------------------------------------------------------------------ allocation */

/* Everything the protobuf structs need is allocated here and freed at once. */
typedef struct arena {
  void **blocks;
  size_t n, cap;
  bool failed;
} arena;

static void *
arena_alloc (arena *a, size_t n, size_t size)
{
  void *p;

  if (a->failed)
    return NULL;
  if (n != 0 && size > SIZE_MAX / n)
    {
      a->failed = true;
      return NULL;
    }
  if (a->n == a->cap)
    {
      size_t cap = a->cap ? a->cap * 2 : 256;
      void **blocks = realloc (a->blocks, cap * sizeof *blocks);

      if (blocks == NULL)
        {
          a->failed = true;
          return NULL;
        }
      a->blocks = blocks;
      a->cap = cap;
    }
  if ((p = calloc (n ? n : 1, size ? size : 1)) == NULL)
    {
      a->failed = true;
      return NULL;
    }
  a->blocks[a->n++] = p;
  return p;
}

#define ARENA_NEW(a, type, init) arena_new_msg ((a), sizeof (type), &(type) init)

static void *
arena_new_msg (arena *a, size_t size, const void *init)
{
  void *p = arena_alloc (a, 1, size);

  if (p != NULL)
    memcpy (p, init, size);
  return p;
}

static char *
arena_printf (arena *a, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static char *
arena_printf (arena *a, const char *fmt, ...)
{
  va_list ap;
  char *s;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  if (n < 0 || (s = arena_alloc (a, (size_t) n + 1, 1)) == NULL)
    return NULL;
  va_start (ap, fmt);
  vsnprintf (s, (size_t) n + 1, fmt, ap);
  va_end (ap);
  return s;
}

static void
arena_free (arena *a)
{
  for (size_t i = 0; i < a->n; i++)
    free (a->blocks[i]);
  free (a->blocks);
}

/* ------------------------------------------------------------------ types */

static int32_t
onnx_type_of (nn_dtype d)
{
  switch (d)
    {
    case NN_DTYPE_FLOAT32: return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    case NN_DTYPE_INT64: return ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    case NN_DTYPE_INT32: return ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
    case NN_DTYPE_BOOL: return ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
    default: return ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED;
    }
}

/* The IR version that goes with a default-domain opset (onnx/helper.py's table). */
static int64_t
ir_version_for_opset (int64_t opset)
{
  if (opset <= 8)
    return 3;
  if (opset <= 14)
    return opset <= 9 ? 4 : opset <= 10 ? 5 : opset <= 11 ? 6 : 7;
  return 8;
}

/* A ValueInfoProto called name: without a type when elem_type is 0; with a tensor type
 * of that element type, and for rank >= 0 a shape whose dims are dims[] (a symbolic one
 * as dim_param "N"), or unknown when dims is NULL. */
static Onnx__ValueInfoProto *
value_info_of (arena *a, char *name, int32_t elem_type, int32_t rank, const int64_t *dims)
{
  Onnx__ValueInfoProto *vi = ARENA_NEW (a, Onnx__ValueInfoProto, ONNX__VALUE_INFO_PROTO__INIT);
  Onnx__TypeProto *tp;
  Onnx__TypeProto__Tensor *tt;
  Onnx__TensorShapeProto *shape;

  if (vi == NULL)
    return NULL;
  vi->name = name;
  if (elem_type == 0)
    return vi;
  tp = ARENA_NEW (a, Onnx__TypeProto, ONNX__TYPE_PROTO__INIT);
  tt = ARENA_NEW (a, Onnx__TypeProto__Tensor, ONNX__TYPE_PROTO__TENSOR__INIT);
  if (tp == NULL || tt == NULL)
    return NULL;
  tt->has_elem_type = true;
  tt->elem_type = elem_type;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  vi->type = tp;
  if (rank < 0)
    return vi;
  if ((shape = ARENA_NEW (a, Onnx__TensorShapeProto, ONNX__TENSOR_SHAPE_PROTO__INIT)) == NULL)
    return NULL;
  shape->n_dim = (size_t) rank;
  shape->dim = arena_alloc (a, shape->n_dim, sizeof *shape->dim);
  for (size_t i = 0; shape->dim != NULL && i < shape->n_dim; i++)
    {
      Onnx__TensorShapeProto__Dimension *d
        = ARENA_NEW (a, Onnx__TensorShapeProto__Dimension,
                     ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT);

      if ((shape->dim[i] = d) == NULL)
        return NULL;
      if (dims == NULL)
        continue;   /* an unknown dim */
      if (dims[i] == NN_DIM_SYMBOLIC)
        {
          d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
          d->dim_param = "N";
        }
      else
        {
          d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
          d->dim_value = dims[i];
        }
    }
  tt->shape = shape;
  return a->failed ? NULL : vi;
}

/* A ValueInfoProto of value v: its name and, when known, its type. */
static Onnx__ValueInfoProto *
value_info (arena *a, const nn_value *v, bool with_type)
{
  if (!with_type || !v->typed)
    return value_info_of (a, v->name, 0, -1, NULL);
  return value_info_of (a, v->name, onnx_type_of (v->type.dtype), v->type.rank, v->type.shape);
}

/* A graph output known only by its element type and rank (-1: unknown): ONNX requires
 * a type with a shape for outputs, whose dims may be unknown. */
static Onnx__ValueInfoProto *
output_of_rank (arena *a, const nn_value *v, int32_t rank)
{
  return value_info_of (a, v->name, onnx_type_of (v->typed ? v->type.dtype : NN_DTYPE_FLOAT32),
                        rank, NULL);
}

/* The ranks of g's outputs when the graph infers only for a concrete batch (it
 * computes shapes from its batch size at run time): from one run on zeros with every
 * symbolic input dim 1. -1 where that fails. */
static int32_t *
output_ranks_for_batch_1 (arena *a, nn_graph *g)
{
  int32_t *ranks = arena_alloc (a, (size_t) g->n_outputs, sizeof *ranks);
  nn_array **in = arena_alloc (a, (size_t) g->n_inputs, sizeof *in);
  nn_array **out = arena_alloc (a, (size_t) g->n_outputs, sizeof *out);
  nn_error err;
  bool ok = true;

  if (ranks == NULL || in == NULL || out == NULL)
    return NULL;
  for (int k = 0; k < g->n_inputs; k++)
    {
      nn_type t = g->values[g->inputs[k]].type;

      for (int i = 0; i < t.rank; i++)
        if (t.shape[i] == NN_DIM_SYMBOLIC)
          t.shape[i] = 1;
      ok &= (in[k] = nn_array_new (&t, &err)) != NULL;
    }
  ok = ok && nn_graph_run (g, (const nn_array *const *) in, out, NULL, &err) == NN_OK;
  for (int k = 0; k < g->n_outputs; k++)
    {
      ranks[k] = ok ? out[k]->type.rank : -1;
      if (ok)
        nn_array_free (out[k]);
    }
  for (int k = 0; k < g->n_inputs; k++)
    nn_array_free (in[k]);
  return ranks;
}

/* ------------------------------------------------------------------ tensors */

typedef struct ext_plan {
  const char *location;     /* the data file's name, relative to the model's folder */
  uint64_t end;             /* bytes planned so far */
} ext_plan;

static Onnx__StringStringEntryProto *
entry (arena *a, const char *key, char *value)
{
  Onnx__StringStringEntryProto *e
    = ARENA_NEW (a, Onnx__StringStringEntryProto, ONNX__STRING_STRING_ENTRY_PROTO__INIT);

  if (e != NULL)
    {
      e->key = (char *) key;
      e->value = value;
    }
  return e;
}

/* The TensorProto of initializer v: raw_data pointing into its array, or (ext != NULL
 * and the tensor large enough) a reference to the next aligned place of the data file;
 * *offset then gets that place, else -1. */
static Onnx__TensorProto *
tensor_proto (arena *a, const nn_value *v, ext_plan *ext, int64_t *offset)
{
  Onnx__TensorProto *t = ARENA_NEW (a, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT);
  const nn_array *arr = v->init;
  size_t bytes = nn_array_bytes (arr);

  *offset = -1;
  if (t == NULL)
    return NULL;
  t->name = v->name;
  t->has_data_type = true;
  t->data_type = onnx_type_of (arr->type.dtype);
  t->n_dims = (size_t) arr->type.rank;
  t->dims = (int64_t *) arr->type.shape;
  if (ext != NULL && bytes >= EXTERNAL_MIN_BYTES)
    {
      uint64_t at = (ext->end + EXTERNAL_ALIGN - 1) / EXTERNAL_ALIGN * EXTERNAL_ALIGN;

      t->has_data_location = true;
      t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
      t->n_external_data = 3;
      t->external_data = arena_alloc (a, 3, sizeof *t->external_data);
      if (t->external_data == NULL)
        return NULL;
      t->external_data[0] = entry (a, "location", (char *) ext->location);
      t->external_data[1] = entry (a, "offset", arena_printf (a, "%llu", (unsigned long long) at));
      t->external_data[2] = entry (a, "length", arena_printf (a, "%zu", bytes));
      ext->end = at + bytes;
      *offset = (int64_t) at;
    }
  else
    {
      t->has_raw_data = true;
      t->raw_data.len = bytes;
      t->raw_data.data = arr->data;
    }
  return a->failed ? NULL : t;
}

/* ------------------------------------------------------------------ nodes */

static Onnx__AttributeProto *
attribute (arena *a, const nn_attr_schema *s, const nn_attr_value *v)
{
  Onnx__AttributeProto *at = ARENA_NEW (a, Onnx__AttributeProto, ONNX__ATTRIBUTE_PROTO__INIT);

  if (at == NULL)
    return NULL;
  at->name = (char *) s->name;
  at->has_type = true;
  switch (s->kind)
    {
    case NN_ATTR_INT:
      at->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
      at->has_i = true;
      at->i = v->i;
      break;
    case NN_ATTR_FLOAT:
      at->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
      at->has_f = true;
      at->f = (float) v->f;
      break;
    case NN_ATTR_INTS:
      at->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
      at->n_ints = (size_t) v->n;
      at->ints = (int64_t *) v->ints;
      break;
    case NN_ATTR_STRING:
      at->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
      at->has_s = true;
      at->s.len = strlen (v->s);
      at->s.data = (uint8_t *) v->s;
      break;
    }
  return at;
}

/* ------------------------------------------------------------------ older opsets */

/* The table's operators take the latest forms (opset 17, some 18); a file declaring an
 * older opset gets the form of that opset. Inputs that older opsets took as
 * attributes: below opset `until`, constant input k is written as attribute attr. */
static const struct input_as_attr {
  const char *op;
  int input;
  const char *attr;
  nn_attr_kind kind;
  int64_t until;
} inputs_as_attrs[] = {
  { "Clip", 1, "min", NN_ATTR_FLOAT, 11 },
  { "Clip", 2, "max", NN_ATTR_FLOAT, 11 },
  { "Dropout", 1, "ratio", NN_ATTR_FLOAT, 12 },
  { "Pad", 1, "pads", NN_ATTR_INTS, 11 },
  { "Pad", 2, "value", NN_ATTR_FLOAT, 11 },
  { "Slice", 1, "starts", NN_ATTR_INTS, 10 },
  { "Slice", 2, "ends", NN_ATTR_INTS, 10 },
  { "Slice", 3, "axes", NN_ATTR_INTS, 10 },
  { "Split", 1, "split", NN_ATTR_INTS, 13 },
  { "Squeeze", 1, "axes", NN_ATTR_INTS, 13 },
  { "Unsqueeze", 1, "axes", NN_ATTR_INTS, 13 },
  { "ReduceSum", 1, "axes", NN_ATTR_INTS, 13 },
  { "ReduceMean", 1, "axes", NN_ATTR_INTS, 18 },
  { "ReduceMax", 1, "axes", NN_ATTR_INTS, 18 },
  { "ReduceMin", 1, "axes", NN_ATTR_INTS, 18 },
  { "ReduceProd", 1, "axes", NN_ATTR_INTS, 18 },
  { "ReduceL1", 1, "axes", NN_ATTR_INTS, 18 },
  { "ReduceL2", 1, "axes", NN_ATTR_INTS, 18 },
  { "ReduceLogSumExp", 1, "axes", NN_ATTR_INTS, 18 },
  { "ReduceSumSquare", 1, "axes", NN_ATTR_INTS, 18 },
};

/* Attributes added in opset `since`: below it one that differs from its default
 * cannot be written (num_outputs is turned into split sizes instead). */
static const struct attr_since {
  const char *op;
  const char *attr;
  int64_t since;
} attrs_since[] = {
  { "Split", "num_outputs", 18 },
  { "ReduceSum", "noop_with_empty_axes", 13 },
  { "ReduceMean", "noop_with_empty_axes", 18 },
  { "ReduceMax", "noop_with_empty_axes", 18 },
  { "ReduceMin", "noop_with_empty_axes", 18 },
  { "ReduceProd", "noop_with_empty_axes", 18 },
  { "ReduceL2", "noop_with_empty_axes", 18 },
  { "Reshape", "allowzero", 14 },
  { "BatchNormalization", "training_mode", 14 },
};

/* Operators newer than opset 7: the first opset that has them. */
static const struct op_since {
  const char *op;
  int64_t since;
} ops_since[] = {
  { "Expand", 8 }, { "Max", 8 }, { "Min", 8 }, { "Mean", 8 }, { "Sum", 8 },
  { "ConstantOfShape", 9 }, { "Erf", 9 }, { "Where", 9 }, { "Sign", 9 },
  { "Mod", 10 }, { "Resize", 13 },   /* an omitted roi needs 13 (it is required in 10-12) */ { "Range", 11 }, { "ScatterND", 11 },
  { "Celu", 12 }, { "GreaterOrEqual", 12 }, { "LessOrEqual", 12 },
  { "HardSwish", 14 }, { "LayerNormalization", 17 },
  { "Shrink", 9 }, { "IsNaN", 9 }, { "NonZero", 9 }, { "OneHot", 9 }, { "EyeLike", 9 },
  { "MeanVarianceNormalization", 9 }, { "IsInf", 10 }, { "ThresholdedRelu", 10 },
  { "RoiAlign", 10 }, { "NonMaxSuppression", 10 }, { "Round", 11 }, { "CumSum", 11 },
  { "GatherElements", 11 }, { "ScatterElements", 11 }, { "GatherND", 11 },
  { "Trilu", 14 }, { "GridSample", 16 },
};

/* The first opset that has every operator of g. */
static int64_t
opset_needed (const nn_graph *g)
{
  int64_t need = NN_ONNX_MIN_OPSET;

  for (int k = 0; k < g->n_nodes; k++)
    for (size_t i = 0; i < NN_N_ELEMENTS (ops_since); i++)
      if (strcmp (ops_since[i].op, nn_ops[g->nodes[k].op]->name) == 0
          && ops_since[i].since > need)
        need = ops_since[i].since;
  return need;
}

typedef struct writer {
  arena a;
  nn_graph *g;
  const char *path;
  int64_t opset;
  bool typed;
  /* when the graph infers only for a concrete batch: each output's rank from a run of
   * inference with the symbolic dims 1 (-1 unknown), written with unknown dims */
  int32_t *out_rank;
  /* initializers the older forms need (Split's sizes as an input) */
  Onnx__TensorProto **extra;
  size_t n_extra, cap_extra;
  nn_error *err;
} writer;

static nn_status
cannot_write (writer *w, const nn_node *n, const char *what)
{
  return nn_error_set (w->err, NN_STATUS_UNSUPPORTED, (int) (n - w->g->nodes), "%s: node '%s' "
                       "(%s) %s, which opset %lld cannot express; save with a newer opset",
                       w->path, n->name, nn_ops[n->op]->name, what, (long long) w->opset);
}

/* The values of node n's input k when it is a constant (an initializer), as int64 or
 * as float; false when it is not one. */
static bool
const_input (const writer *w, const nn_node *n, int k, const nn_array **value)
{
  *value = k < n->n_in && n->in[k] >= 0 ? w->g->values[n->in[k]].init : NULL;
  return *value != NULL;
}

static Onnx__AttributeProto *
attribute_from_input (writer *w, const char *name, nn_attr_kind kind, const nn_array *v)
{
  Onnx__AttributeProto *at = ARENA_NEW (&w->a, Onnx__AttributeProto,
                                        ONNX__ATTRIBUTE_PROTO__INIT);
  int64_t numel = nn_array_numel (v);

  if (at == NULL)
    return NULL;
  at->name = (char *) name;
  at->has_type = true;
  if (kind == NN_ATTR_FLOAT)
    {
      at->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
      at->has_f = true;
      at->f = (float) nn_array_get_f64 (v, 0);
      return at;
    }
  at->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  at->n_ints = (size_t) numel;
  at->ints = arena_alloc (&w->a, (size_t) numel, sizeof *at->ints);
  for (int64_t i = 0; at->ints != NULL && i < numel; i++)
    at->ints[i] = nn_array_get_i64 (v, i);
  return w->a.failed ? NULL : at;
}

/* An int64 initializer for Split's sizes (opset 13-17 take them as an input). */
static char *
add_split_sizes (writer *w, const nn_node *n, const int64_t *sizes, int count)
{
  Onnx__TensorProto *t = ARENA_NEW (&w->a, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT);
  int64_t *dims = arena_alloc (&w->a, 1, sizeof *dims);
  int64_t *data = arena_alloc (&w->a, (size_t) count, sizeof *data);

  if (t == NULL || dims == NULL || data == NULL)
    return NULL;
  if (w->n_extra == w->cap_extra)
    {
      size_t cap = w->cap_extra ? w->cap_extra * 2 : 8;
      Onnx__TensorProto **extra = arena_alloc (&w->a, cap, sizeof *extra);

      if (extra == NULL)
        return NULL;
      if (w->n_extra > 0)
        memcpy (extra, w->extra, w->n_extra * sizeof *extra);
      w->extra = extra;
      w->cap_extra = cap;
    }
  memcpy (data, sizes, (size_t) count * sizeof *data);
  dims[0] = count;
  t->name = arena_printf (&w->a, "%s/split", n->name);
  t->has_data_type = true;
  t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
  t->n_dims = 1;
  t->dims = dims;
  t->has_raw_data = true;
  t->raw_data.len = (size_t) count * sizeof *data;
  t->raw_data.data = (uint8_t *) data;
  w->extra[w->n_extra++] = t;
  return t->name;
}

/* Split's num_outputs (opset 18) below 18: equal parts need nothing (they are what the
 * output count implies); unequal ones become explicit sizes. */
static nn_status
lower_split (writer *w, const nn_node *n, Onnx__NodeProto *np)
{
  const nn_op *op = nn_ops[n->op];
  int k_axis = nn_attr_find (op, "axis");
  const nn_type *t = w->typed && n->in[0] >= 0 ? &w->g->values[n->in[0]].type : NULL;
  int64_t axis = n->attrs[k_axis].i, dim, part, sizes[NN_NODE_MAX_IO];

  if (t == NULL || n->n_in > 1)
    return NN_OK;
  if (axis < 0)
    axis += t->rank;
  dim = axis >= 0 && axis < t->rank ? t->shape[axis] : NN_DIM_SYMBOLIC;
  if (dim == NN_DIM_SYMBOLIC || dim % n->n_out == 0)
    return NN_OK;
  part = (dim + n->n_out - 1) / n->n_out;
  for (int i = 0; i < n->n_out; i++)
    sizes[i] = i < n->n_out - 1 ? part : dim - part * (n->n_out - 1);
  if (w->opset < 13)
    {
      nn_array v = { .type = { .dtype = NN_DTYPE_INT64, .rank = 1, .shape = { n->n_out } },
                     .data = sizes };

      np->attribute[np->n_attribute++] = attribute_from_input (w, "split", NN_ATTR_INTS, &v);
      return w->a.failed ? NN_STATUS_NOMEM : NN_OK;
    }
  np->n_input = 2;
  if ((np->input = arena_alloc (&w->a, 2, sizeof *np->input)) == NULL)
    return NN_STATUS_NOMEM;
  np->input[0] = w->g->values[n->in[0]].name;
  np->input[1] = add_split_sizes (w, n, sizes, n->n_out);
  return w->a.failed ? NN_STATUS_NOMEM : NN_OK;
}

/* Rewrites np, the latest form of node n, into the form of w->opset. */
static nn_status
lower_node (writer *w, const nn_node *n, Onnx__NodeProto *np)
{
  const char *name = nn_ops[n->op]->name;
  int last_input = n->n_in;   /* inputs from here on are not written */

  for (size_t i = 0; i < NN_N_ELEMENTS (ops_since); i++)
    if (strcmp (ops_since[i].op, name) == 0 && w->opset < ops_since[i].since)
      {
        char what[64];

        snprintf (what, sizeof what, "needs opset %lld", (long long) ops_since[i].since);
        return cannot_write (w, n, what);
      }
  for (size_t i = 0; i < NN_N_ELEMENTS (attrs_since); i++)
    if (strcmp (attrs_since[i].op, name) == 0 && w->opset < attrs_since[i].since)
      for (size_t j = 0; j < np->n_attribute; j++)
        if (strcmp (np->attribute[j]->name, attrs_since[i].attr) == 0)
          {
            bool split = strcmp (attrs_since[i].attr, "num_outputs") == 0;
            char what[96];

            if (!split && np->attribute[j]->i != 0)
              {
                snprintf (what, sizeof what, "sets %s", attrs_since[i].attr);
                return cannot_write (w, n, what);
              }
            np->attribute[j--] = np->attribute[--np->n_attribute];   /* the default */
            if (split && lower_split (w, n, np) != NN_OK)
              return NN_STATUS_NOMEM;
          }
  for (size_t i = 0; i < NN_N_ELEMENTS (inputs_as_attrs); i++)
    {
      const struct input_as_attr *r = &inputs_as_attrs[i];
      const nn_array *v;

      if (strcmp (r->op, name) != 0 || w->opset >= r->until || r->input >= n->n_in)
        continue;
      if (last_input > r->input)
        last_input = r->input;
      if (n->in[r->input] < 0)
        continue;
      if (!const_input (w, n, r->input, &v))
        {
          char what[96];

          snprintf (what, sizeof what, "takes its %s from a computed value", r->attr);
          return cannot_write (w, n, what);
        }
      if ((np->attribute[np->n_attribute++] = attribute_from_input (w, r->attr, r->kind, v))
          == NULL)
        return NN_STATUS_NOMEM;
    }
  if (last_input < n->n_in)
    {
      const nn_array *steps;

      /* the inputs after the first converted one: only Slice's steps and Dropout's
       * training_mode are left, and an older form can drop them only when they change
       * nothing */
      if (strcmp (name, "Slice") == 0 && const_input (w, n, 4, &steps))
        for (int64_t i = 0; i < nn_array_numel (steps); i++)
          if (nn_array_get_i64 (steps, i) != 1)
            return cannot_write (w, n, "has steps other than 1");
      np->n_input = (size_t) last_input;
    }
  if ((strcmp (name, "Softmax") == 0 || strcmp (name, "LogSoftmax") == 0) && w->opset < 13)
    {
      /* before 13 the input is flattened to 2-D at axis: the same only for the last */
      const nn_type *t = w->typed ? &w->g->values[n->in[0]].type : NULL;
      int k = nn_attr_find (nn_ops[n->op], "axis");
      int64_t axis = n->attrs[k].i;

      if (t == NULL)
        return cannot_write (w, n, "has no known rank");
      if (axis < 0)
        axis += t->rank;
      if (axis != t->rank - 1)
        return cannot_write (w, n, "normalises along an axis other than the last");
      for (size_t j = 0; j < np->n_attribute; j++)
        if (strcmp (np->attribute[j]->name, "axis") == 0)
          np->attribute[j--] = np->attribute[--np->n_attribute];
      np->attribute[np->n_attribute] = ARENA_NEW (&w->a, Onnx__AttributeProto,
                                                  ONNX__ATTRIBUTE_PROTO__INIT);
      if (np->attribute[np->n_attribute] == NULL)
        return NN_STATUS_NOMEM;
      np->attribute[np->n_attribute]->name = "axis";
      np->attribute[np->n_attribute]->has_type = true;
      np->attribute[np->n_attribute]->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
      np->attribute[np->n_attribute]->has_i = true;
      np->attribute[np->n_attribute]->i = axis;
      np->n_attribute++;
    }
  return NN_OK;
}

static Onnx__NodeProto *
node_proto (writer *w, const nn_node *n, nn_status *st)
{
  const nn_graph *g = w->g;
  arena *a = &w->a;
  Onnx__NodeProto *np = ARENA_NEW (a, Onnx__NodeProto, ONNX__NODE_PROTO__INIT);
  const nn_op *op = nn_ops[n->op];
  size_t n_attrs = 0;

  *st = NN_STATUS_NOMEM;
  if (np == NULL)
    return NULL;
  np->op_type = (char *) op->name;
  np->name = n->name;
  if (nn_graph_node_doc (g, (int) (n - g->nodes))[0] != '\0')
    np->doc_string = (char *) nn_graph_node_doc (g, (int) (n - g->nodes));
  np->n_input = (size_t) n->n_in;
  np->input = arena_alloc (a, np->n_input, sizeof *np->input);
  np->n_output = (size_t) n->n_out;
  np->output = arena_alloc (a, np->n_output, sizeof *np->output);
  /* room for the attributes, the inputs turned into attributes and Softmax's axis */
  np->attribute = arena_alloc (a, (size_t) op->n_attrs + NN_NODE_MAX_IO + 1,
                               sizeof *np->attribute);
  if (a->failed)
    return NULL;
  for (int i = 0; i < n->n_in; i++)
    np->input[i] = n->in[i] >= 0 ? g->values[n->in[i]].name : "";
  for (int i = 0; i < n->n_out; i++)
    np->output[i] = g->values[n->out[i]].name;
  /* what the model gave; defaults stay implicit, as exporters write them */
  for (int k = 0; k < op->n_attrs; k++)
    if (n->attrs[k].set)
      np->attribute[n_attrs++] = attribute (a, &op->attrs[k], &n->attrs[k]);
  np->n_attribute = n_attrs;
  if (a->failed)
    return NULL;
  /* trailing omitted inputs are left out, as exporters do */
  while (np->n_input > 0 && np->input[np->n_input - 1][0] == '\0')
    np->n_input--;
  if ((*st = lower_node (w, n, np)) != NN_OK)
    return NULL;
  return a->failed ? NULL : np;
}

/* ------------------------------------------------------------------ the sink */

/* A ProtobufCBuffer that writes to a file descriptor through a buffer. */
typedef struct fd_sink {
  ProtobufCBuffer base;
  int fd;
  uint8_t buf[1 << 16];
  size_t len;
  uint64_t written;
  int error;               /* errno of the first failed write, 0 if none */
} fd_sink;

static void
sink_write (fd_sink *s, const uint8_t *data, size_t len)
{
  while (len > 0 && s->error == 0)
    {
      ssize_t n = write (s->fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          s->error = n < 0 ? errno : EIO;
          return;
        }
      data += n;
      len -= (size_t) n;
      s->written += (uint64_t) n;
      nn_save_notify (NN_SAVE_WROTE, (int64_t) s->written);
    }
}

static void
sink_flush (fd_sink *s)
{
  sink_write (s, s->buf, s->len);
  s->len = 0;
}

static void
sink_append (ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
  fd_sink *s = (fd_sink *) buffer;

  if (s->len + len > sizeof s->buf)
    sink_flush (s);
  if (len >= sizeof s->buf)
    sink_write (s, data, len);
  else
    {
      memcpy (s->buf + s->len, data, len);
      s->len += len;
    }
}

static void
sink_init (fd_sink *s, int fd)
{
  s->base.append = sink_append;
  s->fd = fd;
  s->len = 0;
  s->written = 0;
  s->error = 0;
}

/* ------------------------------------------------------------------ saving */

/* An information string of the graph, NULL when unset (an absent protobuf field). */
static char *
info_or_null (const nn_graph *g, const char *key)
{
  const char *v = nn_graph_info (g, key);

  return v[0] != '\0' ? (char *) v : NULL;
}

/* The data file's name: the model's file name with ".data" appended ("m.onnx.data"). */
static char *
data_file_name (arena *a, const char *path)
{
  const char *slash = strrchr (path, '/');

  return arena_printf (a, "%s.data", slash != NULL ? slash + 1 : path);
}

/* Writes the external data file of the initializers planned at offsets[] (-1: inline),
 * atomically, beside path. */
static nn_status
write_external (const nn_graph *g, const char *path, const char *location,
                const int64_t *offsets, nn_error *err)
{
  char *data_path;
  const char *slash = strrchr (path, '/');
  nn_save_temp t;
  fd_sink *s;
  nn_status st;
  uint64_t at = 0;
  static const uint8_t zeros[EXTERNAL_ALIGN];

  if (slash != NULL)
    {
      if ((data_path = malloc ((size_t) (slash - path) + 2 + strlen (location))) == NULL)
        return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
      sprintf (data_path, "%.*s/%s", (int) (slash - path), path, location);
    }
  else if ((data_path = strdup (location)) == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
  if ((s = malloc (sizeof *s)) == NULL)
    {
      free (data_path);
      return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
    }
  if ((st = nn_save_temp_open (&t, data_path, err)) != NN_OK)
    {
      free (s);
      free (data_path);
      return st;
    }
  sink_init (s, t.fd);
  for (int i = 0; i < g->n_values && s->error == 0; i++)
    if (offsets[i] >= 0)
      {
        const nn_array *arr = g->values[i].init;

        while (at < (uint64_t) offsets[i])
          {
            size_t pad = (size_t) ((uint64_t) offsets[i] - at < EXTERNAL_ALIGN
                                   ? (uint64_t) offsets[i] - at : EXTERNAL_ALIGN);

            sink_append (&s->base, pad, zeros);
            at += pad;
          }
        sink_append (&s->base, nn_array_bytes (arr), arr->data);
        at += nn_array_bytes (arr);
      }
  sink_flush (s);
  if (s->error != 0)
    {
      st = nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot write its external data %s: %s",
                         path, data_path, strerror (s->error));
      nn_save_temp_abort (&t);
    }
  else
    st = nn_save_temp_commit (&t, err);
  free (s);
  free (data_path);
  return st;
}

nn_status
nn_graph_save_onnx (nn_graph *g, const char *path, const nn_onnx_save_opts *opts,
                    nn_error *err)
{
  static const nn_onnx_save_opts defaults = { 0 };
  writer w = { .g = g, .path = path, .err = err };
  arena *a = &w.a;
  Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
  Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
  Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  Onnx__OperatorSetIdProto *opsets[1] = { &opset };
  nn_error infer_err;
  bool external;
  uint64_t weight_bytes = 0;
  int64_t *offsets;
  ext_plan ext = { 0 };
  const int *order;
  nn_save_temp t;
  fd_sink *sink = NULL;
  nn_status st = NN_OK;

  if (opts == NULL)
    opts = &defaults;
  if ((st = nn_graph_validate (g, &infer_err)) != NN_OK)
    return nn_error_set (err, st, infer_err.layer, "%s: cannot save: %s", path,
                         infer_err.message);
  /* a graph being edited may not infer; it is saved all the same, without shapes */
  w.typed = nn_graph_infer (g, &infer_err) == NN_OK;
  if (!w.typed)
    w.out_rank = output_ranks_for_batch_1 (a, g);
  if ((st = nn_graph_validate (g, &infer_err)) != NN_OK)
    {
      arena_free (a);
      return nn_error_set (err, st, infer_err.layer, "%s: cannot save: %s", path,
                           infer_err.message);
    }
  order = nn_graph_order (g);
  /* the opset asked for, else the one the model came with, else the newest */
  w.opset = opts->opset > 0 ? opts->opset
            : nn_graph_opset_version (g, "") > 0 ? nn_graph_opset_version (g, "")
            : NN_ONNX_MAX_OPSET;
  /* a model read from an older opset may hold an operator it was rewritten into
   * (Upsample became Resize): then the first opset that has them all */
  if (opts->opset <= 0 && w.opset < opset_needed (g))
    w.opset = opset_needed (g);
  if (w.opset < NN_ONNX_MIN_OPSET || w.opset > NN_ONNX_MAX_OPSET)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s: opset %lld; Layerlab writes "
                         "opsets %d to %d", path, (long long) w.opset, NN_ONNX_MIN_OPSET,
                         NN_ONNX_MAX_OPSET);

  opset.domain = "";
  opset.has_version = true;
  opset.version = w.opset;
  model.has_ir_version = true;
  /* the model's own IR version when the opset allows it (a file keeps what it was) */
  model.ir_version = ir_version_for_opset (w.opset);
  if (nn_graph_ir_version (g) > model.ir_version && nn_graph_ir_version (g) <= NN_ONNX_MAX_IR_VERSION)
    model.ir_version = nn_graph_ir_version (g);
  model.n_opset_import = 1;
  model.opset_import = opsets;
  /* the other domains' imports, as the model had them */
  if (nn_graph_n_opsets (g) > 1)
    {
      model.opset_import = arena_alloc (a, (size_t) nn_graph_n_opsets (g),
                                        sizeof *model.opset_import);
      model.opset_import[0] = &opset;
      for (int i = 0; model.opset_import != NULL && i < nn_graph_n_opsets (g); i++)
        {
          const char *domain;
          int64_t version;
          Onnx__OperatorSetIdProto *o;

          if (!nn_graph_opset (g, i, &domain, &version) || domain[0] == '\0'
              || strcmp (domain, "ai.onnx") == 0)
            continue;
          if ((o = ARENA_NEW (a, Onnx__OperatorSetIdProto, ONNX__OPERATOR_SET_ID_PROTO__INIT))
              == NULL)
            break;
          o->domain = (char *) domain;
          o->has_version = true;
          o->version = version;
          model.opset_import[model.n_opset_import++] = o;
        }
    }
  model.producer_name = "Layerlab";
  model.producer_version = PACKAGE_VERSION;
  /* what the model says about itself, kept */
  model.domain = info_or_null (g, "domain");
  model.doc_string = info_or_null (g, "doc_string");
  if (nn_graph_model_version (g) != 0)
    {
      model.has_model_version = true;
      model.model_version = nn_graph_model_version (g);
    }
  model.n_metadata_props = (size_t) nn_graph_n_metadata (g);
  model.metadata_props = arena_alloc (a, model.n_metadata_props, sizeof *model.metadata_props);
  for (size_t i = 0; model.metadata_props != NULL && i < model.n_metadata_props; i++)
    {
      const char *key, *value;

      nn_graph_metadata (g, (int) i, &key, &value);
      model.metadata_props[i] = entry (a, key, (char *) value);
    }
  model.graph = &graph;
  graph.name = (char *) (opts->graph_name != NULL ? opts->graph_name
                         : info_or_null (g, "graph_name") != NULL
                         ? info_or_null (g, "graph_name") : "layerlab");
  graph.doc_string = info_or_null (g, "graph_doc_string");

  for (int i = 0; i < g->n_values; i++)
    if (g->values[i].init != NULL)
      weight_bytes += nn_array_bytes (g->values[i].init);
  external = opts->external_data || weight_bytes > INLINE_LIMIT;

  offsets = arena_alloc (a, (size_t) g->n_values, sizeof *offsets);
  graph.node = arena_alloc (a, (size_t) g->n_nodes, sizeof *graph.node);
  /* before IR 4 every initializer is also a graph input */
  graph.input = arena_alloc (a, (size_t) (g->n_inputs + g->n_values), sizeof *graph.input);
  graph.output = arena_alloc (a, (size_t) g->n_outputs, sizeof *graph.output);
  graph.value_info = arena_alloc (a, (size_t) g->n_values, sizeof *graph.value_info);
  if (external)
    ext.location = data_file_name (a, path);
  for (int k = 0; st == NN_OK && !a->failed && k < g->n_nodes; k++)
    graph.node[graph.n_node++] = node_proto (&w, &g->nodes[order[k]], &st);
  if (st != NN_OK && st != NN_STATUS_NOMEM)
    {
      arena_free (a);
      return st;    /* cannot_write() said why */
    }
  graph.initializer = arena_alloc (a, (size_t) g->n_values + w.n_extra,
                                   sizeof *graph.initializer);
  for (int k = 0; !a->failed && k < g->n_inputs; k++)
    graph.input[graph.n_input++] = value_info (a, &g->values[g->inputs[k]], true);
  for (int k = 0; !a->failed && k < g->n_outputs; k++)
    graph.output[graph.n_output++] = w.typed ? value_info (a, &g->values[g->outputs[k]], true)
                                             : output_of_rank (a, &g->values[g->outputs[k]],
                                                               w.out_rank ? w.out_rank[k] : -1);
  for (int i = 0; !a->failed && i < g->n_values; i++)
    {
      const nn_value *v = &g->values[i];

      offsets[i] = -1;
      if (v->init != NULL)
        {
          graph.initializer[graph.n_initializer++]
            = tensor_proto (a, v, external ? &ext : NULL, &offsets[i]);
          if (model.ir_version < 4)
            graph.input[graph.n_input++] = value_info (a, v, true);
        }
      else if (w.typed && v->input < 0 && v->producer >= 0 && v->typed)
        {
          bool is_output = false;

          for (int k = 0; k < g->n_outputs; k++)
            is_output |= g->outputs[k] == i;
          if (!is_output)
            graph.value_info[graph.n_value_info++] = value_info (a, v, true);
        }
    }
  for (size_t i = 0; !a->failed && i < w.n_extra; i++)
    graph.initializer[graph.n_initializer++] = w.extra[i];
  if (a->failed || st != NN_OK)
    {
      arena_free (a);
      return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
    }
  if (protobuf_c_message_get_packed_size (&model.base) > NN_ONNX_MAX_FILE_BYTES)
    {
      arena_free (a);
      return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%s: the model's structure alone "
                           "takes more than the 2 GiB an ONNX file can hold", path);
    }

  if (external && (st = write_external (g, path, ext.location, offsets, err)) != NN_OK)
    {
      arena_free (a);
      return st;
    }
  if ((sink = malloc (sizeof *sink)) == NULL)
    {
      arena_free (a);
      return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
    }
  if ((st = nn_save_temp_open (&t, path, err)) == NN_OK)
    {
      sink_init (sink, t.fd);
      protobuf_c_message_pack_to_buffer (&model.base, &sink->base);
      sink_flush (sink);
      if (sink->error != 0)
        {
          st = nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot write: %s", path,
                             strerror (sink->error));
          nn_save_temp_abort (&t);
        }
      else
        st = nn_save_temp_commit (&t, err);
    }
  free (sink);
  arena_free (a);
  return st;
}
