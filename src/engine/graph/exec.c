/* graph/exec.c - running a graph: topological order, buffers planned by value lifetime
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each value's last reader is known from the order, so its buffer goes back to a pool
 * as soon as that reader has run, and the next value that fits takes it (best fit by
 * capacity). Peak memory then follows the largest set of values alive at once, not the
 * sum of all of them. Each node's output types are inferred again with the concrete
 * shapes and the values of its inputs, so data-dependent shapes (Shape -> Reshape)
 * run too.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/graph-private.h"

typedef struct run_state {
  nn_graph *g;
  nn_array **arrays;     /* per value: its array while alive */
  bool *owned;           /* arrays[v] was allocated by this run */
  int *last_use;         /* position in the order of the last reader; INT_MAX: keep */
  nn_array **pool;       /* freed buffers */
  int n_pool;
  nn_graph_run_stats stats;
  uint64_t live;
} run_state;

/* a buffer for type t: the smallest pooled one that fits, or a new one */
static nn_array *
take_buffer (run_state *rs, const nn_type *t, nn_error *err)
{
  size_t bytes;
  int best = -1;
  nn_array *a;

  if (nn_type_check (t, false, "a value", &bytes, err) != NN_OK)
    return NULL;
  for (int i = 0; i < rs->n_pool; i++)
    if (rs->pool[i]->capacity >= bytes
        && (best < 0 || rs->pool[i]->capacity < rs->pool[best]->capacity))
      best = i;
  if (best < 0)
    return nn_array_new (t, err);
  a = rs->pool[best];
  rs->pool[best] = rs->pool[--rs->n_pool];
  a->type = *t;
  memset (a->data, 0, bytes);
  rs->stats.buffers_reused++;
  return a;
}

static void
release (run_state *rs, int v)
{
  if (rs->arrays[v] == NULL || !rs->owned[v])
    return;
  rs->live -= nn_array_bytes (rs->arrays[v]);
  rs->pool[rs->n_pool++] = rs->arrays[v];
  rs->arrays[v] = NULL;
}

static nn_status
check_inputs (const nn_graph *g, const nn_array *const *inputs, nn_error *err)
{
  for (int i = 0; i < g->n_inputs; i++)
    {
      const nn_value *val = &g->values[g->inputs[i]];
      const nn_type *want = &val->type, *have;
      char a[160], b[160];
      bool ok;

      if (inputs == NULL || inputs[i] == NULL)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "graph input '%s' has no value",
                             val->name);
      have = &inputs[i]->type;
      ok = have->dtype == want->dtype && have->rank == want->rank;
      for (int32_t d = 0; ok && d < want->rank; d++)
        ok = want->shape[d] == NN_DIM_SYMBOLIC || want->shape[d] == have->shape[d];
      if (!ok)
        return nn_error_set (err, NN_STATUS_SHAPE, -1, "graph input '%s' is %s; the graph "
                             "takes %s", val->name, nn_type_format (have, a, sizeof a),
                             nn_type_format (want, b, sizeof b));
    }
  return NN_OK;
}

static nn_status
state_init (run_state *rs, nn_graph *g, const nn_array *const *inputs, nn_error *err)
{
  size_t nv = (size_t) g->n_values + 1;

  memset (rs, 0, sizeof *rs);
  rs->g = g;
  rs->arrays = calloc (nv, sizeof *rs->arrays);
  rs->owned = calloc (nv, sizeof *rs->owned);
  rs->last_use = calloc (nv, sizeof *rs->last_use);
  rs->pool = calloc (nv, sizeof *rs->pool);
  if (!rs->arrays || !rs->owned || !rs->last_use || !rs->pool)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory planning a run");
  for (int v = 0; v < g->n_values; v++)
    {
      rs->last_use[v] = -1;
      rs->arrays[v] = g->values[v].init;
    }
  for (int i = 0; i < g->n_inputs; i++)
    rs->arrays[g->inputs[i]] = (nn_array *) inputs[i];
  for (int pos = 0; pos < g->n_nodes; pos++)
    {
      const nn_node *n = &g->nodes[g->order[pos]];

      for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0)
          rs->last_use[n->in[k]] = pos;
    }
  for (int i = 0; i < g->n_outputs; i++)
    rs->last_use[g->outputs[i]] = INT_MAX;
  return NN_OK;
}

