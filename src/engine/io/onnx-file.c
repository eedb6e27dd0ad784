/* onnx-file.c - reading ONNX files safely (see onnx-file.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include "config.h"

#include "onnx-file.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn-private.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "raw_data is little-endian; this reader copies it as it is"
#endif

/* ------------------------------------------------------------------ data types */

static const struct {
  const char *name;
  size_t size;
} onnx_types[] = {
  [ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED] = { "UNDEFINED", 0 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT] = { "FLOAT", 4 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__UINT8] = { "UINT8", 1 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__INT8] = { "INT8", 1 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__UINT16] = { "UINT16", 2 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__INT16] = { "INT16", 2 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__INT32] = { "INT32", 4 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__INT64] = { "INT64", 8 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__STRING] = { "STRING", 0 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__BOOL] = { "BOOL", 1 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16] = { "FLOAT16", 2 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE] = { "DOUBLE", 8 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__UINT32] = { "UINT32", 4 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__UINT64] = { "UINT64", 8 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX64] = { "COMPLEX64", 8 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX128] = { "COMPLEX128", 16 },
  [ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16] = { "BFLOAT16", 2 },
};

#define N_ONNX_TYPES ((int32_t) (sizeof onnx_types / sizeof onnx_types[0]))

size_t
nn_onnx_elem_size (int32_t data_type)
{
  return data_type >= 0 && data_type < N_ONNX_TYPES ? onnx_types[data_type].size : 0;
}

const char *
nn_onnx_type_name (int32_t data_type)
{
  return data_type >= 0 && data_type < N_ONNX_TYPES ? onnx_types[data_type].name : "?";
}

int64_t
nn_onnx_tensor_numel (const Onnx__TensorProto *t)
{
  int64_t n = 1;

  for (size_t i = 0; i < t->n_dims; i++)
    n *= t->dims[i];   /* checked in check_tensor: no overflow */
  return n;
}

/* Which typed field holds a tensor of this type, and how many of its entries an
 * element takes (complex numbers: two). */
typedef enum { FIELD_NONE, FIELD_FLOAT, FIELD_DOUBLE, FIELD_INT32, FIELD_INT64,
               FIELD_UINT64, FIELD_STRING } typed_field;

static typed_field
field_of (int32_t data_type, int64_t *per_elem)
{
  *per_elem = 1;
  switch (data_type)
    {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
      return FIELD_FLOAT;
    case ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX64:
      *per_elem = 2;
      return FIELD_FLOAT;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
      return FIELD_DOUBLE;
    case ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX128:
      *per_elem = 2;
      return FIELD_DOUBLE;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
      return FIELD_INT64;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
      return FIELD_UINT64;
    case ONNX__TENSOR_PROTO__DATA_TYPE__STRING:
      return FIELD_STRING;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16:
      return FIELD_INT32;
    default:
      return FIELD_NONE;
    }
}

static size_t
typed_count (const Onnx__TensorProto *t, typed_field field)
{
  switch (field)
    {
    case FIELD_FLOAT: return t->n_float_data;
    case FIELD_DOUBLE: return t->n_double_data;
    case FIELD_INT32: return t->n_int32_data;
    case FIELD_INT64: return t->n_int64_data;
    case FIELD_UINT64: return t->n_uint64_data;
    case FIELD_STRING: return t->n_string_data;
    case FIELD_NONE: break;
    }
  return 0;
}

static bool
is_external (const Onnx__TensorProto *t)
{
  return t->has_data_location
         && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
}

/* ------------------------------------------------------------------ reading context */

typedef struct {
  const char *name;     /* the file, first in every message */
  const char *dir;      /* resolved folder for external data, or NULL */
  nn_error *err;
} ctx;

#define FAIL(c, status, ...) nn_error_set ((c)->err, (status), -1, __VA_ARGS__)

/* ------------------------------------------------------------------ the wire check */

