/* pt-write.c - writing PyTorch .pt files: a state_dict or a whole torch.nn.Sequential
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both are torch.save's zip format (torch >= 1.6): <archive>/data.pkl, a protocol-2
 * pickle, beside one <archive>/data/<key> file per tensor storage. A state_dict is an
 * OrderedDict of tensors that load_state_dict() takes unchanged. A whole model is the
 * pickle torch.save(network) writes in PyTorch 1.13: each module rebuilt by
 * copyreg's NEWOBJ of its torch.nn class and filled by BUILD with its __dict__ (the
 * hook dictionaries, _parameters, _buffers, _modules and the constructor's arguments),
 * so torch.load() returns a torch.nn.Sequential that prints as Layerlab prints it.
 * Pools keep each parameter's int or tuple form. The module is saved in eval mode
 * (training=False): its outputs are Layerlab's without a call to eval().
 *
 * The archive is written straight into the save's locked temporary (nn_save_temp), so a
 * killed save leaves the previous file as it was.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "nn-private.h"

typedef struct pk_writer {
  unsigned char *buf;
  size_t len, cap;
  bool failed;
} pk_writer;

static void
w_bytes (pk_writer *w, const void *data, size_t n)
{
  if (w->failed)
    return;
  if (w->len + n > w->cap)
    {
      size_t cap = w->cap ? w->cap * 2 : 4096;
      while (cap < w->len + n)
        cap *= 2;
      unsigned char *b = realloc (w->buf, cap);
      if (b == NULL)
        {
          w->failed = true;
          return;
        }
      w->buf = b;
      w->cap = cap;
    }
  memcpy (w->buf + w->len, data, n);
  w->len += n;
}

static void
w_op (pk_writer *w, unsigned char op)
{
  w_bytes (w, &op, 1);
}

static void
w_str (pk_writer *w, const char *s)
{
  uint32_t n = (uint32_t) strlen (s);
  unsigned char le[4] = { n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >> 24 };
  w_op (w, 'X');
  w_bytes (w, le, 4);
  w_bytes (w, s, n);
}

static void
w_int (pk_writer *w, int64_t v)
{
  if (v >= 0 && v < 256)
    {
      unsigned char b[2] = { 'K', (unsigned char) v };
      w_bytes (w, b, 2);
    }
  else if (v >= INT32_MIN && v <= INT32_MAX)
    {
      uint32_t u = (uint32_t) (int32_t) v;
      unsigned char b[5] = { 'J', u & 0xff, (u >> 8) & 0xff, (u >> 16) & 0xff, u >> 24 };
      w_bytes (w, b, 5);
    }
  else
    {
      unsigned char b[10] = { 0x8a, 8 };
      uint64_t u = (uint64_t) v;
      for (int i = 0; i < 8; i++)
        b[2 + i] = (unsigned char) (u >> (8 * i));
      w_bytes (w, b, 10);
    }
}

static void
w_global (pk_writer *w, const char *module, const char *name)
{
  w_op (w, 'c');
  w_bytes (w, module, strlen (module));
  w_op (w, '\n');
  w_bytes (w, name, strlen (name));
  w_op (w, '\n');
}

static void
w_int_tuple (pk_writer *w, int n, const int64_t *v)
{
  w_op (w, '(');
  for (int i = 0; i < n; i++)
    w_int (w, v[i]);
  w_op (w, 't');
}

static void
w_ordered_dict (pk_writer *w)
{
  w_global (w, "collections", "OrderedDict");
  w_op (w, ')');
  w_op (w, 'R');
}

static void
w_bool (pk_writer *w, bool b)
{
  w_op (w, b ? 0x88 : 0x89);   /* NEWTRUE, NEWFALSE */
}

static void
w_none (pk_writer *w)
{
  w_op (w, 'N');
}

