/* graph/infer.c - dtype and shape inference over the graph, and the cost of a node
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same per-node step serves nn_graph_infer (symbolic dims, only initializers known)
 * and the executor (concrete shapes, every input known), so a graph that infers runs
 * with the shapes inference promised.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph/graph-private.h"

void
nn_graph_ctx_init (const nn_graph *g, int node, const nn_type *const *types,
                   const nn_array *const *values, nn_type *out_types, nn_op_ctx *ctx)
{
  const nn_node *n = &g->nodes[node];

  memset (ctx, 0, sizeof *ctx);
  ctx->op = nn_ops[n->op];
  ctx->name = n->name;
  ctx->node = node;
  ctx->attrs = n->attrs;
  ctx->n_in = n->n_in;
  ctx->n_out = n->n_out;
  for (int k = 0; k < n->n_in; k++)
    if (n->in[k] >= 0)
      {
        ctx->value[k] = values ? values[n->in[k]] : NULL;
        ctx->in[k] = types ? types[n->in[k]] : ctx->value[k] ? &ctx->value[k]->type : NULL;
      }
  for (int k = 0; k < n->n_out; k++)
    {
      memset (&out_types[k], 0, sizeof out_types[k]);
      ctx->out[k] = &out_types[k];
    }
}

nn_status
nn_graph_infer_node (nn_op_ctx *ctx, bool symbolic_ok, nn_error *err)
{
  nn_status s;

  for (int k = 0; k < ctx->op->min_in; k++)
    if (ctx->in[k] == NULL)
      return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "its input %d may not be omitted",
                         k + 1);
  if ((s = ctx->op->infer (ctx, err)) != NN_OK)
    return s;
  for (int k = 0; k < ctx->n_out; k++)
    {
      nn_error e;

      if (nn_type_check (ctx->out[k], symbolic_ok, "its output", NULL, &e) != NN_OK)
        return nn_op_fail (ctx, err, e.status, "%s", e.message);
    }
  return NN_OK;
}

/* per value: its type where known before inference (inputs, initializers), and the
 * initializers' arrays */
static bool
known_tables (const nn_graph *g, const nn_type ***types, const nn_array ***values)
{
  *types = calloc ((size_t) g->n_values + 1, sizeof **types);
  *values = calloc ((size_t) g->n_values + 1, sizeof **values);
  if (*types == NULL || *values == NULL)
    return false;
  for (int v = 0; v < g->n_values; v++)
    {
      if (g->values[v].input >= 0 || g->values[v].init != NULL)
        (*types)[v] = &g->values[v].type;
      (*values)[v] = g->values[v].init;
    }
  return true;
}

nn_status
nn_graph_infer (nn_graph *g, nn_error *err)
{
  const nn_type **types;
  const nn_array **values;
  nn_status s;

  if ((s = nn_graph_validate (g, err)) != NN_OK)
    return s;
  if (g->inferred)
    return NN_OK;
  if (!known_tables (g, &types, &values))
    {
      free (types);
      free (values);
      return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory inferring shapes");
    }
  for (int i = 0; i < g->n_nodes && s == NN_OK; i++)
    {
      const nn_node *n = &g->nodes[g->order[i]];
      nn_type out[NN_NODE_MAX_IO];
      nn_op_ctx ctx;

      nn_graph_ctx_init (g, g->order[i], types, values, out, &ctx);
      s = nn_graph_infer_node (&ctx, true, err);
      for (int k = 0; k < n->n_out && s == NN_OK; k++)
        {
          g->values[n->out[k]].type = out[k];
          g->values[n->out[k]].typed = true;
          types[n->out[k]] = &g->values[n->out[k]].type;
        }
    }
  free (types);
  free (values);
  g->inferred = s == NN_OK;
  return s;
}

nn_status
nn_graph_node_cost (const nn_graph *g, int node, nn_node_cost *cost, nn_error *err)
{
  const nn_node *n;
  nn_type in[NN_NODE_MAX_IO], out[NN_NODE_MAX_IO];
  nn_op_ctx ctx;

  if (!g->inferred || node < 0 || node >= g->n_nodes)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, node,
                         "the cost of a node is known only after shape inference");
  n = &g->nodes[node];
  memset (&ctx, 0, sizeof ctx);
  ctx.op = nn_ops[n->op];
  ctx.name = n->name;
  ctx.node = node;
  ctx.attrs = n->attrs;
  ctx.n_in = n->n_in;
  ctx.n_out = n->n_out;
  cost->params = 0;
  /* one sample: symbolic dims count as 1 */
  for (int k = 0; k < n->n_in + n->n_out; k++)
    {
      int v = k < n->n_in ? n->in[k] : n->out[k - n->n_in];
      nn_type *t = k < n->n_in ? &in[k] : &out[k - n->n_in];

      if (v < 0)
        continue;
      *t = g->values[v].type;
      for (int32_t d = 0; d < t->rank; d++)
        if (t->shape[d] == NN_DIM_SYMBOLIC)
          t->shape[d] = 1;
      if (k < n->n_in)
        {
          ctx.in[k] = t;
          ctx.value[k] = g->values[v].init;
          /* weights; integer constants (shapes, indices, axes) are no parameters, nor
           * BatchNormalization's running statistics (buffers, as PyTorch counts them),
           * nor single numbers (ReLU6's bounds, epsilons and exponents an exporter wrote) */
          if (g->values[v].init != NULL && g->values[v].init->type.dtype == NN_DTYPE_FLOAT32
              && nn_array_numel (g->values[v].init) > 1
              && !(n->op == NN_OP_BATCH_NORMALIZATION && k >= 3))
            cost->params += nn_array_numel (g->values[v].init);
        }
      else
        ctx.out[k - n->n_in] = t;
    }
  cost->macs = ctx.op->macs ? ctx.op->macs (&ctx) : 0;
  return NN_OK;
}
