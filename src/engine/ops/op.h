/* ops/op.h - what an operator is: attribute schema, inference, kernel, cost
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One nn_op per operator, defined in the file of its family (ops/unary.c, ops/conv.c,
 * ...) and listed once in ops/ops.def. The graph code (graph/) knows operators only
 * through this struct: attributes are set, defaulted and checked generically from the
 * schema (graph/attr.c), inference and kernels get an nn_op_ctx.
 */
#ifndef NN_OPS_OP_H
#define NN_OPS_OP_H

#include <assert.h>

#include "nn-graph.h"

#define NN_N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

typedef enum nn_attr_kind {
  NN_ATTR_INT,
  NN_ATTR_FLOAT,
  NN_ATTR_INTS,
  NN_ATTR_STRING,
} nn_attr_kind;

#define NN_ATTR_MAX_INTS 16
#define NN_ATTR_MAX_STRING 32

typedef struct nn_attr_schema {
  const char *name;     /* ONNX */
  const char *torch;    /* PyTorch argument, for display; NULL when it has none */
  nn_attr_kind kind;
  int64_t def_i;        /* INT default */
  double def_f;         /* FLOAT default */
  const char *def_s;    /* STRING default */
  /* INT and every element of INTS: checked against [min, max] when min < max */
  int64_t min, max;
  const char *choices;  /* STRING: the allowed values, "|"-separated; NULL for any */
} nn_attr_schema;

/* A node's value of one attribute (INTS defaults to empty: the operator decides). */
typedef struct nn_attr_value {
  bool set;             /* given by the model, not the default */
  int64_t i;
  double f;
  int32_t n;
  int64_t ints[NN_ATTR_MAX_INTS];
  char s[NN_ATTR_MAX_STRING];
} nn_attr_value;

typedef struct nn_op nn_op;

/* What inference and kernels see of one node. */
typedef struct nn_op_ctx {
  const nn_op *op;
  const char *name;                 /* the node's name, for messages */
  int node;                         /* its index */
  const nn_attr_value *attrs;       /* op->n_attrs entries, in schema order */
  int n_in, n_out;
  const nn_type *in[NN_NODE_MAX_IO];        /* NULL for an omitted optional input */
  /* values known now: initializers during nn_graph_infer, every input while running */
  const nn_array *value[NN_NODE_MAX_IO];
  nn_type *out[NN_NODE_MAX_IO];             /* inference fills them */
  nn_array *y[NN_NODE_MAX_IO];              /* forward: allocated from out[] */
} nn_op_ctx;

struct nn_op {
  const char *name;     /* ONNX op_type */
  const char *torch;    /* PyTorch module (or function) it corresponds to */
  int min_in, max_in, min_out, max_out;
  const nn_attr_schema *attrs;
  int n_attrs;
  /* dtypes and shapes of the outputs from the inputs' (symbolic dims allowed) */
  nn_status (*infer) (const nn_op_ctx *ctx, nn_error *err);
  /* y[] from value[], with out[] the concrete inferred types */
  nn_status (*forward) (const nn_op_ctx *ctx, nn_error *err);
  /* multiply-accumulates of one sample; NULL for ops that count as none */
  int64_t (*macs) (const nn_op_ctx *ctx);
};