static bool
read_varint (const uint8_t **p, const uint8_t *end, uint64_t *value)
{
  uint64_t v = 0;

  for (int shift = 0; shift < 64 && *p < end; shift += 7)
    {
      uint8_t b = *(*p)++;

      v |= (uint64_t) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        {
          *value = v;
          return true;
        }
    }
  return false;
}

/* Walks the bytes of one message of type desc without unpacking it: every field's wire
 * format must be whole, and message fields are entered, at most NN_ONNX_MAX_DEPTH deep.
 * protobuf-c's unpack recurses once per nested message with no limit of its own, so a
 * small file of deeply nested attributes would otherwise overflow the stack. */
static nn_status
check_wire (const ctx *c, const uint8_t *p, const uint8_t *end,
            const ProtobufCMessageDescriptor *desc, int depth)
{
  if (depth > NN_ONNX_MAX_DEPTH)
    return FAIL (c, NN_STATUS_UNSUPPORTED, "%s: its messages nest more than %d deep; "
                 "no ONNX model needs that many", c->name, NN_ONNX_MAX_DEPTH);
  while (p < end)
    {
      uint64_t tag, len;
      const ProtobufCFieldDescriptor *f;

      if (!read_varint (&p, end, &tag) || (tag >> 3) == 0 || (tag >> 3) > INT_MAX)
        return FAIL (c, NN_STATUS_FORMAT, "%s: not a valid ONNX protobuf (a field tag is "
                     "broken at byte %td of its message); the file is corrupt or truncated",
                     c->name, (ptrdiff_t) (end - p));
      switch (tag & 7)
        {
        case 0:
          if (!read_varint (&p, end, &len))
            goto truncated;
          break;
        case 1:
          if (end - p < 8)
            goto truncated;
          p += 8;
          break;
        case 5:
          if (end - p < 4)
            goto truncated;
          p += 4;
          break;
        case 2:
          if (!read_varint (&p, end, &len) || len > (uint64_t) (end - p))
            goto truncated;
          f = desc != NULL ? protobuf_c_message_descriptor_get_field (desc, (unsigned) (tag >> 3))
                           : NULL;
          if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE)
            {
              nn_status s = check_wire (c, p, p + len, f->descriptor, depth + 1);

              if (s != NN_OK)
                return s;
            }
          p += len;
          break;
        default:
          return FAIL (c, NN_STATUS_FORMAT, "%s: not a valid ONNX protobuf (wire type %u, "
                       "which ONNX does not use); the file is corrupt", c->name,
                       (unsigned) (tag & 7));
        }
    }
  return NN_OK;

truncated:
  return FAIL (c, NN_STATUS_FORMAT, "%s: not a valid ONNX protobuf (a field runs past the "
               "end of its message); the file is corrupt or truncated", c->name);
}

/* ------------------------------------------------------------------ counted allocation */

/* protobuf-c allocates through the file, which refuses more than mem_limit in all; each
 * block carries its size for the count */
typedef union {
  size_t size;
  max_align_t align;
} block_header;

static void *
counted_alloc (void *data, size_t size)
{
  nn_onnx_file *f = data;
  block_header *h;

  if (size > f->mem_limit - f->mem_used || size > SIZE_MAX - sizeof *h
      || (h = malloc (sizeof *h + size)) == NULL)
    {
      f->mem_refused = true;
      return NULL;
    }
  h->size = size;
  f->mem_used += size;
  return h + 1;
}

static void
counted_free (void *data, void *ptr)
{
  nn_onnx_file *f = data;
  block_header *h;

  if (ptr == NULL)
    return;
  h = (block_header *) ptr - 1;
  f->mem_used -= h->size;
  free (h);
}

/* ------------------------------------------------------------------ semantic checks */

static nn_status check_graph (const ctx *c, const Onnx__GraphProto *g, const char *where);

