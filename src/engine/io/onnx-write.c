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

/* A ValueInfoProto of value v: its name and, when known, its type. */
static Onnx__ValueInfoProto *
value_info (arena *a, const nn_value *v, bool with_type)
{
  Onnx__ValueInfoProto *vi = ARENA_NEW (a, Onnx__ValueInfoProto, ONNX__VALUE_INFO_PROTO__INIT);
  Onnx__TypeProto *tp;
  Onnx__TypeProto__Tensor *tt;
  Onnx__TensorShapeProto *shape;

  if (vi == NULL)
    return NULL;
  vi->name = v->name;
  if (!with_type || !v->typed)
    return vi;
  tp = ARENA_NEW (a, Onnx__TypeProto, ONNX__TYPE_PROTO__INIT);
  tt = ARENA_NEW (a, Onnx__TypeProto__Tensor, ONNX__TYPE_PROTO__TENSOR__INIT);
  shape = ARENA_NEW (a, Onnx__TensorShapeProto, ONNX__TENSOR_SHAPE_PROTO__INIT);
  if (tp == NULL || tt == NULL || shape == NULL)
    return NULL;
  shape->n_dim = (size_t) v->type.rank;
  shape->dim = arena_alloc (a, shape->n_dim, sizeof *shape->dim);
  for (size_t i = 0; shape->dim != NULL && i < shape->n_dim; i++)
    {
      Onnx__TensorShapeProto__Dimension *d
        = ARENA_NEW (a, Onnx__TensorShapeProto__Dimension,
                     ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT);

      if ((shape->dim[i] = d) == NULL)
        return NULL;
      if (v->type.shape[i] == NN_DIM_SYMBOLIC)
        {
          d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
          d->dim_param = "N";
        }
      else
        {
          d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
          d->dim_value = v->type.shape[i];
        }
    }
  tt->has_elem_type = true;
  tt->elem_type = onnx_type_of (v->type.dtype);
  tt->shape = shape;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  vi->type = tp;
  return a->failed ? NULL : vi;
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

static Onnx__NodeProto *
node_proto (arena *a, const nn_graph *g, const nn_node *n)
{
  Onnx__NodeProto *np = ARENA_NEW (a, Onnx__NodeProto, ONNX__NODE_PROTO__INIT);
  const nn_op *op = nn_ops[n->op];
  size_t n_attrs = 0;

  if (np == NULL)
    return NULL;
  np->op_type = (char *) op->name;
  np->name = n->name;
  np->n_input = (size_t) n->n_in;
  np->input = arena_alloc (a, np->n_input, sizeof *np->input);
  np->n_output = (size_t) n->n_out;
  np->output = arena_alloc (a, np->n_output, sizeof *np->output);
  np->attribute = arena_alloc (a, (size_t) op->n_attrs, sizeof *np->attribute);
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
  arena a = { 0 };
  Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
  Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
  Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  Onnx__OperatorSetIdProto *opsets[1] = { &opset };
  nn_error infer_err;
  bool typed, external;
  uint64_t weight_bytes = 0;
  int64_t *offsets = NULL;
  ext_plan ext = { 0 };
  const int *order;
  nn_save_temp t;
  fd_sink *sink = NULL;
  nn_status st;

  if (opts == NULL)
    opts = &defaults;
  if ((st = nn_graph_validate (g, &infer_err)) != NN_OK)
    return nn_error_set (err, st, infer_err.layer, "%s: cannot save: %s", path,
                         infer_err.message);
  /* a graph being edited may not infer; it is saved all the same, without shapes */
  typed = nn_graph_infer (g, &infer_err) == NN_OK;
  order = nn_graph_order (g);

  opset.domain = "";
  opset.has_version = true;
  opset.version = opts->opset > 0 ? opts->opset : NN_ONNX_MAX_OPSET;
  if (opset.version < NN_ONNX_MIN_OPSET || opset.version > NN_ONNX_MAX_OPSET)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s: opset %lld; Layerlab writes "
                         "opsets %d to %d", path, (long long) opset.version, NN_ONNX_MIN_OPSET,
                         NN_ONNX_MAX_OPSET);
  model.has_ir_version = true;
  model.ir_version = ir_version_for_opset (opset.version);
  model.n_opset_import = 1;
  model.opset_import = opsets;
  model.producer_name = "Layerlab";
  model.producer_version = PACKAGE_VERSION;
  model.graph = &graph;
  graph.name = (char *) (opts->graph_name != NULL ? opts->graph_name : "layerlab");

  for (int i = 0; i < g->n_values; i++)
    if (g->values[i].init != NULL)
      weight_bytes += nn_array_bytes (g->values[i].init);
  external = opts->external_data || weight_bytes > INLINE_LIMIT;

  offsets = arena_alloc (&a, (size_t) g->n_values, sizeof *offsets);
  graph.node = arena_alloc (&a, (size_t) g->n_nodes, sizeof *graph.node);
  graph.input = arena_alloc (&a, (size_t) g->n_inputs, sizeof *graph.input);
  graph.output = arena_alloc (&a, (size_t) g->n_outputs, sizeof *graph.output);
  graph.initializer = arena_alloc (&a, (size_t) g->n_values, sizeof *graph.initializer);
  graph.value_info = arena_alloc (&a, (size_t) g->n_values, sizeof *graph.value_info);
  if (external)
    ext.location = data_file_name (&a, path);
  for (int k = 0; !a.failed && k < g->n_nodes; k++)
    graph.node[graph.n_node++] = node_proto (&a, g, &g->nodes[order[k]]);
  for (int k = 0; !a.failed && k < g->n_inputs; k++)
    graph.input[graph.n_input++] = value_info (&a, &g->values[g->inputs[k]], true);
  for (int k = 0; !a.failed && k < g->n_outputs; k++)
    graph.output[graph.n_output++] = value_info (&a, &g->values[g->outputs[k]], typed);
  for (int i = 0; !a.failed && i < g->n_values; i++)
    {
      const nn_value *v = &g->values[i];

      offsets[i] = -1;
      if (v->init != NULL)
        graph.initializer[graph.n_initializer++]
          = tensor_proto (&a, v, external ? &ext : NULL, &offsets[i]);
      else if (typed && v->input < 0 && v->producer >= 0 && v->typed)
        {
          bool is_output = false;

          for (int k = 0; k < g->n_outputs; k++)
            is_output |= g->outputs[k] == i;
          if (!is_output)
            graph.value_info[graph.n_value_info++] = value_info (&a, v, true);
        }
    }
  if (a.failed)
    {
      arena_free (&a);
      return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
    }
  if (protobuf_c_message_get_packed_size (&model.base) > NN_ONNX_MAX_FILE_BYTES)
    {
      arena_free (&a);
      return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%s: the model's structure alone "
                           "takes more than the 2 GiB an ONNX file can hold", path);
    }

  if (external && (st = write_external (g, path, ext.location, offsets, err)) != NN_OK)
    {
      arena_free (&a);
      return st;
    }
  if ((sink = malloc (sizeof *sink)) == NULL)
    {
      arena_free (&a);
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
  arena_free (&a);
  return st;
}
