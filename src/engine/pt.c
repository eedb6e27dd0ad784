/* pt.c - PyTorch .pt files (torch.save's zip format, torch >= 1.6)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading: the zip (libzip) holds <archive>/data.pkl, <archive>/data/<key> storages and
 * <archive>/version. data.pkl goes through the restricted unpickler (pickle.c), which
 * executes nothing. A state_dict loads as weights; a pickled torch.nn.Sequential of
 * supported layers opens as a whole model. Every storage size, offset and stride is
 * checked against the archive before anything is copied.
 *
 * Writing is in pt-write.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "nn-private.h"
#include "pickle.h"

#define PT_MAX_PICKLE ((zip_uint64_t) 64 * 1024 * 1024)

typedef struct pt_archive {
  zip_t *zip;
  char prefix[256];     /* "torch_network/" */
  const char *name;     /* for messages: the path as given */
} pt_archive;

/* One state_dict entry found in a file. */
typedef struct pt_entry {
  char key[64];
  pk_value *tensor;
} pt_entry;

static nn_status
pt_fail (nn_error *err, nn_status st, const char *name, const char *msg)
{
  return nn_error_set (err, st, -1, "%s: %s", name, msg);
}

static nn_status
pt_check_magic (const char *path, nn_error *err)
{
  unsigned char magic[4] = { 0 };
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot open: %s", path, strerror (errno));
  size_t n = fread (magic, 1, sizeof magic, f);
  fclose (f);
  if (n == 4 && memcmp (magic, "PK\x03\x04", 4) == 0)
    return NN_OK;
  if (n >= 2 && magic[0] == 0x80 && magic[1] <= 5)
    return pt_fail (err, NN_STATUS_UNSUPPORTED, path,
                    "this is PyTorch's legacy (pre-1.6) format; load it in PyTorch and save it again "
                    "with torch.save(obj, path), whose default zip format Layerlab reads");
  return nn_content_error (err, path, nn_file_sniff (path));
}

static void
pt_archive_close (pt_archive *ar)
{
  if (ar->zip != NULL)
    zip_discard (ar->zip);
  ar->zip = NULL;
}

static nn_status
pt_archive_open (const char *path, pt_archive *ar, nn_error *err)
{
  int zerr = 0;
  memset (ar, 0, sizeof *ar);
  ar->name = path;
  nn_status st = pt_check_magic (path, err);
  if (st != NN_OK)
    return st;
  ar->zip = zip_open (path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
  if (ar->zip == NULL)
    return pt_fail (err, NN_STATUS_FORMAT, path, "the zip archive is truncated or corrupt");
  zip_int64_t n = zip_get_num_entries (ar->zip, 0);
  bool found = false, torchscript = false;
  for (zip_int64_t i = 0; i < n; i++)
    {
      const char *entry = zip_get_name (ar->zip, (zip_uint64_t) i, 0);
      if (entry == NULL)
        continue;
      const char *slash = strchr (entry, '/');
      if (slash == NULL)
        continue;
      if (strcmp (slash, "/constants.pkl") == 0 || strncmp (slash, "/code/", 6) == 0)
        torchscript = true;
      if (!found && strcmp (slash, "/data.pkl") == 0 && (size_t) (slash - entry) + 2 < sizeof ar->prefix)
        {
          memcpy (ar->prefix, entry, (size_t) (slash - entry) + 1);
          ar->prefix[slash - entry + 1] = '\0';
          found = true;
        }
    }
  if (torchscript)
    st = pt_fail (err, NN_STATUS_UNSUPPORTED, path,
                  "this is a TorchScript archive (torch.jit.save); save the module with "
                  "torch.save(model, path) or torch.save(model.state_dict(), path) instead");
  else if (!found)
    st = pt_fail (err, NN_STATUS_FORMAT, path, "the zip archive holds no data.pkl: not a torch.save() file");
  if (st != NN_OK)
    pt_archive_close (ar);
  return st;
}

/* Reads a whole record of at most max_size bytes. */
static nn_status
pt_read_record (pt_archive *ar, const char *rel, zip_uint64_t expect, zip_uint64_t max_size,
                void **out, size_t *out_size, nn_error *err)
{
  char name[512];
  zip_stat_t zs;
  snprintf (name, sizeof name, "%s%s", ar->prefix, rel);
  *out = NULL;
  if (zip_stat (ar->zip, name, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE))
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: the archive has no record '%s'", ar->name, name);
  if (expect != (zip_uint64_t) -1 && zs.size != expect)
    return nn_error_set (err, NN_STATUS_FORMAT, -1,
                         "%s: record '%s' has %llu bytes but the pickle says %llu",
                         ar->name, name, (unsigned long long) zs.size, (unsigned long long) expect);
  if (zs.size > max_size)
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%s: record '%s' is too large (%llu bytes)",
                         ar->name, name, (unsigned long long) zs.size);
  void *buf = malloc (zs.size ? zs.size : 1);
  if (buf == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory reading '%s'", ar->name, name);
  zip_file_t *zf = zip_fopen (ar->zip, name, 0);
  zip_int64_t got = zf ? zip_fread (zf, buf, zs.size) : -1;
  if (zf)
    zip_fclose (zf);
  if (got < 0 || (zip_uint64_t) got != zs.size)
    {
      free (buf);
      return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: cannot read record '%s' (truncated or corrupt)",
                           ar->name, name);
    }
  *out = buf;
  *out_size = (size_t) zs.size;
  return NN_OK;
}