/* BINFLOAT: a big-endian IEEE double */
static void
w_float (pk_writer *w, double v)
{
  unsigned char b[9] = { 'G' };
  uint64_t u;

  memcpy (&u, &v, sizeof u);
  for (int i = 0; i < 8; i++)
    b[1 + i] = (unsigned char) (u >> (8 * (7 - i)));
  w_bytes (w, b, 9);
}

static void
w_key_int (pk_writer *w, const char *key, int64_t v)
{
  w_str (w, key);
  w_int (w, v);
}

static void
w_key_bool (pk_writer *w, const char *key, bool b)
{
  w_str (w, key);
  w_bool (w, b);
}

static void
w_key_float (pk_writer *w, const char *key, double v)
{
  w_str (w, key);
  w_float (w, v);
}

static void
w_key_pair (pk_writer *w, const char *key, const int64_t v[2])
{
  w_str (w, key);
  w_int_tuple (w, 2, v);
}

/* _rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), 0, size, stride, False, OrderedDict()) */
static void
w_tensor (pk_writer *w, int storage_key, bool is_long, int n_dims, const int64_t *shape)
{
  char key[24];
  int64_t stride[NN_MAX_DIMS], numel = 1;
  for (int d = n_dims - 1; d >= 0; d--)
    {
      stride[d] = numel;
      numel *= shape[d];
    }
  snprintf (key, sizeof key, "%d", storage_key);
  w_global (w, "torch._utils", "_rebuild_tensor_v2");
  w_op (w, '(');
  w_op (w, '(');
  w_str (w, "storage");
  w_global (w, "torch", is_long ? "LongStorage" : "FloatStorage");
  w_str (w, key);
  w_str (w, "cpu");
  w_int (w, numel);
  w_op (w, 't');
  w_op (w, 'Q');
  w_int (w, 0);
  w_int_tuple (w, n_dims, shape);
  w_int_tuple (w, n_dims, stride);
  w_op (w, 0x89);
  w_ordered_dict (w);
  w_op (w, 't');
  w_op (w, 'R');
}

static nn_status
pt_zip_add (zip_t *z, const char *name, const void *data, size_t size, const char *path, nn_error *err)
{
  zip_source_t *src = zip_source_buffer (z, data, size, 0);
  zip_int64_t idx = src ? zip_file_add (z, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) : -1;
  if (idx < 0)
    {
      if (src)
        zip_source_free (src);
      return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot add '%s' to the archive: %s", path, name,
                           zip_strerror (z));
    }
  zip_set_file_compression (z, (zip_uint64_t) idx, ZIP_CM_STORE, 0);
  return NN_OK;
}

/* ---- writing the archive into the save's locked temporary (nn_save_temp)
 *
 * zip_open() on a path makes libzip write its own temporary and rename it over that
 * path at zip_close(), so a lock held on our temporary would be lost, and a killed save
 * would leave libzip's file with nobody to clean it up. This source writes the archive
 * straight into our file descriptor instead. */

typedef struct pt_sink {
  int fd;
  zip_uint64_t offset, size;
  zip_error_t error;
} pt_sink;

