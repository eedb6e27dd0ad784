/* graph/graph.c - values, nodes, graph inputs and outputs; validation and topological
 * order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nodes may be added in any order (a file lists them as it likes), so what needs the
 * whole graph (dangling names, cycles) is checked by nn_graph_validate; what one node
 * can get wrong on its own is refused when it is added.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph-private.h"

nn_graph *
nn_graph_new (void)
{
  return calloc (1, sizeof (nn_graph));
}

void
nn_graph_free (nn_graph *g)
{
  if (g == NULL)
    return;
  for (int i = 0; i < g->n_values; i++)
    {
      free (g->values[i].name);
      nn_array_free (g->values[i].init);
    }
  for (int i = 0; i < g->n_nodes; i++)
    {
      free (g->nodes[i].name);
      free (g->nodes[i].scope);
      free (g->nodes[i].attrs);
      free (g->nodes[i].doc);
    }
  nn_model_info_free (g->info);
  free (g->values);
  free (g->nodes);
  free (g->inputs);
  free (g->outputs);
  free (g->order);
  free (g);
}

void
nn_graph_touch (nn_graph *g)
{
  g->validated = false;
  g->inferred = false;
}

int
nn_graph_value_index (const nn_graph *g, const char *name)
{
  for (int i = 0; i < g->n_values; i++)
    if (strcmp (g->values[i].name, name) == 0)
      return i;
  return -1;
}

/* grows *items (of size each) to hold at least need */
static bool
grow (void **items, int *cap, int need, size_t size)
{
  int n = *cap ? *cap : 16;
  void *p;

  if (need <= *cap)
    return true;
  while (n < need)
    n *= 2;
  p = realloc (*items, (size_t) n * size);
  if (p == NULL)
    return false;
  *items = p;
  *cap = n;
  return true;
}

static bool
append_int (int **items, int *n, int v)
{
  int *p = realloc (*items, (size_t) (*n + 1) * sizeof *p);

  if (p == NULL)
    return false;
  p[(*n)++] = v;
  *items = p;
  return true;
}


int
nn_graph_intern_value (nn_graph *g, const char *name)
{
  int v = nn_graph_value_index (g, name);
  nn_value *val;

  if (v >= 0)
    return v;
  if (!grow ((void **) &g->values, &g->cap_values, g->n_values + 1, sizeof *g->values))
    return -1;
  val = &g->values[g->n_values];
  memset (val, 0, sizeof *val);
  val->name = strdup (name);
  if (val->name == NULL)
    return -1;
  val->producer = -1;
  val->input = -1;
  return g->n_values++;
}

static nn_status
no_memory (nn_error *err)
{
  return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory building the graph");
}

/* a name for a value that is new: not produced by anything yet */
static nn_status
new_source (nn_graph *g, const char *name, const char *what, int *v, nn_error *err)
{
  if (name == NULL || name[0] == '\0')
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "a %s has no name", what);
  *v = nn_graph_value_index (g, name);
  if (*v >= 0)
    {
      const nn_value *val = &g->values[*v];

      if (val->producer >= 0)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, val->producer,
                             "the %s '%s' has the name of an output of node '%s'", what,
                             name, g->nodes[val->producer].name);
      if (val->input >= 0 || val->init != NULL)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                             "there are two graph inputs or initializers called '%s'",
                             name);
    }
  else if ((*v = nn_graph_intern_value (g, name)) < 0)
    return no_memory (err);
  nn_graph_touch (g);
  return NN_OK;
}

nn_status
nn_graph_add_input (nn_graph *g, const char *name, const nn_type *type, nn_error *err)
{
  char what[160];
  nn_status s;
  int v = -1;

  snprintf (what, sizeof what, "graph input '%s'", name ? name : "");
  if ((s = nn_type_check (type, true, what, NULL, err)) != NN_OK
      || (s = new_source (g, name, "graph input", &v, err)) != NN_OK)
    return s;
  if (!append_int (&g->inputs, &g->n_inputs, v))
    return no_memory (err);
  g->values[v].input = g->n_inputs - 1;
  g->values[v].type = *type;
  g->values[v].typed = true;
  return NN_OK;
}