/* "location" etc. of a tensor's external_data; NULL when absent */
static const char *
external_value (const Onnx__TensorProto *t, const char *key)
{
  for (size_t i = 0; i < t->n_external_data; i++)
    if (t->external_data[i]->key != NULL && strcmp (t->external_data[i]->key, key) == 0)
      return t->external_data[i]->value;
  return NULL;
}

static bool
parse_offset (const char *text, int64_t *value)
{
  char *end;
  long long v;

  if (text == NULL)
    {
      *value = -1;
      return true;
    }
  if (text[0] < '0' || text[0] > '9')
    return false;
  errno = 0;
  v = strtoll (text, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0)
    return false;
  *value = v;
  return true;
}

/* The resolved path of a tensor's external file, which must stay in c->dir: a relative
 * location without "..", whose real path (symbolic links followed) is in the folder.
 * malloc'd; NULL with the error set. */
static char *
external_path (const ctx *c, const Onnx__TensorProto *t, const char *where)
{
  const char *location = external_value (t, "location");
  char *joined, *real;
  size_t dir_len;

  if (location == NULL || location[0] == '\0')
    {
      FAIL (c, NN_STATUS_FORMAT, "%s: %s keeps its data in an external file but names none "
            "(no \"location\")", c->name, where);
      return NULL;
    }
  if (location[0] == '/' || strcmp (location, "..") == 0 || strncmp (location, "../", 3) == 0
      || strstr (location, "/../") != NULL
      || (strlen (location) >= 3 && strcmp (location + strlen (location) - 3, "/..") == 0))
    {
      FAIL (c, NN_STATUS_FORMAT, "%s: %s keeps its data in \"%s\", outside the model's folder; "
            "external data must be a file beside the model or below it", c->name, where,
            location);
      return NULL;
    }
  if (c->dir == NULL)
    {
      FAIL (c, NN_STATUS_UNSUPPORTED, "%s: %s keeps its data in the external file \"%s\", "
            "which cannot be reached from here", c->name, where, location);
      return NULL;
    }
  dir_len = strlen (c->dir);
  joined = malloc (dir_len + 1 + strlen (location) + 1);
  if (joined == NULL)
    {
      FAIL (c, NN_STATUS_NOMEM, "%s: out of memory", c->name);
      return NULL;
    }
  sprintf (joined, "%s/%s", c->dir, location);
  real = realpath (joined, NULL);
  if (real == NULL)
    {
      FAIL (c, NN_STATUS_IO, "%s: %s keeps its data in \"%s\", which cannot be opened: %s",
            c->name, where, location, strerror (errno));
      free (joined);
      return NULL;
    }
  free (joined);
  if (strncmp (real, c->dir, dir_len) != 0 || (real[dir_len] != '/' && strcmp (c->dir, "/") != 0))
    {
      FAIL (c, NN_STATUS_FORMAT, "%s: %s keeps its data in \"%s\", a link that leads out of the "
            "model's folder (to %s); external data must stay in it", c->name, where, location,
            real);
      free (real);
      return NULL;
    }
  return real;
}

