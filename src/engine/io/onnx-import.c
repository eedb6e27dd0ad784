/* io/onnx-import.c - an ONNX model (checked by onnx-file.c) into an nn_graph
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The operator table holds each operator in its latest form; models written for older
 * opsets are rewritten into it here, so the kernels know one semantics each:
 *  - attributes that later opsets made inputs (Clip's min/max before 11; Split's split,
 *    Squeeze's and Unsqueeze's axes before 13; Pad's pads/value before 11; Reduce*'s
 *    axes where the table takes them as an input) become constant inputs, whenever the
 *    table's operator has no such attribute but has the input;
 *  - Softmax (and LogSoftmax, Hardmax) before opset 13 coerce the input to 2-D at axis
 *    (default 1): unless axis is the last one, they become Flatten -> op(axis=-1) ->
 *    Reshape back to the input's shape;
 *  - BatchNormalization's training outputs (mean, var, saved_*): before opset 14 they
 *    make the node a training one (refused); from 14 on they may be present but not
 *    read; spatial (before opset 9) must be 1; Dropout's ratio/is_test attributes of
 *    older opsets are dropped (inference is identity either way);
 *  - Upsample (opset 7-9) becomes Resize (asymmetric coordinates; nearest rounds down)
 *    once the table has Resize; until then it is listed as unsupported;
 *  - ConstantOfShape's one-element tensor `value` becomes the table's `value` (a number)
 *    and `dtype` (its TensorProto type), the form the table's ConstantOfShape takes;
 *  - an omitted optional output before a named one gets an unused name of its own.
 * Operators outside the table or the default domain are listed all at once, with their
 * counts and first nodes, before anything is built: never a wrong answer.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph-private.h"
#include "onnx-file.h"

typedef Onnx__AttributeProto attr_proto;

typedef struct importer {
  const nn_onnx_file *file;
  const Onnx__GraphProto *gp;
  nn_graph *g;
  nn_error *err;
  int64_t opset;
  int *legacy;            /* nodes of g with the pre-13 2-D softmax semantics */
  int n_legacy;
  int fresh;              /* counter for names the rewrites make */
} importer;

static const char *
str (const char *s)
{
  return s != NULL ? s : "";
}

/* "PATH: " + message */
static nn_status __attribute__ ((format (printf, 3, 4)))
fail (importer *im, nn_status status, const char *fmt, ...)
{
  char msg[NN_ERROR_MAX];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  return nn_error_set (im->err, status, -1, "%s: %s", im->file->path, msg);
}

/* an engine error, with the path put in front */
static nn_status
with_path (importer *im, nn_status s)
{
  if (s != NN_OK && im->err != NULL)
    {
      char msg[NN_ERROR_MAX];

      snprintf (msg, sizeof msg, "%s", im->err->message);
      nn_error_set (im->err, s, im->err->layer, "%s: %s", im->file->path, msg);
    }
  return s;
}

static const char *
node_name (const Onnx__NodeProto *n)
{
  if (n->name != NULL && n->name[0] != '\0')
    return n->name;
  return n->n_output > 0 ? str (n->output[0]) : "";
}

static bool
default_domain (const char *d)
{
  return d == NULL || d[0] == '\0' || strcmp (d, "ai.onnx") == 0;
}

/* the table operator an ONNX op becomes, -1 when none */
static int
target_op (const Onnx__NodeProto *n)
{
  if (!default_domain (n->domain))
    return -1;
  if (strcmp (str (n->op_type), "Upsample") == 0)
    return nn_op_find ("Resize");
  return nn_op_find (str (n->op_type));
}

/* ---------------------------------------------------------------- unsupported ops */

#define MAX_NAMED 3

typedef struct missing_op {
  char op[96];
  int count;
  const char *nodes[MAX_NAMED];
} missing_op;

static nn_status
check_supported (importer *im)
{
  const Onnx__GraphProto *gp = im->gp;
  missing_op *miss = calloc (gp->n_node + 1, sizeof *miss);
  int n_miss = 0;
  char msg[NN_ERROR_MAX];
  size_t len = 0;

  if (miss == NULL)
    return fail (im, NN_STATUS_NOMEM, "out of memory");
  for (size_t i = 0; i < gp->n_node; i++)
    {
      const Onnx__NodeProto *n = gp->node[i];
      char op[96];
      int k;

      if (default_domain (n->domain) && strcmp (str (n->op_type), "Constant") == 0)
        continue;
      if (target_op (n) >= 0)
        continue;
      if (default_domain (n->domain))
        snprintf (op, sizeof op, "%s", str (n->op_type));
      else
        snprintf (op, sizeof op, "%s.%s", n->domain, str (n->op_type));
      for (k = 0; k < n_miss && strcmp (miss[k].op, op) != 0; k++)
        ;
      if (k == n_miss)
        snprintf (miss[n_miss++].op, sizeof miss[k].op, "%s", op);
      if (miss[k].count < MAX_NAMED)
        miss[k].nodes[miss[k].count] = node_name (n);
      miss[k].count++;
    }
  for (int k = 0; k < n_miss && len < sizeof msg; k++)
    {
      len += (size_t) snprintf (msg + len, sizeof msg - len, "%s%s (%d node%s: ",
                                k ? ", " : "", miss[k].op, miss[k].count,
                                miss[k].count == 1 ? "" : "s");
      for (int j = 0; j < miss[k].count && j < MAX_NAMED && len < sizeof msg; j++)
        len += (size_t) snprintf (msg + len, sizeof msg - len, "%s%s", j ? ", " : "",
                                  miss[k].nodes[j]);
      if (len < sizeof msg)
        len += (size_t) snprintf (msg + len, sizeof msg - len, "%s)",
                                  miss[k].count > MAX_NAMED ? ", …" : "");
    }
  free (miss);
  if (n_miss > 0)
    return fail (im, NN_STATUS_UNSUPPORTED, "unsupported operators: %s", msg);
  return NN_OK;
}