static nn_status
pt_load_pickle (pt_archive *ar, pk_doc **doc, nn_error *err)
{
  void *buf;
  size_t size;
  nn_status st = pt_read_record (ar, "data.pkl", (zip_uint64_t) -1, PT_MAX_PICKLE, &buf, &size, err);
  if (st != NN_OK)
    return st;
  st = pk_load (buf, size, ar->name, doc, err);
  free (buf);
  return st;
}

static size_t
dtype_size (pk_dtype d)
{
  return d == PK_DTYPE_F32 ? 4 : 8;
}

/* Checks a tensor's view against its storage: every index it can reach is inside. */
static nn_status
pt_check_view (pt_archive *ar, const char *key, const pk_value *t, nn_error *err)
{
  const pk_value *s = t->storage;
  int64_t last = t->offset, numel = 1;
  if (t->offset < 0)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: tensor '%s' has a negative storage offset", ar->name, key);
  for (int d = 0; d < t->n_dims; d++)
    {
      if (t->size[d] < 0 || t->stride[d] < 0 || t->size[d] > ((int64_t) 1 << 40) || t->stride[d] > ((int64_t) 1 << 40))
        return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: tensor '%s' has an invalid size or stride",
                             ar->name, key);
      if (t->size[d] == 0)
        numel = 0;
      else
        last += (t->size[d] - 1) * t->stride[d];
      if (numel && !nn_checked_mul (numel, t->size[d], &numel))
        return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%s: tensor '%s' is too large", ar->name, key);
    }
  if (numel > 0 && last >= s->numel)
    return nn_error_set (err, NN_STATUS_FORMAT, -1,
                         "%s: tensor '%s' reaches element %lld of a storage with %lld elements",
                         ar->name, key, (long long) last, (long long) s->numel);
  return NN_OK;
}

static double
storage_get (const void *data, pk_dtype d, int64_t i)
{
  /* storages are little-endian (byteorder "little"; Layerlab runs on little-endian hosts) */
  if (d == PK_DTYPE_F32)
    {
      float v;
      memcpy (&v, (const char *) data + i * 4, 4);
      return v;
    }
  if (d == PK_DTYPE_F64)
    {
      double v;
      memcpy (&v, (const char *) data + i * 8, 8);
      return v;
    }
  int64_t v;
  memcpy (&v, (const char *) data + i * 8, 8);
  return (double) v;
}

