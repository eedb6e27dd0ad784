/* pickle.h - restricted unpickler for PyTorch's data.pkl (engine-internal)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NN_PICKLE_H
#define NN_PICKLE_H

#include "nn.h"

typedef enum pk_kind {
  PK_NONE,
  PK_BOOL,      /* i */
  PK_INT,       /* i */
  PK_FLOAT,     /* f */
  PK_STR,       /* s, len (NUL-terminated UTF-8) */
  PK_TUPLE,     /* items, n */
  PK_LIST,      /* items, n */
  PK_SET,       /* items, n */
  PK_DICT,      /* keys, items, n (insertion order) */
  PK_GLOBAL,    /* global */
  PK_STORAGE,   /* dtype, key, numel */
  PK_TENSOR,    /* storage, offset, n_dims, size, stride */
  PK_OBJECT,    /* global (class), state (dict or NULL) */
} pk_kind;

typedef enum pk_global {
  PK_G_ORDERED_DICT,
  PK_G_SET,
  PK_G_REBUILD_TENSOR,
  PK_G_REBUILD_PARAMETER,
  PK_G_FLOAT_STORAGE,
  PK_G_DOUBLE_STORAGE,
  PK_G_LONG_STORAGE,
  PK_G_TORCH_SIZE,
  /* classes that NEWOBJ may construct: keep PK_G_SEQUENTIAL first */
  PK_G_SEQUENTIAL,
  PK_G_CONV2D,
  PK_G_RELU,
  PK_G_MAXPOOL2D,
  PK_G_AVGPOOL2D,
  PK_G_FLATTEN,
  PK_G_LINEAR,
  PK_G_BATCHNORM2D,
  PK_G_DROPOUT,
  PK_G_LEAKYRELU,
  PK_G_SIGMOID,
  PK_G_TANH,
  PK_G_SOFTMAX,
} pk_global;

typedef enum pk_dtype { PK_DTYPE_F32, PK_DTYPE_F64, PK_DTYPE_I64 } pk_dtype;

typedef struct pk_value pk_value;
struct pk_value {
  pk_kind kind;
  int64_t i;
  double f;
  char *s;
  size_t len;
  pk_value **items;
  pk_value **keys;
  int64_t n, cap;
  pk_global global;
  pk_value *state;
  /* storage */
  pk_dtype dtype;
  char key[32];
  int64_t numel;
  /* tensor */
  pk_value *storage;
  int64_t offset;
  int32_t n_dims;
  int64_t size[NN_MAX_DIMS], stride[NN_MAX_DIMS];
};

typedef struct pk_doc pk_doc;

/* Parses a pickle; name is used in messages ("net.pt"). */
nn_status pk_load (const void *data, size_t size, const char *name, pk_doc **out, nn_error *err);
pk_value *pk_doc_root (pk_doc *doc);
void pk_doc_free (pk_doc *doc);
pk_value *pk_dict_get (const pk_value *dict, const char *key);
bool pk_value_equal (const pk_value *a, const pk_value *b);
const char *pk_global_name (pk_global id);

#endif /* NN_PICKLE_H */
