/* graph/diff.c - what changed between two models (nn_graph_diff_compute, nn-graph.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nodes are matched by name, weights (initializers) by name, as a model keeps its names
 * through training, a format change or an edit. A matched node changed when its
 * operator, an attribute or what an input reads differs; a weight changed when its
 * shape or a value does. Then both graphs run on the same input (the caller's, or
 * random), when their inputs agree, and their outputs are compared.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph-private.h"
#include "nn-private.h"

static void
append (char *buf, size_t size, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static void
append (char *buf, size_t size, const char *fmt, ...)
{
  size_t len = strlen (buf);
  va_list ap;

  if (len + 1 >= size)
    return;
  if (len > 0 && len + 3 < size)
    {
      strcat (buf, "; ");
      len += 2;
    }
  va_start (ap, fmt);
  vsnprintf (buf + len, size - len, fmt, ap);
  va_end (ap);
}

static void
attr_text (const nn_attr_schema *s, const nn_attr_value *v, char *buf, size_t size)
{
  size_t len = 0;

  switch (s->kind)
    {
    case NN_ATTR_INT:
      snprintf (buf, size, "%lld", (long long) v->i);
      break;
    case NN_ATTR_FLOAT:
      snprintf (buf, size, "%g", v->f);
      break;
    case NN_ATTR_STRING:
      snprintf (buf, size, "\"%s\"", v->s);
      break;
    case NN_ATTR_INTS:
      len += (size_t) snprintf (buf, size, "[");
      for (int i = 0; i < v->n && len < size; i++)
        len += (size_t) snprintf (buf + len, size - len, "%s%lld", i ? ", " : "",
                                  (long long) v->ints[i]);
      if (len < size)
        snprintf (buf + len, size - len, "]");
      break;
    }
}

static bool
attr_equal (const nn_attr_schema *s, const nn_attr_value *a, const nn_attr_value *b)
{
  switch (s->kind)
    {
    case NN_ATTR_INT: return a->i == b->i;
    case NN_ATTR_FLOAT: return a->f == b->f || (isnan (a->f) && isnan (b->f));
    case NN_ATTR_STRING: return strcmp (a->s, b->s) == 0;
    case NN_ATTR_INTS:
      return a->n == b->n && memcmp (a->ints, b->ints, (size_t) a->n * sizeof *a->ints) == 0;
    }
  return false;
}

/* What input k of a node reads, as a reader would name it: the weight or graph input by
 * name, a computed value by the node producing it. */
static void
source_text (const nn_graph *g, int v, char *buf, size_t size)
{
  if (v < 0)
    snprintf (buf, size, "nothing");
  else if (g->values[v].producer >= 0)
    snprintf (buf, size, "the output of '%s'", g->nodes[g->values[v].producer].name);
  else
    snprintf (buf, size, "'%s'", g->values[v].name);
}

/* The differences between node na of a and nb of b, into what ("" when none). */
static void
compare_nodes (const nn_graph *a, const nn_node *na, const nn_graph *b, const nn_node *nb,
               char *what, size_t size)
{
  const nn_op *op = nn_ops[na->op];

  what[0] = '\0';
  if (na->op != nb->op)
    {
      append (what, size, "operator %s -> %s", op->name, nn_ops[nb->op]->name);
      return;
    }
  for (int k = 0; k < op->n_attrs; k++)
    if (!attr_equal (&op->attrs[k], &na->attrs[k], &nb->attrs[k]))
      {
        char x[96], y[96];

        attr_text (&op->attrs[k], &na->attrs[k], x, sizeof x);
        attr_text (&op->attrs[k], &nb->attrs[k], y, sizeof y);
        append (what, size, "%s %s -> %s", op->attrs[k].name, x, y);
      }
  for (int i = 0; i < (na->n_in > nb->n_in ? na->n_in : nb->n_in); i++)
    {
      char x[200], y[200];

      source_text (a, i < na->n_in ? na->in[i] : -1, x, sizeof x);
      source_text (b, i < nb->n_in ? nb->in[i] : -1, y, sizeof y);
      if (strcmp (x, y) != 0)
        append (what, size, "input %d reads %s instead of %s", i, y, x);
    }
  if (na->n_out != nb->n_out)
    append (what, size, "%d outputs -> %d", na->n_out, nb->n_out);
}

