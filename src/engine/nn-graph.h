/* nn-graph.h - the public API of the graph engine: values, nodes, inference, running
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model is a directed acyclic graph of named values (tensors) and nodes (an operator
 * of the table in ops/ops.def, its attributes, its input and output values), with graph
 * inputs, graph outputs and initializers (weights), as in ONNX. Operators follow ONNX
 * semantics and names; nodes carry a readable name and a scope path ("layer1.0.conv1").
 *
 * Every function that can fail on user data returns an nn_status and fills an nn_error
 * whose message names the node (err->layer is the node's index, -1 when the error is
 * about no node). Nothing here aborts on user data. This layer sits beside the chain
 * engine of nn.h, which it does not change.
 */
#ifndef NN_GRAPH_H
#define NN_GRAPH_H

#include "core/array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nn_graph nn_graph;

/* Most inputs or outputs one node may have (Concat, Split). */
#define NN_NODE_MAX_IO 64

nn_graph *nn_graph_new (void);
void nn_graph_free (nn_graph *g);

/* A graph input; its type may have NN_DIM_SYMBOLIC dims (the batch). */
nn_status nn_graph_add_input (nn_graph *g, const char *name, const nn_type *type,
                              nn_error *err);
/* Changes the declared type of the graph input called name (to give a symbolic dim a
 * size, say). */
nn_status nn_graph_set_input_type (nn_graph *g, const char *name, const nn_type *type,
                                   nn_error *err);
/* A constant value (weight); g takes value, also on failure. */
nn_status nn_graph_add_initializer (nn_graph *g, const char *name, nn_array *value,
                                    nn_error *err);
/* Adds a node of operator op (ONNX name: "Conv") reading inputs (an empty string is an
 * omitted optional input) and writing outputs. Checks at once: the operator exists, the
 * input and output counts fit it, the node's name and its outputs are new. name may be
 * NULL or "" (the node is then called after its first output); scope may be NULL.
 * *index (may be NULL) gets the node's index. Attributes start at their defaults. */
nn_status nn_graph_add_node (nn_graph *g, const char *op, const char *name, const char *scope,
                             int n_in, const char *const *inputs, int n_out,
                             const char *const *outputs, int *index, nn_error *err);
/* Sets an attribute of node, checked against the operator's schema (name, kind, range,
 * choices, count). */
nn_status nn_graph_set_attr_int (nn_graph *g, int node, const char *attr, int64_t v,
                                 nn_error *err);
nn_status nn_graph_set_attr_float (nn_graph *g, int node, const char *attr, double v,
                                   nn_error *err);
nn_status nn_graph_set_attr_ints (nn_graph *g, int node, const char *attr, int n,
                                  const int64_t *v, nn_error *err);
nn_status nn_graph_set_attr_string (nn_graph *g, int node, const char *attr, const char *v,
                                    nn_error *err);
/* Marks a value as a graph output. */
nn_status nn_graph_add_output (nn_graph *g, const char *name, nn_error *err);

/* Whole-graph checks, and the topological order: every input read is produced by a node,
 * a graph input or an initializer; no value is produced twice; graph outputs exist; no
 * cycle (the message lists the nodes on it). */
nn_status nn_graph_validate (nn_graph *g, nn_error *err);
/* Validates, then infers the dtype and shape of every value from the graph inputs'
 * types (symbolic dims propagate); the error names the node whose shapes do not fit. */
nn_status nn_graph_infer (nn_graph *g, nn_error *err);

