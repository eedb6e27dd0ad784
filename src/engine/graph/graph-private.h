/* graph/graph-private.h - the graph's structs, shared by the files of graph/
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NN_GRAPH_PRIVATE_H
#define NN_GRAPH_PRIVATE_H

#include "ops/op.h"

typedef struct nn_value {
  char *name;
  int producer;          /* node writing it, -1 for inputs, initializers, unknown */
  int input;             /* index among the graph inputs, -1 if not one */
  nn_array *init;        /* initializer value, or NULL */
  nn_type type;          /* the declared type (inputs), initializer's, or inferred */
  bool typed;            /* type is known */
  bool folded;           /* init was computed by constant folding */
} nn_value;

typedef struct nn_node {
  int op;
  char *name;
  char *scope;
  int n_in, n_out;
  int in[NN_NODE_MAX_IO];    /* value indices, -1 for an omitted optional input */
  int out[NN_NODE_MAX_IO];
  nn_attr_value *attrs;      /* nn_ops[op]->n_attrs */
  char *doc;                 /* doc_string, NULL when none */
} nn_node;

/* graph/model-info.c: what a file says about the model */
typedef struct nn_model_info nn_model_info;
void nn_model_info_free (nn_model_info *info);

struct nn_graph {
  nn_value *values;
  int n_values, cap_values;
  nn_node *nodes;
  int n_nodes, cap_nodes;
  int *inputs, n_inputs;     /* value indices */
  int *outputs, n_outputs;
  int *order;                /* topological order, when validated */
  bool validated, inferred;
  nn_model_info *info;       /* NULL until something is set */
};

/* graph/attr.c: sets every attribute of node to its schema default */
void nn_attrs_init (const nn_op *op, nn_attr_value *attrs);
/* schema index of attribute name in op, -1 if none */
int nn_attr_find (const nn_op *op, const char *name);

/* graph/infer.c: fills ctx's op, name, attrs and input types for node from types[]
 * (one per value, NULL when unknown; NULL: the types of values[]) and values[] (known
 * arrays, may be NULL) */
void nn_graph_ctx_init (const nn_graph *g, int node, const nn_type *const *types,
                        const nn_array *const *values, nn_type *out_types, nn_op_ctx *ctx);
/* runs op->infer, then checks what it produced (rank, budget) */
nn_status nn_graph_infer_node (nn_op_ctx *ctx, bool symbolic_ok, nn_error *err);

/* graph/graph.c: makes a graph changed (drops validation and inferred types) */
void nn_graph_touch (nn_graph *g);

/* graph/graph.c: the index of the value called name, -1 if none */
int nn_graph_value_index (const nn_graph *g, const char *name);
/* the value called name, created (unproduced, untyped) when new; -1 on no memory */
int nn_graph_intern_value (nn_graph *g, const char *name);
/* removes the nodes with remove[i] set (values stay; what they produced is then
 * produced by nothing) */
void nn_graph_remove_nodes (nn_graph *g, const bool *remove);

/* graph/fold.c: the types inference can tell, node by node in topological order, going
 * past nodes it cannot infer (their outputs stay untyped); the graph must validate */
void nn_graph_propagate_types (nn_graph *g);

#endif /* NN_GRAPH_PRIVATE_H */