/* Where an external tensor's bytes are: *offset and the file, checked to hold bytes. */
static nn_status
external_extent (const ctx *c, const Onnx__TensorProto *t, const char *where, uint64_t bytes,
                 char **path_out, int64_t *offset_out)
{
  int64_t offset, length;
  struct stat st;
  char *path;

  if (!parse_offset (external_value (t, "offset"), &offset)
      || !parse_offset (external_value (t, "length"), &length))
    return FAIL (c, NN_STATUS_FORMAT, "%s: %s gives an external \"offset\" or \"length\" that "
                 "is not a whole number of bytes", c->name, where);
  if (offset < 0)
    offset = 0;
  if (length >= 0 && (uint64_t) length != bytes)
    return FAIL (c, NN_STATUS_FORMAT, "%s: %s: its external data is %lld bytes long, but its "
                 "dims and type make %llu", c->name, where, (long long) length,
                 (unsigned long long) bytes);
  if ((path = external_path (c, t, where)) == NULL)
    return c->err != NULL ? c->err->status : NN_STATUS_FORMAT;
  if (stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    {
      free (path);
      return FAIL (c, NN_STATUS_IO, "%s: %s: its external data \"%s\" is not a regular file",
                   c->name, where, external_value (t, "location"));
    }
  if ((uint64_t) st.st_size < (uint64_t) offset || (uint64_t) st.st_size - (uint64_t) offset < bytes)
    {
      free (path);
      return FAIL (c, NN_STATUS_FORMAT, "%s: %s: its external data needs %llu bytes from offset "
                   "%lld of \"%s\", which has %lld", c->name, where, (unsigned long long) bytes,
                   (long long) offset, external_value (t, "location"), (long long) st.st_size);
    }
  if (path_out != NULL)
    *path_out = path;
  else
    free (path);
  *offset_out = offset;
  return NN_OK;
}

static nn_status
check_tensor (const ctx *c, const Onnx__TensorProto *t, const char *where)
{
  int32_t type = t->has_data_type ? t->data_type : 0;
  size_t elem = nn_onnx_elem_size (type);
  int64_t numel = 1, per_elem, offset;
  uint64_t bytes;
  typed_field field = field_of (type, &per_elem);

  if (field == FIELD_NONE)
    return FAIL (c, NN_STATUS_FORMAT, "%s: %s has data type %d, which is not an ONNX tensor "
                 "type", c->name, where, (int) type);
  if (t->n_dims > NN_ONNX_MAX_RANK)
    return FAIL (c, NN_STATUS_UNSUPPORTED, "%s: %s has %zu dimensions; Layerlab's tensors "
                 "have at most %d", c->name, where, t->n_dims, NN_ONNX_MAX_RANK);
  for (size_t i = 0; i < t->n_dims; i++)
    {
      if (t->dims[i] < 0)
        return FAIL (c, NN_STATUS_FORMAT, "%s: %s has a negative dimension (%lld)", c->name,
                     where, (long long) t->dims[i]);
      if (t->dims[i] > 0 && numel > INT64_MAX / t->dims[i])
        return FAIL (c, NN_STATUS_TOO_LARGE, "%s: %s has dims whose product overflows",
                     c->name, where);
      numel *= t->dims[i];
    }
  if (t->segment != NULL)
    return FAIL (c, NN_STATUS_UNSUPPORTED, "%s: %s is stored in segments, which Layerlab does "
                 "not read", c->name, where);
  if (field == FIELD_STRING)
    {
      if ((uint64_t) t->n_string_data != (uint64_t) numel)
        return FAIL (c, NN_STATUS_FORMAT, "%s: %s holds %zu strings for %lld elements", c->name,
                     where, t->n_string_data, (long long) numel);
      return NN_OK;
    }
  if ((uint64_t) numel > nn_memory_budget () / elem)
    return FAIL (c, NN_STATUS_TOO_LARGE, "%s: %s has %lld elements of %s (%.3g GB), more than "
                 "the memory budget of %.3g GB", c->name, where, (long long) numel,
                 nn_onnx_type_name (type), (double) numel * (double) elem / 1e9,
                 (double) nn_memory_budget () / 1e9);
  bytes = (uint64_t) numel * elem;
  if (is_external (t))
    return external_extent (c, t, where, bytes, NULL, &offset);
  if (t->has_raw_data || t->raw_data.len > 0)
    {
      if ((uint64_t) t->raw_data.len != bytes)
        return FAIL (c, NN_STATUS_FORMAT, "%s: %s holds %zu bytes of raw data, but its dims "
                     "and type (%lld x %s) make %llu", c->name, where, t->raw_data.len,
                     (long long) numel, nn_onnx_type_name (type), (unsigned long long) bytes);
      return NN_OK;
    }
  if ((uint64_t) typed_count (t, field) != (uint64_t) numel * (uint64_t) per_elem)
    return FAIL (c, NN_STATUS_FORMAT, "%s: %s holds %zu values for its %lld elements", c->name,
                 where, typed_count (t, field), (long long) numel);
  return NN_OK;
}

/* A readable "where" for messages: "graph 'g', node 'Conv_0' (Conv), attribute 'value'" */
static char *
where_printf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static char *
where_printf (const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&s, fmt, ap);
  va_end (ap);
  return n < 0 ? NULL : s;
}

