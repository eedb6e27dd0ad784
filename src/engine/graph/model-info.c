/* graph/model-info.c - what a model file says about itself: IR version, opset imports,
 * producer, domain, model version, doc strings, graph name, metadata_props; node docs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing here changes how a graph runs; it is kept so that a writer can give it back.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph/graph-private.h"

static const char *const info_keys[] = { "producer_name", "producer_version", "domain",
                                         "doc_string", "graph_name", "graph_doc_string" };
#define N_INFO_KEYS ((int) NN_N_ELEMENTS (info_keys))

typedef struct pair {
  char *a, *b;        /* key and value, or opset domain and NULL */
  int64_t version;
} pair;

struct nn_model_info {
  char *text[N_INFO_KEYS];
  int64_t ir_version, model_version;
  pair *opsets, *meta;
  int n_opsets, n_meta;
};

void
nn_model_info_free (nn_model_info *info)
{
  if (info == NULL)
    return;
  for (int i = 0; i < N_INFO_KEYS; i++)
    free (info->text[i]);
  for (int i = 0; i < info->n_opsets; i++)
    free (info->opsets[i].a);
  for (int i = 0; i < info->n_meta; i++)
    {
      free (info->meta[i].a);
      free (info->meta[i].b);
    }
  free (info->opsets);
  free (info->meta);
  free (info);
}

static nn_model_info *
info_of (nn_graph *g)
{
  if (g->info == NULL)
    g->info = calloc (1, sizeof *g->info);
  return g->info;
}

static nn_status
no_memory (nn_error *err)
{
  return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory keeping the model's information");
}

static int
key_index (const char *key)
{
  for (int i = 0; key != NULL && i < N_INFO_KEYS; i++)
    if (strcmp (info_keys[i], key) == 0)
      return i;
  return -1;
}

/* *slot = a copy of value */
static bool
replace (char **slot, const char *value)
{
  char *copy = strdup (value ? value : "");

  if (copy == NULL)
    return false;
  free (*slot);
  *slot = copy;
  return true;
}

nn_status
nn_graph_set_info (nn_graph *g, const char *key, const char *value, nn_error *err)
{
  int k = key_index (key);
  nn_model_info *info;

  if (k < 0)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "'%s' is not a model information "
                         "field", key ? key : "");
  if ((info = info_of (g)) == NULL || !replace (&info->text[k], value))
    return no_memory (err);
  return NN_OK;
}

const char *
nn_graph_info (const nn_graph *g, const char *key)
{
  int k = key_index (key);

  return k >= 0 && g->info != NULL && g->info->text[k] != NULL ? g->info->text[k] : "";
}

void
nn_graph_set_versions (nn_graph *g, int64_t ir_version, int64_t model_version)
{
  nn_model_info *info = info_of (g);

  if (info == NULL)
    return;
  info->ir_version = ir_version;
  info->model_version = model_version;
}

int64_t
nn_graph_ir_version (const nn_graph *g)
{
  return g->info ? g->info->ir_version : 0;
}

int64_t
nn_graph_model_version (const nn_graph *g)
{
  return g->info ? g->info->model_version : 0;
}

/* a new zeroed entry at the end of *items */
static pair *
append (pair **items, int *n)
{
  pair *p = realloc (*items, (size_t) (*n + 1) * sizeof *p);

  if (p == NULL)
    return NULL;
  *items = p;
  memset (&p[*n], 0, sizeof p[*n]);
  return &p[(*n)++];
}

nn_status
nn_graph_add_opset (nn_graph *g, const char *domain, int64_t version, nn_error *err)
{
  nn_model_info *info = info_of (g);
  pair *p;

  if (domain == NULL)
    domain = "";
  if (info == NULL)
    return no_memory (err);
  for (int i = 0; i < info->n_opsets; i++)
    if (strcmp (info->opsets[i].a, domain) == 0)
      {
        info->opsets[i].version = version;
        return NN_OK;
      }
  if ((p = append (&info->opsets, &info->n_opsets)) == NULL)
    return no_memory (err);
  p->version = version;
  if ((p->a = strdup (domain)) == NULL)
    {
      info->n_opsets--;
      return no_memory (err);
    }
  return NN_OK;
}

int
nn_graph_n_opsets (const nn_graph *g)
{
  return g->info ? g->info->n_opsets : 0;
}

bool
nn_graph_opset (const nn_graph *g, int i, const char **domain, int64_t *version)
{
  if (i < 0 || i >= nn_graph_n_opsets (g))
    return false;
  *domain = g->info->opsets[i].a;
  *version = g->info->opsets[i].version;
  return true;
}

int64_t
nn_graph_opset_version (const nn_graph *g, const char *domain)
{
  for (int i = 0; i < nn_graph_n_opsets (g); i++)
    if (strcmp (g->info->opsets[i].a, domain) == 0)
      return g->info->opsets[i].version;
  return 0;
}

nn_status
nn_graph_add_metadata (nn_graph *g, const char *key, const char *value, nn_error *err)
{
  nn_model_info *info = info_of (g);
  pair *p;

  if (info == NULL || (p = append (&info->meta, &info->n_meta)) == NULL)
    return no_memory (err);
  if (!replace (&p->a, key) || !replace (&p->b, value))
    return no_memory (err);
  return NN_OK;
}

int
nn_graph_n_metadata (const nn_graph *g)
{
  return g->info ? g->info->n_meta : 0;
}

bool
nn_graph_metadata (const nn_graph *g, int i, const char **key, const char **value)
{
  if (i < 0 || i >= nn_graph_n_metadata (g))
    return false;
  *key = g->info->meta[i].a;
  *value = g->info->meta[i].b;
  return true;
}

nn_status
nn_graph_set_node_doc (nn_graph *g, int node, const char *doc, nn_error *err)
{
  if (node < 0 || node >= g->n_nodes)
    return nn_error_set (err, NN_STATUS_NOT_FOUND, -1, "no node %d", node);
  if (!replace (&g->nodes[node].doc, doc))
    return no_memory (err);
  return NN_OK;
}

const char *
nn_graph_node_doc (const nn_graph *g, int node)
{
  if (node < 0 || node >= g->n_nodes || g->nodes[node].doc == NULL)
    return "";
  return g->nodes[node].doc;
}

char *
nn_scope_from_node_name (const char *name, char *buf, size_t size)
{
  const char *last;
  size_t len = 0;

  if (size == 0)
    return buf;
  buf[0] = '\0';
  if (name == NULL || (last = strrchr (name, '/')) == NULL)
    return buf;
  /* components between '/'s, up to (not including) the last one */
  for (const char *c = name; c < last;)
    {
      const char *end;
      size_t clen;

      while (c < last && *c == '/')
        c++;
      end = c;
      while (end < last && *end != '/')
        end++;
      clen = (size_t) (end - c);
      if (clen > 0)
        {
          bool nested = len > 0 && clen > len && strncmp (c, buf, len) == 0 && c[len] == '.';
          size_t at = nested || len == 0 ? 0 : len;

          if (at > 0 && at + 1 < size)
            buf[at++] = '.';
          if (at + clen >= size)
            clen = size - 1 - at;
          memcpy (buf + at, c, clen);
          len = at + clen;
          buf[len] = '\0';
        }
      c = end;
    }
  return buf;
}