nn_status
nn_graph_set_input_type (nn_graph *g, const char *name, const nn_type *type, nn_error *err)
{
  int v = name ? nn_graph_value_index (g, name) : -1;
  char what[160];
  nn_status s;

  if (v < 0 || g->values[v].input < 0)
    return nn_error_set (err, NN_STATUS_NOT_FOUND, -1, "there is no graph input called '%s'",
                         name ? name : "");
  snprintf (what, sizeof what, "graph input '%s'", name);
  if ((s = nn_type_check (type, true, what, NULL, err)) != NN_OK)
    return s;
  g->values[v].type = *type;
  nn_graph_touch (g);
  return NN_OK;
}

nn_status
nn_graph_add_initializer (nn_graph *g, const char *name, nn_array *value, nn_error *err)
{
  nn_status s;
  int v = -1;

  if (value == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "initializer '%s' has no value",
                         name ? name : "");
  if ((s = new_source (g, name, "initializer", &v, err)) != NN_OK)
    {
      nn_array_free (value);
      return s;
    }
  g->values[v].init = value;
  g->values[v].type = value->type;
  g->values[v].typed = true;
  return NN_OK;
}

static nn_status
check_node_counts (const nn_graph *g, const nn_op *op, const char *name, int n_in, int n_out,
                   nn_error *err)
{
  if (n_in < op->min_in || n_in > op->max_in)
    {
      if (op->min_in == op->max_in)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, g->n_nodes,
                             "node '%s' (%s) has %d inputs; %s takes %d", name, op->name,
                             n_in, op->name, op->min_in);
      return nn_error_set (err, NN_STATUS_INVALID_ARG, g->n_nodes,
                           "node '%s' (%s) has %d inputs; %s takes %d to %d", name,
                           op->name, n_in, op->name, op->min_in, op->max_in);
    }
  if (n_out < op->min_out || n_out > op->max_out)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, g->n_nodes,
                         "node '%s' (%s) has %d outputs; %s gives %d to %d", name, op->name,
                         n_out, op->name, op->min_out, op->max_out);
  return NN_OK;
}

/* outputs must be new names, distinct from each other */
static nn_status
check_node_outputs (const nn_graph *g, const char *name, int n_out, const char *const *outputs,
                    nn_error *err)
{
  for (int i = 0; i < n_out; i++)
    {
      int v;

      if (outputs[i] == NULL || outputs[i][0] == '\0')
        return nn_error_set (err, NN_STATUS_INVALID_ARG, g->n_nodes,
                             "node '%s': output %d has no name", name, i + 1);
      for (int j = 0; j < i; j++)
        if (strcmp (outputs[i], outputs[j]) == 0)
          return nn_error_set (err, NN_STATUS_INVALID_ARG, g->n_nodes,
                               "node '%s' writes '%s' twice", name, outputs[i]);
      v = nn_graph_value_index (g, outputs[i]);
      if (v < 0)
        continue;
      if (g->values[v].producer >= 0)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, g->n_nodes,
                             "node '%s' writes '%s', which node '%s' already writes", name,
                             outputs[i], g->nodes[g->values[v].producer].name);
      if (g->values[v].input >= 0 || g->values[v].init != NULL)
        return nn_error_set (err, NN_STATUS_INVALID_ARG, g->n_nodes,
                             "node '%s' writes '%s', which is a graph %s", name, outputs[i],
                             g->values[v].input >= 0 ? "input" : "initializer");
    }
  return NN_OK;
}