static zip_int64_t
pt_sink_write (pt_sink *k, const void *data, zip_uint64_t len)
{
  zip_uint64_t done = 0;

  while (done < len)
    {
      ssize_t n = pwrite (k->fd, (const char *) data + done, len - done,
                          (off_t) (k->offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          zip_error_set (&k->error, ZIP_ER_WRITE, n < 0 ? errno : ENOSPC);
          return -1;
        }
      done += (zip_uint64_t) n;
    }
  k->offset += len;
  if (k->offset > k->size)
    k->size = k->offset;
  nn_save_notify (NN_SAVE_WROTE, (int64_t) k->size);
  return (zip_int64_t) len;
}

static zip_int64_t
pt_sink_cb (void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
  pt_sink *k = ud;
  zip_int64_t off;

  switch (cmd)
    {
    case ZIP_SOURCE_STAT:
      /* a new archive: nothing to read from this source (libzip's "no such file" is
       * ZIP_ER_READ with ENOENT) */
      zip_error_set (&k->error, ZIP_ER_READ, ENOENT);
      return -1;
    case ZIP_SOURCE_BEGIN_WRITE:
      k->offset = k->size = 0;
      return ftruncate (k->fd, 0) == 0 ? 0 : (zip_error_set (&k->error, ZIP_ER_WRITE, errno), -1);
    case ZIP_SOURCE_WRITE:
      return pt_sink_write (k, data, len);
    case ZIP_SOURCE_SEEK_WRITE:
      off = zip_source_seek_compute_offset (k->offset, k->size, data, len, &k->error);
      if (off < 0)
        return -1;
      k->offset = (zip_uint64_t) off;
      return 0;
    case ZIP_SOURCE_TELL_WRITE:
      return (zip_int64_t) k->offset;
    case ZIP_SOURCE_COMMIT_WRITE:   /* nn_save_temp_commit fsyncs and renames */
    case ZIP_SOURCE_ROLLBACK_WRITE: /* nn_save_temp_abort removes the file */
    case ZIP_SOURCE_REMOVE:
    case ZIP_SOURCE_OPEN:
    case ZIP_SOURCE_CLOSE:
    case ZIP_SOURCE_FREE:
      return 0;
    case ZIP_SOURCE_READ:
    case ZIP_SOURCE_SEEK:
    case ZIP_SOURCE_TELL:
      zip_error_set (&k->error, ZIP_ER_OPNOTSUPP, 0);
      return -1;
    case ZIP_SOURCE_ERROR:
      return zip_error_to_data (&k->error, data, len);
    case ZIP_SOURCE_SUPPORTS:
      return ZIP_SOURCE_SUPPORTS_WRITABLE;
    default:
      zip_error_set (&k->error, ZIP_ER_OPNOTSUPP, 0);
      return -1;
    }
}

static void
pt_archive_name (const char *path, char *out, size_t size)
{
  const char *base = strrchr (path, '/');
  base = base ? base + 1 : path;
  snprintf (out, size, "%s", base);
  char *dot = strrchr (out, '.');
  if (dot != NULL && dot != out)
    *dot = '\0';
  for (char *p = out; *p; p++)
    if (*p == '/' || *p == '\\')
      *p = '_';
  if (out[0] == '\0')
    snprintf (out, size, "archive");
}

/* One nn_param as a tensor whose storage is data/<index>. */
static void
w_param_tensor (pk_writer *w, const nn_param *p, int index)
{
  if (p->count != NULL)
    w_tensor (w, index, true, 0, NULL);
  else
    w_tensor (w, index, false, p->tensor->n_dims, p->tensor->shape);
}

/* ---------------------------------------------------------------- the pickles */

/* The state_dict: OrderedDict of every nn_net_params() entry. */
static void
w_state_dict (pk_writer *w, const nn_param *params, int np)
{
  w_ordered_dict (w);
  w_op (w, '(');
  for (int i = 0; i < np; i++)
    {
      w_str (w, params[i].key);
      w_param_tensor (w, &params[i], i);
    }
  w_op (w, 'u');
}

/* torch.nn's module of each layer type (the class is nn_layer_type_name()) */
static const char *
module_path (nn_layer_type type)
{
  switch (type)
    {
    case NN_LAYER_CONV2D: return "torch.nn.modules.conv";
    case NN_LAYER_MAXPOOL2D:
    case NN_LAYER_AVGPOOL2D: return "torch.nn.modules.pooling";
    case NN_LAYER_FLATTEN: return "torch.nn.modules.flatten";
    case NN_LAYER_LINEAR: return "torch.nn.modules.linear";
    case NN_LAYER_BATCHNORM2D: return "torch.nn.modules.batchnorm";
    case NN_LAYER_DROPOUT: return "torch.nn.modules.dropout";
    case NN_LAYER_RELU:
    case NN_LAYER_LEAKYRELU:
    case NN_LAYER_SIGMOID:
    case NN_LAYER_TANH:
    case NN_LAYER_SOFTMAX: return "torch.nn.modules.activation";
    default: return NULL;
    }
}

/* The items of a layer's _parameters (buffers false) or _buffers OrderedDict: each
 * state_dict entry it has, or None where PyTorch keeps the name without a tensor
 * (bias=False, affine=False, track_running_stats=False). */
static void
w_layer_tensors (pk_writer *w, const nn_layer *layer, int index, const nn_param *params,
                 int np, bool buffers)
{
  static const char *const param_names[] = { "weight", "bias" };
  static const char *const buffer_names[] = { "running_mean", "running_var",
                                              "num_batches_tracked" };
  const char *const *names = buffers ? buffer_names : param_names;
  nn_layer_type type = layer->cfg.type;
  bool has = buffers ? type == NN_LAYER_BATCHNORM2D
                     : type == NN_LAYER_CONV2D || type == NN_LAYER_LINEAR
                       || type == NN_LAYER_BATCHNORM2D;

  if (!has)
    return;
  w_op (w, '(');
  for (int k = 0; k < (buffers ? 3 : 2); k++)
    {
      int found = -1;

      for (int i = 0; i < np && found < 0; i++)
        if (params[i].layer == index && strcmp (params[i].name, names[k]) == 0)
          found = i;
      w_str (w, names[k]);
      if (found < 0)
        w_none (w);
      else if (buffers)
        w_param_tensor (w, &params[found], found);
      else
        {
          /* _rebuild_parameter(tensor, requires_grad=True, OrderedDict()) */
          w_global (w, "torch._utils", "_rebuild_parameter");
          w_op (w, '(');
          w_param_tensor (w, &params[found], found);
          w_bool (w, true);
          w_ordered_dict (w);
          w_op (w, 't');
          w_op (w, 'R');
        }
    }
  w_op (w, 'u');
}

/* A pool's parameter in the form the user gave it. */
static void
w_pool_param (pk_writer *w, const nn_layer_config *c, nn_pair_param which)
{
  const int64_t *p = nn_layer_config_pair (c, which);

  w_str (w, nn_pair_param_name (which));
  if (nn_layer_config_is_tuple (c, which))
    w_int_tuple (w, 2, p);
  else
    w_int (w, p[0]);
}

/* The constructor's arguments, as torch.nn 1.13 keeps them in the module's __dict__. */
static void
w_layer_args (pk_writer *w, const nn_layer *layer)
{
  const nn_layer_config *c = &layer->cfg;
  const int64_t zeros[2] = { 0, 0 };

  switch (c->type)
    {
    case NN_LAYER_CONV2D:
      {
        const int64_t reversed[4] = { c->padding[1], c->padding[1], c->padding[0], c->padding[0] };

        w_key_int (w, "in_channels", layer->in_channels);
        w_key_int (w, "out_channels", c->out_channels);
        w_key_pair (w, "kernel_size", c->kernel_size);
        w_key_pair (w, "stride", c->stride);
        w_key_pair (w, "padding", c->padding);
        w_key_pair (w, "dilation", c->dilation);
        w_key_bool (w, "transposed", false);
        w_key_pair (w, "output_padding", zeros);
        w_key_int (w, "groups", c->groups);
        w_str (w, "padding_mode");
        w_str (w, "zeros");
        w_str (w, "_reversed_padding_repeated_twice");
        w_int_tuple (w, 4, reversed);
      }
      break;
    case NN_LAYER_MAXPOOL2D:
      w_pool_param (w, c, NN_PAIR_KERNEL_SIZE);
      w_pool_param (w, c, NN_PAIR_STRIDE);
      w_pool_param (w, c, NN_PAIR_PADDING);
      w_pool_param (w, c, NN_PAIR_DILATION);
      w_key_bool (w, "return_indices", false);
      w_key_bool (w, "ceil_mode", c->ceil_mode);
      break;
    case NN_LAYER_AVGPOOL2D:
      w_pool_param (w, c, NN_PAIR_KERNEL_SIZE);
      w_pool_param (w, c, NN_PAIR_STRIDE);
      w_pool_param (w, c, NN_PAIR_PADDING);
      w_key_bool (w, "ceil_mode", c->ceil_mode);
      w_key_bool (w, "count_include_pad", c->count_include_pad);
      w_str (w, "divisor_override");
      w_none (w);
      break;
    case NN_LAYER_FLATTEN:
      w_key_int (w, "start_dim", c->start_dim);
      w_key_int (w, "end_dim", c->end_dim);
      break;
    case NN_LAYER_LINEAR:
      w_key_int (w, "in_features", layer->in_features);
      w_key_int (w, "out_features", c->out_features);
      break;
    case NN_LAYER_BATCHNORM2D:
      w_key_int (w, "num_features", layer->num_features);
      w_key_float (w, "eps", c->eps);
      w_key_float (w, "momentum", c->momentum);
      w_key_bool (w, "affine", c->affine);
      w_key_bool (w, "track_running_stats", c->track_running_stats);
      break;
    case NN_LAYER_DROPOUT:
      w_key_float (w, "p", c->p);
      w_key_bool (w, "inplace", false);
      break;
    case NN_LAYER_RELU:
      w_key_bool (w, "inplace", false);
      break;
    case NN_LAYER_LEAKYRELU:
      w_key_float (w, "negative_slope", c->negative_slope);
      w_key_bool (w, "inplace", false);
      break;
    case NN_LAYER_SOFTMAX:
      w_key_int (w, "dim", c->dim);
      break;
    default:
      break;
    }
}

/* One module: NEWOBJ of its class, then BUILD with its __dict__. layer NULL is the
 * Sequential, whose _modules are the layers. */
static void
w_module (pk_writer *w, const nn_net *net, int index, const nn_param *params, int np)
{
  static const char *const hooks[] = { "_forward_hooks", "_forward_pre_hooks",
                                       "_state_dict_hooks", "_load_state_dict_pre_hooks",
                                       "_load_state_dict_post_hooks" };
  const nn_layer *layer = index >= 0 ? &net->layers[index] : NULL;

  if (layer != NULL)
    w_global (w, module_path (layer->cfg.type), nn_layer_type_name (layer->cfg.type));
  else
    w_global (w, "torch.nn.modules.container", "Sequential");
  w_op (w, ')');
  w_op (w, 0x81);   /* NEWOBJ */
  w_op (w, '}');
  w_op (w, '(');
  w_key_bool (w, "training", false);
  w_str (w, "_parameters");
  w_ordered_dict (w);
  if (layer != NULL)
    w_layer_tensors (w, layer, index, params, np, false);
  w_str (w, "_buffers");
  w_ordered_dict (w);
  if (layer != NULL)
    w_layer_tensors (w, layer, index, params, np, true);
  w_str (w, "_non_persistent_buffers_set");
  w_global (w, "__builtin__", "set");
  w_op (w, ']');
  w_op (w, 0x85);   /* TUPLE1 */
  w_op (w, 'R');
  w_str (w, "_backward_hooks");
  w_ordered_dict (w);
  w_str (w, "_is_full_backward_hook");
  w_none (w);
  for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
    {
      w_str (w, hooks[i]);
      w_ordered_dict (w);
    }
  w_str (w, "_modules");
  w_ordered_dict (w);
  if (layer == NULL && net->n_layers > 0)
    {
      w_op (w, '(');
      for (int i = 0; i < net->n_layers; i++)
        {
          char key[16];

          snprintf (key, sizeof key, "%d", i);
          w_str (w, key);
          w_module (w, net, i, params, np);
        }
      w_op (w, 'u');
    }
  if (layer != NULL)
    w_layer_args (w, layer);
  w_op (w, 'u');
  w_op (w, 'b');    /* BUILD */
}

/* ---------------------------------------------------------------- the archive */

/* Writes data.pkl (w) and the storages of params into path's archive, atomically. */
static nn_status
pt_write_archive (const char *path, const pk_writer *w, const nn_param *params, int np,
                  nn_error *err)
{
  nn_save_temp t;
  pt_sink sink = { .fd = -1 };
  zip_source_t *sink_src = NULL;
  zip_t *z = NULL;
  nn_status st = nn_save_temp_open (&t, path, err);
  char arch[200], name[320];

  if (st == NN_OK)
    {
      zip_error_t zerr;
      zip_error_init (&zerr);
      zip_error_init (&sink.error);
      sink.fd = t.fd;
      sink_src = zip_source_function_create (pt_sink_cb, &sink, &zerr);
      z = sink_src ? zip_open_from_source (sink_src, ZIP_CREATE | ZIP_TRUNCATE, &zerr) : NULL;
      if (z == NULL)
        {
          st = nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot write the archive: %s", path,
                             zip_error_strerror (&zerr));
          if (sink_src)
            zip_source_free (sink_src);
        }
      zip_error_fini (&zerr);
    }
  pt_archive_name (path, arch, sizeof arch);
  if (st == NN_OK)
    {
      snprintf (name, sizeof name, "%s/data.pkl", arch);
      st = pt_zip_add (z, name, w->buf, w->len, path, err);
    }
  for (int i = 0; st == NN_OK && i < np; i++)
    {
      snprintf (name, sizeof name, "%s/data/%d", arch, i);
      if (params[i].count != NULL)
        st = pt_zip_add (z, name, params[i].count, sizeof (int64_t), path, err);
      else
        st = pt_zip_add (z, name, params[i].tensor->data,
                         (size_t) nn_tensor_numel (params[i].tensor) * sizeof (float), path, err);
    }
  if (st == NN_OK)
    {
      snprintf (name, sizeof name, "%s/version", arch);
      st = pt_zip_add (z, name, "3\n", 2, path, err);
    }
  if (st == NN_OK)
    {
      snprintf (name, sizeof name, "%s/byteorder", arch);
      st = pt_zip_add (z, name, "little", 6, path, err);
    }
  if (z != NULL)
    {
      if (st == NN_OK && zip_close (z) != 0)
        {
          st = nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot write: %s", path, zip_strerror (z));
          zip_discard (z);
        }
      else if (st != NN_OK)
        zip_discard (z);
    }
  if (st == NN_OK)
    st = nn_save_temp_commit (&t, err);
  else if (t.path != NULL)
    nn_save_temp_abort (&t);
  zip_error_fini (&sink.error);
  return st;
}

/* Pickles the network (the whole module, or its state_dict) and writes the archive. */
static nn_status
pt_save (const char *path, const nn_net *net, bool whole, nn_error *err)
{
  nn_param *params = NULL;
  pk_writer w = { 0 };
  const unsigned char proto[2] = { 0x80, 2 };
  nn_status st;
  int np;

  if (net->first_error >= 0)
    return nn_error_set (err, NN_STATUS_SHAPE, net->first_error, "%s: cannot save: %s", path,
                         net->info[net->first_error].message);
  np = nn_net_params (net, &params);
  if (np < 0)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
  w_bytes (&w, proto, 2);
  if (whole)
    w_module (&w, net, -1, params, np);
  else
    w_state_dict (&w, params, np);
  w_op (&w, '.');
  if (w.failed)
    st = nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
  else
    st = pt_write_archive (path, &w, params, np, err);
  free (w.buf);
  free (params);
  return st;
}

nn_status
nn_pt_save_state_dict (const char *path, const nn_net *net, nn_error *err)
{
  return pt_save (path, net, false, err);
}

nn_status
nn_pt_save_model (const char *path, const nn_net *net, nn_error *err)
{
  return pt_save (path, net, true, err);
}
