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
 * Reshape's shape) folds in one pass; passes repeat until nothing changes. With a
 * symbolic batch, the chain torch's x.view(x.size(0), -1) writes becomes Reshape's
 * constant [0, -1] instead (see "shapes known in part" below). Folding is
 * best effort: a node whose inference or kernel fails is left as it is, for
 * nn_graph_infer or the run to report.
 */
#include "config.h"

#include <stdio.h>
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

/* ---------------------------------------------------------------- shapes known in part
 *
 * With a symbolic batch, Shape(x) does not fold, and neither does the chain that builds
 * Reshape's shape from it (torch's x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze ->
 * Concat -> Reshape(x, ...)), so inference cannot tell the shapes after it. Each entry
 * of such a shape vector is either a number or "dim d of value v". When every entry of
 * a Reshape's shape is a number or dim i of the very tensor it reshapes, at position i,
 * the shape is the constant with 0 there (ONNX's "copy the input's dim", allowzero 0):
 * the same result for every batch, and one inference can tell. */

typedef struct sym_dim {
  int src;              /* value whose dim this is, -1 for a number */
  int64_t v;            /* the number, or the dim's index */
} sym_dim;

typedef struct sym_vec {
  bool known;
  bool scalar;          /* rank 0 (one entry) rather than rank 1 */
  int n;
  sym_dim e[NN_ARRAY_MAX_RANK];
} sym_vec;

/* what is known of value v: computed before (syms[v]) or its constant */
static bool
sym_of (const nn_graph *g, const sym_vec *syms, int v, sym_vec *out)
{
  const nn_array *a;
  int64_t n;

  if (v < 0)
    return false;
  if (syms[v].known)
    {
      *out = syms[v];
      return true;
    }
  a = g->values[v].init;
  /* int64 only: Shape's own type, so a chain mixing in int32 stays for the run to refuse */
  if (a == NULL || a->type.dtype != NN_DTYPE_INT64 || a->type.rank > 1
      || (n = nn_array_numel (a)) > NN_ARRAY_MAX_RANK)
    return false;
  memset (out, 0, sizeof *out);
  out->known = true;
  out->scalar = a->type.rank == 0;
  out->n = (int) n;
  for (int64_t i = 0; i < n; i++)
    out->e[i] = (sym_dim) { -1, nn_array_get_i64 (a, i) };
  return true;
}

/* the vector node i gives, from what is known of its inputs */
static bool
sym_node (const nn_graph *g, const sym_vec *syms, int i, sym_vec *out)
{
  const nn_node *n = &g->nodes[i];
  const nn_value *x = n->in[0] >= 0 ? &g->values[n->in[0]] : NULL;
  sym_vec a, b;

  memset (out, 0, sizeof *out);
  out->known = true;
  switch (n->op)
    {
    case NN_OP_SHAPE:
      if (x == NULL || !x->typed || n->attrs[0].set || n->attrs[1].set)
        return false;
      out->n = x->type.rank;
      for (int32_t d = 0; d < x->type.rank; d++)
        out->e[d] = x->type.shape[d] == NN_DIM_SYMBOLIC ? (sym_dim) { n->in[0], d }
                                                         : (sym_dim) { -1, x->type.shape[d] };
      return true;
    case NN_OP_GATHER:
      if (n->attrs[0].i != 0 || !sym_of (g, syms, n->in[0], &a) || a.scalar
          || !sym_of (g, syms, n->in[1], &b))
        return false;
      for (int k = 0; k < b.n; k++)
        {
          int64_t at = b.e[k].v < 0 ? b.e[k].v + a.n : b.e[k].v;

          if (b.e[k].src >= 0 || at < 0 || at >= a.n)
            return false;
          out->e[k] = a.e[at];
        }
      out->n = b.n;
      out->scalar = b.scalar;
      return true;
    case NN_OP_UNSQUEEZE:
      if (!sym_of (g, syms, n->in[0], &a) || !a.scalar || !sym_of (g, syms, n->in[1], &b)
          || b.n != 1 || b.e[0].src >= 0 || (b.e[0].v != 0 && b.e[0].v != -1))
        return false;
      *out = a;
      out->scalar = false;
      return true;
    case NN_OP_CONCAT:
      if (n->attrs[0].i != 0 && n->attrs[0].i != -1)
        return false;
      for (int k = 0; k < n->n_in; k++)
        {
          if (!sym_of (g, syms, n->in[k], &a) || a.scalar || out->n + a.n > NN_ARRAY_MAX_RANK)
            return false;
          memcpy (&out->e[out->n], a.e, (size_t) a.n * sizeof a.e[0]);
          out->n += a.n;
        }
      return true;
    default:
      return false;
    }
}

/* value v (the output of a node that goes) becomes the constant of the numbers in e */
static bool
make_constant (nn_graph *g, int v, const sym_vec *e)
{
  nn_type t = { .dtype = NN_DTYPE_INT64, .rank = e->scalar ? 0 : 1, .shape = { e->n } };
  nn_array *a;

  for (int k = 0; k < e->n; k++)
    if (e->e[k].src >= 0)
      return false;
  if ((a = nn_array_new (&t, NULL)) == NULL)
    return false;
  for (int k = 0; k < e->n; k++)
    ((int64_t *) a->data)[k] = e->e[k].v;
  g->values[v].init = a;
  g->values[v].type = a->type;
  g->values[v].typed = true;
  g->values[v].folded = true;
  g->values[v].producer = -1;
  return true;
}

