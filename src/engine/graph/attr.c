/* graph/attr.c - attributes, set, defaulted and checked from the operator's schema
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "graph/graph-private.h"

void
nn_attrs_init (const nn_op *op, nn_attr_value *attrs)
{
  for (int k = 0; k < op->n_attrs; k++)
    {
      const nn_attr_schema *s = &op->attrs[k];

      memset (&attrs[k], 0, sizeof attrs[k]);
      attrs[k].i = s->def_i;
      attrs[k].f = s->def_f;
      if (s->def_s != NULL)
        snprintf (attrs[k].s, sizeof attrs[k].s, "%s", s->def_s);
    }
}

int
nn_attr_find (const nn_op *op, const char *name)
{
  for (int k = 0; k < op->n_attrs; k++)
    if (strcmp (op->attrs[k].name, name) == 0)
      return k;
  return -1;
}

static const char *const kind_names[] = { "an integer", "a number", "a list of integers",
                                          "a string" };

/* the node's attribute slot for name, checked to be of kind */
static nn_status
attr_slot (nn_graph *g, int node, const char *name, nn_attr_kind kind,
           const nn_attr_schema **schema, nn_attr_value **slot, nn_error *err)
{
  const nn_node *n;
  const nn_op *op;
  int k;

  if (node < 0 || node >= g->n_nodes)
    return nn_error_set (err, NN_STATUS_NOT_FOUND, -1, "no node %d", node);
  n = &g->nodes[node];
  op = nn_ops[n->op];
  k = nn_attr_find (op, name);
  if (k < 0)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, node,
                         "node '%s' (%s): %s has no attribute '%s'", n->name, op->name,
                         op->name, name);
  if (op->attrs[k].kind != kind)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, node,
                         "node '%s' (%s): attribute '%s' is %s, not %s", n->name, op->name,
                         name, kind_names[op->attrs[k].kind], kind_names[kind]);
  *schema = &op->attrs[k];
  *slot = &n->attrs[k];
  return NN_OK;
}

static nn_status
check_range (const nn_graph *g, int node, const nn_attr_schema *s, int64_t v, nn_error *err)
{
  const nn_node *n = &g->nodes[node];

  if (s->min < s->max && (v < s->min || v > s->max))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, node,
                         "node '%s' (%s): attribute '%s' is %" PRId64 "; it must be from "
                         "%" PRId64 " to %" PRId64, n->name, nn_ops[n->op]->name, s->name,
                         v, s->min, s->max);
  return NN_OK;
}

/* the value is in: the attribute counts as given, and the graph as changed */
static nn_status
taken (nn_graph *g, nn_attr_value *slot)
{
  slot->set = true;
  nn_graph_touch (g);
  return NN_OK;
}

nn_status
nn_graph_set_attr_int (nn_graph *g, int node, const char *attr, int64_t v, nn_error *err)
{
  const nn_attr_schema *s = NULL;
  nn_attr_value *slot = NULL;
  nn_status st;

  if ((st = attr_slot (g, node, attr, NN_ATTR_INT, &s, &slot, err)) != NN_OK
      || (st = check_range (g, node, s, v, err)) != NN_OK)
    return st;
  slot->i = v;
  return taken (g, slot);
}

nn_status
nn_graph_set_attr_float (nn_graph *g, int node, const char *attr, double v, nn_error *err)
{
  const nn_attr_schema *s = NULL;
  nn_attr_value *slot = NULL;
  nn_status st;

  if ((st = attr_slot (g, node, attr, NN_ATTR_FLOAT, &s, &slot, err)) != NN_OK)
    return st;
  if (v != v)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, node,
                         "node '%s': attribute '%s' is not a number", g->nodes[node].name,
                         attr);
  slot->f = v;
  return taken (g, slot);
}

nn_status
nn_graph_set_attr_ints (nn_graph *g, int node, const char *attr, int n, const int64_t *v,
                        nn_error *err)
{
  const nn_attr_schema *s = NULL;
  nn_attr_value *slot = NULL;
  nn_status st;

  if ((st = attr_slot (g, node, attr, NN_ATTR_INTS, &s, &slot, err)) != NN_OK)
    return st;
  if (n < 0 || n > NN_ATTR_MAX_INTS)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, node,
                         "node '%s': attribute '%s' has %d values; at most %d are "
                         "supported", g->nodes[node].name, attr, n, NN_ATTR_MAX_INTS);
  for (int i = 0; i < n; i++)
    if ((st = check_range (g, node, s, v[i], err)) != NN_OK)
      return st;
  memcpy (slot->ints, v, (size_t) n * sizeof *v);
  slot->n = n;
  return taken (g, slot);
}

/* whether v is one of the "|"-separated choices */
static bool
is_choice (const char *choices, const char *v)
{
  size_t len = strlen (v);

  for (const char *c = choices; *c != '\0';)
    {
      size_t clen = strcspn (c, "|");

      if (clen == len && strncmp (c, v, len) == 0)
        return true;
      c += clen;
      if (*c == '|')
        c++;
    }
  return false;
}

nn_status
nn_graph_set_attr_string (nn_graph *g, int node, const char *attr, const char *v,
                          nn_error *err)
{
  const nn_attr_schema *s = NULL;
  nn_attr_value *slot = NULL;
  nn_status st;

  if ((st = attr_slot (g, node, attr, NN_ATTR_STRING, &s, &slot, err)) != NN_OK)
    return st;
  if (strlen (v) >= sizeof slot->s || (s->choices != NULL && !is_choice (s->choices, v)))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, node,
                         "node '%s' (%s): attribute '%s' is \"%.40s\"; it must be one of %s",
                         g->nodes[node].name, nn_ops[g->nodes[node].op]->name, attr, v,
                         s->choices ? s->choices : "(a shorter string)");
  snprintf (slot->s, sizeof slot->s, "%s", v);
  return taken (g, slot);
}