/* Copies tensor t (any strides) into dst (numel floats, C order). */
static nn_status
pt_read_tensor (pt_archive *ar, const char *key, const pk_value *t, float *dst, int64_t *count_out,
                nn_error *err)
{
  const pk_value *s = t->storage;
  int64_t bytes;
  if (!nn_checked_mul (s->numel, (int64_t) dtype_size (s->dtype), &bytes) || (uint64_t) bytes > nn_memory_budget ())
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%s: storage of '%s' is too large", ar->name, key);
  char rel[64];
  snprintf (rel, sizeof rel, "data/%s", s->key);
  void *data;
  size_t size;
  nn_status st = pt_read_record (ar, rel, (zip_uint64_t) bytes, (zip_uint64_t) bytes, &data, &size, err);
  if (st != NN_OK)
    return st;
  int64_t idx[NN_MAX_DIMS] = { 0 };
  int64_t numel = 1;
  for (int d = 0; d < t->n_dims; d++)
    numel *= t->size[d];
  for (int64_t i = 0; i < numel; i++)
    {
      int64_t off = t->offset;
      for (int d = 0; d < t->n_dims; d++)
        off += idx[d] * t->stride[d];
      if (count_out != NULL)
        memcpy (count_out, (char *) data + off * 8, 8);
      else
        dst[i] = (float) storage_get (data, s->dtype, off);
      for (int d = t->n_dims - 1; d >= 0; d--)
        {
          if (++idx[d] < t->size[d])
            break;
          idx[d] = 0;
        }
    }
  free (data);
  return NN_OK;
}

static nn_status
pt_add_entry (pt_archive *ar, pt_entry **entries, int *n, int *cap, const char *key, pk_value *t,
              nn_error *err)
{
  if (t->kind != PK_TENSOR)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: '%s' is not a tensor", ar->name, key);
  if (strlen (key) >= sizeof (*entries)->key)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: key '%.40s...' is too long", ar->name, key);
  nn_status st = pt_check_view (ar, key, t, err);
  if (st != NN_OK)
    return st;
  if (*n == *cap)
    {
      int ncap = *cap ? *cap * 2 : 32;
      pt_entry *e = realloc (*entries, (size_t) ncap * sizeof *e);
      if (e == NULL)
        return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", ar->name);
      *entries = e;
      *cap = ncap;
    }
  snprintf ((*entries)[*n].key, sizeof (*entries)->key, "%s", key);
  (*entries)[*n].tensor = t;
  (*n)++;
  return NN_OK;
}

/* Collects the tensors of a module's _parameters and _buffers as "<prefix><name>". */
static nn_status
pt_collect_module (pt_archive *ar, const char *prefix, pk_value *obj, pt_entry **entries, int *n,
                   int *cap, nn_error *err)
{
  static const char *const dicts[] = { "_parameters", "_buffers" };
  for (int k = 0; k < 2; k++)
    {
      pk_value *d = pk_dict_get (obj->state, dicts[k]);
      if (d == NULL || d->kind != PK_DICT)
        continue;
      for (int64_t i = 0; i < d->n; i++)
        {
          char key[128];
          if (d->keys[i]->kind != PK_STR || d->items[i]->kind == PK_NONE)
            continue;
          snprintf (key, sizeof key, "%s%s", prefix, d->keys[i]->s);
          nn_status st = pt_add_entry (ar, entries, n, cap, key, d->items[i], err);
          if (st != NN_OK)
            return st;
        }
    }
  return NN_OK;
}

static nn_status
pt_collect (pt_archive *ar, pk_value *root, pt_entry **entries, int *n, nn_error *err)
{
  int cap = 0;
  *entries = NULL;
  *n = 0;
  if (root->kind == PK_DICT)
    {
      for (int64_t i = 0; i < root->n; i++)
        {
          if (root->keys[i]->kind != PK_STR)
            return pt_fail (err, NN_STATUS_FORMAT, ar->name, "a state_dict key is not a string");
          nn_status st = pt_add_entry (ar, entries, n, &cap, root->keys[i]->s, root->items[i], err);
          if (st != NN_OK)
            return st;
        }
      return NN_OK;
    }
  if (root->kind == PK_OBJECT && root->global == PK_G_SEQUENTIAL)
    {
      pk_value *mods = pk_dict_get (root->state, "_modules");
      if (mods == NULL || mods->kind != PK_DICT)
        return pt_fail (err, NN_STATUS_FORMAT, ar->name, "the Sequential has no _modules");
      for (int64_t i = 0; i < mods->n; i++)
        {
          char prefix[80];
          if (mods->keys[i]->kind != PK_STR || mods->items[i]->kind != PK_OBJECT)
            return pt_fail (err, NN_STATUS_FORMAT, ar->name, "a Sequential entry is not a module");
          snprintf (prefix, sizeof prefix, "%s.", mods->keys[i]->s);
          nn_status st = pt_collect_module (ar, prefix, mods->items[i], entries, n, &cap, err);
          if (st != NN_OK)
            return st;
        }
      return NN_OK;
    }
  return pt_fail (err, NN_STATUS_UNSUPPORTED, ar->name,
                  "holds neither a state_dict nor a torch.nn.Sequential");
}