/* ---------------------------------------------------------------- tensors */

static float
half_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t) (h >> 15) << 31, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  float f;

  if (e == 0)
    f = ldexpf ((float) m, -24);
  else if (e == 31)
    f = m ? NAN : INFINITY;
  else
    f = ldexpf ((float) (m | 0x400), (int) e - 25);
  return sign ? -f : f;
}

static float
bfloat_to_float (uint16_t b)
{
  uint32_t bits = (uint32_t) b << 16;
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

/* the engine dtype an ONNX data type is stored as, -1 when Layerlab cannot hold it */
static int
dtype_for (int32_t onnx_type)
{
  switch (onnx_type)
    {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16:
      return NN_DTYPE_FLOAT32;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
      return NN_DTYPE_INT64;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
      return NN_DTYPE_INT32;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
      return NN_DTYPE_BOOL;
    default:
      return -1;
    }
}

/* src (numel elements of ONNX type) into a's data; false when a value does not fit */
static bool
convert (int32_t type, const void *src, int64_t numel, nn_array *a)
{
  float *f = a->data;
  int32_t *i32 = a->data;
  int64_t *i64 = a->data;
  uint8_t *b = a->data;

  for (int64_t i = 0; i < numel; i++)
    switch (type)
      {
      case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
        f[i] = (float) ((const double *) src)[i];
        break;
      case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
        f[i] = half_to_float (((const uint16_t *) src)[i]);
        break;
      case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16:
        f[i] = bfloat_to_float (((const uint16_t *) src)[i]);
        break;
      case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
        i64[i] = ((const uint32_t *) src)[i];
        break;
      case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
        if (((const uint64_t *) src)[i] > (uint64_t) INT64_MAX)
          return false;
        i64[i] = (int64_t) ((const uint64_t *) src)[i];
        break;
      case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
        i32[i] = ((const int16_t *) src)[i];
        break;
      case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
        i32[i] = ((const uint16_t *) src)[i];
        break;
      case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
        i32[i] = ((const int8_t *) src)[i];
        break;
      case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
        i32[i] = ((const uint8_t *) src)[i];
        break;
      case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
        b[i] = ((const uint8_t *) src)[i] != 0;
        break;
      default:
        return false;
      }
  return true;
}

/* a checked TensorProto as an nn_array; what names it in messages */
static nn_status
tensor_to_array (importer *im, const Onnx__TensorProto *t, const char *what, nn_array **out)
{
  int32_t type = t->has_data_type ? t->data_type : 0;
  int dtype = dtype_for (type);
  nn_type at = { .rank = (int32_t) t->n_dims };
  int64_t numel = nn_onnx_tensor_numel (t);
  size_t elem = nn_onnx_elem_size (type);
  nn_array *a;
  nn_error sub;
  nn_status s;
  void *tmp;

  *out = NULL;
  if (dtype < 0)
    return fail (im, NN_STATUS_UNSUPPORTED, "%s is %s; Layerlab reads FLOAT, DOUBLE, "
                 "FLOAT16, BFLOAT16, integer and BOOL tensors", what,
                 nn_onnx_type_name (type));
  at.dtype = (nn_dtype) dtype;
  for (size_t i = 0; i < t->n_dims; i++)
    at.shape[i] = t->dims[i];
  if ((a = nn_array_new (&at, &sub)) == NULL)
    return fail (im, sub.status, "%s: %s", what, sub.message);
  /* as stored when the bytes mean the same; UINT64 is range-checked, BOOL made 0/1 */
  if (nn_dtype_size (at.dtype) == elem && type != ONNX__TENSOR_PROTO__DATA_TYPE__UINT64
      && type != ONNX__TENSOR_PROTO__DATA_TYPE__BOOL)
    s = nn_onnx_tensor_read (im->file, t, a->data, nn_array_bytes (a), im->err);
  else if ((tmp = malloc ((size_t) numel * elem + 1)) == NULL)
    s = fail (im, NN_STATUS_NOMEM, "%s: out of memory", what);
  else
    {
      s = nn_onnx_tensor_read (im->file, t, tmp, (size_t) numel * elem, im->err);
      if (s == NN_OK && !convert (type, tmp, numel, a))
        s = fail (im, NN_STATUS_UNSUPPORTED, "%s is UINT64 with values above the int64 "
                  "range, which Layerlab cannot hold", what);
      free (tmp);
    }
  if (s != NN_OK)
    {
      nn_array_free (a);
      return s;
    }
  *out = a;
  return NN_OK;
}

/* ---------------------------------------------------------------- names */

/* a value name nobody uses yet, from base and suffix, into buf */
static const char *
fresh_name (importer *im, const char *base, const char *suffix, char *buf, size_t size)
{
  snprintf (buf, size, "%.200s%.60s", base, suffix);
  while (nn_graph_value_index (im->g, buf) >= 0 || nn_graph_find_node (im->g, buf) >= 0)
    snprintf (buf, size, "%.200s%.60s_%d", base, suffix, ++im->fresh);
  return buf;
}

static nn_status
add_const (importer *im, const char *name, nn_array *a)
{
  if (a == NULL)
    return fail (im, NN_STATUS_NOMEM, "out of memory");
  return with_path (im, nn_graph_add_initializer (im->g, name, a, im->err));
}

static nn_array *
scalar_f32 (float v)
{
  nn_array *a = nn_array_new_f32 (0, NULL, NULL);

  if (a != NULL)
    *(float *) a->data = v;
  return a;
}

static nn_array *
ints_i64 (size_t n, const int64_t *v)
{
  nn_type t = { .dtype = NN_DTYPE_INT64, .rank = 1, .shape = { (int64_t) n } };
  nn_array *a = nn_array_new (&t, NULL);

  if (a != NULL && n > 0)
    memcpy (a->data, v, n * sizeof *v);
  return a;
}

/* ---------------------------------------------------------------- graph inputs */

static bool
is_initializer (const Onnx__GraphProto *gp, const char *name)
{
  for (size_t i = 0; i < gp->n_initializer; i++)
    if (strcmp (str (gp->initializer[i]->name), name) == 0)
      return true;
  return false;
}

static nn_status
add_inputs (importer *im)
{
  for (size_t i = 0; i < im->gp->n_input; i++)
    {
      const Onnx__ValueInfoProto *vi = im->gp->input[i];
      const char *name = str (vi->name);
      const Onnx__TypeProto__Tensor *tt;
      nn_type t = { 0 };
      int dtype;

      /* IR < 4 lists the initializers among the inputs; IR >= 4 may, as defaults */
      if (is_initializer (im->gp, name))
        continue;
      if (vi->type == NULL || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
          || (tt = vi->type->tensor_type) == NULL)
        return fail (im, NN_STATUS_UNSUPPORTED, "graph input '%s' is not a tensor", name);
      /* inputs only in the engine's own dtypes: a uint8 input would wrap where int32
       * does not */
      dtype = !tt->has_elem_type ? -1
              : tt->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? NN_DTYPE_FLOAT32
              : tt->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 ? NN_DTYPE_INT64
              : tt->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT32 ? NN_DTYPE_INT32
              : tt->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL ? NN_DTYPE_BOOL : -1;
      if (dtype < 0)
        return fail (im, NN_STATUS_UNSUPPORTED, "graph input '%s' is %s; Layerlab takes "
                     "FLOAT, INT64, INT32 and BOOL inputs", name,
                     nn_onnx_type_name (tt->has_elem_type ? tt->elem_type : 0));
      if (tt->shape == NULL)
        return fail (im, NN_STATUS_UNSUPPORTED, "graph input '%s' has no shape; Layerlab "
                     "needs at least its rank", name);
      if (tt->shape->n_dim > NN_ARRAY_MAX_RANK)
        return fail (im, NN_STATUS_UNSUPPORTED, "graph input '%s' has %zu dimensions; at "
                     "most %d are supported", name, tt->shape->n_dim, NN_ARRAY_MAX_RANK);
      t.dtype = (nn_dtype) dtype;
      t.rank = (int32_t) tt->shape->n_dim;
      for (int32_t d = 0; d < t.rank; d++)
        {
          const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];

          t.shape[d] = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                       && dim->dim_value >= 0 ? dim->dim_value : NN_DIM_SYMBOLIC;
        }
      if (with_path (im, nn_graph_add_input (im->g, name, &t, im->err)) != NN_OK)
        return im->err ? im->err->status : NN_STATUS_INVALID_ARG;
    }
  return NN_OK;
}