/* sets err with "node 'NAME' (Op): " before the message */
nn_status nn_op_fail (const nn_op_ctx *ctx, nn_error *err, nn_status status,
                      const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

/* attribute access by schema index */
static inline int64_t
nn_attr_i (const nn_op_ctx *ctx, int k)
{
  return ctx->attrs[k].i;
}

static inline double
nn_attr_f (const nn_op_ctx *ctx, int k)
{
  return ctx->attrs[k].f;
}

static inline const int64_t *
nn_attr_ints (const nn_op_ctx *ctx, int k, int32_t *n)
{
  *n = ctx->attrs[k].n;
  return ctx->attrs[k].ints;
}

static inline const char *
nn_attr_s (const nn_op_ctx *ctx, int k)
{
  return ctx->attrs[k].s;
}

/* ---- helpers shared by the families ---- */

/* input k must be present with one of the dtypes in the mask (1 << NN_DTYPE_...) */
nn_status nn_op_check_dtype (const nn_op_ctx *ctx, int k, unsigned mask, nn_error *err);
/* "float32[N, 3]" of input k, into buf */
const char *nn_op_in_str (const nn_op_ctx *ctx, int k, char *buf, size_t size);
/* out[0] = in[0] */
nn_status nn_infer_same (const nn_op_ctx *ctx, nn_error *err);
/* y[0] = value[0], byte for byte (Identity, Reshape, Flatten, ...) */
nn_status nn_forward_copy (const nn_op_ctx *ctx, nn_error *err);
/* mask[a] for each of the n axes (ONNX, negative from the end) of a rank-rank tensor,
 * the others false; an axis out of range or given twice is an error */
nn_status nn_op_axes_mask (const nn_op_ctx *ctx, const int64_t *axes, int32_t n, int32_t rank,
                           bool *mask, nn_error *err);
/* dst's elements in row-major order, taken from src at base + sum(idx[i] * strides[i])
 * (element units): Transpose, Slice */
void nn_copy_strided (const nn_array *src, int64_t base, const int64_t *strides,
                      nn_array *dst);
/* the value of a constant integer input k (int64/int32) of at most max elements:
 * NN_STATUS_UNSUPPORTED when it is not known (not an initializer) */
nn_status nn_op_const_ints (const nn_op_ctx *ctx, int k, int64_t *v, int32_t max,
                            int32_t *n, nn_error *err);
/* cost of ops doing one multiply-add per input element of a sample (BN, global pool) */
int64_t nn_macs_per_element (const nn_op_ctx *ctx);
/* product of dims [from, to) with symbolic dims: -1 when any is symbolic */
int64_t nn_dims_product (const nn_type *t, int32_t from, int32_t to);
/* out[0] = the broadcast of inputs [from, from + n), which must all be present, of one
 * dtype in mask; out[0] gets that dtype (Add, Where's X and Y, Max, Equal, ...) */
nn_status nn_infer_broadcast (const nn_op_ctx *ctx, int from, int n, unsigned mask,
                              nn_error *err);
/* The dims held by a 1-D integer input k (ConstantOfShape, Expand, Tile): the value when
 * it is known, else as many NN_DIM_SYMBOLIC dims as it has elements (known at run time).
 * A negative dim, or more than NN_ARRAY_MAX_RANK of them, is an error naming what. */
nn_status nn_op_dims_input (const nn_op_ctx *ctx, int k, const char *what, int64_t *dims,
                            int32_t *n, nn_error *err);
/* ONNX TensorProto data type numbers (Cast's to, ConstantOfShape's dtype) */
enum { NN_ONNX_FLOAT = 1, NN_ONNX_INT32 = 6, NN_ONNX_INT64 = 7, NN_ONNX_BOOL = 9 };
/* the dtype of an ONNX TensorProto number; false for those the engine has no dtype for */
bool nn_dtype_from_onnx (int64_t onnx, nn_dtype *dtype);
/* element i of a set from a double / an int64_t, converted as ONNX's Cast does: floats
 * truncate towards zero and saturate to an integer dtype's range (NaN gives 0), int64
 * wraps into int32, anything non-zero is true */
void nn_array_set_f64 (nn_array *a, int64_t i, double v);
void nn_array_set_i64 (nn_array *a, int64_t i, int64_t v);
/* One malloc'd block of per-axis tables: table[a] gets dims[a] entries of size bytes
 * (dims within the memory budget already: an output's). NULL when out of memory. */
void *nn_axis_tables (int32_t rank, const int64_t *dims, size_t size, void **table);

/* idx (rank entries) to the next index of shape in row-major order */
static inline void
nn_index_next (int32_t rank, const int64_t *shape, int64_t *idx)
{
  for (int32_t a = rank - 1; a >= 0 && ++idx[a] == shape[a]; a--)
    idx[a] = 0;
}

#define NN_DTYPE_MASK(d) (1u << (d))
#define NN_MASK_F32 NN_DTYPE_MASK (NN_DTYPE_FLOAT32)
#define NN_MASK_INT (NN_DTYPE_MASK (NN_DTYPE_INT64) | NN_DTYPE_MASK (NN_DTYPE_INT32))
#define NN_MASK_ANY 0xffu

/* ---- the table ---- */
#define NN_OP(ID, sym) NN_OP_##ID,
typedef enum nn_op_id {
#include "ops/ops.def"
  NN_N_OPS
} nn_op_id;
#undef NN_OP

#define NN_OP(ID, sym) extern const nn_op nn_op_##sym;
#include "ops/ops.def"
#undef NN_OP

extern const nn_op *const nn_ops[NN_N_OPS];

#endif /* NN_OPS_OP_H */
