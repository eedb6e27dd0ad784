/* onnx-file.h - reading ONNX files safely: the protobuf, checked, and its tensors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Engine-internal (not for the app or the CLI). An nn_onnx_file is an ONNX ModelProto
 * unpacked by protobuf-c from the code generated out of the official onnx.proto, and
 * checked before anything else looks at it:
 *  - the file is bounded (ONNX's own 2 GiB protobuf limit) and its messages nest at most
 *    NN_ONNX_MAX_DEPTH deep (checked on the wire, before protobuf-c's recursive unpack);
 *  - protobuf-c allocates through a counter that refuses more than a budget;
 *  - the IR version and the default domain's opset are ones Layerlab reads;
 *  - every tensor anywhere in the model (initializers, Constant nodes, attributes of
 *    nested graphs) has a known data type, a rank of at most 8, dims whose product stays
 *    under the memory budget, and exactly the data its dims call for, in raw_data, in a
 *    typed field, or in external data inside the model's folder.
 * Messages start with the file's path and say what is wrong and where (graph, node,
 * tensor). The converter to the engine's graph reads the protobuf structs directly.
 */
#ifndef NN_ONNX_FILE_H
#define NN_ONNX_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn.h"
#include "onnx.pb-c.h"

/* IR versions and default-domain opsets read (ONNX 1.2's IR 3 to 1.12's IR 8) */
#define NN_ONNX_MIN_IR_VERSION 3
#define NN_ONNX_MAX_IR_VERSION 8
#define NN_ONNX_MIN_OPSET 7
#define NN_ONNX_MAX_OPSET 17
/* protobuf's limit for one message, which ONNX files keep to */
#define NN_ONNX_MAX_FILE_BYTES ((uint64_t) 2 << 30)
/* nested messages (model > graph > node > attribute > graph > ...) */
#define NN_ONNX_MAX_DEPTH 64
#define NN_ONNX_MAX_RANK 8

typedef struct nn_onnx_file {
  Onnx__ModelProto *model;
  char *path;             /* as given, for messages */
  char *dir;              /* the model's folder, resolved: external data stays inside */
  int64_t opset;          /* the default domain's ("" or "ai.onnx") opset version */
  /* private: protobuf-c's allocator for model, which counts against mem_limit */
  ProtobufCAllocator allocator;
  size_t mem_used, mem_limit;
  bool mem_refused;
} nn_onnx_file;

/* Reads and checks an ONNX file. On success *out is the file (nn_onnx_file_free). */
nn_status nn_onnx_file_open (const char *path, nn_onnx_file **out, nn_error *err);

/* The same from bytes in memory; name is used in messages and dir is the folder that
 * external data is resolved in (NULL: a model with external data is refused). */
nn_status nn_onnx_file_open_bytes (const void *bytes, size_t n_bytes, const char *name,
                                   const char *dir, nn_onnx_file **out, nn_error *err);

void nn_onnx_file_free (nn_onnx_file *file);

/* Bytes of one element of an ONNX TensorProto.DataType, 0 for types without a fixed
 * size (STRING, UNDEFINED) or unknown numbers. */
size_t nn_onnx_elem_size (int32_t data_type);
/* ONNX's name of a data type ("FLOAT", "INT64", ...), "?" when unknown */
const char *nn_onnx_type_name (int32_t data_type);

/* A checked tensor's element count (the product of its dims; 1 for a scalar). */
int64_t nn_onnx_tensor_numel (const Onnx__TensorProto *t);

/* Copies a checked tensor's numel elements into dst (size bytes, at least
 * numel * nn_onnx_elem_size), in the tensor's own type and the host's byte order,
 * wherever the file keeps them (raw_data, the typed field, external data). STRING
 * tensors are NN_STATUS_UNSUPPORTED. */
nn_status nn_onnx_tensor_read (const nn_onnx_file *file, const Onnx__TensorProto *t,
                               void *dst, size_t size, nn_error *err);

#endif
