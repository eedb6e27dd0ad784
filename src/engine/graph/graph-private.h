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
} nn_value;

typedef struct nn_node {
  int op;
  char *name;
  char *scope;
  int n_in, n_out;
  int in[NN_NODE_MAX_IO];    /* value indices, -1 for an omitted optional input */
  int out[NN_NODE_MAX_IO];
  nn_attr_value *attrs;      /* nn_ops[op]->n_attrs */
} nn_node;

struct nn_graph {
  nn_value *values;
  int n_values, cap_values;
  nn_node *nodes;
  int n_nodes, cap_nodes;
  int *inputs, n_inputs;     /* value indices */
  int *outputs, n_outputs;
  int *order;                /* topological order, when validated */
  bool validated, inferred;
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

/* graph/graph.c: index of the value called name, -1 if none */
int nn_graph_find_value (const nn_graph *g, const char *name);
/* graph/graph.c: makes a graph changed (drops validation and inferred types) */
void nn_graph_touch (nn_graph *g);

#endif /* NN_GRAPH_PRIVATE_H */