static nn_status
add_initializers (importer *im)
{
  for (size_t i = 0; i < im->gp->n_initializer; i++)
    {
      const Onnx__TensorProto *t = im->gp->initializer[i];
      char what[160];
      nn_array *a;
      nn_status s;

      snprintf (what, sizeof what, "initializer '%s'", str (t->name));
      if ((s = tensor_to_array (im, t, what, &a)) != NN_OK
          || (s = add_const (im, str (t->name), a)) != NN_OK)
        return s;
    }
  if (im->gp->n_sparse_initializer > 0)
    return fail (im, NN_STATUS_UNSUPPORTED, "the graph has %zu sparse initializers, which "
                 "Layerlab does not read", im->gp->n_sparse_initializer);
  return NN_OK;
}

/* ---------------------------------------------------------------- attributes */

static int
attr_kind (const attr_proto *a)
{
  if (a->has_type)
    return a->type;
  if (a->t != NULL)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  if (a->n_floats > 0)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  if (a->n_ints > 0)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  if (a->has_s)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  if (a->has_f)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  if (a->has_i)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

static const char *
kind_text (int kind)
{
  switch (kind)
    {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
      return "a list of floats";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
      return "a tensor";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
      return "a subgraph";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
      return "a list of strings";
    default:
      return "of a kind Layerlab does not read";
    }
}

/* Attributes an older opset had that the table's form gets as an input. */
typedef struct attr_input {
  const char *op;       /* the ONNX op_type; "Reduce*" for every Reduce op */
  const char *attr;
  int input;            /* index of the input it becomes */
} attr_input;

static const attr_input attr_inputs[] = {
  { "Clip", "min", 1 }, { "Clip", "max", 2 },         /* Clip-6 */
  { "Split", "split", 1 },                            /* Split-2, -11 */
  { "Squeeze", "axes", 1 }, { "Unsqueeze", "axes", 1 }, /* -1, -11 */
  { "Pad", "pads", 1 }, { "Pad", "value", 2 },        /* Pad-2 */
  { "Reduce*", "axes", 1 },                           /* ReduceSum-11, Reduce*-17 */
};

/* Attributes that older opsets had and that change nothing in inference. */
static bool
ignored_attr (const char *op, const attr_proto *a, importer *im, const char *node,
              nn_status *s)
{
  const char *name = str (a->name);

  *s = NN_OK;
  if (strcmp (op, "Dropout") == 0 && (strcmp (name, "ratio") == 0 || strcmp (name, "is_test") == 0))
    return true;
  if (strcmp (op, "BatchNormalization") == 0)
    {
      if (strcmp (name, "spatial") == 0)
        {
          if (a->i != 1)
            *s = fail (im, NN_STATUS_UNSUPPORTED, "node '%s' (BatchNormalization): spatial "
                       "is %lld; only spatial = 1 (one statistic per channel) is supported",
                       node, (long long) a->i);
          return true;
        }
      if (strcmp (name, "is_test") == 0 || strcmp (name, "consumed_inputs") == 0)
        return true;
    }
  return false;
}

static const attr_input *
find_attr_input (const char *op, const char *attr)
{
  for (size_t i = 0; i < NN_N_ELEMENTS (attr_inputs); i++)
    {
      const attr_input *ai = &attr_inputs[i];
      bool op_ok = strcmp (ai->op, "Reduce*") == 0 ? strncmp (op, "Reduce", 6) == 0
                                                   : strcmp (ai->op, op) == 0;

      if (op_ok && strcmp (ai->attr, attr) == 0)
        return ai;
    }
  return NULL;
}

/* What one node becomes: its table operator and its inputs, which rewrites extend. */
typedef struct node_plan {
  int op;
  const char *name;
  char *in[NN_NODE_MAX_IO];     /* borrowed from the proto or owned (own[k]) */
  bool own[NN_NODE_MAX_IO];
  int n_in;
  const char *out[NN_NODE_MAX_IO];
  char *own_out[NN_NODE_MAX_IO]; /* names given to omitted outputs, or NULL */
  int n_out;
} node_plan;

static void
plan_free (node_plan *p)
{
  for (int k = 0; k < p->n_in; k++)
    if (p->own[k])
      free (p->in[k]);
  for (int k = 0; k < p->n_out; k++)
    free (p->own_out[k]);
}

/* the attribute a made into a constant input of the plan */
static nn_status
attr_to_input (importer *im, node_plan *p, const attr_proto *a, const attr_input *ai)
{
  const nn_op *op = nn_ops[p->op];
  int kind = attr_kind (a);
  char base[200], name[320];
  nn_array *arr;
  nn_status s;

  if (ai->input >= op->max_in || ai->input >= NN_NODE_MAX_IO)
    return fail (im, NN_STATUS_UNSUPPORTED, "node '%s' (%s): attribute '%s' has no place "
                 "in Layerlab's %s", p->name, op->name, str (a->name), op->name);
  if (kind == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)
    arr = scalar_f32 (a->f);
  else if (kind == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)
    arr = ints_i64 (a->n_ints, a->ints);
  else
    return fail (im, NN_STATUS_INVALID_ARG, "node '%s' (%s): attribute '%s' is %s", p->name,
                 op->name, str (a->name), kind_text (kind));
  snprintf (base, sizeof base, "%s/", p->name);
  fresh_name (im, base, str (a->name), name, sizeof name);
  if ((s = add_const (im, name, arr)) != NN_OK)
    return s;
  while (p->n_in <= ai->input)
    {
      p->in[p->n_in] = (char *) "";
      p->own[p->n_in++] = false;
    }
  if (p->in[ai->input][0] != '\0')
    return fail (im, NN_STATUS_INVALID_ARG, "node '%s' (%s) has '%s' both as an attribute "
                 "and as input %d", p->name, op->name, str (a->name), ai->input + 1);
  if ((p->in[ai->input] = strdup (name)) == NULL)
    return fail (im, NN_STATUS_NOMEM, "out of memory");
  p->own[ai->input] = true;
  return NN_OK;
}

/* ConstantOfShape's value (a one-element tensor) as the table takes it: the element as
 * a number and its TensorProto type */
static nn_status
constant_of_shape_value (importer *im, int node, const node_plan *p, const Onnx__TensorProto *t)
{
  char what[320];
  nn_array *a = NULL;
  nn_status s;
  double v;

  snprintf (what, sizeof what, "node '%s' (ConstantOfShape): its value", p->name);
  if ((s = tensor_to_array (im, t, what, &a)) != NN_OK)
    return s;
  if (nn_array_numel (a) != 1)
    {
      nn_array_free (a);
      return fail (im, NN_STATUS_INVALID_ARG, "%s has %lld elements; it must have one", what,
                   (long long) nn_array_numel (a));
    }
  v = nn_array_get_f64 (a, 0);
  nn_array_free (a);
  if ((s = with_path (im, nn_graph_set_attr_float (im->g, node, "value", v, im->err))) != NN_OK)
    return s;
  return with_path (im, nn_graph_set_attr_int (im->g, node, "dtype", t->data_type, im->err));
}

static nn_status
set_attr (importer *im, int node, const node_plan *p, const attr_proto *a)
{
  const char *name = str (a->name);
  int kind = attr_kind (a);
  char s[NN_ATTR_MAX_STRING + 8];
  nn_status st;

  switch (kind)
    {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
      st = nn_graph_set_attr_int (im->g, node, name, a->i, im->err);
      break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
      st = nn_graph_set_attr_float (im->g, node, name, a->f, im->err);
      break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
      if (a->n_ints > NN_ATTR_MAX_INTS)
        return fail (im, NN_STATUS_UNSUPPORTED, "node '%s' (%s): attribute '%s' has %zu "
                     "values; at most %d are supported", p->name, nn_ops[p->op]->name, name,
                     a->n_ints, NN_ATTR_MAX_INTS);
      {
        static const int64_t none[1] = { 0 };

        st = nn_graph_set_attr_ints (im->g, node, name, (int) a->n_ints,
                                     a->n_ints > 0 ? a->ints : none, im->err);
      }
      break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
      /* an empty string's data may be NULL */
      if (a->s.len >= NN_ATTR_MAX_STRING
          || (a->s.len > 0 && memchr (a->s.data, '\0', a->s.len) != NULL))
        return fail (im, NN_STATUS_UNSUPPORTED, "node '%s' (%s): attribute '%s' is a string "
                     "Layerlab does not know", p->name, nn_ops[p->op]->name, name);
      if (a->s.len > 0)
        memcpy (s, a->s.data, a->s.len);
      s[a->s.len] = '\0';
      st = nn_graph_set_attr_string (im->g, node, name, s, im->err);
      break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
      if (strcmp (nn_ops[p->op]->name, "ConstantOfShape") == 0 && strcmp (name, "value") == 0
          && a->t != NULL)
        return constant_of_shape_value (im, node, p, a->t);
      /* fall through */
    default:
      return fail (im, NN_STATUS_UNSUPPORTED, "node '%s' (%s): attribute '%s' is %s; "
                   "Layerlab's %s has no place for it", p->name, nn_ops[p->op]->name, name,
                   kind_text (kind), nn_ops[p->op]->name);
    }
  return with_path (im, st);
}

/* ---------------------------------------------------------------- nodes */

static nn_status
add_constant_node (importer *im, const Onnx__NodeProto *n)
{
  const char *name = node_name (n);
  const attr_proto *a;
  char what[300];
  nn_array *arr = NULL;
  nn_status s;

  if (n->n_output != 1 || n->n_attribute != 1 || n->n_input != 0)
    return fail (im, NN_STATUS_INVALID_ARG, "node '%s' (Constant) must have one output, one "
                 "attribute and no input", name);
  a = n->attribute[0];
  snprintf (what, sizeof what, "node '%s' (Constant)", name);
  if (strcmp (str (a->name), "value") == 0 && a->t != NULL)
    {
      if ((s = tensor_to_array (im, a->t, what, &arr)) != NN_OK)
        return s;
    }
  else if (strcmp (str (a->name), "value_float") == 0)
    arr = scalar_f32 (a->f);
  else if (strcmp (str (a->name), "value_int") == 0)
    {
      nn_type t = { .dtype = NN_DTYPE_INT64, .rank = 0 };

      if ((arr = nn_array_new (&t, NULL)) != NULL)
        *(int64_t *) arr->data = a->i;
    }
  else if (strcmp (str (a->name), "value_ints") == 0)
    arr = ints_i64 (a->n_ints, a->ints);
  else if (strcmp (str (a->name), "value_floats") == 0)
    {
      int64_t dim = (int64_t) a->n_floats;

      if ((arr = nn_array_new_f32 (1, &dim, NULL)) != NULL && a->n_floats > 0)
        memcpy (arr->data, a->floats, a->n_floats * sizeof (float));
    }
  else
    return fail (im, NN_STATUS_UNSUPPORTED, "%s: its attribute '%s' is not supported "
                 "(value, value_float(s) and value_int(s) are)", what, str (a->name));
  return add_const (im, str (n->output[0]), arr);
}

static bool
value_is_read (const importer *im, const char *name)
{
  for (size_t i = 0; i < im->gp->n_node; i++)
    for (size_t k = 0; k < im->gp->node[i]->n_input; k++)
      if (strcmp (str (im->gp->node[i]->input[k]), name) == 0)
        return true;
  for (size_t i = 0; i < im->gp->n_output; i++)
    if (strcmp (str (im->gp->output[i]->name), name) == 0)
      return true;
  return false;
}

/* the outputs of the plan: trailing omitted ones dropped; BatchNormalization's training
 * outputs dropped when nothing reads them */
static nn_status
plan_outputs (importer *im, const Onnx__NodeProto *n, node_plan *p)
{
  p->n_out = (int) n->n_output;
  if (p->n_out > NN_NODE_MAX_IO)
    return fail (im, NN_STATUS_UNSUPPORTED, "node '%s' has %d outputs; at most %d are "
                 "supported", p->name, p->n_out, NN_NODE_MAX_IO);
  for (int k = 0; k < p->n_out; k++)
    p->out[k] = str (n->output[k]);
  if (p->op == NN_OP_BATCH_NORMALIZATION)
    {
      /* Before opset 14 the statistics outputs are what makes the node train: it
       * normalises with the batch's own mean and variance (as ONNX Runtime does), not the
       * running ones. From 14 on training_mode says so, and the kernel refuses it. */
      for (int k = 1; k < p->n_out; k++)
        if (p->out[k][0] != '\0' && (im->opset < 14 || value_is_read (im, p->out[k])))
          return fail (im, NN_STATUS_UNSUPPORTED, "node '%s' (BatchNormalization): its "
                       "output %d '%s' (a training-mode statistic) makes it normalise with "
                       "each batch's own statistics; Layerlab runs BatchNormalization in "
                       "inference mode (export the model after model.eval())", p->name,
                       k + 1, p->out[k]);
      if (p->n_out > 1)
        p->n_out = 1;
    }
  while (p->n_out > 1 && p->out[p->n_out - 1][0] == '\0')
    p->n_out--;
  /* every output of a node has a name: an omitted one before a named one gets one */
  for (int k = 0; k < p->n_out; k++)
    if (p->out[k][0] == '\0')
      {
        char base[220], name[320];

        snprintf (base, sizeof base, "%.200s/unused", p->name);
        fresh_name (im, base, "", name, sizeof name);
        if ((p->own_out[k] = strdup (name)) == NULL)
          return fail (im, NN_STATUS_NOMEM, "out of memory");
        p->out[k] = p->own_out[k];
      }
  return NN_OK;
}

/* a node name not taken yet (ONNX does not require them to be unique) */
static const char *
unique_node_name (importer *im, const char *name, char *buf, size_t size)
{
  if (name[0] == '\0' || nn_graph_find_node (im->g, name) < 0)
    return name;
  for (int k = 2;; k++)
    {
      snprintf (buf, size, "%s_%d", name, k);
      if (nn_graph_find_node (im->g, buf) < 0)
        return buf;
    }
}

/* Upsample-7 (scales attribute) and -9 (scales input) as Resize(X, roi "", scales) with
 * Upsample's coordinates: x_in = x_out / scale (asymmetric), nearest rounding down */
static nn_status
plan_upsample (importer *im, const Onnx__NodeProto *n, node_plan *p, char *mode, size_t size)
{
  snprintf (mode, size, "nearest");
  if (p->n_in == 2)
    {
      p->in[2] = p->in[1];
      p->in[1] = (char *) "";
      p->n_in = 3;
    }
  for (size_t i = 0; i < n->n_attribute; i++)
    {
      const attr_proto *a = n->attribute[i];

      if (strcmp (str (a->name), "mode") == 0 && a->s.len > 0 && a->s.len < size)
        snprintf (mode, size, "%.*s", (int) a->s.len, (const char *) a->s.data);
      else if (strcmp (str (a->name), "scales") == 0 && p->n_in == 1 && a->n_floats > 0)
        {
          int64_t dim = (int64_t) a->n_floats;
          nn_array *arr = nn_array_new_f32 (1, &dim, NULL);
          char base[220], name[320];
          nn_status s;

          if (arr != NULL)
            memcpy (arr->data, a->floats, a->n_floats * sizeof (float));
          snprintf (base, sizeof base, "%.200s/", p->name);
          fresh_name (im, base, "scales", name, sizeof name);
          if ((s = add_const (im, name, arr)) != NN_OK)
            return s;
          p->in[1] = (char *) "";
          if ((p->in[2] = strdup (name)) == NULL)
            return fail (im, NN_STATUS_NOMEM, "out of memory");
          p->own[2] = true;
          p->n_in = 3;
        }
      else
        return fail (im, NN_STATUS_UNSUPPORTED, "node '%s' (Upsample): attribute '%s' is "
                     "not supported", p->name, str (a->name));
    }
  if (strcmp (mode, "nearest") != 0 && strcmp (mode, "linear") != 0)
    return fail (im, NN_STATUS_UNSUPPORTED, "node '%s' (Upsample): mode '%s' is not "
                 "supported (nearest and linear are)", p->name, mode);
  if (p->n_in != 3)
    return fail (im, NN_STATUS_INVALID_ARG, "node '%s' (Upsample) has no scales", p->name);
  return NN_OK;
}

static nn_status
upsample_attrs (importer *im, int node, const char *mode)
{
  nn_status s = nn_graph_set_attr_string (im->g, node, "mode", mode, im->err);

  if (s == NN_OK)
    s = nn_graph_set_attr_string (im->g, node, "coordinate_transformation_mode", "asymmetric",
                                  im->err);
  if (s == NN_OK && strcmp (mode, "nearest") == 0)
    s = nn_graph_set_attr_string (im->g, node, "nearest_mode", "floor", im->err);
  return with_path (im, s);
}

static nn_status
add_node (importer *im, const Onnx__NodeProto *n)
{
  node_plan p = { .op = target_op (n) };
  const char *op_type = str (n->op_type);
  char scope[256], namebuf[300];
  const attr_proto *later[64];
  int n_later = 0, index = -1;
  nn_status s = NN_OK;
  bool legacy = false, upsample = strcmp (op_type, "Upsample") == 0;
  char mode[NN_ATTR_MAX_STRING];

  p.name = unique_node_name (im, node_name (n), namebuf, sizeof namebuf);
  if (n->n_input > NN_NODE_MAX_IO)
    return fail (im, NN_STATUS_UNSUPPORTED, "node '%s' (%s) has %zu inputs; at most %d are "
                 "supported", p.name, op_type, n->n_input, NN_NODE_MAX_IO);
  p.n_in = (int) n->n_input;
  for (int k = 0; k < p.n_in; k++)
    p.in[k] = (char *) str (n->input[k]);
  if ((s = plan_outputs (im, n, &p)) != NN_OK
      || (upsample && (s = plan_upsample (im, n, &p, mode, sizeof mode)) != NN_OK))
    {
      plan_free (&p);
      return s;
    }
  for (size_t i = 0; i < n->n_attribute && s == NN_OK && !upsample; i++)
    {
      const attr_proto *a = n->attribute[i];
      const attr_input *ai;

      if (ignored_attr (op_type, a, im, p.name, &s))
        continue;
      if (nn_attr_find (nn_ops[p.op], str (a->name)) < 0
          && (ai = find_attr_input (op_type, str (a->name))) != NULL)
        s = attr_to_input (im, &p, a, ai);
      else if (n_later < (int) NN_N_ELEMENTS (later))
        later[n_later++] = a;
      else
        s = fail (im, NN_STATUS_UNSUPPORTED, "node '%s' has too many attributes", p.name);
    }
  if (s == NN_OK)
    s = with_path (im, nn_graph_add_node (im->g, nn_ops[p.op]->name, p.name,
                                          nn_scope_from_node_name (str (n->name), scope,
                                                                   sizeof scope),
                                          p.n_in, (const char *const *) p.in, p.n_out,
                                          p.out, &index, im->err));
  for (int i = 0; i < n_later && s == NN_OK; i++)
    s = set_attr (im, index, &p, later[i]);
  if (s == NN_OK && upsample)
    s = upsample_attrs (im, index, mode);
  if (s == NN_OK && n->doc_string != NULL && n->doc_string[0] != '\0')
    s = with_path (im, nn_graph_set_node_doc (im->g, index, n->doc_string, im->err));
  /* Softmax & co. before opset 13: 2-D coercion at axis (default 1) */
  if (s == NN_OK && im->opset < 13
      && (strcmp (op_type, "Softmax") == 0 || strcmp (op_type, "LogSoftmax") == 0
          || strcmp (op_type, "Hardmax") == 0))
    {
      const nn_attr_value *axis = &im->g->nodes[index].attrs[nn_attr_find (nn_ops[p.op], "axis")];

      if (!axis->set)
        s = with_path (im, nn_graph_set_attr_int (im->g, index, "axis", 1, im->err));
      legacy = true;
    }
  if (s == NN_OK && legacy)
    {
      int *l = realloc (im->legacy, (size_t) (im->n_legacy + 1) * sizeof *l);

      if (l == NULL)
        s = fail (im, NN_STATUS_NOMEM, "out of memory");
      else
        (im->legacy = l)[im->n_legacy++] = index;
    }
  plan_free (&p);
  return s;
}

/* ---------------------------------------------------------------- legacy softmax */

/* Node i (Softmax-like, axis a, 2-D coercion) reads x and writes y. Unless the dims from
 * axis on are one (the last, or the rest of size 1), it becomes
 * Flatten(x, axis) -> op(axis = -1) -> Reshape(shape of x) -> y. The shape is a constant
 * when x's type is known with at most one symbolic dim (as -1), else Shape(x). */
static nn_status
rewrite_legacy (importer *im, int i)
{
  nn_graph *g = im->g;
  nn_node *n = &g->nodes[i];
  int x = n->in[0], y = n->out[0];
  int ax_k = nn_attr_find (nn_ops[n->op], "axis");
  int64_t axis = n->attrs[ax_k].i, shape[NN_ARRAY_MAX_RANK];
  const nn_type xt = x >= 0 ? g->values[x].type : (nn_type) { 0 };
  char node_nm[300], flat[300], soft[300], shp[300], scope[256];
  const char *name = n->name;
  int n_symbolic = 0, idx;
  bool known = x >= 0 && g->values[x].typed;
  nn_status s;

  /* an omitted input: inference says so, naming the node */
  if (x < 0)
    return NN_OK;
  snprintf (node_nm, sizeof node_nm, "%s", name);
  snprintf (scope, sizeof scope, "%s", n->scope);
  if (known)
    {
      int32_t a = nn_axis_normalize (axis, xt.rank, false);
      bool trailing_ones = true;

      if (a < 0)
        return fail (im, NN_STATUS_INVALID_ARG, "node '%s' (%s): axis %lld is outside its "
                     "input's %d dimensions", name, nn_ops[n->op]->name, (long long) axis,
                     (int) xt.rank);
      for (int32_t d = a + 1; d < xt.rank; d++)
        trailing_ones = trailing_ones && xt.shape[d] == 1;
      if (trailing_ones)
        return with_path (im, nn_graph_set_attr_int (g, i, "axis", a, im->err));
      for (int32_t d = 0; d < xt.rank; d++)
        {
          shape[d] = xt.shape[d];
          if (shape[d] == NN_DIM_SYMBOLIC)
            n_symbolic++;
        }
      known = n_symbolic <= 1;
    }
  /* i now reads flat and writes soft; Flatten and Reshape go around it */
  fresh_name (im, g->values[x].name, "/flat", flat, sizeof flat);
  fresh_name (im, g->values[y].name, "/2d", soft, sizeof soft);
  if (nn_graph_intern_value (g, flat) < 0 || (idx = nn_graph_intern_value (g, soft)) < 0)
    return fail (im, NN_STATUS_NOMEM, "out of memory");
  n = &g->nodes[i];
  n->in[0] = nn_graph_value_index (g, flat);
  n->out[0] = idx;
  g->values[idx].producer = i;
  g->values[y].producer = -1;
  n->attrs[ax_k].i = -1;
  nn_graph_touch (g);
  {
    const char *fin[1] = { g->values[x].name }, *fout[1] = { flat };
    char nm[320];
    int f;

    snprintf (nm, sizeof nm, "%s/Flatten", node_nm);
    if ((s = with_path (im, nn_graph_add_node (g, "Flatten", nm, scope, 1, fin, 1, fout, &f,
                                               im->err))) != NN_OK
        || (s = with_path (im, nn_graph_set_attr_int (g, f, "axis", axis, im->err))) != NN_OK)
      return s;
  }
  fresh_name (im, g->values[x].name, "/shape", shp, sizeof shp);
  if (known)
    {
      for (int32_t d = 0; d < xt.rank; d++)
        shape[d] = shape[d] == NN_DIM_SYMBOLIC ? -1 : shape[d];
      if ((s = add_const (im, shp, ints_i64 ((size_t) xt.rank, shape))) != NN_OK)
        return s;
    }
  else
    {
      const char *sin[1] = { g->values[x].name }, *sout[1] = { shp };
      char nm[320];

      snprintf (nm, sizeof nm, "%s/Shape", node_nm);
      if ((s = with_path (im, nn_graph_add_node (g, "Shape", nm, scope, 1, sin, 1, sout, NULL,
                                                 im->err))) != NN_OK)
        return s;
    }
  {
    const char *rin[2] = { soft, shp }, *rout[1] = { g->values[y].name };
    char nm[320];

    snprintf (nm, sizeof nm, "%s/Reshape", node_nm);
    return with_path (im, nn_graph_add_node (g, "Reshape", nm, scope, 2, rin, 1, rout, NULL,
                                             im->err));
  }
}

/* ---------------------------------------------------------------- declared types */

/* Where the file declares a value's type (graph outputs, value_info) and inference can
 * tell it, they must agree: ranks, dtypes and the dims both know. A disagreement means
 * the file and Layerlab read an operator differently, so it is refused rather than run. */
static nn_status
check_declared (importer *im, const Onnx__ValueInfoProto *vi)
{
  const Onnx__TypeProto__Tensor *tt;
  const nn_type *t;
  char a[160], b[160];
  nn_type want;
  bool ok;
  int dtype;

  if (vi->type == NULL || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
      || (tt = vi->type->tensor_type) == NULL || tt->shape == NULL
      || (t = nn_graph_value_type (im->g, str (vi->name))) == NULL)
    return NN_OK;
  dtype = tt->has_elem_type ? dtype_for (tt->elem_type) : -1;
  ok = (size_t) t->rank == tt->shape->n_dim && (dtype < 0 || dtype == (int) t->dtype);
  want = *t;
  want.rank = (int32_t) tt->shape->n_dim;
  for (size_t d = 0; d < tt->shape->n_dim && d < NN_ARRAY_MAX_RANK; d++)
    {
      const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
      bool fixed = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;

      want.shape[d] = fixed ? dim->dim_value : NN_DIM_SYMBOLIC;
      if (fixed && ok && t->shape[d] != NN_DIM_SYMBOLIC && t->shape[d] != dim->dim_value)
        ok = false;
    }
  if (ok)
    return NN_OK;
  if (dtype >= 0)
    want.dtype = (nn_dtype) dtype;
  if (want.rank > NN_ARRAY_MAX_RANK)
    want.rank = NN_ARRAY_MAX_RANK;
  return fail (im, NN_STATUS_SHAPE, "the file declares '%s' as %s, but its node gives %s",
               str (vi->name), nn_type_format (&want, a, sizeof a),
               nn_type_format (t, b, sizeof b));
}

static nn_status
check_declared_types (importer *im)
{
  nn_error scratch;
  nn_status s = NN_OK;

  /* a graph whose shapes depend on run-time values does not infer: nothing to check */
  if (nn_graph_infer (im->g, &scratch) != NN_OK)
    return NN_OK;
  for (size_t i = 0; i < im->gp->n_output && s == NN_OK; i++)
    s = check_declared (im, im->gp->output[i]);
  for (size_t i = 0; i < im->gp->n_value_info && s == NN_OK; i++)
    s = check_declared (im, im->gp->value_info[i]);
  return s;
}

/* ---------------------------------------------------------------- model */

static nn_status
add_info (importer *im)
{
  const Onnx__ModelProto *m = im->file->model;
  nn_status s = NN_OK;

  nn_graph_set_versions (im->g, m->ir_version, m->has_model_version ? m->model_version : 0);
  for (size_t i = 0; i < m->n_opset_import && s == NN_OK; i++)
    s = nn_graph_add_opset (im->g, default_domain (m->opset_import[i]->domain) ? ""
                            : m->opset_import[i]->domain, m->opset_import[i]->version, im->err);
  if (s == NN_OK)
    s = nn_graph_set_info (im->g, "producer_name", str (m->producer_name), im->err);
  if (s == NN_OK)
    s = nn_graph_set_info (im->g, "producer_version", str (m->producer_version), im->err);
  if (s == NN_OK)
    s = nn_graph_set_info (im->g, "domain", str (m->domain), im->err);
  if (s == NN_OK)
    s = nn_graph_set_info (im->g, "doc_string", str (m->doc_string), im->err);
  if (s == NN_OK)
    s = nn_graph_set_info (im->g, "graph_name", str (im->gp->name), im->err);
  if (s == NN_OK)
    s = nn_graph_set_info (im->g, "graph_doc_string", str (im->gp->doc_string), im->err);
  for (size_t i = 0; i < m->n_metadata_props && s == NN_OK; i++)
    s = nn_graph_add_metadata (im->g, str (m->metadata_props[i]->key),
                               str (m->metadata_props[i]->value), im->err);
  return with_path (im, s);
}

static nn_status
build (importer *im)
{
  nn_status s;

  if ((s = check_supported (im)) != NN_OK || (s = add_info (im)) != NN_OK
      || (s = add_initializers (im)) != NN_OK || (s = add_inputs (im)) != NN_OK)
    return s;
  for (size_t i = 0; i < im->gp->n_node && s == NN_OK; i++)
    {
      const Onnx__NodeProto *n = im->gp->node[i];

      if (default_domain (n->domain) && strcmp (str (n->op_type), "Constant") == 0)
        s = add_constant_node (im, n);
      else
        s = add_node (im, n);
    }
  for (size_t i = 0; i < im->gp->n_output && s == NN_OK; i++)
    s = with_path (im, nn_graph_add_output (im->g, str (im->gp->output[i]->name), im->err));
  if (s == NN_OK)
    s = with_path (im, nn_graph_validate (im->g, im->err));
  if (s == NN_OK && im->n_legacy > 0)
    {
      nn_graph_propagate_types (im->g);
      for (int k = 0; k < im->n_legacy && s == NN_OK; k++)
        s = rewrite_legacy (im, im->legacy[k]);
      if (s == NN_OK)
        s = with_path (im, nn_graph_validate (im->g, im->err));
    }
  if (s == NN_OK)
    s = with_path (im, nn_graph_fold_constants (im->g, NULL, im->err));
  if (s == NN_OK)
    s = check_declared_types (im);
  return s;
}

static nn_status
import_file (nn_onnx_file *file, nn_graph **out, nn_error *err)
{
  importer im = { .file = file, .gp = file->model->graph, .err = err, .opset = file->opset };
  nn_status s;

  *out = NULL;
  if (im.gp == NULL)
    s = fail (&im, NN_STATUS_FORMAT, "the model has no graph");
  else if ((im.g = nn_graph_new ()) == NULL)
    s = fail (&im, NN_STATUS_NOMEM, "out of memory");
  else
    s = build (&im);
  free (im.legacy);
  if (s != NN_OK)
    nn_graph_free (im.g);
  else
    *out = im.g;
  nn_onnx_file_free (file);
  return s;
}

nn_status
nn_graph_open_onnx (const char *path, nn_graph **out, nn_error *err)
{
  nn_onnx_file *file = NULL;
  nn_status s = nn_onnx_file_open (path, &file, err);

  *out = NULL;
  return s != NN_OK ? s : import_file (file, out, err);
}

nn_status
nn_graph_open_onnx_bytes (const void *bytes, size_t n_bytes, const char *name,
                          nn_graph **out, nn_error *err)
{
  nn_onnx_file *file = NULL;
  nn_status s = nn_onnx_file_open_bytes (bytes, n_bytes, name, NULL, &file, err);

  *out = NULL;
  return s != NN_OK ? s : import_file (file, out, err);
}
