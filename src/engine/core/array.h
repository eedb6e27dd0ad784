/* core/array.h - N-d arrays with a dtype, and numpy/ONNX broadcasting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The graph engine's tensor. A new type beside nn_tensor rather than a generalised
 * nn_tensor: nn_tensor is float32 and rank <= 4 by layout (NN_MAX_DIMS sizes every
 * nn_layer_info, h5model.c and pt.c read it, the app copies it), and widening it would
 * change the chain engine that this issue keeps byte for byte. When the chain is ported
 * onto the graph, nn_tensor becomes a float32 nn_array.
 *
 * Contiguous, row-major (C order). Shapes are int64_t; rank 0 is a scalar (one element).
 * In shape inference a dimension may be NN_DIM_SYMBOLIC (the batch "N"); arrays that
 * hold data never have one.
 */
#ifndef NN_CORE_ARRAY_H
#define NN_CORE_ARRAY_H

#include "nn.h"

#define NN_ARRAY_MAX_RANK 8
/* a dimension whose size is known only at run time (the batch size "N") */
#define NN_DIM_SYMBOLIC INT64_C (-1)

typedef enum nn_dtype {
  NN_DTYPE_FLOAT32 = 0,
  NN_DTYPE_INT64,
  NN_DTYPE_INT32,   /* accepted where a file has it; compute converts to int64 */
  NN_DTYPE_BOOL,    /* one byte per element, 0 or 1 */
  NN_N_DTYPES
} nn_dtype;

/* "float32", "int64", "int32", "bool"; NULL for an invalid dtype */
const char *nn_dtype_name (nn_dtype dtype);
/* bytes per element (0 for an invalid dtype) */
size_t nn_dtype_size (nn_dtype dtype);

/* The type of a value: what shape inference computes for every value of a graph. */
typedef struct nn_type {
  nn_dtype dtype;
  int32_t rank;
  int64_t shape[NN_ARRAY_MAX_RANK];
} nn_type;

typedef struct nn_array {
  nn_type type;
  void *data;        /* malloc'd, owned; never NULL (one byte for empty arrays) */
  size_t capacity;   /* bytes allocated at data (>= the bytes type needs) */
} nn_array;

/* Element count of a shape with every dim >= 0; -1 when a dim is symbolic/negative
 * or the product overflows int64_t. */
int64_t nn_type_numel (const nn_type *t);
bool nn_type_equal (const nn_type *a, const nn_type *b);
/* "float32[N, 3, 224, 224]" into buf; returns buf */
char *nn_type_format (const nn_type *t, char *buf, size_t size);

/* Checks rank (0..8), dims >= 0 (NN_DIM_SYMBOLIC allowed when symbolic_ok), the element
 * count for overflow and its bytes against nn_memory_budget(). *bytes (may be NULL)
 * gets the data size. what names the array in the message ("value 'x'"). */
nn_status nn_type_check (const nn_type *t, bool symbolic_ok, const char *what, size_t *bytes,
                         nn_error *err);

/* Zero-filled array of type t (checked by nn_type_check first); NULL and err on failure. */
nn_array *nn_array_new (const nn_type *t, nn_error *err);
/* Shorthand: a float32 array of the given shape. */
nn_array *nn_array_new_f32 (int32_t rank, const int64_t *shape, nn_error *err);
nn_array *nn_array_copy (const nn_array *a, nn_error *err);
void nn_array_free (nn_array *a);
int64_t nn_array_numel (const nn_array *a);
size_t nn_array_bytes (const nn_array *a);
/* Element i read as double / as int64_t whatever the dtype (for shape tensors). */
double nn_array_get_f64 (const nn_array *a, int64_t i);
int64_t nn_array_get_i64 (const nn_array *a, int64_t i);

/* ---- broadcasting (numpy / ONNX multidirectional) ---- */

/* out = broadcast of n shapes: ranks aligned on the right, each dim pair equal or one
 * of them 1; a symbolic dim broadcast with 1 or itself stays symbolic, with a size k > 1
 * becomes k. Returns NN_STATUS_SHAPE with a message naming the two shapes and the axis
 * otherwise. */
nn_status nn_broadcast_types (int n, const nn_type *const *in, nn_type *out, nn_error *err);

/* Strided iteration over an output shape with up to NN_BCAST_MAX operands broadcast
 * into it: off[k] is the element offset of operand k for the current output element. */
#define NN_BCAST_MAX 4
typedef struct nn_bcast {
  int32_t rank;
  int n;
  int64_t shape[NN_ARRAY_MAX_RANK];
  int64_t stride[NN_BCAST_MAX][NN_ARRAY_MAX_RANK];  /* 0 along broadcast dims */
  int64_t idx[NN_ARRAY_MAX_RANK];
  int64_t off[NN_BCAST_MAX];
} nn_bcast;

/* Sets b up at the first element; operands' shapes must broadcast to out (checked by
 * nn_broadcast_types beforehand). */
void nn_bcast_init (nn_bcast *b, const nn_type *out, int n, const nn_type *const *in);
/* Advances to the next output element (row-major) and updates off[]. */
void nn_bcast_next (nn_bcast *b);
/* Advances by a whole innermost row (b->shape[rank-1] elements): for loops that walk the
 * last axis themselves with stride[k][rank-1]. idx[rank-1] must be 0. */
void nn_bcast_next_row (nn_bcast *b);

/* Row-major strides (in elements) of a shape. */
void nn_strides (int32_t rank, const int64_t *shape, int64_t *strides);
/* ONNX axis in [-rank, rank) (or [-rank, rank] when inclusive, as Flatten's) into
 * [0, rank) (or [0, rank]); -1 when out of range. */
int32_t nn_axis_normalize (int64_t axis, int32_t rank, bool inclusive);

#endif /* NN_CORE_ARRAY_H */
