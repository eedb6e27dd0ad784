/* graph/fold.c - constant folding: nodes whose result is known before running become
 * initializers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A node folds when every input it reads is an initializer, or when it is Shape and
 * inference knows its input's shape fully (no symbolic dim). It is evaluated by its
 * operator's own infer and forward, exactly as the executor would run it, so a folded
 * graph computes what the unfolded one did. Nodes are visited in topological order with
 * the types inferred so far, so a chain (Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape's shape) folds in one pass; passes repeat until nothing changes. Folding is
 * best effort: a node whose inference or kernel fails is left as it is, for
 * nn_graph_infer or the run to report.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph/graph-private.h"

/* a stand-in for Shape's input: the type without data (shape_forward reads only it) */
typedef struct shape_only {
  nn_array array;
  char byte;
} shape_only;

static bool
fully_known (const nn_type *t)
{
  for (int32_t d = 0; d < t->rank; d++)
    if (t->shape[d] == NN_DIM_SYMBOLIC)
      return false;
  return true;
}

/* whether node i can fold given the types known (types[v], NULL when unknown) */
static bool
foldable (const nn_graph *g, int i, const nn_type *const *types)
{
  const nn_node *n = &g->nodes[i];
  int present = 0;

  if (n->op == NN_OP_SHAPE)
    return n->in[0] >= 0 && types[n->in[0]] != NULL && fully_known (types[n->in[0]]);
  for (int k = 0; k < n->n_in; k++)
    if (n->in[k] >= 0)
      {
        if (g->values[n->in[k]].init == NULL)
          return false;
        present++;
      }
  return present > 0;
}

/* evaluates node i; on success its outputs are initializers. values[] holds the
 * initializers (per value); a Shape input that is not one gets a stand-in. */
static bool
fold_node (nn_graph *g, int i, const nn_type *const *types, const nn_array **values)
{
  const nn_node *n = &g->nodes[i];
  nn_type out[NN_NODE_MAX_IO];
  nn_array *y[NN_NODE_MAX_IO] = { NULL };
  shape_only stand_in;
  nn_op_ctx ctx;
  nn_error err;
  bool ok;

  if (n->op == NN_OP_SHAPE && values[n->in[0]] == NULL)
    {
      memset (&stand_in, 0, sizeof stand_in);
      stand_in.array.type = *types[n->in[0]];
      stand_in.array.data = &stand_in.byte;
      values[n->in[0]] = &stand_in.array;
    }
  nn_graph_ctx_init (g, i, NULL, values, out, &ctx);
  ok = nn_graph_infer_node (&ctx, false, &err) == NN_OK;
  if (n->op == NN_OP_SHAPE)
    values[n->in[0]] = g->values[n->in[0]].init;
  for (int k = 0; k < n->n_out && ok; k++)
    ok = (ctx.y[k] = y[k] = nn_array_new (&out[k], &err)) != NULL;
  if (ok)
    ok = ctx.op->forward (&ctx, &err) == NN_OK;
  for (int k = 0; k < n->n_out; k++)
    {
      nn_value *v = &g->values[n->out[k]];

      if (!ok)
        {
          nn_array_free (y[k]);
          continue;
        }
      v->init = y[k];
      v->type = y[k]->type;
      v->typed = true;
      v->producer = -1;
      v->folded = true;
      values[n->out[k]] = y[k];
    }
  return ok;
}

/* one pass in topological order; *n gets the nodes folded (none unless fold) */
static nn_status
fold_pass (nn_graph *g, bool fold, int *n, nn_error *err)
{
  const nn_type **types = calloc ((size_t) g->n_values + 1, sizeof *types);
  const nn_array **values = calloc ((size_t) g->n_values + 1, sizeof *values);
  bool *removed = calloc ((size_t) g->n_nodes + 1, sizeof *removed);
  const int *order;
  nn_status s;

  *n = 0;
  if (types == NULL || values == NULL || removed == NULL)
    s = nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory folding constants");
  else
    s = nn_graph_validate (g, err);
  if (s != NN_OK)
    {
      free (types);
      free (values);
      free (removed);
      return s;
    }
  order = g->order;
  for (int v = 0; v < g->n_values; v++)
    {
      if (g->values[v].input >= 0 || g->values[v].init != NULL)
        types[v] = &g->values[v].type;
      values[v] = g->values[v].init;
    }
  for (int pos = 0; pos < g->n_nodes; pos++)
    {
      int i = order[pos];
      const nn_node *nd = &g->nodes[i];
      nn_type out[NN_NODE_MAX_IO];
      nn_op_ctx ctx;
      nn_error e;
      bool known = true;

      for (int k = 0; k < nd->n_in; k++)
        known = known && (nd->in[k] < 0 || types[nd->in[k]] != NULL);
      if (!known)
        continue;
      if (fold && foldable (g, i, types) && fold_node (g, i, types, values))
        {
          removed[i] = true;
          (*n)++;
          for (int k = 0; k < nd->n_out; k++)
            types[nd->out[k]] = &g->values[nd->out[k]].type;
          continue;
        }
      /* not folded: its output types, for the nodes after it */
      nn_graph_ctx_init (g, i, types, values, out, &ctx);
      if (nn_graph_infer_node (&ctx, true, &e) == NN_OK)
        for (int k = 0; k < nd->n_out; k++)
          {
            g->values[nd->out[k]].type = out[k];
            g->values[nd->out[k]].typed = true;
            types[nd->out[k]] = &g->values[nd->out[k]].type;
          }
    }
  if (*n > 0)
    nn_graph_remove_nodes (g, removed);
  free (types);
  free (values);
  free (removed);
  return NN_OK;
}

/* frees the folded values that no node reads and that are no graph output (the
 * intermediate steps of a folded chain) */
static void
drop_unread (nn_graph *g)
{
  bool *read = calloc ((size_t) g->n_values + 1, sizeof *read);

  if (read == NULL)
    return;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++)
      if (g->nodes[i].in[k] >= 0)
        read[g->nodes[i].in[k]] = true;
  for (int i = 0; i < g->n_outputs; i++)
    read[g->outputs[i]] = true;
  for (int v = 0; v < g->n_values; v++)
    if (g->values[v].folded && !read[v])
      {
        nn_array_free (g->values[v].init);
        g->values[v].init = NULL;
        g->values[v].folded = false;
        g->values[v].typed = false;
      }
  free (read);
}

nn_status
nn_graph_fold_constants (nn_graph *g, int *n_folded, nn_error *err)
{
  int total = 0, n;
  nn_status s;

  do
    {
      if ((s = fold_pass (g, true, &n, err)) != NN_OK)
        return s;
      total += n;
    }
  while (n > 0);
  drop_unread (g);
  if (n_folded != NULL)
    *n_folded = total;
  return NN_OK;
}

void
nn_graph_propagate_types (nn_graph *g)
{
  int n;

  fold_pass (g, false, &n, NULL);
}