int nn_graph_n_nodes (const nn_graph *g);
const char *nn_graph_node_name (const nn_graph *g, int node);
const char *nn_graph_node_scope (const nn_graph *g, int node);   /* "" when none */
const char *nn_graph_node_op (const nn_graph *g, int node);      /* "Conv" */
const char *nn_graph_node_torch (const nn_graph *g, int node);   /* "Conv2d" */
/* the graph inputs and outputs, in the order they were added */
int nn_graph_n_inputs (const nn_graph *g);
int nn_graph_n_outputs (const nn_graph *g);
const char *nn_graph_input_name (const nn_graph *g, int i);    /* NULL out of range */
const char *nn_graph_output_name (const nn_graph *g, int i);
/* the declared type of graph input i, NULL out of range */
const nn_type *nn_graph_input_type (const nn_graph *g, int i);
/* the name of a node's k-th input ("" when omitted) or output, NULL out of range */
int nn_graph_node_n_inputs (const nn_graph *g, int node);
int nn_graph_node_n_outputs (const nn_graph *g, int node);
const char *nn_graph_node_input (const nn_graph *g, int node, int k);
const char *nn_graph_node_output (const nn_graph *g, int node, int k);
/* index of the node called name, -1 if none */
int nn_graph_find_node (const nn_graph *g, const char *name);
/* the topological order after a successful validate (n_nodes entries), else NULL */
const int *nn_graph_order (const nn_graph *g);
/* the initializer (weight) called name, NULL if none */
const nn_array *nn_graph_initializer (const nn_graph *g, const char *name);
/* the inferred type of a value after nn_graph_infer, NULL if none */
const nn_type *nn_graph_value_type (const nn_graph *g, const char *name);

/* Cost of one node after nn_graph_infer: parameters (elements of its float32
 * initializer inputs; integer constants such as shapes are none) and multiply-accumulates for one sample (symbolic dims counted as 1). */
typedef struct nn_node_cost {
  int64_t params;
  int64_t macs;
} nn_node_cost;
nn_status nn_graph_node_cost (const nn_graph *g, int node, nn_node_cost *cost,
                              nn_error *err);

/* What one run allocated: peak_live_bytes is the most bytes of values alive at once
 * (buffers are freed or reused after a value's last consumer); total_value_bytes is
 * the bytes of every value computed, what a run keeping all of them would hold. */
typedef struct nn_graph_run_stats {
  uint64_t peak_live_bytes;
  uint64_t total_value_bytes;
  int64_t buffers_reused;
} nn_graph_run_stats;

/* Runs the graph in topological order on inputs (one per graph input, in the order
 * they were added; their types must fit the declared ones, symbolic dims taking any
 * size). outputs[i] (one per graph output) gets a new array the caller frees. stats
 * may be NULL. */
nn_status nn_graph_run (nn_graph *g, const nn_array *const *inputs, nn_array **outputs,
                        nn_graph_run_stats *stats, nn_error *err);

/* ---- the chain engine's networks (nn.h) ---- */

/* The graph of a propagated chain network without shape errors: each layer as the
 * nodes torch.onnx.export writes for the same torch.nn.Sequential, with its names
 * (node "/3/Conv", value "/3/Conv_output_0", weights "3.weight", scope "3"), input
 * "input" [N, ...] and output "output"; weights copied. Inferred on return. */
nn_status nn_graph_from_net (const nn_net *net, nn_graph **out, nn_error *err);
/* The chain network of a graph that is one path from its input to its output through
 * nodes the list view has layers for (Identity nodes are dropped); otherwise the error
 * names the node that stops it and why. Weights copied. */
nn_status nn_net_from_graph (nn_graph *g, nn_net **out, nn_error *err);

/* A Python script defining the graph as a torch.nn.Module (sub-modules at the paths
 * their weights are named after, so state_dict() keys are the model's; forward follows
 * the graph) that reads its weights from the ONNX file onnx_path (where g is saved).
 * Usage of the script: python3 SCRIPT.py [MODEL.onnx] [X.npy [Y.npy]]. malloc'd; NULL
 * and err naming the node for an operator it cannot write. */
char *nn_graph_export_pytorch (nn_graph *g, const char *onnx_path, nn_error *err);

/* ---- comparing two models ---- */

typedef enum nn_diff_kind {
  NN_DIFF_SAME,
  NN_DIFF_ADDED,            /* only in b */
  NN_DIFF_REMOVED,          /* only in a */
  NN_DIFF_CHANGED,
} nn_diff_kind;

/* A node that differs (names point into the graphs: keep them while reading). */
typedef struct nn_node_diff {
  nn_diff_kind kind;
  const char *name;
  const char *op_a, *op_b;  /* NULL on the side that lacks it */
  char what[400];           /* CHANGED: "kernel_shape [3, 3] -> [5, 5]; input 1 reads ..." */
} nn_node_diff;

/* A weight (initializer), in either model. */
typedef struct nn_weight_diff {
  nn_diff_kind kind;
  const char *name;
  nn_type type_a, type_b;
  double max_abs;           /* largest |b - a| (same shapes; NaN when the shapes differ) */
  double rel;               /* ||b - a|| / ||a|| */
} nn_weight_diff;