static nn_status
node_init (nn_graph *g, nn_node *n, int op, const char *name, const char *scope, int n_in,
           const char *const *inputs, int n_out, const char *const *outputs, nn_error *err)
{
  memset (n, 0, sizeof *n);
  n->op = op;
  n->name = strdup (name);
  n->scope = strdup (scope ? scope : "");
  n->attrs = calloc ((size_t) nn_ops[op]->n_attrs + 1, sizeof *n->attrs);
  if (n->name == NULL || n->scope == NULL || n->attrs == NULL)
    return no_memory (err);
  nn_attrs_init (nn_ops[op], n->attrs);
  n->n_in = n_in;
  n->n_out = n_out;
  for (int i = 0; i < n_in; i++)
    {
      n->in[i] = inputs[i] == NULL || inputs[i][0] == '\0'
                 ? -1 : nn_graph_intern_value (g, inputs[i]);
      if (inputs[i] != NULL && inputs[i][0] != '\0' && n->in[i] < 0)
        return no_memory (err);
    }
  for (int i = 0; i < n_out; i++)
    {
      n->out[i] = nn_graph_intern_value (g, outputs[i]);
      if (n->out[i] < 0)
        return no_memory (err);
    }
  return NN_OK;
}

nn_status
nn_graph_add_node (nn_graph *g, const char *op_name, const char *name, const char *scope,
                   int n_in, const char *const *inputs, int n_out, const char *const *outputs,
                   int *index, nn_error *err)
{
  int op = op_name ? nn_op_find (op_name) : -1;
  nn_node *n;
  nn_status s;

  if (n_out < 1 || n_out > NN_NODE_MAX_IO || n_in < 0 || n_in > NN_NODE_MAX_IO)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "node '%s' has %d inputs and %d "
                         "outputs; a node has at most %d of each and at least one output",
                         name ? name : "", n_in, n_out, NN_NODE_MAX_IO);
  if (name == NULL || name[0] == '\0')
    name = outputs[0] ? outputs[0] : "";
  if (op < 0)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1,
                         "node '%s' uses the operator '%s', which Layerlab does not know",
                         name, op_name ? op_name : "");
  if (nn_graph_find_node (g, name) >= 0)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, g->n_nodes,
                         "there are two nodes called '%s'", name);
  if ((s = check_node_counts (g, nn_ops[op], name, n_in, n_out, err)) != NN_OK
      || (s = check_node_outputs (g, name, n_out, outputs, err)) != NN_OK)
    return s;
  if (!grow ((void **) &g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *g->nodes))
    return no_memory (err);
  n = &g->nodes[g->n_nodes];
  if ((s = node_init (g, n, op, name, scope, n_in, inputs, n_out, outputs, err)) != NN_OK)
    {
      free (n->name);
      free (n->scope);
      free (n->attrs);
      return s;
    }
  for (int i = 0; i < n_out; i++)
    g->values[n->out[i]].producer = g->n_nodes;
  if (index != NULL)
    *index = g->n_nodes;
  g->n_nodes++;
  nn_graph_touch (g);
  return NN_OK;
}

nn_status
nn_graph_add_output (nn_graph *g, const char *name, nn_error *err)
{
  int v = name ? nn_graph_value_index (g, name) : -1;

  if (v < 0 && name != NULL && name[0] != '\0')
    v = nn_graph_intern_value (g, name);
  if (v < 0)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "a graph output has no name");
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v)
      return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                           "'%s' is a graph output twice", name);
  if (!append_int (&g->outputs, &g->n_outputs, v))
    return no_memory (err);
  nn_graph_touch (g);
  return NN_OK;
}

void
nn_graph_remove_nodes (nn_graph *g, const bool *remove)
{
  int *moved = malloc (((size_t) g->n_nodes + 1) * sizeof *moved);
  int kept = 0;

  if (moved == NULL)
    return;
  for (int i = 0; i < g->n_nodes; i++)
    {
      if (remove[i])
        {
          free (g->nodes[i].name);
          free (g->nodes[i].scope);
          free (g->nodes[i].attrs);
          free (g->nodes[i].doc);
          moved[i] = -1;
          continue;
        }
      moved[i] = kept;
      g->nodes[kept++] = g->nodes[i];
    }
  for (int v = 0; v < g->n_values; v++)
    if (g->values[v].producer >= 0)
      g->values[v].producer = moved[g->values[v].producer];
  g->n_nodes = kept;
  free (moved);
  nn_graph_touch (g);
}