static const char *
or_unnamed (const char *name)
{
  return name != NULL && name[0] != '\0' ? name : "(unnamed)";
}

static nn_status
check_attribute (const ctx *c, const Onnx__AttributeProto *a, const char *node_where)
{
  char *where = where_printf ("%s, attribute '%s'", node_where, or_unnamed (a->name));
  nn_status s = NN_OK;

  if (where == NULL)
    return FAIL (c, NN_STATUS_NOMEM, "%s: out of memory", c->name);
  if (a->t != NULL)
    s = check_tensor (c, a->t, where);
  for (size_t i = 0; s == NN_OK && i < a->n_tensors; i++)
    s = check_tensor (c, a->tensors[i], where);
  if (s == NN_OK && a->g != NULL)
    s = check_graph (c, a->g, where);
  for (size_t i = 0; s == NN_OK && i < a->n_graphs; i++)
    s = check_graph (c, a->graphs[i], where);
  free (where);
  return s;
}

static nn_status
check_nodes (const ctx *c, Onnx__NodeProto *const *nodes, size_t n, const char *graph_where)
{
  for (size_t i = 0; i < n; i++)
    {
      const Onnx__NodeProto *node = nodes[i];
      char *where = where_printf ("%s, node %zu '%s' (%s)", graph_where, i,
                                  or_unnamed (node->name), or_unnamed (node->op_type));
      nn_status s = NN_OK;

      if (where == NULL)
        return FAIL (c, NN_STATUS_NOMEM, "%s: out of memory", c->name);
      for (size_t j = 0; s == NN_OK && j < node->n_attribute; j++)
        s = check_attribute (c, node->attribute[j], where);
      free (where);
      if (s != NN_OK)
        return s;
    }
  return NN_OK;
}

static nn_status
check_graph (const ctx *c, const Onnx__GraphProto *g, const char *outer)
{
  char *where = outer != NULL ? where_printf ("%s, graph '%s'", outer, or_unnamed (g->name))
                              : where_printf ("graph '%s'", or_unnamed (g->name));
  nn_status s = NN_OK;

  if (where == NULL)
    return FAIL (c, NN_STATUS_NOMEM, "%s: out of memory", c->name);
  for (size_t i = 0; s == NN_OK && i < g->n_initializer; i++)
    {
      char *w = where_printf ("%s, initializer '%s'", where, or_unnamed (g->initializer[i]->name));

      s = w != NULL ? check_tensor (c, g->initializer[i], w)
                    : FAIL (c, NN_STATUS_NOMEM, "%s: out of memory", c->name);
      free (w);
    }
  if (s == NN_OK && g->n_sparse_initializer > 0)
    s = FAIL (c, NN_STATUS_UNSUPPORTED, "%s: %s has sparse initializers, which Layerlab does "
              "not read", c->name, where);
  if (s == NN_OK)
    s = check_nodes (c, g->node, g->n_node, where);
  free (where);
  return s;
}