static int64_t
entry_numel (const pk_value *t)
{
  int64_t n = 1;
  for (int d = 0; d < t->n_dims; d++)
    n *= t->size[d];
  return n;
}

static void
append_line (char *buf, size_t size, const char *line)
{
  size_t len = strlen (buf);
  if (len + 2 >= size)
    return;
  snprintf (buf + len, size - len, "%s%s", len ? "\n" : "", line);
}

/* Strict, like load_state_dict(strict=True): all or nothing. */
static nn_status
pt_load_entries (pt_archive *ar, nn_net *net, pt_entry *entries, int n, nn_error *err)
{
  nn_param *params = NULL;
  int np = nn_net_params (net, &params);
  char msg[NN_ERROR_MAX] = "";
  char line[512];
  int problems = 0;

  for (int i = 0; i < np; i++)
    {
      int j;
      for (j = 0; j < n && strcmp (entries[j].key, params[i].key) != 0; j++)
        ;
      if (j == n)
        {
          snprintf (line, sizeof line, "missing key %s", params[i].key);
          append_line (msg, sizeof msg, line), problems++;
          continue;
        }
      const pk_value *t = entries[j].tensor;
      bool ok;
      if ((params[i].count != NULL) != (t->storage->dtype == PK_DTYPE_I64))
        {
          snprintf (line, sizeof line, "%s holds %s values, the network expects %s", params[i].key,
                    t->storage->dtype == PK_DTYPE_I64 ? "int64" : "floating-point",
                    params[i].count != NULL ? "an int64 count" : "floating-point values");
          append_line (msg, sizeof msg, line), problems++;
          continue;
        }
      char fs[96], ns[96];
      if (params[i].count != NULL)
        ok = entry_numel (t) == 1;
      else
        {
          ok = t->n_dims == params[i].tensor->n_dims;
          for (int d = 0; ok && d < t->n_dims; d++)
            ok = t->size[d] == params[i].tensor->shape[d];
        }
      if (!ok)
        {
          nn_shape_format (t->n_dims, t->size, fs, sizeof fs);
          if (params[i].count != NULL)
            snprintf (ns, sizeof ns, "an int64 scalar");
          else
            nn_shape_format (params[i].tensor->n_dims, params[i].tensor->shape, ns, sizeof ns);
          snprintf (line, sizeof line, "size mismatch for %s: file has %s, network has %s",
                    params[i].key, fs, ns);
          append_line (msg, sizeof msg, line), problems++;
        }
    }
  for (int j = 0; j < n; j++)
    {
      int i;
      for (i = 0; i < np && strcmp (entries[j].key, params[i].key) != 0; i++)
        ;
      if (i == np)
        {
          snprintf (line, sizeof line, "unexpected key %s", entries[j].key);
          append_line (msg, sizeof msg, line), problems++;
        }
    }
  if (problems)
    {
      free (params);
      return nn_error_set (err, NN_STATUS_MISMATCH, -1, "%s: the weights do not fit the network:\n%s",
                           ar->name, msg);
    }

  /* Read everything into copies first, so a bad record changes nothing. */
  float **copies = calloc ((size_t) np + 1, sizeof *copies);
  int64_t *counts = calloc ((size_t) np + 1, sizeof *counts);
  nn_status st = copies && counts ? NN_OK : nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", ar->name);
  for (int i = 0; st == NN_OK && i < np; i++)
    {
      int j;
      for (j = 0; strcmp (entries[j].key, params[i].key) != 0; j++)
        ;
      if (params[i].count != NULL)
        {
          st = pt_read_tensor (ar, params[i].key, entries[j].tensor, NULL, &counts[i], err);
          continue;
        }
      int64_t numel = nn_tensor_numel (params[i].tensor);
      copies[i] = malloc ((size_t) (numel ? numel : 1) * sizeof (float));
      if (copies[i] == NULL)
        st = nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", ar->name);
      else
        st = pt_read_tensor (ar, params[i].key, entries[j].tensor, copies[i], NULL, err);
    }
  /* the network may share its tensors with a copy of it (copy-on-write, nn.h) */
  for (int i = 0; st == NN_OK && i < np; i++)
    if (params[i].tensor != NULL)
      st = nn_tensor_make_writable (params[i].tensor, err);
  for (int i = 0; i < np; i++)
    {
      if (st == NN_OK && params[i].count != NULL)
        *params[i].count = counts[i];
      else if (st == NN_OK)
        memcpy (params[i].tensor->data, copies[i], (size_t) nn_tensor_numel (params[i].tensor) * sizeof (float));
      if (copies)
        free (copies[i]);
    }
  free (copies);
  free (counts);
  free (params);
  return st;
}