/* ---------------------------------------------------------------- validation */

static bool
is_source (const nn_value *v)
{
  return v->producer >= 0 || v->input >= 0 || v->init != NULL;
}

static nn_status
check_dangling (const nn_graph *g, nn_error *err)
{
  for (int i = 0; i < g->n_nodes; i++)
    {
      const nn_node *n = &g->nodes[i];

      for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && !is_source (&g->values[n->in[k]]))
          return nn_error_set (err, NN_STATUS_INVALID_ARG, i,
                               "node '%s' (%s) reads '%s', which no node, graph input or "
                               "initializer gives", n->name, nn_ops[n->op]->name,
                               g->values[n->in[k]].name);
    }
  for (int i = 0; i < g->n_outputs; i++)
    if (!is_source (&g->values[g->outputs[i]]))
      return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                           "the graph output '%s' is given by no node, input or initializer",
                           g->values[g->outputs[i]].name);
  return NN_OK;
}

/* Kahn's algorithm left the nodes with pending[] > 0: those on or after a cycle.
 * Walks back from one of them along unfinished producers until a node repeats, and
 * names the nodes of that loop. */
static nn_status
cycle_error (const nn_graph *g, const int *pending, nn_error *err)
{
  char msg[NN_ERROR_MAX];
  int *seen = calloc ((size_t) g->n_nodes, sizeof *seen);
  int cur = -1, start;
  size_t len;

  if (seen == NULL)
    return no_memory (err);
  for (int i = 0; i < g->n_nodes && cur < 0; i++)
    if (pending[i] > 0)
      cur = i;
  for (int step = 1; !seen[cur]; step++)
    {
      const nn_node *n = &g->nodes[cur];
      int next = -1;

      seen[cur] = step;
      for (int k = 0; k < n->n_in && next < 0; k++)
        if (n->in[k] >= 0 && g->values[n->in[k]].producer >= 0
            && pending[g->values[n->in[k]].producer] > 0)
          next = g->values[n->in[k]].producer;
      cur = next;
    }
  /* cur repeats: the loop is cur -> ... -> cur, in reverse reading order */
  start = cur;
  len = (size_t) snprintf (msg, sizeof msg, "'%s'", g->nodes[start].name);
  memset (seen, 0, (size_t) g->n_nodes * sizeof *seen);
  do
    {
      const nn_node *n = &g->nodes[cur];
      int next = -1;

      seen[cur] = 1;
      for (int k = 0; k < n->n_in && next < 0; k++)
        if (n->in[k] >= 0 && g->values[n->in[k]].producer >= 0
            && pending[g->values[n->in[k]].producer] > 0)
          next = g->values[n->in[k]].producer;
      cur = next;
      if (len < sizeof msg)
        len += (size_t) snprintf (msg + len, sizeof msg - len, " <- '%s'", g->nodes[cur].name);
    }
  while (cur != start && !seen[cur]);
  free (seen);
  return nn_error_set (err, NN_STATUS_INVALID_ARG, start,
                       "the graph has a cycle: node %s (each reads what the next writes)",
                       msg);
}

/* topological order by Kahn's algorithm, nodes taken in the order they were added */
static nn_status
topo_sort (nn_graph *g, nn_error *err)
{
  int *pending = calloc ((size_t) g->n_nodes + 1, sizeof *pending);
  int *order = malloc (((size_t) g->n_nodes + 1) * sizeof *order);
  int head = 0, tail = 0;
  nn_status s = NN_OK;

  if (pending == NULL || order == NULL)
    {
      free (pending);
      free (order);
      return no_memory (err);
    }
  for (int i = 0; i < g->n_nodes; i++)
    {
      for (int k = 0; k < g->nodes[i].n_in; k++)
        if (g->nodes[i].in[k] >= 0 && g->values[g->nodes[i].in[k]].producer >= 0)
          pending[i]++;
      if (pending[i] == 0)
        order[tail++] = i;
    }
  while (head < tail)
    {
      const nn_node *n = &g->nodes[order[head++]];

      for (int o = 0; o < n->n_out; o++)
        for (int j = 0; j < g->n_nodes; j++)
          for (int k = 0; k < g->nodes[j].n_in; k++)
            if (g->nodes[j].in[k] == n->out[o] && --pending[j] == 0)
              order[tail++] = j;
    }
  if (tail < g->n_nodes)
    s = cycle_error (g, pending, err);
  free (pending);
  free (g->order);
  g->order = s == NN_OK ? order : NULL;
  if (s != NN_OK)
    free (order);
  return s;
}