static void
state_free (run_state *rs)
{
  if (rs->arrays != NULL)
    for (int v = 0; v < rs->g->n_values; v++)
      if (rs->owned[v])
        nn_array_free (rs->arrays[v]);
  for (int i = 0; i < rs->n_pool; i++)
    nn_array_free (rs->pool[i]);
  free (rs->arrays);
  free (rs->owned);
  free (rs->last_use);
  free (rs->pool);
}

static double
now_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static nn_status
run_node (run_state *rs, int pos, nn_node_profile *profile, nn_error *err)
{
  nn_graph *g = rs->g;
  const nn_node *n = &g->nodes[g->order[pos]];
  nn_type out[NN_NODE_MAX_IO];
  nn_op_ctx ctx;
  nn_status s;

  nn_graph_ctx_init (g, g->order[pos], NULL, (const nn_array *const *) rs->arrays, out, &ctx);
  if ((s = nn_graph_infer_node (&ctx, false, err)) != NN_OK)
    return s;
  for (int k = 0; k < n->n_out; k++)
    {
      nn_array *a = take_buffer (rs, &out[k], err);

      if (a == NULL)
        return nn_op_fail (&ctx, err, err ? err->status : NN_STATUS_NOMEM, "%s",
                           err ? err->message : "out of memory");
      rs->arrays[n->out[k]] = a;
      rs->owned[n->out[k]] = true;
      ctx.y[k] = a;
      rs->live += nn_array_bytes (a);
      rs->stats.total_value_bytes += nn_array_bytes (a);
    }
  if (rs->live > rs->stats.peak_live_bytes)
    rs->stats.peak_live_bytes = rs->live;
  if (profile != NULL)
    {
      nn_node_profile *p = &profile[g->order[pos]];
      double start = now_seconds ();

      s = ctx.op->forward (&ctx, err);
      p->seconds = now_seconds () - start;
      p->output_bytes = 0;
      for (int k = 0; k < n->n_out; k++)
        p->output_bytes += nn_array_bytes (ctx.y[k]);
      p->live_bytes = rs->live;
    }
  else
    s = ctx.op->forward (&ctx, err);
  if (s != NN_OK)
    return s;
  for (int k = 0; k < n->n_in; k++)
    if (n->in[k] >= 0 && rs->last_use[n->in[k]] == pos)
      release (rs, n->in[k]);
  for (int k = 0; k < n->n_out; k++)
    if (rs->last_use[n->out[k]] < 0)
      release (rs, n->out[k]);
  return NN_OK;
}

nn_status
nn_graph_run (nn_graph *g, const nn_array *const *inputs, nn_array **outputs,
              nn_graph_run_stats *stats, nn_error *err)
{
  return nn_graph_run_profiled (g, inputs, outputs, stats, NULL, err);
}

nn_status
nn_graph_run_profiled (nn_graph *g, const nn_array *const *inputs, nn_array **outputs,
                       nn_graph_run_stats *stats, nn_node_profile *profile, nn_error *err)
{
  run_state rs;
  nn_status s;

  if ((s = nn_graph_validate (g, err)) != NN_OK || (s = check_inputs (g, inputs, err)) != NN_OK)
    return s;
  if ((s = state_init (&rs, g, inputs, err)) != NN_OK)
    {
      state_free (&rs);
      return s;
    }
  for (int pos = 0; pos < g->n_nodes && s == NN_OK; pos++)
    s = run_node (&rs, pos, profile, err);
  for (int i = 0; i < g->n_outputs && s == NN_OK; i++)
    {
      int v = g->outputs[i];

      if (rs.owned[v])
        {
          outputs[i] = rs.arrays[v];
          rs.owned[v] = false;
        }
      else if ((outputs[i] = nn_array_copy (rs.arrays[v], err)) == NULL)
        s = err ? err->status : NN_STATUS_NOMEM;
      if (s != NN_OK)
        for (int j = 0; j < i; j++)
          {
            nn_array_free (outputs[j]);
            outputs[j] = NULL;
          }
    }
  if (stats != NULL)
    *stats = rs.stats;
  state_free (&rs);
  return s;
}