nn_status
nn_pt_load_weights (const char *path, nn_net *net, nn_error *err)
{
  pt_archive ar;
  pk_doc *doc = NULL;
  pt_entry *entries = NULL;
  int n = 0;
  if (net->first_error >= 0)
    return nn_error_set (err, NN_STATUS_SHAPE, net->first_error, "%s", net->info[net->first_error].message);
  nn_status st = pt_archive_open (path, &ar, err);
  if (st != NN_OK)
    return st;
  st = pt_load_pickle (&ar, &doc, err);
  if (st == NN_OK)
    st = pt_collect (&ar, pk_doc_root (doc), &entries, &n, err);
  if (st == NN_OK)
    st = pt_load_entries (&ar, net, entries, n, err);
  free (entries);
  pk_doc_free (doc);
  pt_archive_close (&ar);
  return st;
}

/* ---------------------------------------------------------------- modules -> configs */

static bool
get_int (pk_value *state, const char *attr, int64_t *out)
{
  pk_value *v = pk_dict_get (state, attr);
  if (v == NULL || (v->kind != PK_INT && v->kind != PK_BOOL))
    return false;
  *out = v->i;
  return true;
}

static bool
get_float (pk_value *state, const char *attr, double *out)
{
  pk_value *v = pk_dict_get (state, attr);
  if (v == NULL)
    return false;
  if (v->kind == PK_FLOAT)
    *out = v->f;
  else if (v->kind == PK_INT)
    *out = (double) v->i;
  else
    return false;
  return true;
}

/* an int or a pair of ints (PyTorch's _pair); *tuple tells which it was (a list counts
 * as a tuple) */
static bool
get_pair_form (pk_value *state, const char *attr, int64_t out[2], bool *tuple)
{
  pk_value *v = pk_dict_get (state, attr);
  if (v == NULL)
    return false;
  if (v->kind == PK_INT)
    {
      out[0] = out[1] = v->i;
      *tuple = false;
      return true;
    }
  if ((v->kind == PK_TUPLE || v->kind == PK_LIST) && v->n == 2 && v->items[0]->kind == PK_INT
      && v->items[1]->kind == PK_INT)
    {
      out[0] = v->items[0]->i;
      out[1] = v->items[1]->i;
      *tuple = true;
      return true;
    }
  return false;
}

static bool
get_pair (pk_value *state, const char *attr, int64_t out[2])
{
  bool tuple;

  return get_pair_form (state, attr, out, &tuple);
}

/* a pool's parameter, keeping its form */
static bool
get_pool_param (pk_value *state, nn_layer_config *cfg, nn_pair_param which)
{
  int64_t v[2];
  bool tuple;

  if (!get_pair_form (state, nn_pair_param_name (which), v, &tuple))
    return false;
  nn_layer_config_set_pair (cfg, which, v[0], v[1], tuple);
  return true;
}