static nn_status
check_model (const ctx *c, const Onnx__ModelProto *m, int64_t *opset)
{
  bool found = false;

  if (!m->has_ir_version)
    return FAIL (c, NN_STATUS_FORMAT, "%s: not an ONNX model (it has no IR version)", c->name);
  if (m->ir_version < NN_ONNX_MIN_IR_VERSION || m->ir_version > NN_ONNX_MAX_IR_VERSION)
    return FAIL (c, NN_STATUS_UNSUPPORTED, "%s: ONNX IR version %lld; Layerlab reads IR versions "
                 "%d to %d (ONNX 1.2 to 1.12)", c->name, (long long) m->ir_version,
                 NN_ONNX_MIN_IR_VERSION, NN_ONNX_MAX_IR_VERSION);
  for (size_t i = 0; i < m->n_opset_import; i++)
    {
      const Onnx__OperatorSetIdProto *o = m->opset_import[i];

      if (o->domain == NULL || o->domain[0] == '\0' || strcmp (o->domain, "ai.onnx") == 0)
        {
          found = true;
          *opset = o->has_version ? o->version : 0;
        }
    }
  if (!found)
    return FAIL (c, NN_STATUS_FORMAT, "%s: the model imports no opset of the ONNX operators "
                 "(opset_import has no default domain)", c->name);
  if (*opset < NN_ONNX_MIN_OPSET || *opset > NN_ONNX_MAX_OPSET)
    return FAIL (c, NN_STATUS_UNSUPPORTED, "%s: the model uses opset %lld of the ONNX operators; "
                 "Layerlab reads opsets %d to %d", c->name, (long long) *opset,
                 NN_ONNX_MIN_OPSET, NN_ONNX_MAX_OPSET);
  if (m->graph == NULL)
    return FAIL (c, NN_STATUS_FORMAT, "%s: the model holds no graph", c->name);
  for (size_t i = 0; i < m->n_functions; i++)
    {
      char *where = where_printf ("function '%s'", or_unnamed (m->functions[i]->name));
      nn_status s = where != NULL
                    ? check_nodes (c, m->functions[i]->node, m->functions[i]->n_node, where)
                    : FAIL (c, NN_STATUS_NOMEM, "%s: out of memory", c->name);

      free (where);
      if (s != NN_OK)
        return s;
    }
  return check_graph (c, m->graph, NULL);
}

/* ------------------------------------------------------------------ open and free */

static char *
dup_string (const char *s)
{
  size_t n = strlen (s) + 1;
  char *d = malloc (n);

  if (d != NULL)
    memcpy (d, s, n);
  return d;
}

void
nn_onnx_file_free (nn_onnx_file *file)
{
  if (file == NULL)
    return;
  if (file->model != NULL)
    onnx__model_proto__free_unpacked (file->model, &file->allocator);
  free (file->path);
  free (file->dir);
  free (file);
}

nn_status
nn_onnx_file_open_bytes (const void *bytes, size_t n_bytes, const char *name, const char *dir,
                         nn_onnx_file **out, nn_error *err)
{
  nn_onnx_file *file;
  ctx c = { name, NULL, err };
  nn_status s;

  *out = NULL;
  if ((uint64_t) n_bytes > NN_ONNX_MAX_FILE_BYTES)
    return FAIL (&c, NN_STATUS_TOO_LARGE, "%s: %zu bytes, more than the 2 GiB an ONNX file can "
                 "hold (larger models keep their weights in external data)", name, n_bytes);
  if ((s = check_wire (&c, bytes, (const uint8_t *) bytes + n_bytes,
                       &onnx__model_proto__descriptor, 0)) != NN_OK)
    return s;
  if ((file = calloc (1, sizeof *file)) == NULL || (file->path = dup_string (name)) == NULL)
    {
      nn_onnx_file_free (file);
      return FAIL (&c, NN_STATUS_NOMEM, "%s: out of memory", name);
    }
  if (dir != NULL && (file->dir = realpath (dir, NULL)) == NULL)
    {
      s = FAIL (&c, NN_STATUS_IO, "%s: cannot resolve the model's folder %s: %s", name, dir,
                strerror (errno));
      nn_onnx_file_free (file);
      return s;
    }
  c.dir = file->dir;
  /* the unpacked messages take a few times the file's size (a pointer and a header per
   * repeated entry); more than 8x plus 64 MiB is a file built to exhaust memory */
  file->allocator = (ProtobufCAllocator) { counted_alloc, counted_free, file };
  file->mem_limit = n_bytes < (SIZE_MAX - ((size_t) 64 << 20)) / 8
                    ? n_bytes * 8 + ((size_t) 64 << 20) : SIZE_MAX;
  if ((uint64_t) file->mem_limit > nn_memory_budget ())
    file->mem_limit = (size_t) nn_memory_budget ();
  file->model = onnx__model_proto__unpack (&file->allocator, n_bytes, bytes);
  if (file->model == NULL)
    {
      s = file->mem_refused
          ? FAIL (&c, NN_STATUS_TOO_LARGE, "%s: reading it would take more than %.3g MB of "
                  "memory", name, (double) file->mem_limit / 1e6)
          : FAIL (&c, NN_STATUS_FORMAT, "%s: not a valid ONNX model (a field has the wrong "
                  "type or length; the file is corrupt or not ONNX)", name);
      nn_onnx_file_free (file);
      return s;
    }
  if ((s = check_model (&c, file->model, &file->opset)) != NN_OK)
    {
      nn_onnx_file_free (file);
      return s;
    }
  *out = file;
  return NN_OK;
}