static nn_status
push (void **items, int *n, size_t size, const void *item)
{
  void *grown = realloc (*items, (size_t) (*n + 1) * size);

  if (grown == NULL)
    return NN_STATUS_NOMEM;
  memcpy ((char *) grown + (size_t) *n * size, item, size);
  *items = grown;
  (*n)++;
  return NN_OK;
}

static void
compare_weights (const nn_array *x, const nn_array *y, nn_weight_diff *w)
{
  double sum_d = 0, sum_x = 0;
  int64_t n = nn_array_numel (x);

  w->max_abs = 0;
  for (int64_t i = 0; i < n; i++)
    {
      double a = nn_array_get_f64 (x, i), b = nn_array_get_f64 (y, i), d = fabs (b - a);

      if (d > w->max_abs || isnan (d))
        w->max_abs = d;
      sum_d += d * d;
      sum_x += a * a;
    }
  w->rel = sum_x > 0 ? sqrt (sum_d / sum_x) : (sum_d > 0 ? INFINITY : 0);
  w->kind = w->max_abs != 0 || memcmp (x->data, y->data, nn_array_bytes (x)) != 0
            ? NN_DIFF_CHANGED : NN_DIFF_SAME;
}

/* Runs both graphs on one random input when their inputs agree, and compares. */
static void
compare_outputs (nn_graph *a, nn_graph *b, const nn_array *const *given, uint64_t seed,
                 nn_graph_diff *d)
{
  nn_array *in[NN_NODE_MAX_IO] = { 0 }, *oa[NN_NODE_MAX_IO] = { 0 }, *ob[NN_NODE_MAX_IO] = { 0 };
  nn_error err;
  nn_rng rng;
  double sum_d = 0, sum_a = 0;

  d->outputs_compared = false;
  if (a->n_inputs != b->n_inputs || a->n_inputs > NN_NODE_MAX_IO
      || a->n_outputs != b->n_outputs || a->n_outputs > NN_NODE_MAX_IO)
    {
      snprintf (d->outputs_why, sizeof d->outputs_why, "the models have different numbers of "
                "inputs or outputs");
      return;
    }
  nn_rng_seed (&rng, seed);
  for (int k = 0; k < a->n_inputs; k++)
    {
      nn_type t = a->values[a->inputs[k]].type, u = b->values[b->inputs[k]].type;

      for (int i = 0; i < t.rank; i++)
        t.shape[i] = t.shape[i] == NN_DIM_SYMBOLIC ? 1 : t.shape[i];
      for (int i = 0; i < u.rank; i++)
        u.shape[i] = u.shape[i] == NN_DIM_SYMBOLIC ? 1 : u.shape[i];
      if (!nn_type_equal (&t, &u) || t.dtype != NN_DTYPE_FLOAT32)
        {
          snprintf (d->outputs_why, sizeof d->outputs_why, "input %d is %s in one model and "
                    "%s in the other", k, nn_type_format (&a->values[a->inputs[k]].type,
                                                          (char[80]) { 0 }, 80),
                    nn_type_format (&b->values[b->inputs[k]].type, (char[80]) { 0 }, 80));
          goto out;
        }
      if (given != NULL)
        in[k] = nn_array_copy (given[k], &err);
      else if ((in[k] = nn_array_new (&t, &err)) != NULL)
        for (int64_t i = 0; i < nn_array_numel (in[k]); i++)
          ((float *) in[k]->data)[i] = nn_rng_uniform (&rng, 0.0f, 1.0f);
      if (in[k] == NULL)
        {
          snprintf (d->outputs_why, sizeof d->outputs_why, "%s", err.message);
          goto out;
        }
    }
  if (nn_graph_run (a, (const nn_array *const *) in, oa, NULL, &err) != NN_OK
      || nn_graph_run (b, (const nn_array *const *) in, ob, NULL, &err) != NN_OK)
    {
      snprintf (d->outputs_why, sizeof d->outputs_why, "running them failed: %s", err.message);
      goto out;
    }
  d->out_max_abs = 0;
  for (int k = 0; k < a->n_outputs; k++)
    {
      if (!nn_type_equal (&oa[k]->type, &ob[k]->type))
        {
          snprintf (d->outputs_why, sizeof d->outputs_why, "output %d has a different shape "
                    "in each model", k);
          goto out;
        }
      for (int64_t i = 0; i < nn_array_numel (oa[k]); i++)
        {
          double x = nn_array_get_f64 (oa[k], i), y = nn_array_get_f64 (ob[k], i);
          double diff = fabs (y - x);

          if (diff > d->out_max_abs || isnan (diff))
            d->out_max_abs = diff;
          sum_d += diff * diff;
          sum_a += x * x;
        }
    }
  d->out_rel = sum_a > 0 ? sqrt (sum_d / sum_a) : (sum_d > 0 ? INFINITY : 0);
  d->outputs_compared = true;
out:
  for (int k = 0; k < NN_NODE_MAX_IO; k++)
    {
      nn_array_free (in[k]);
      nn_array_free (oa[k]);
      nn_array_free (ob[k]);
    }
}