typedef struct nn_graph_diff {
  nn_node_diff *nodes;      /* the nodes that differ: a's order, then b's added ones */
  int n_nodes, n_same_nodes;
  nn_weight_diff *weights;  /* every weight of either model */
  int n_weights;
  /* both run on the same input: the caller's, or random (uniform [0, 1), seeded;
   * symbolic dims 1) */
  bool outputs_compared;
  double out_max_abs, out_rel;
  char outputs_why[NN_ERROR_MAX + 64];   /* why they were not compared */
} nn_graph_diff;

/* What changed from a to b: nodes and weights matched by name, and the outputs on the
 * same input (inputs: one array per graph input, or NULL for random ones from seed).
 * Both graphs are inferred. Clear d with nn_graph_diff_clear. */
nn_status nn_graph_diff_compute (nn_graph *a, nn_graph *b, const nn_array *const *inputs,
                                 uint64_t seed, nn_graph_diff *d, nn_error *err);
void nn_graph_diff_clear (nn_graph_diff *d);

/* ---- templates ---- */

/* NULL-terminated: "resnet18", "mobilenet_v2" (torchvision's, 3x224x224, 1000 classes)
 * and "resnet-mini" (1x28x28, 10 classes). */
const char *const *nn_graph_template_names (void);
/* A new graph of the template, with torchvision's state_dict names and initialisation
 * (seeded); inferred. NULL and err for an unknown name. */
nn_graph *nn_graph_new_template (const char *name, uint64_t seed, nn_error *err);

/* Any model file as a graph: an ONNX model (checked in the checker process first when
 * isolated checks are on, nn.h), or a chain network (.h5, .pt) as nn_graph_from_net
 * makes it. */
nn_status nn_file_open_graph (const char *path, nn_graph **out, nn_error *err);

/* ---- ONNX files ---- */

typedef struct nn_onnx_save_opts {
  int64_t opset;            /* the default-domain opset declared; 0: the graph's (as
                             * read from its file), else 17 */
  bool external_data;       /* weights of 1 KiB or more to "FILE.data" beside the model
                             * (also chosen when they would not fit in 2 GiB) */
  const char *graph_name;   /* NULL: the graph's, else "layerlab" */
} nn_onnx_save_opts;

/* Saves g as an ONNX model at path, atomically (a temporary beside it, then rename):
 * nodes in topological order, every inferred value type in value_info (a symbolic dim
 * as dim_param "N"), weights as raw_data or external data; the model's information
 * (IR version where the opset allows, other domains' imports, domain, model version,
 * doc strings, metadata_props, node doc strings) as nn_graph_set_info & co. hold it.
 * Producer: Layerlab. opts may be NULL. */
nn_status nn_graph_save_onnx (nn_graph *g, const char *path, const nn_onnx_save_opts *opts,
                              nn_error *err);
/* ---- model-level information (what an ONNX file says about itself, kept for a writer) */

/* String fields: "producer_name", "producer_version", "domain", "doc_string" (the
 * model's), "graph_name", "graph_doc_string". Unknown keys are NN_STATUS_INVALID_ARG. */
nn_status nn_graph_set_info (nn_graph *g, const char *key, const char *value, nn_error *err);
const char *nn_graph_info (const nn_graph *g, const char *key);   /* "" when unset */
/* ir_version and model_version (0 when unset) */
void nn_graph_set_versions (nn_graph *g, int64_t ir_version, int64_t model_version);
int64_t nn_graph_ir_version (const nn_graph *g);
int64_t nn_graph_model_version (const nn_graph *g);
/* Operator set imports: domain ("" is the default, ai.onnx) and version; adding a domain
 * again replaces its version. */
nn_status nn_graph_add_opset (nn_graph *g, const char *domain, int64_t version, nn_error *err);
int nn_graph_n_opsets (const nn_graph *g);
/* false when i is out of range */
bool nn_graph_opset (const nn_graph *g, int i, const char **domain, int64_t *version);
/* the version imported for domain, 0 when none */
int64_t nn_graph_opset_version (const nn_graph *g, const char *domain);
/* metadata_props, in file order */
nn_status nn_graph_add_metadata (nn_graph *g, const char *key, const char *value,
                                 nn_error *err);