nn_status
nn_onnx_file_open (const char *path, nn_onnx_file **out, nn_error *err)
{
  ctx c = { path, NULL, err };
  FILE *fp;
  struct stat st;
  unsigned char *bytes;
  char *dir, *slash;
  nn_status s;

  *out = NULL;
  if ((fp = fopen (path, "rb")) == NULL)
    return FAIL (&c, NN_STATUS_IO, "%s: cannot open: %s", path, strerror (errno));
  if (fstat (fileno (fp), &st) != 0 || !S_ISREG (st.st_mode))
    {
      fclose (fp);
      return FAIL (&c, NN_STATUS_IO, "%s: not a regular file", path);
    }
  if ((uint64_t) st.st_size > NN_ONNX_MAX_FILE_BYTES)
    {
      fclose (fp);
      return FAIL (&c, NN_STATUS_TOO_LARGE, "%s: %lld bytes, more than the 2 GiB an ONNX file "
                   "can hold (larger models keep their weights in external data)", path,
                   (long long) st.st_size);
    }
  if ((uint64_t) st.st_size > nn_memory_budget ()
      || (bytes = malloc (st.st_size > 0 ? (size_t) st.st_size : 1)) == NULL)
    {
      fclose (fp);
      return FAIL (&c, NN_STATUS_TOO_LARGE, "%s: %lld bytes do not fit in the memory budget",
                   path, (long long) st.st_size);
    }
  if (fread (bytes, 1, (size_t) st.st_size, fp) != (size_t) st.st_size)
    {
      free (bytes);
      fclose (fp);
      return FAIL (&c, NN_STATUS_IO, "%s: cannot read: %s", path,
                   errno != 0 ? strerror (errno) : "it ended early");
    }
  fclose (fp);
  /* external data is resolved in the model's folder */
  if ((dir = dup_string (path)) == NULL)
    {
      free (bytes);
      return FAIL (&c, NN_STATUS_NOMEM, "%s: out of memory", path);
    }
  slash = strrchr (dir, '/');
  if (slash == NULL)
    strcpy (dir, ".");
  else if (slash == dir)
    dir[1] = '\0';
  else
    *slash = '\0';
  s = nn_onnx_file_open_bytes (bytes, (size_t) st.st_size, path, dir, out, err);
  free (dir);
  free (bytes);
  return s;
}

/* ------------------------------------------------------------------ tensor data */

/* numel entries of a typed field into dst, converted to the tensor's type as
 * onnx.numpy_helper.to_array does (narrow integers wrap, bool is "not zero",
 * float16 and bfloat16 are the low 16 bits) */