nn_status
nn_graph_diff_compute (nn_graph *a, nn_graph *b, const nn_array *const *inputs, uint64_t seed,
                       nn_graph_diff *d, nn_error *err)
{
  nn_status st;

  memset (d, 0, sizeof *d);
  if ((st = nn_graph_infer (a, err)) != NN_OK || (st = nn_graph_infer (b, err)) != NN_OK)
    return st;
  /* nodes of a: removed, changed or the same; then the nodes only b has */
  for (int i = 0; st == NN_OK && i < a->n_nodes; i++)
    {
      const nn_node *na = &a->nodes[a->order[i]];
      int j = nn_graph_find_node (b, na->name);
      nn_node_diff nd = { .name = na->name, .op_a = nn_ops[na->op]->name };

      if (j < 0)
        nd.kind = NN_DIFF_REMOVED;
      else
        {
          nd.op_b = nn_ops[b->nodes[j].op]->name;
          compare_nodes (a, na, b, &b->nodes[j], nd.what, sizeof nd.what);
          nd.kind = nd.what[0] != '\0' ? NN_DIFF_CHANGED : NN_DIFF_SAME;
        }
      if (nd.kind == NN_DIFF_SAME)
        d->n_same_nodes++;
      else if (push ((void **) &d->nodes, &d->n_nodes, sizeof nd, &nd) != NN_OK)
        st = NN_STATUS_NOMEM;
    }
  for (int j = 0; st == NN_OK && j < b->n_nodes; j++)
    {
      const nn_node *nb = &b->nodes[b->order[j]];

      if (nn_graph_find_node (a, nb->name) < 0)
        {
          nn_node_diff nd = { .kind = NN_DIFF_ADDED, .name = nb->name,
                              .op_b = nn_ops[nb->op]->name };

          if (push ((void **) &d->nodes, &d->n_nodes, sizeof nd, &nd) != NN_OK)
            st = NN_STATUS_NOMEM;
        }
    }
  /* weights of a, then those only b has */
  for (int i = 0; st == NN_OK && i < a->n_values; i++)
    {
      const nn_value *va = &a->values[i];
      int j;
      nn_weight_diff w = { 0 };

      if (va->init == NULL)
        continue;
      j = nn_graph_value_index (b, va->name);
      w.name = va->name;
      w.type_a = va->init->type;
      if (j < 0 || b->values[j].init == NULL)
        w.kind = NN_DIFF_REMOVED;
      else
        {
          w.type_b = b->values[j].init->type;
          if (!nn_type_equal (&w.type_a, &w.type_b))
            w.kind = NN_DIFF_CHANGED, w.max_abs = w.rel = NAN;
          else
            compare_weights (va->init, b->values[j].init, &w);
        }
      if (push ((void **) &d->weights, &d->n_weights, sizeof w, &w) != NN_OK)
        st = NN_STATUS_NOMEM;
    }
  for (int j = 0; st == NN_OK && j < b->n_values; j++)
    {
      const nn_value *vb = &b->values[j];
      int i;

      if (vb->init == NULL)
        continue;
      i = nn_graph_value_index (a, vb->name);
      if (i < 0 || a->values[i].init == NULL)
        {
          nn_weight_diff w = { .kind = NN_DIFF_ADDED, .name = vb->name,
                               .type_b = vb->init->type };

          if (push ((void **) &d->weights, &d->n_weights, sizeof w, &w) != NN_OK)
            st = NN_STATUS_NOMEM;
        }
    }
  if (st != NN_OK)
    {
      nn_graph_diff_clear (d);
      return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
    }
  compare_outputs (a, b, inputs, seed, d);
  return NN_OK;
}

void
nn_graph_diff_clear (nn_graph_diff *d)
{
  free (d->nodes);
  free (d->weights);
  memset (d, 0, sizeof *d);
}