/* Reshapes whose shape becomes a constant, and nodes of shape chains whose result is all
 * numbers though they read a symbolic Shape (Gather of a static dim); returns how many
 * changed */
static int
static_reshapes (nn_graph *g)
{
  sym_vec *syms = calloc ((size_t) g->n_values + 1, sizeof *syms);
  bool *removed = calloc ((size_t) g->n_nodes + 1, sizeof *removed);
  int changed = 0, n_values = g->n_values;
  nn_error err;

  if (syms == NULL || removed == NULL || nn_graph_validate (g, &err) != NN_OK)
    {
      free (syms);
      free (removed);
      return 0;
    }
  for (int pos = 0; pos < g->n_nodes; pos++)
    {
      int i = g->order[pos];
      nn_node *n = &g->nodes[i];
      sym_vec v;
      int64_t want[NN_ARRAY_MAX_RANK];
      bool ok, any_symbolic = false;

      if (n->op != NN_OP_RESHAPE)
        {
          if (n->n_out == 1 && n->out[0] < n_values && sym_node (g, syms, i, &v))
            {
              syms[n->out[0]] = v;
              if (make_constant (g, n->out[0], &v))
                {
                  removed[i] = true;
                  changed++;
                }
            }
          continue;
        }
      if (n->attrs[0].i != 0 || n->in[0] < 0 || n->in[1] < 0
          || g->values[n->in[1]].init != NULL
          || !sym_of (g, syms, n->in[1], &v) || v.scalar)
        continue;
      ok = true;
      for (int k = 0; k < v.n && ok; k++)
        {
          if (v.e[k].src < 0)
            want[k] = v.e[k].v;
          else
            {
              ok = v.e[k].src == n->in[0] && v.e[k].v == k;
              want[k] = 0;
              any_symbolic = true;
            }
        }
      if (ok && any_symbolic)
        {
          nn_type t = { .dtype = NN_DTYPE_INT64, .rank = 1, .shape = { v.n } };
          nn_array *a = nn_array_new (&t, &err);
          char name[300];
          int at;

          if (a == NULL)
            continue;
          memcpy (a->data, want, (size_t) v.n * sizeof *want);
          for (int k = 0;; k++)
            {
              snprintf (name, sizeof name, "%.200s/static%d", n->name, k);
              if (nn_graph_value_index (g, name) < 0)
                break;
            }
          if ((at = nn_graph_intern_value (g, name)) < 0)
            {
              nn_array_free (a);
              continue;
            }
          n = &g->nodes[i];
          g->values[at].init = a;
          g->values[at].type = a->type;
          g->values[at].typed = true;
          g->values[at].folded = true;
          n->in[1] = at;
          nn_graph_touch (g);
          changed++;
        }
    }
  if (changed > 0)
    nn_graph_remove_nodes (g, removed);
  free (syms);
  free (removed);
  return changed;
}

/* per value: whether a node reads it or it is a graph output (NULL: no memory) */
static bool *
read_values (const nn_graph *g)
{
  bool *read = calloc ((size_t) g->n_values + 1, sizeof *read);

  if (read == NULL)
    return NULL;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++)
      if (g->nodes[i].in[k] >= 0)
        read[g->nodes[i].in[k]] = true;
  for (int i = 0; i < g->n_outputs; i++)
    read[g->outputs[i]] = true;
  return read;
}

/* removes the nodes none of whose outputs anything reads (the shape chains whose result
 * became a constant); returns how many */
static int
drop_dead_nodes (nn_graph *g)
{
  bool *read = read_values (g);
  bool *dead = calloc ((size_t) g->n_nodes + 1, sizeof *dead);
  int n = 0;

  if (read != NULL && dead != NULL)
    {
      for (int i = 0; i < g->n_nodes; i++)
        {
          dead[i] = true;
          for (int k = 0; k < g->nodes[i].n_out; k++)
            dead[i] = dead[i] && !read[g->nodes[i].out[k]];
          n += dead[i];
        }
      if (n > 0)
        nn_graph_remove_nodes (g, dead);
    }
  free (read);
  free (dead);
  return n;
}

/* frees the folded values that no node reads and that are no graph output (the
 * intermediate steps of a folded chain) */
static void
drop_unread (nn_graph *g)
{
  bool *read = read_values (g);

  if (read == NULL)
    return;
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
  int n, before = g->n_nodes;
  nn_status s;

  do
    {
      if ((s = fold_pass (g, true, &n, err)) != NN_OK)
        return s;
      if (n == 0 && (n = static_reshapes (g)) > 0)
        {
          /* the chains that built the shapes are dead now, node after node */
          for (int dead; (dead = drop_dead_nodes (g)) > 0; n += dead)
            ;
        }
    }
  while (n > 0);
  drop_unread (g);
  if (n_folded != NULL)
    *n_folded = before - g->n_nodes;
  return NN_OK;
}

void
nn_graph_propagate_types (nn_graph *g)
{
  int n;

  fold_pass (g, false, &n, NULL);
}