static void
copy_typed (const Onnx__TensorProto *t, int32_t type, typed_field field, int64_t n, void *dst)
{
  size_t elem = nn_onnx_elem_size (type);

  if (n == 0)   /* an empty field's pointer may be NULL */
    return;
  switch (field)
    {
    case FIELD_FLOAT:
      memcpy (dst, t->float_data, (size_t) n * elem);
      break;
    case FIELD_DOUBLE:
      memcpy (dst, t->double_data, (size_t) n * elem);
      break;
    case FIELD_INT64:
      memcpy (dst, t->int64_data, (size_t) n * elem);
      break;
    case FIELD_UINT64:
      for (int64_t i = 0; i < n; i++)
        {
          if (type == ONNX__TENSOR_PROTO__DATA_TYPE__UINT32)
            ((uint32_t *) dst)[i] = (uint32_t) t->uint64_data[i];
          else
            ((uint64_t *) dst)[i] = t->uint64_data[i];
        }
      break;
    case FIELD_INT32:
      for (int64_t i = 0; i < n; i++)
        {
          int32_t v = t->int32_data[i];

          switch (elem)
            {
            case 4:
              ((int32_t *) dst)[i] = v;
              break;
            case 2:
              ((uint16_t *) dst)[i] = (uint16_t) v;
              break;
            default:
              ((uint8_t *) dst)[i] = type == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL ? v != 0
                                                                                : (uint8_t) v;
              break;
            }
        }
      break;
    case FIELD_STRING:
    case FIELD_NONE:
      break;
    }
}

nn_status
nn_onnx_tensor_read (const nn_onnx_file *file, const Onnx__TensorProto *t, void *dst,
                     size_t size, nn_error *err)
{
  ctx c = { file->path, file->dir, err };
  int32_t type = t->has_data_type ? t->data_type : 0;
  int64_t numel = nn_onnx_tensor_numel (t), per_elem, offset;
  typed_field field = field_of (type, &per_elem);
  size_t bytes = (size_t) numel * nn_onnx_elem_size (type);
  const char *name = or_unnamed (t->name);

  if (field == FIELD_STRING || field == FIELD_NONE)
    return FAIL (&c, NN_STATUS_UNSUPPORTED, "%s: tensor '%s' holds %s values, which Layerlab "
                 "does not compute with", c.name, name, nn_onnx_type_name (type));
  if (size < bytes)
    return FAIL (&c, NN_STATUS_INVALID_ARG, "%s: tensor '%s' needs %zu bytes, given %zu",
                 c.name, name, bytes, size);
  if (is_external (t))
    {
      char *path = NULL, *where = where_printf ("tensor '%s'", name);
      nn_status s = where != NULL ? external_extent (&c, t, where, bytes, &path, &offset)
                                  : FAIL (&c, NN_STATUS_NOMEM, "%s: out of memory", c.name);
      FILE *fp;

      free (where);
      if (s != NN_OK)
        return s;
      fp = fopen (path, "rb");
      if (fp == NULL || fseeko (fp, (off_t) offset, SEEK_SET) != 0
          || fread (dst, 1, bytes, fp) != bytes)
        s = FAIL (&c, NN_STATUS_IO, "%s: tensor '%s': cannot read its external data from %s",
                  c.name, name, path);
      if (fp != NULL)
        fclose (fp);
      free (path);
      return s;
    }
  if (t->has_raw_data || t->raw_data.len > 0)
    {
      if (t->raw_data.len != bytes)
        return FAIL (&c, NN_STATUS_FORMAT, "%s: tensor '%s' holds %zu bytes of raw data for "
                     "%zu", c.name, name, t->raw_data.len, bytes);
      if (bytes > 0)   /* an empty tensor's raw_data.data may be NULL */
        memcpy (dst, t->raw_data.data, bytes);
      return NN_OK;
    }
  if ((uint64_t) typed_count (t, field) != (uint64_t) numel * (uint64_t) per_elem)
    return FAIL (&c, NN_STATUS_FORMAT, "%s: tensor '%s' holds %zu values for %lld elements",
                 c.name, name, typed_count (t, field), (long long) numel);
  copy_typed (t, type, field, numel, dst);
  return NN_OK;
}