static bool
has_param (pk_value *state, const char *name)
{
  pk_value *p = pk_dict_get (pk_dict_get (state, "_parameters"), name);
  return p != NULL && p->kind == PK_TENSOR;
}

static nn_status
pt_module_config (pt_archive *ar, int index, pk_value *obj, nn_layer_config *cfg, nn_error *err)
{
  pk_value *s = obj->state;
  bool ok = true;
  int64_t b;
  const char *bad = NULL;

  switch (obj->global)
    {
    case PK_G_CONV2D:
      nn_layer_config_init (cfg, NN_LAYER_CONV2D);
      ok = get_int (s, "in_channels", &cfg->in_channels) && get_int (s, "out_channels", &cfg->out_channels)
           && get_pair (s, "kernel_size", cfg->kernel_size) && get_pair (s, "stride", cfg->stride)
           && get_int (s, "groups", &cfg->groups) && get_pair (s, "dilation", cfg->dilation);
      if (ok && !get_pair (s, "padding", cfg->padding))
        bad = "padding given as a string ('same'/'valid') is not supported; use numbers";
      {
        pk_value *pm = pk_dict_get (s, "padding_mode");
        pk_value *tr = pk_dict_get (s, "transposed");
        if (pm != NULL && (pm->kind != PK_STR || strcmp (pm->s, "zeros") != 0))
          bad = "only padding_mode='zeros' is supported";
        if (tr != NULL && tr->kind == PK_BOOL && tr->i)
          bad = "transposed convolutions are not supported";
      }
      cfg->bias = has_param (s, "bias");
      break;
    case PK_G_MAXPOOL2D:
    case PK_G_AVGPOOL2D:
      nn_layer_config_init (cfg, obj->global == PK_G_MAXPOOL2D ? NN_LAYER_MAXPOOL2D : NN_LAYER_AVGPOOL2D);
      ok = get_pool_param (s, cfg, NN_PAIR_KERNEL_SIZE) && get_pool_param (s, cfg, NN_PAIR_PADDING);
      if (ok && !get_pool_param (s, cfg, NN_PAIR_STRIDE)) /* stride=None means kernel_size */
        nn_layer_config_set_pair (cfg, NN_PAIR_STRIDE, cfg->kernel_size[0], cfg->kernel_size[1],
                                  nn_layer_config_is_tuple (cfg, NN_PAIR_KERNEL_SIZE));
      if (ok && get_int (s, "ceil_mode", &b))
        cfg->ceil_mode = b != 0;
      if (obj->global == PK_G_MAXPOOL2D)
        {
          ok = ok && get_pool_param (s, cfg, NN_PAIR_DILATION);
          if (get_int (s, "return_indices", &b) && b)
            bad = "return_indices=True is not supported";
        }
      else
        {
          if (get_int (s, "count_include_pad", &b))
            cfg->count_include_pad = b != 0;
          pk_value *dov = pk_dict_get (s, "divisor_override");
          if (dov != NULL && dov->kind != PK_NONE)
            bad = "divisor_override is not supported";
        }
      break;
    case PK_G_FLATTEN:
      nn_layer_config_init (cfg, NN_LAYER_FLATTEN);
      ok = get_int (s, "start_dim", &cfg->start_dim) && get_int (s, "end_dim", &cfg->end_dim);
      break;
    case PK_G_LINEAR:
      nn_layer_config_init (cfg, NN_LAYER_LINEAR);
      ok = get_int (s, "in_features", &cfg->in_features) && get_int (s, "out_features", &cfg->out_features);
      cfg->bias = has_param (s, "bias");
      break;
    case PK_G_BATCHNORM2D:
      nn_layer_config_init (cfg, NN_LAYER_BATCHNORM2D);
      ok = get_int (s, "num_features", &cfg->num_features) && get_float (s, "eps", &cfg->eps);
      if (ok && !get_float (s, "momentum", &cfg->momentum))
        bad = "momentum=None (cumulative average) is not supported";
      if (get_int (s, "affine", &b))
        cfg->affine = b != 0;
      if (get_int (s, "track_running_stats", &b))
        cfg->track_running_stats = b != 0;
      break;
    case PK_G_DROPOUT:
      nn_layer_config_init (cfg, NN_LAYER_DROPOUT);
      ok = get_float (s, "p", &cfg->p);
      break;
    case PK_G_LEAKYRELU:
      nn_layer_config_init (cfg, NN_LAYER_LEAKYRELU);
      ok = get_float (s, "negative_slope", &cfg->negative_slope);
      break;
    case PK_G_SOFTMAX:
      nn_layer_config_init (cfg, NN_LAYER_SOFTMAX);
      if (!get_int (s, "dim", &cfg->dim))
        bad = "Softmax(dim=None) is not supported; give dim explicitly";
      break;
    case PK_G_RELU:
      nn_layer_config_init (cfg, NN_LAYER_RELU);
      break;
    case PK_G_SIGMOID:
      nn_layer_config_init (cfg, NN_LAYER_SIGMOID);
      break;
    case PK_G_TANH:
      nn_layer_config_init (cfg, NN_LAYER_TANH);
      break;
    case PK_G_SEQUENTIAL:
      return nn_error_set (err, NN_STATUS_UNSUPPORTED, index,
                           "%s: module %d is a Sequential inside the Sequential; Layerlab opens "
                           "one flat torch.nn.Sequential of layers", ar->name, index);
    default:
      return nn_error_set (err, NN_STATUS_UNSUPPORTED, index, "%s: module %d (%s) is not a supported layer",
                           ar->name, index, pk_global_name (obj->global));
    }
  if (bad != NULL)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, index, "%s: layer %d (%s): %s", ar->name, index,
                         pk_global_name (obj->global), bad);
  if (!ok)
    return nn_error_set (err, NN_STATUS_FORMAT, index, "%s: layer %d (%s): missing or malformed attributes",
                         ar->name, index, pk_global_name (obj->global));
  return nn_layer_config_validate (cfg, index, err);
}