nn_status
nn_graph_validate (nn_graph *g, nn_error *err)
{
  nn_status s;

  if (g->validated)
    return NN_OK;
  if ((s = check_dangling (g, err)) != NN_OK || (s = topo_sort (g, err)) != NN_OK)
    return s;
  g->validated = true;
  return NN_OK;
}

/* ---------------------------------------------------------------- accessors */

int
nn_graph_n_nodes (const nn_graph *g)
{
  return g->n_nodes;
}

#define NODE_FIELD(fn, expr)                                      \
  const char *fn (const nn_graph *g, int node)                   \
  {                                                               \
    if (node < 0 || node >= g->n_nodes)                           \
      return NULL;                                                \
    return expr;                                                  \
  }

NODE_FIELD (nn_graph_node_name, g->nodes[node].name)
NODE_FIELD (nn_graph_node_scope, g->nodes[node].scope)
NODE_FIELD (nn_graph_node_op, nn_ops[g->nodes[node].op]->name)
NODE_FIELD (nn_graph_node_torch, nn_ops[g->nodes[node].op]->torch)

int
nn_graph_n_inputs (const nn_graph *g)
{
  return g->n_inputs;
}

int
nn_graph_n_outputs (const nn_graph *g)
{
  return g->n_outputs;
}

const char *
nn_graph_input_name (const nn_graph *g, int i)
{
  return i >= 0 && i < g->n_inputs ? g->values[g->inputs[i]].name : NULL;
}

const nn_type *
nn_graph_input_type (const nn_graph *g, int i)
{
  return i >= 0 && i < g->n_inputs ? &g->values[g->inputs[i]].type : NULL;
}

const char *
nn_graph_output_name (const nn_graph *g, int i)
{
  return i >= 0 && i < g->n_outputs ? g->values[g->outputs[i]].name : NULL;
}

int
nn_graph_node_n_inputs (const nn_graph *g, int node)
{
  return node >= 0 && node < g->n_nodes ? g->nodes[node].n_in : 0;
}

int
nn_graph_node_n_outputs (const nn_graph *g, int node)
{
  return node >= 0 && node < g->n_nodes ? g->nodes[node].n_out : 0;
}

const char *
nn_graph_node_input (const nn_graph *g, int node, int k)
{
  if (node < 0 || node >= g->n_nodes || k < 0 || k >= g->nodes[node].n_in)
    return NULL;
  return g->nodes[node].in[k] < 0 ? "" : g->values[g->nodes[node].in[k]].name;
}

const char *
nn_graph_node_output (const nn_graph *g, int node, int k)
{
  if (node < 0 || node >= g->n_nodes || k < 0 || k >= g->nodes[node].n_out)
    return NULL;
  return g->values[g->nodes[node].out[k]].name;
}

int
nn_graph_find_node (const nn_graph *g, const char *name)
{
  for (int i = 0; i < g->n_nodes; i++)
    if (strcmp (g->nodes[i].name, name) == 0)
      return i;
  return -1;
}

const int *
nn_graph_order (const nn_graph *g)
{
  return g->validated ? g->order : NULL;
}

const nn_type *
nn_graph_value_type (const nn_graph *g, const char *name)
{
  int v = nn_graph_value_index (g, name);

  return v >= 0 && g->values[v].typed && g->inferred ? &g->values[v].type : NULL;
}

const nn_array *
nn_graph_initializer (const nn_graph *g, const char *name)
{
  int v = nn_graph_value_index (g, name);

  return v >= 0 ? g->values[v].init : NULL;
}