int nn_graph_n_metadata (const nn_graph *g);
bool nn_graph_metadata (const nn_graph *g, int i, const char **key, const char **value);
/* a node's doc_string ("" when none) */
nn_status nn_graph_set_node_doc (nn_graph *g, int node, const char *doc, nn_error *err);
const char *nn_graph_node_doc (const nn_graph *g, int node);

/* The scope path of a node from its name as torch.onnx writes it: "/layer1/layer1.0/
 * conv1/Conv" -> "layer1.0.conv1" (components nest: one that starts with the path so far
 * and a dot replaces it, another is appended with a dot; the last component, the
 * operator, is dropped). Names without a '/' ("Conv_12", older exporters) have no scope:
 * "". Writes at most size bytes (truncated, always terminated); returns buf. */
char *nn_scope_from_node_name (const char *name, char *buf, size_t size);

/* ---- files ---- */

/* Reads an ONNX model (onnx-import.c): graph inputs that are not initializers with their
 * types (dim_param and unknown dims become NN_DIM_SYMBOLIC), initializers and Constant
 * nodes (FLOAT, INT64, INT32, BOOL as they are; DOUBLE, FLOAT16, BFLOAT16 as float32;
 * narrower integers widened), nodes with their attributes and a scope path from their
 * name, graph outputs, and the model's information. Forms of older opsets are rewritten
 * into the operator table's (attributes that became inputs, Softmax's 2-D coercion before
 * opset 13, BatchNormalization's and Dropout's training outputs and attributes).
 * Operators Layerlab lacks are refused in one message listing each with its count and
 * first nodes. Then the graph is validated and its constants folded
 * (nn_graph_fold_constants). Messages start with the path. */
nn_status nn_graph_open_onnx (const char *path, nn_graph **out, nn_error *err);
/* The same from bytes in memory; name is used in messages, external data is refused. */
nn_status nn_graph_open_onnx_bytes (const void *bytes, size_t n_bytes, const char *name,
                                    nn_graph **out, nn_error *err);

/* NumPy .npy files as arrays (npy.c): rank 0-8; float32 (float64 read as float32),
 * int64, int32 and bool (int8, int16, uint8, uint16 read as int32, uint32 as int64).
 * Written little-endian, C order, as numpy.save does. */
nn_status nn_npy_read_array (const char *path, nn_array **out, nn_error *err);
nn_status nn_npy_write_array (const char *path, const nn_array *a, nn_error *err);

/* Constant folding (graph/fold.c): evaluates, with the operators' own kernels, every node
 * whose inputs are all initializers, and Shape of a value whose shape inference knows
 * fully (no symbolic dim), replacing the node by initializers holding its outputs;
 * repeats to a fixed point (so Shape -> Gather -> Concat -> Reshape chains fold). With a
 * symbolic batch, a Reshape whose shape is built from the very tensor's Shape (torch's
 * x.view(x.size(0), -1)) gets the constant shape [0, -1] ("copy the batch") and the dead
 * chain is removed. Graph outputs stay outputs. *n_folded (may be NULL) gets the number of nodes removed. */
nn_status nn_graph_fold_constants (nn_graph *g, int *n_folded, nn_error *err);

/* What one node took in a profiled run (by node index). */
typedef struct nn_node_profile {
  double seconds;           /* its forward kernel, wall clock */
  uint64_t output_bytes;    /* the values it wrote */
  uint64_t live_bytes;      /* every value alive while it ran, its outputs included */
} nn_node_profile;

/* nn_graph_run, timing each node into profile (nn_graph_n_nodes entries). */
nn_status nn_graph_run_profiled (nn_graph *g, const nn_array *const *inputs,
                                 nn_array **outputs, nn_graph_run_stats *stats,
                                 nn_node_profile *profile, nn_error *err);

/* ---- the operator table, read-only ---- */
int nn_op_count (void);
const char *nn_op_name (int op);         /* ONNX name */
const char *nn_op_torch_name (int op);   /* PyTorch module for display */
int nn_op_find (const char *onnx_name);  /* -1 if unknown */

#ifdef __cplusplus
}
#endif

#endif /* NN_GRAPH_H */