/* The module does not store its input size: take the channels (or features) from the
 * first layer that needs them, then the smallest square size that propagates. */
static nn_status
pt_guess_input (pt_archive *ar, nn_net *net, nn_error *err)
{
  int64_t c = 0;
  for (int i = 0; i < net->n_layers && c == 0; i++)
    {
      const nn_layer_config *cfg = &net->layers[i].cfg;
      if (cfg->type == NN_LAYER_CONV2D)
        c = cfg->in_channels;
      else if (cfg->type == NN_LAYER_BATCHNORM2D)
        c = cfg->num_features;
      else if (cfg->type == NN_LAYER_LINEAR || cfg->type == NN_LAYER_FLATTEN)
        {
          if (cfg->type == NN_LAYER_LINEAR && i == 0)
            {
              nn_shape f = nn_shape_f (cfg->in_features);
              return nn_net_set_input (net, &f, err);
            }
          break;
        }
    }
  if (c == 0)
    c = 1;
  int64_t found = -1;
  for (int64_t hw = 1; hw <= 1024 && found < 0; hw++)
    {
      nn_shape s = nn_shape_chw (c, hw, hw);
      if (nn_net_set_input (net, &s, NULL) == NN_OK && net->first_error < 0)
        found = hw;
    }
  if (found < 0)
    {
      /* no square fits: the smallest H+W up to 256×256 that does */
      for (int64_t sum = 2; sum <= 512; sum++)
        for (int64_t h = sum - 1 < 256 ? sum - 1 : 256; h >= 1 && sum - h <= 256; h--)
          {
            nn_shape s = nn_shape_chw (c, h, sum - h);
            if (nn_net_set_input (net, &s, NULL) == NN_OK && net->first_error < 0)
              return NN_OK;
          }
      return nn_error_set (err, NN_STATUS_SHAPE, -1,
                           "%s: found no input size of %lld channels (up to 1024×1024) that fits this "
                           "network; give the input shape explicitly", ar->name, (long long) c);
    }
  /* size-agnostic networks (no Linear after Flatten) get at least 28×28 */
  if (found < 28)
    {
      nn_shape s = nn_shape_chw (c, 28, 28);
      if (nn_net_set_input (net, &s, NULL) == NN_OK && net->first_error < 0)
        found = 28;
    }
  nn_shape s = nn_shape_chw (c, found, found);
  return nn_net_set_input (net, &s, err);
}

nn_status
nn_pt_open_model (const char *path, const nn_shape *input, nn_net **out, nn_error *err)
{
  pt_archive ar;
  pk_doc *doc = NULL;
  pt_entry *entries = NULL;
  nn_net *net = NULL;
  int n = 0;
  *out = NULL;
  nn_status st = pt_archive_open (path, &ar, err);
  if (st != NN_OK)
    return st;
  st = pt_load_pickle (&ar, &doc, err);
  pk_value *root = st == NN_OK ? pk_doc_root (doc) : NULL;
  if (st == NN_OK && root->kind == PK_DICT)
    st = pt_fail (err, NN_STATUS_UNSUPPORTED, path,
                  "holds only a state_dict (weights, no architecture): open or build the network "
                  "first, then load these weights into it");
  else if (st == NN_OK && (root->kind != PK_OBJECT || root->global != PK_G_SEQUENTIAL))
    st = pt_fail (err, NN_STATUS_UNSUPPORTED, path, "holds no torch.nn.Sequential");
  pk_value *mods = st == NN_OK ? pk_dict_get (root->state, "_modules") : NULL;
  if (st == NN_OK && (mods == NULL || mods->kind != PK_DICT))
    st = pt_fail (err, NN_STATUS_FORMAT, path, "the Sequential has no _modules");
  if (st == NN_OK)
    {
      nn_shape tmp = nn_shape_chw (1, 28, 28);
      net = nn_net_new (input ? input : &tmp, 0);
      if (net == NULL)
        st = nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
    }
  for (int64_t i = 0; st == NN_OK && i < mods->n; i++)
    {
      nn_layer_config cfg;
      char idx[24];
      snprintf (idx, sizeof idx, "%lld", (long long) i);
      if (mods->items[i]->kind != PK_OBJECT || mods->keys[i]->kind != PK_STR)
        st = pt_fail (err, NN_STATUS_FORMAT, path, "a Sequential entry is not a module");
      else if (strcmp (mods->keys[i]->s, idx) != 0)
        st = nn_error_set (err, NN_STATUS_UNSUPPORTED, (int) i,
                           "%s: module '%s' is not numbered like a plain Sequential (expected '%s')",
                           path, mods->keys[i]->s, idx);
      else if ((st = pt_module_config (&ar, (int) i, mods->items[i], &cfg, err)) == NN_OK)
        st = nn_net_append (net, &cfg, err);
    }
  if (st == NN_OK && input == NULL)
    st = pt_guess_input (&ar, net, err);
  if (st == NN_OK && nn_net_propagate (net) != NN_OK)
    st = nn_error_set (err, NN_STATUS_SHAPE, net->first_error, "%s: %s", path,
                       net->info[net->first_error].message);
  if (st == NN_OK)
    st = pt_collect (&ar, root, &entries, &n, err);
  if (st == NN_OK)
    st = pt_load_entries (&ar, net, entries, n, err);
  free (entries);
  pk_doc_free (doc);
  pt_archive_close (&ar);
  if (st != NN_OK)
    nn_net_free (net);
  else
    *out = net;
  return st;
}

nn_status
nn_pt_probe (const char *path, nn_file_kind *kind, nn_error *err)
{
  pt_archive ar;
  pk_doc *doc = NULL;
  *kind = NN_FILE_UNKNOWN;
  nn_status st = pt_archive_open (path, &ar, err);
  if (st != NN_OK)
    return st;
  st = pt_load_pickle (&ar, &doc, err);
  if (st == NN_OK)
    {
      pk_value *root = pk_doc_root (doc);
      if (root->kind == PK_DICT)
        *kind = NN_FILE_WEIGHTS;
      else if (root->kind == PK_OBJECT && root->global == PK_G_SEQUENTIAL)
        *kind = NN_FILE_MODEL;
    }
  pk_doc_free (doc);
  pt_archive_close (&ar);
  return st;
}
