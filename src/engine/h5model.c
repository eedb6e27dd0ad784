/* h5model.c - HDF5 model, weights and activation files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Implements shared/docs/model-file-format.md (format 1.0); docs/model-file-format.md explains
 * it for people writing such files from other programs.
 *
 * Reading treats every file as hostile: Debian's libhdf5 1.10 predates fixes for several
 * crafted-file bugs (issue 6), so every attribute's class, rank and size is checked before
 * it is read, only hard links are followed (an external link would open another file),
 * sizes are range-checked and the parameter memory is checked against the budget before
 * the network is built, and datasets are read only into tensors the network allocated
 * itself, after their dataspace was compared with the tensor's shape.
 *
 * Saving is atomic: HDF5 writes a locked temporary file in the target's folder (its
 * space reserved first, see write_hdf5), which is fsync'ed and renamed over the target;
 * a failed save removes the temporary and leaves the old file alone (nn_save_temp in
 * files.c; it also removes the temporaries of killed saves).
 */
/* sync_file_range */
#define _GNU_SOURCE
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "nn-private.h"

#define H5M_FORMAT        "layerlab"
#define H5M_ACT_FORMAT    "layerlab-activations"
#define H5M_CREATOR       "Layerlab " NN_VERSION_STRING
#define H5M_MAJOR         1
#define H5M_MINOR         0
#define H5M_MINOR_TRAINING 1     /* 1.1 added the optional /training group */
#define H5M_MINOR_POOL_FORMS 2   /* 1.2: a pool's int parameters are scalars, its tuples
                                  * int64[2] (1.0 and 1.1 wrote int64[2] for both) */
/* Sane limits for numbers read from files: more layers than NN_MAX_FILE_LAYERS is not
 * a network a person built, and channel/feature/kernel sizes must fit BLAS's int
 * arguments. */
#define H5M_MAX_LAYERS    NN_MAX_FILE_LAYERS
#define H5M_MAX_SIZE      INT32_MAX
#define H5M_MAX_DIM_INDEX 64
#define H5M_MAX_STRING    4096
#define H5M_MAX_KEYS      (8 * H5M_MAX_LAYERS)

/* ---------------------------------------------------------------- errors */

/* Where a reader is, for messages: "<file>: <where>: ..." */
typedef struct h5_ctx {
  const char *path;
  nn_error *err;
  int layer;              /* -1 unless the message is about one layer */
  char where[96];         /* "layer 3 (Conv2d)", "/architecture", "root" */
  int64_t minor;          /* the file's format_version minor, once read */
} h5_ctx;

static nn_status fail (const h5_ctx *c, nn_status status, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

static nn_status
fail (const h5_ctx *c, nn_status status, const char *fmt, ...)
{
  char msg[NN_ERROR_MAX];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  return nn_error_set (c->err, status, c->layer, "%s: %s", c->path, msg);
}

static void
ctx_init (h5_ctx *c, const char *path, nn_error *err)
{
  c->path = path;
  c->err = err;
  c->layer = -1;
  c->minor = H5M_MINOR;
  snprintf (c->where, sizeof c->where, "root");
  /* HDF5 prints its error stack to stderr by default; we report errors ourselves. */
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
}

static void
close_id (hid_t *id)
{
  if (*id < 0)
    return;
  switch (H5Iget_type (*id))
    {
    case H5I_FILE: H5Fclose (*id); break;
    case H5I_GROUP: H5Gclose (*id); break;
    case H5I_DATASET: H5Dclose (*id); break;
    case H5I_ATTR: H5Aclose (*id); break;
    case H5I_DATATYPE: H5Tclose (*id); break;
    case H5I_DATASPACE: H5Sclose (*id); break;
    case H5I_GENPROP_LST: H5Pclose (*id); break;
    default: H5Idec_ref (*id); break;
    }
  *id = -1;
}

typedef struct h5_hint {
  char text[200];
  bool truncated;
} h5_hint;

static herr_t
walk_cb (unsigned n, const H5E_error2_t *e, void *data)
{
  h5_hint *hint = data;
  const char *msg = e->desc ? e->desc : "";
  const char *sys = strstr (msg, "error message = '");

  if (strstr (msg, "truncated"))
    hint->truncated = true;
  /* The innermost system error ("No space left on device") is the useful part. */
  if (sys && hint->text[0] == '\0')
    {
      sys += strlen ("error message = '");
      snprintf (hint->text, sizeof hint->text, "%.*s", (int) strcspn (sys, "'"), sys);
    }
  return 0;
}

/* What HDF5's (silenced) error stack says about the last failure. */
static h5_hint
h5_error_hint (void)
{
  h5_hint hint = { "", false };

  H5Ewalk2 (H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, &hint);
  return hint;
}

static const char *
class_name (H5T_class_t cls)
{
  switch (cls)
    {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_STRING: return "string";
    case H5T_ENUM: return "enum";
    case H5T_COMPOUND: return "compound";
    case H5T_ARRAY: return "array";
    case H5T_VLEN: return "variable-length";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_REFERENCE: return "reference";
    default: return "unknown";
    }
}

static char *
format_dims (int rank, const int64_t *dims, char *buf, size_t size)
{
  size_t used = (size_t) snprintf (buf, size, "[");

  for (int i = 0; i < rank && used < size; i++)
    used += (size_t) snprintf (buf + used, size - used, "%s%" PRId64, i ? ", " : "", dims[i]);
  if (used < size)
    snprintf (buf + used, size - used, "]");
  return buf;
}

static uint64_t decode_le (const unsigned char *p, int len);

/* ---------------------------------------------------------------- writing */

static bool
write_attr (hid_t obj, const char *name, hid_t ftype, hid_t mtype, hsize_t n, const void *buf)
{
  hid_t space = n == 0 ? H5Screate (H5S_SCALAR) : H5Screate_simple (1, &n, NULL);
  hid_t attr = -1;
  bool ok = false;

  if (space >= 0)
    attr = H5Acreate2 (obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
  if (attr >= 0)
    ok = H5Awrite (attr, mtype, buf) >= 0;
  close_id (&attr);
  close_id (&space);
  return ok;
}

static bool
write_int (hid_t obj, const char *name, int64_t v)
{
  return write_attr (obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, &v);
}

static bool
write_ints (hid_t obj, const char *name, const int64_t *v, hsize_t n)
{
  return write_attr (obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, v);
}

static bool
write_bool (hid_t obj, const char *name, bool b)
{
  int8_t v = b ? 1 : 0;

  return write_attr (obj, name, H5T_STD_I8LE, H5T_NATIVE_INT8, 0, &v);
}

static bool
write_float (hid_t obj, const char *name, double v)
{
  return write_attr (obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}

static bool
write_string (hid_t obj, const char *name, const char *s)
{
  hid_t type = H5Tcopy (H5T_C_S1);
  bool ok = type >= 0 && H5Tset_size (type, H5T_VARIABLE) >= 0
            && H5Tset_cset (type, H5T_CSET_UTF8) >= 0
            && write_attr (obj, name, type, type, 0, &s);

  close_id (&type);
  return ok;
}

/* minor: H5M_MINOR, or H5M_MINOR_TRAINING for a model with a /training group (files
 * without one stay 1.0, readable as before by anything that reads 1.0) */
static bool
write_root_attrs (hid_t file, const char *format, const char *kind, int minor)
{
  const int32_t version[2] = { H5M_MAJOR, minor };

  return write_string (file, "format", format)
         && write_attr (file, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32, 2, version)
         && (kind == NULL || write_string (file, "kind", kind))
         && write_string (file, "creator", H5M_CREATOR);
}

/* A pool's parameter as the user gave it: a scalar for an int, int64[2] for a tuple. */
static bool
write_pool_param (hid_t g, const nn_layer_config *c, nn_pair_param which)
{
  const int64_t *p = nn_layer_config_pair (c, which);
  const char *name = nn_pair_param_name (which);

  return nn_layer_config_is_tuple (c, which) ? write_ints (g, name, p, 2)
                                             : write_int (g, name, p[0]);
}

static bool
write_pool_attrs (hid_t g, const nn_layer_config *c)
{
  bool ok = write_pool_param (g, c, NN_PAIR_KERNEL_SIZE)
            && write_pool_param (g, c, NN_PAIR_STRIDE)
            && write_pool_param (g, c, NN_PAIR_PADDING)
            && write_bool (g, "ceil_mode", c->ceil_mode);

  if (c->type == NN_LAYER_MAXPOOL2D)
    return ok && write_pool_param (g, c, NN_PAIR_DILATION);
  return ok && write_bool (g, "count_include_pad", c->count_include_pad);
}

/* Every attribute of the layer, defaults included, with resolved (never lazy) sizes. */
static bool
write_layer_attrs (hid_t g, const nn_layer *layer)
{
  const nn_layer_config *c = &layer->cfg;

  if (!write_string (g, "type", nn_layer_type_name (c->type)))
    return false;
  if (c->name[0] != '\0' && !write_string (g, "name", c->name))
    return false;
  switch (c->type)
    {
    case NN_LAYER_CONV2D:
      return write_int (g, "in_channels", layer->in_channels)
             && write_int (g, "out_channels", c->out_channels)
             && write_ints (g, "kernel_size", c->kernel_size, 2)
             && write_ints (g, "stride", c->stride, 2)
             && write_ints (g, "padding", c->padding, 2)
             && write_ints (g, "dilation", c->dilation, 2)
             && write_int (g, "groups", c->groups) && write_bool (g, "bias", c->bias);
    case NN_LAYER_MAXPOOL2D:
    case NN_LAYER_AVGPOOL2D:
      return write_pool_attrs (g, c);
    case NN_LAYER_FLATTEN:
      return write_int (g, "start_dim", c->start_dim) && write_int (g, "end_dim", c->end_dim);
    case NN_LAYER_LINEAR:
      return write_int (g, "in_features", layer->in_features)
             && write_int (g, "out_features", c->out_features) && write_bool (g, "bias", c->bias);
    case NN_LAYER_BATCHNORM2D:
      return write_int (g, "num_features", layer->num_features)
             && write_float (g, "eps", c->eps) && write_float (g, "momentum", c->momentum)
             && write_bool (g, "affine", c->affine)
             && write_bool (g, "track_running_stats", c->track_running_stats);
    case NN_LAYER_DROPOUT:
      return write_float (g, "p", c->p);
    case NN_LAYER_LEAKYRELU:
      return write_float (g, "negative_slope", c->negative_slope);
    case NN_LAYER_SOFTMAX:
      return write_int (g, "dim", c->dim);
    default:
      return true;
    }
}

static bool
write_architecture (hid_t file, const nn_net *net)
{
  hid_t arch = H5Gcreate2 (file, "architecture", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = arch >= 0 && write_int (arch, "num_layers", net->n_layers)
            && write_ints (arch, "input_shape", net->input.d, (hsize_t) net->input.n_dims);

  for (int i = 0; ok && i < net->n_layers; i++)
    {
      char name[16];
      hid_t g;

      snprintf (name, sizeof name, "%d", i);
      g = H5Gcreate2 (arch, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      ok = g >= 0 && write_layer_attrs (g, &net->layers[i]);
      close_id (&g);
    }
  close_id (&arch);
  return ok;
}

/* Starts the disk writes of what is in the page cache so far without waiting for them,
 * so the final fsync has little left: writing out overlaps with copying the next
 * tensors instead of following it. */
#define WRITEBACK_MIN_BYTES ((uint64_t) 4 << 20)

static void
start_writeback (hid_t loc)
{
#ifdef SYNC_FILE_RANGE_WRITE
  hid_t file = H5Iget_file_id (loc);
  void *handle = NULL;

  if (file >= 0 && H5Fget_vfd_handle (file, H5P_DEFAULT, &handle) >= 0 && handle != NULL)
    sync_file_range (*(int *) handle, 0, 0, SYNC_FILE_RANGE_WRITE);
  close_id (&file);
#else
  (void) loc;
#endif
}

/* float32 little-endian, contiguous (the default layout), no filters */
static bool
write_tensor (hid_t loc, const char *name, const nn_tensor *t)
{
  hsize_t dims[NN_MAX_DIMS];
  hid_t space, ds = -1;
  bool ok = false;

  for (int d = 0; d < t->n_dims; d++)
    dims[d] = (hsize_t) t->shape[d];
  space = t->n_dims == 0 ? H5Screate (H5S_SCALAR) : H5Screate_simple (t->n_dims, dims, NULL);
  if (space >= 0)
    ds = H5Dcreate2 (loc, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (ds >= 0)
    ok = H5Dwrite (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->data) >= 0;
  close_id (&ds);
  close_id (&space);
  if (ok && (uint64_t) nn_tensor_numel (t) * sizeof (float) >= WRITEBACK_MIN_BYTES)
    start_writeback (loc);
  return ok;
}

static bool
write_count (hid_t loc, const char *name, int64_t v)
{
  hid_t space = H5Screate (H5S_SCALAR);
  hid_t ds = -1;
  bool ok = false;

  if (space >= 0)
    ds = H5Dcreate2 (loc, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (ds >= 0)
    ok = H5Dwrite (ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0;
  close_id (&ds);
  close_id (&space);
  return ok;
}

static bool
write_state_dict (hid_t file, const nn_net *net)
{
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);
  hid_t sd = H5Gcreate2 (file, "state_dict", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = sd >= 0 && n >= 0;

  for (int i = 0; ok && i < n; i++)
    {
      if (params[i].count != NULL)
        ok = write_count (sd, params[i].key, *params[i].count);
      else
        ok = params[i].tensor != NULL && write_tensor (sd, params[i].key, params[i].tensor);
      if (ok)
        nn_save_notify (NN_SAVE_WROTE, i + 1);
    }
  free (params);
  close_id (&sd);
  return ok;
}

/* ---- /training (format 1.1): settings as attributes, the history as float64 columns */

static bool
write_floats (hid_t obj, const char *name, const double *v, hsize_t n)
{
  return write_attr (obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, v);
}

static bool
write_uint (hid_t obj, const char *name, uint64_t v)
{
  return write_attr (obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}

static bool
write_column (hid_t g, const char *name, const double *v, hsize_t n)
{
  hid_t space = H5Screate_simple (1, &n, NULL);
  hid_t ds = -1;
  bool ok = false;

  if (space >= 0)
    ds = H5Dcreate2 (g, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (ds >= 0)
    ok = n == 0 || H5Dwrite (ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
  close_id (&ds);
  close_id (&space);
  return ok;
}

static const char *const history_columns[] = {
  "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds",
};

/* nn_training_epoch field c (in history_columns order) */
static double *
epoch_field (nn_training_epoch *e, int c)
{
  double *f[] = { &e->train_loss, &e->train_accuracy, &e->val_loss, &e->val_accuracy,
                  &e->seconds };

  return f[c];
}

static bool
write_history (hid_t g, const nn_training_record *r)
{
  size_t n = (size_t) r->n_history;
  double *col = malloc ((n > 0 ? n : 1) * sizeof *col);
  bool ok = col != NULL;

  for (int c = 0; ok && c < (int) (sizeof history_columns / sizeof history_columns[0]); c++)
    {
      for (size_t i = 0; i < n; i++)
        col[i] = *epoch_field (&r->history[i], c);
      ok = write_column (g, history_columns[c], col, n);
    }
  free (col);
  return ok;
}

static bool
write_optimizer (hid_t g, const nn_optim_config *o)
{
  const double betas[2] = { o->beta1, o->beta2 };
  bool ok = write_string (g, "optimizer", nn_optim_name (o->kind))
            && write_float (g, "lr", o->lr) && write_float (g, "weight_decay", o->weight_decay);

  if (o->kind == NN_OPTIM_SGD)
    return ok && write_float (g, "momentum", o->momentum)
           && write_float (g, "dampening", o->dampening) && write_bool (g, "nesterov", o->nesterov);
  return ok && write_floats (g, "betas", betas, 2) && write_float (g, "eps", o->eps);
}

static bool
write_training (hid_t file, const nn_training_record *r)
{
  hid_t g = H5Gcreate2 (file, "training", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = g >= 0 && write_string (g, "data", r->data)
            && write_string (g, "validation_data", r->validation_data)
            && write_string (g, "preprocessing", r->preprocessing)
            && write_string (g, "loss", nn_loss_name (r->loss)) && write_optimizer (g, &r->optim)
            && write_int (g, "epochs", r->epochs) && write_int (g, "batch_size", r->batch_size)
            && write_uint (g, "seed", r->seed) && write_bool (g, "shuffle", r->shuffle)
            && write_float (g, "validation_fraction", r->validation_fraction)
            && write_history (g, r);

  close_id (&g);
  return ok;
}

/* The lowest minor that holds the model, so files stay readable by older readers where
 * nothing newer is in them. */
static int
model_minor (const nn_net *net)
{
  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].cfg.type == NN_LAYER_MAXPOOL2D
        || net->layers[i].cfg.type == NN_LAYER_AVGPOOL2D)
      return H5M_MINOR_POOL_FORMS;
  return net->training != NULL ? H5M_MINOR_TRAINING : H5M_MINOR;
}

static bool
write_model (hid_t file, const void *data)
{
  const nn_net *net = data;
  int minor = model_minor (net);

  return write_root_attrs (file, H5M_FORMAT, "model", minor) && write_architecture (file, net)
         && write_state_dict (file, net)
         && (net->training == NULL || write_training (file, net->training));
}

static bool
write_weights (hid_t file, const void *data)
{
  return write_root_attrs (file, H5M_FORMAT, "weights", H5M_MINOR)
         && write_state_dict (file, data);
}

typedef struct act_data {
  const nn_net *net;
  const nn_run_result *res;
} act_data;

static bool
write_activations (hid_t file, const void *data)
{
  const act_data *a = data;
  bool ok = write_root_attrs (file, H5M_ACT_FORMAT, NULL, H5M_MINOR)
            && write_tensor (file, "input", a->res->acts[0]);

  for (int i = 0; ok && i < a->net->n_layers; i++)
    {
      char name[16];

      snprintf (name, sizeof name, "%d", i);
      ok = write_tensor (file, name, a->res->acts[i + 1]);
    }
  return ok;
}

/* ---------------------------------------------------------------- atomic saves */

typedef bool (*h5_write_fn) (hid_t file, const void *data);

/* File access. Reading: CLOSE_STRONG makes H5Fclose really close the file (no id leak
 * keeps it open), and file locks are used where the filesystem has them and skipped
 * where it does not (some network mounts). Writing: the sec2 driver writes the temporary
 * file directly (see write_hdf5); no HDF5 lock, since the save holds its own flock on it
 * (nn_save_temp) and HDF5's would conflict with it. */
static hid_t
make_fapl (bool for_writing)
{
  hid_t fapl = H5Pcreate (H5P_FILE_ACCESS);

  if (fapl < 0)
    return fapl;
  if (H5Pset_fclose_degree (fapl, H5F_CLOSE_STRONG) < 0
      || H5Pset_file_locking (fapl, !for_writing, true) < 0)
    close_id (&fapl);
  /* V18..V18: readable by HDF5 >= 1.8, no superblock-v3 locking state after a crash */
  else if (for_writing && H5Pset_libver_bounds (fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0)
    close_id (&fapl);
  return fapl;
}

/* Metadata HDF5 writes around the data, at most: object headers, attributes, link
 * storage, global heap collections for the strings. Measured below 3 KiB per object on
 * the templates and every layer type; the allowance is several times that. */
#define SAVE_FIXED_BYTES     ((uint64_t) 256 << 10)
#define SAVE_PER_OBJECT      ((uint64_t) 16 << 10)

static uint64_t
tensor_bytes (const nn_tensor *t)
{
  return t != NULL ? (uint64_t) nn_tensor_numel (t) * sizeof (float) : 0;
}

/* Upper bound of a model or weights file of net (architecture and /training included). */
static uint64_t
net_file_bytes (const nn_net *net)
{
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);
  uint64_t bytes = SAVE_FIXED_BYTES + SAVE_PER_OBJECT * (uint64_t) (net->n_layers + 8);

  for (int i = 0; i < n; i++)
    bytes += SAVE_PER_OBJECT + tensor_bytes (params[i].tensor);
  free (params);
  if (net->training != NULL)
    bytes += 5 * sizeof (double) * (uint64_t) net->training->n_history;
  return bytes;
}

/* The end of file the superblock (version 0, 1 or 2, 8-byte addresses as HDF5 writes
 * them here) of the file at fd records; 0 if it cannot be read. */
static uint64_t
superblock_eof (int fd)
{
  unsigned char sb[48];
  size_t at;

  if (pread (fd, sb, sizeof sb, 0) != (ssize_t) sizeof sb
      || memcmp (sb, "\x89HDF\r\n\x1a\n", 8) != 0)
    return 0;
  if (sb[8] >= 2)
    at = sb[9] == 8 ? 12 + 8 + 8 : 0;
  else
    at = sb[13] == 8 ? (sb[8] == 0 ? 40 : 44) : 0;
  return at != 0 ? decode_le (sb + at, 8) : 0;
}

/* Space for the whole file before HDF5 writes it: libhdf5 1.10 does not survive its own
 * write errors (after a failed write on a full disk, H5Fclose leaves a half-closed file
 * that crashes the process later, at the latest in HDF5's atexit handler), so a full
 * disk (or a file size limit) must show here, where we can still say so. */
static nn_status
reserve_space (const h5_ctx *c, int fd, uint64_t bytes)
{
  int e;

  if (bytes > (uint64_t) INT64_MAX)
    return fail (c, NN_STATUS_TOO_LARGE, "the file would be too large");
  e = posix_fallocate (fd, 0, (off_t) bytes);
  /* filesystems without fallocate: glibc writes zeros instead, which reserves as well;
   * EINVAL/EOPNOTSUPP are left only where even that is impossible */
  if (e == 0 || e == EOPNOTSUPP)
    return NN_OK;
  return fail (c, NN_STATUS_IO, "cannot write the file: %s (%.1f MiB needed)", strerror (e),
               (double) bytes / (1024.0 * 1024.0));
}

/* HDF5 writes the temporary file tmp itself (one pwrite per tensor, straight from the
 * tensors; an in-memory build cost an extra pass over all the weights), into space
 * reserved first (reserve_space). Closing truncates the file to what HDF5 used. */
static nn_status
write_hdf5 (const h5_ctx *c, int fd, const char *tmp, h5_write_fn write, const void *data,
            uint64_t estimate)
{
  hid_t fapl = make_fapl (true);
  hid_t file = fapl >= 0 ? H5Fcreate (tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : -1;
  nn_status s = NN_OK;
  bool ok;
  uint64_t eof;
  struct stat st;

  close_id (&fapl);
  if (file < 0)
    return fail (c, NN_STATUS_IO, "cannot write the file: HDF5 cannot create it");
  /* after H5Fcreate, whose O_TRUNC would release the space again */
  s = reserve_space (c, fd, estimate);
  ok = s == NN_OK && write (file, data);
  if (H5Fclose (file) < 0)
    ok = false;
  if (s != NN_OK)
    return s;
  if (!ok)
    return fail (c, NN_STATUS_IO, "cannot write the file: HDF5 could not build it");
  /* HDF5 truncates to its end of file on close; make sure, since the reserved space
   * would otherwise stay as zeros at the end */
  eof = superblock_eof (fd);
  if (eof > 0 && fstat (fd, &st) == 0 && (uint64_t) st.st_size > eof
      && ftruncate (fd, (off_t) eof) != 0)
    return fail (c, NN_STATUS_IO, "cannot write the file: %s", strerror (errno));
  return NN_OK;
}

/* nn_save_temp (files.c) names, locks and renames the temporary file and removes those
 * killed saves left behind. */
static nn_status
save_atomic (const char *path, h5_write_fn write, const void *data, uint64_t estimate,
             nn_error *err)
{
  h5_ctx c;
  nn_save_temp t;
  nn_status status;

  ctx_init (&c, path, err);
  if ((status = nn_save_temp_open (&t, path, err)) != NN_OK)
    return status;
  status = write_hdf5 (&c, t.fd, t.path, write, data, estimate);
  if (status != NN_OK)
    {
      nn_save_temp_abort (&t);
      return status;
    }
  return nn_save_temp_commit (&t, err);
}

static nn_status
check_savable (const char *path, const nn_net *net, nn_error *err)
{
  h5_ctx c;

  ctx_init (&c, path, err);
  if (net == NULL)
    return fail (&c, NN_STATUS_INVALID_ARG, "no network to save");
  if (net->first_error >= 0)
    {
      c.layer = net->first_error;
      return fail (&c, NN_STATUS_SHAPE, "cannot save a network with a shape error: %s",
                   net->info[net->first_error].message);
    }
  return NN_OK;
}

/* What is wrong with a training record, or NULL: the checks a reader makes, so that a
 * record saved always reads back. */
static const char *
training_problem (const nn_training_record *r)
{
  const nn_optim_config *o = &r->optim;

  if (memchr (r->data, '\0', sizeof r->data) == NULL
      || memchr (r->validation_data, '\0', sizeof r->validation_data) == NULL
      || memchr (r->preprocessing, '\0', sizeof r->preprocessing) == NULL)
    return "a text field is not terminated";
  if (nn_loss_name (r->loss) == NULL)
    return "unknown loss";
  if (nn_optim_name (o->kind) == NULL)
    return "unknown optimizer";
  if (!(o->lr >= 0) || !(o->weight_decay >= 0) || !(o->momentum >= 0) || !(o->dampening >= 0)
      || !(o->eps >= 0) || !(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1))
    return "an optimizer setting is out of range (lr, weight_decay, momentum, dampening, "
           "eps >= 0; betas in [0, 1))";
  if (r->epochs < 0 || r->epochs > NN_TRAINING_MAX_EPOCHS)
    return "epochs is out of range";
  if (r->batch_size < 1 || r->batch_size > H5M_MAX_SIZE)
    return "batch_size is out of range";
  if (!(r->validation_fraction >= 0 && r->validation_fraction < 1))
    return "validation_fraction must be in [0, 1)";
  if (r->n_history < 0 || r->n_history > NN_TRAINING_MAX_EPOCHS
      || (r->n_history > 0 && r->history == NULL))
    return "the history is inconsistent";
  return NULL;
}

nn_status
nn_model_save (const char *path, const nn_net *net, nn_error *err)
{
  nn_status status = check_savable (path, net, err);
  const char *problem;

  if (status != NN_OK)
    return status;
  if (net->training != NULL && (problem = training_problem (net->training)) != NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s: cannot save the training "
                         "record: %s", path, problem);
  return save_atomic (path, write_model, net, net_file_bytes (net), err);
}

nn_status
nn_weights_save (const char *path, const nn_net *net, nn_error *err)
{
  nn_status status = check_savable (path, net, err);

  if (status != NN_OK)
    return status;
  return save_atomic (path, write_weights, net, net_file_bytes (net), err);
}

nn_status
nn_activations_save (const char *path, const nn_net *net, const nn_run_result *res,
                     nn_error *err)
{
  act_data a = { net, res };
  uint64_t estimate;
  h5_ctx c;

  ctx_init (&c, path, err);
  if (net == NULL || res == NULL || res->n_acts != net->n_layers + 1 || res->acts == NULL)
    return fail (&c, NN_STATUS_INVALID_ARG,
                 "no activations to save (run the network with keep_activations)");
  for (int i = 0; i < res->n_acts; i++)
    if (res->acts[i] == NULL)
      return fail (&c, NN_STATUS_INVALID_ARG, "activation %d is missing", i);
  estimate = SAVE_FIXED_BYTES;
  for (int i = 0; i < res->n_acts; i++)
    estimate += SAVE_PER_OBJECT + tensor_bytes (res->acts[i]);
  return save_atomic (path, write_activations, &a, estimate, err);
}

/* ---------------------------------------------------------------- reading: objects */

/* Opens the child name of loc if it is a hard link to an object of type want
 * (H5I_GROUP / H5I_DATASET). NN_STATUS_NOT_FOUND without a message when absent. */
static nn_status
open_child (const h5_ctx *c, hid_t loc, const char *name, H5I_type_t want, hid_t *out)
{
  H5L_info_t info;
  htri_t exists = H5Lexists (loc, name, H5P_DEFAULT);
  const char *what = want == H5I_GROUP ? "group" : "dataset";

  *out = -1;
  if (exists == 0)
    return NN_STATUS_NOT_FOUND;
  if (exists < 0 || H5Lget_info (loc, name, &info, H5P_DEFAULT) < 0)
    return fail (c, NN_STATUS_FORMAT, "%s: cannot read '%s'", c->where, name);
  /* A soft or external link could point anywhere (even into another file). */
  if (info.type != H5L_TYPE_HARD)
    return fail (c, NN_STATUS_FORMAT, "%s: '%s' is a link, expected a %s", c->where, name, what);
  *out = H5Oopen (loc, name, H5P_DEFAULT);
  if (*out < 0)
    return fail (c, NN_STATUS_FORMAT, "%s: cannot open '%s' (damaged file)", c->where, name);
  if (H5Iget_type (*out) != want)
    {
      H5Oclose (*out);
      *out = -1;
      return fail (c, NN_STATUS_FORMAT, "%s: '%s' is not a %s", c->where, name, what);
    }
  return NN_OK;
}

/* ---------------------------------------------------------------- global heaps */

/* Variable-length strings live in "global heap collections". libhdf5 1.10 trusts their
 * object tables: a damaged table makes H5HG loop forever (an object of size 0) or read
 * out of bounds (found by fuzzing tests/data/good/base.h5). So every collection in the
 * file is walked here, with bounds checks, before HDF5 reads any string. */
#define GCOL_HDR        16    /* "GCOL", version, 3 reserved, size (8 bytes) */
#define GCOL_MAX_SIZE   (256u << 20)
#define GCOL_SCAN_CHUNK (1u << 20)

static uint64_t
decode_le (const unsigned char *p, int len)
{
  uint64_t v = 0;

  for (int i = len - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* Walks the objects as H5HG's deserializer does, refusing what it would mishandle. */
static bool
gcol_table_ok (const unsigned char *heap, uint64_t size, int len_size, uint64_t want_idx,
               uint64_t *want_size)
{
  uint64_t obj_hdr = (uint64_t) (8 + len_size + 7) & ~(uint64_t) 7;
  uint64_t p = (uint64_t) (8 + len_size + 7) & ~(uint64_t) 7;

  while (p < size)
    {
      uint64_t idx, obj_size, need;

      if (p + obj_hdr > size)
        return true;              /* a tail too small for an object: free space */
      idx = decode_le (heap + p, 2);
      obj_size = decode_le (heap + p + 8, len_size);
      if (obj_size > size)
        return false;
      /* object 0 is the free space and counts its own header */
      need = idx == 0 ? obj_size : obj_hdr + ((obj_size + 7) & ~(uint64_t) 7);
      if (need < obj_hdr || need > size - p)
        return false;
      if (idx != 0 && idx == want_idx)
        *want_size = obj_size;
      p += need;
    }
  return p == size;
}

/* The collection at off; with want_idx != 0 also the size of that object, which libhdf5
 * copies into a string buffer of at least H5M_MAX_STRING bytes. */
static nn_status
check_gcol_at (const h5_ctx *c, int fd, uint64_t off, uint64_t file_size, int len_size,
               uint64_t want_idx)
{
  unsigned char hdr[GCOL_HDR + 8];
  uint64_t size, want_size = 0;
  unsigned char *heap;
  bool ok;

  if (pread (fd, hdr, sizeof hdr, (off_t) off) < 8 + len_size || hdr[4] != 1)
    return NN_OK;                 /* not a collection HDF5 would accept anyway */
  size = decode_le (hdr + 8, len_size);
  if (size < GCOL_HDR || size > file_size - off)
    return NN_OK;                 /* HDF5 cannot load it either: a read error, no crash */
  if (size > GCOL_MAX_SIZE)
    return fail (c, NN_STATUS_FORMAT, "damaged HDF5 file (global heap of %" PRIu64
                 " bytes at offset %" PRIu64 ")", size, off);
  heap = malloc (size);
  if (heap == NULL)
    return fail (c, NN_STATUS_NOMEM, "out of memory");
  ok = pread (fd, heap, size, (off_t) off) == (ssize_t) size
       && gcol_table_ok (heap, size, len_size, want_idx, &want_size);
  free (heap);
  if (!ok)
    return fail (c, NN_STATUS_FORMAT, "damaged HDF5 file (bad global heap at offset %"
                 PRIu64 ")", off);
  if (want_size > H5M_MAX_STRING)
    return fail (c, NN_STATUS_FORMAT, "damaged HDF5 file (a string of %" PRIu64 " bytes in "
                 "the global heap at offset %" PRIu64 ")", want_size, off);
  return NN_OK;
}

/* Size of "lengths" from the superblock at offset 0; 0 when unknown (then skip). */
static int
superblock_len_size (int fd)
{
  unsigned char sb[16];

  if (pread (fd, sb, sizeof sb, 0) != (ssize_t) sizeof sb
      || memcmp (sb, "\x89HDF\r\n\x1a\n", 8) != 0)
    return 0;
  if (sb[8] <= 1)
    return sb[14] == 2 || sb[14] == 4 || sb[14] == 8 ? sb[14] : 0;
  return sb[10] == 2 || sb[10] == 4 || sb[10] == 8 ? sb[10] : 0;
}

static nn_status
scan_gcols (const h5_ctx *c, int fd, uint64_t file_size, int len_size, unsigned char *buf)
{
  uint64_t pos = 0;
  nn_status s = NN_OK;

  while (s == NN_OK && pos < file_size)
    {
      ssize_t got = pread (fd, buf, GCOL_SCAN_CHUNK + 3, (off_t) pos);
      const unsigned char *p = buf, *end;

      if (got < 4)
        break;
      end = buf + got;
      while (s == NN_OK && end - p >= 4
             && (p = memchr (p, 'G', (size_t) (end - p - 3))) != NULL)
        {
          if (memcmp (p, "GCOL", 4) == 0)
            s = check_gcol_at (c, fd, pos + (uint64_t) (p - buf), file_size, len_size, 0);
          p++;
        }
      /* chunks overlap by 3 bytes so a signature across the boundary is seen once */
      pos += GCOL_SCAN_CHUNK;
    }
  return s;
}

static nn_status
check_global_heaps (const h5_ctx *c, uint64_t file_size)
{
  int fd = open (c->path, O_RDONLY | O_CLOEXEC);
  unsigned char *buf;
  nn_status s = NN_OK;
  int len_size;

  if (fd < 0)
    return fail (c, NN_STATUS_IO, "%s", strerror (errno));
  len_size = superblock_len_size (fd);
  buf = len_size ? malloc (GCOL_SCAN_CHUNK + 3) : NULL;
  if (len_size && buf == NULL)
    s = fail (c, NN_STATUS_NOMEM, "out of memory");
  else if (len_size)
    s = scan_gcols (c, fd, file_size, len_size, buf);
  free (buf);
  close (fd);
  return s;
}

/* The superblock's base address (8-byte addresses as written by HDF5 here); false when
 * the superblock is not at offset 0 or has other address sizes. */
static bool
superblock_base (int fd, uint64_t *base)
{
  unsigned char sb[40];
  size_t at;

  if (pread (fd, sb, sizeof sb, 0) != (ssize_t) sizeof sb
      || memcmp (sb, "\x89HDF\r\n\x1a\n", 8) != 0)
    return false;
  if (sb[8] >= 2)
    at = sb[9] == 8 ? 12 : 0;
  else
    at = sb[13] == 8 ? (sb[8] == 0 ? 24 : 28) : 0;
  if (at == 0)
    return false;
  *base = decode_le (sb + at, 8);
  return true;
}

/* Checks the global heap collection at addr (file-relative) that libhdf5 is about to
 * load for a variable-length string. Checking just that one (rather than scanning the
 * whole file for collections before opening it, which read all the weights twice) is
 * enough: libhdf5 loads a collection only to read an object from it. Files whose
 * addresses are not plain file offsets get the whole-file scan. */
static nn_status
check_string_heap (const h5_ctx *c, uint64_t addr, uint64_t idx)
{
  int fd = open (c->path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  uint64_t base = 1;
  int len_size;
  nn_status s = NN_OK;

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      s = fail (c, NN_STATUS_IO, "%s", strerror (errno));
      if (fd >= 0)
        close (fd);
      return s;
    }
  len_size = superblock_len_size (fd);
  if (len_size != 0 && superblock_base (fd, &base) && base == 0)
    {
      if (addr < (uint64_t) st.st_size)
        s = check_gcol_at (c, fd, addr, (uint64_t) st.st_size, len_size, idx);
    }
  else if (len_size != 0)
    s = check_global_heaps (c, (uint64_t) st.st_size);
  close (fd);
  return s;
}

static nn_status
open_file (h5_ctx *c, hid_t *file)
{
  struct stat st;
  hid_t fapl;
  htri_t is_hdf5;
  h5_hint hint;

  *file = -1;
  if (stat (c->path, &st) != 0)
    return fail (c, NN_STATUS_IO, "%s", strerror (errno));
  if (!S_ISREG (st.st_mode))
    return fail (c, NN_STATUS_IO, "not a regular file");
  if (st.st_size == 0)
    return nn_content_error (c->err, c->path, NN_CONTENT_EMPTY);
  is_hdf5 = H5Fis_hdf5 (c->path);
  if (is_hdf5 == 0)   /* say what it is instead: "a PNG image", "an ONNX file" */
    return nn_content_error (c->err, c->path, nn_file_sniff (c->path));
  fapl = make_fapl (false);
  if (fapl >= 0)
    *file = H5Fopen (c->path, H5F_ACC_RDONLY, fapl);
  hint = h5_error_hint ();
  close_id (&fapl);
  if (*file >= 0)
    return NN_OK;
  if (hint.truncated || is_hdf5 < 0)
    return fail (c, NN_STATUS_FORMAT, "truncated or damaged HDF5 file");
  if (hint.text[0] != '\0')
    return fail (c, NN_STATUS_IO, "cannot open: %s", hint.text);
  return fail (c, NN_STATUS_FORMAT, "damaged HDF5 file (cannot open it)");
}

/* ---------------------------------------------------------------- reading: attributes */

typedef struct attr_meta {
  hid_t attr, type, space;
  H5T_class_t cls;
  int rank;
  hssize_t n;             /* elements */
} attr_meta;

static void
attr_meta_close (attr_meta *m)
{
  close_id (&m->space);
  close_id (&m->type);
  close_id (&m->attr);
}

/* NN_STATUS_NOT_FOUND (no message) when absent; otherwise opens it and fills m. */
static nn_status
attr_open (const h5_ctx *c, hid_t obj, const char *name, attr_meta *m)
{
  htri_t exists = H5Aexists (obj, name);

  m->attr = m->type = m->space = -1;
  if (exists == 0)
    return NN_STATUS_NOT_FOUND;
  if (exists > 0)
    m->attr = H5Aopen (obj, name, H5P_DEFAULT);
  if (m->attr >= 0)
    {
      m->type = H5Aget_type (m->attr);
      m->space = H5Aget_space (m->attr);
    }
  if (m->type < 0 || m->space < 0)
    {
      attr_meta_close (m);
      return fail (c, NN_STATUS_FORMAT, "%s: cannot read attribute '%s' (damaged file)",
                   c->where, name);
    }
  m->cls = H5Tget_class (m->type);
  m->rank = H5Sget_simple_extent_ndims (m->space);
  m->n = H5Sget_simple_extent_npoints (m->space);
  return NN_OK;
}

static nn_status
missing_attr (const h5_ctx *c, const char *name)
{
  return fail (c, NN_STATUS_FORMAT, "%s: missing required attribute '%s'", c->where, name);
}

/* h5py stores bools as an enum over int8; read the enum's raw integer values. */
static bool
read_enum_ints (const attr_meta *m, int64_t *out, int n)
{
  hid_t native = H5Tget_native_type (m->type, H5T_DIR_DEFAULT);
  hid_t super = H5Tget_super (m->type);
  size_t size = native >= 0 ? H5Tget_size (native) : 0;
  bool is_signed = super >= 0 && H5Tget_sign (super) == H5T_SGN_2;
  unsigned char buf[8 * 4];
  bool ok = (size == 1 || size == 2 || size == 4 || size == 8) && n <= 4
            && H5Tget_class (super) == H5T_INTEGER
            && H5Aread (m->attr, native, buf) >= 0;

  for (int i = 0; ok && i < n; i++)
    {
      uint64_t u = 0;
      const unsigned char *p = buf + (size_t) i * size;

      memcpy (&u, p, size);   /* native = little-endian on every platform we build for */
      if (is_signed && size < 8 && (u >> (size * 8 - 1)) & 1)
        u |= ~(uint64_t) 0 << (size * 8);
      out[i] = (int64_t) u;
    }
  close_id (&super);
  close_id (&native);
  return ok;
}

/* Reads n_min..n_max integers (n_max == 1: a scalar; a 1-element array is accepted too).
 * NN_STATUS_NOT_FOUND (with a message) when absent and required; silently when optional. */
static nn_status
read_ints (const h5_ctx *c, hid_t obj, const char *name, int64_t *out, int n_min, int n_max,
           int *n_out, bool required)
{
  attr_meta m;
  nn_status status = attr_open (c, obj, name, &m);
  bool scalar = n_max == 1;
  bool ok;

  if (status == NN_STATUS_NOT_FOUND)
    return required ? (missing_attr (c, name), NN_STATUS_NOT_FOUND) : status;
  if (status != NN_OK)
    return status;
  if (m.cls != H5T_INTEGER && m.cls != H5T_ENUM)
    status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be %s, found %s", c->where,
                   name, scalar ? "an integer" : "integers", class_name (m.cls));
  else if (m.rank > 1 || (!scalar && m.rank == 0) || m.n < n_min || m.n > n_max)
    {
      if (scalar)
        status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be one integer, "
                       "found %" PRId64, c->where, name, (int64_t) m.n);
      else
        status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be %d%s integers, "
                       "found %" PRId64 "%s", c->where, name, n_max,
                       n_min != n_max ? " or fewer" : "", (int64_t) m.n,
                       m.rank == 0 ? " (a scalar)" : m.rank > 1 ? " (not a 1-D array)" : "");
    }
  if (status == NN_OK)
    {
      ok = m.cls == H5T_ENUM ? read_enum_ints (&m, out, (int) m.n)
                             : H5Aread (m.attr, H5T_NATIVE_INT64, out) >= 0;
      if (!ok)
        status = fail (c, NN_STATUS_FORMAT, "%s: cannot read attribute '%s'", c->where, name);
      if (n_out)
        *n_out = (int) m.n;
    }
  attr_meta_close (&m);
  return status;
}

/* A scalar integer in [lo, hi]; absent and optional leaves *out unchanged. */
static nn_status
read_int (const h5_ctx *c, hid_t obj, const char *name, int64_t *out, int64_t lo, int64_t hi,
          bool required)
{
  int64_t v;
  nn_status status = read_ints (c, obj, name, &v, 1, 1, NULL, required);

  if (status == NN_STATUS_NOT_FOUND && !required)
    return NN_OK;
  if (status != NN_OK)
    return status;
  if (v < lo || v > hi)
    return fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' is %" PRId64 ", must be between %"
                 PRId64 " and %" PRId64, c->where, name, v, lo, hi);
  *out = v;
  return NN_OK;
}

static nn_status
read_pair (const h5_ctx *c, hid_t obj, const char *name, int64_t out[2], int64_t lo,
           bool required)
{
  int64_t v[2];
  nn_status status = read_ints (c, obj, name, v, 2, 2, NULL, required);

  if (status == NN_STATUS_NOT_FOUND && !required)
    return NN_OK;
  if (status != NN_OK)
    return status;
  for (int i = 0; i < 2; i++)
    if (v[i] < lo || v[i] > H5M_MAX_SIZE)
      return fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' is (%" PRId64 ", %" PRId64
                   "), each must be between %" PRId64 " and %d", c->where, name, v[0], v[1],
                   lo, H5M_MAX_SIZE);
  out[0] = v[0];
  out[1] = v[1];
  return NN_OK;
}

static nn_status
read_bool (const h5_ctx *c, hid_t obj, const char *name, bool *out)
{
  int64_t v = *out ? 1 : 0;
  nn_status status = read_int (c, obj, name, &v, INT64_MIN, INT64_MAX, false);

  if (status != NN_OK)
    return status;
  if (v != 0 && v != 1)
    return fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be 0 or 1, found %" PRId64,
                 c->where, name, v);
  *out = v == 1;
  return NN_OK;
}

/* An optional finite float scalar. */
static nn_status
read_float (const h5_ctx *c, hid_t obj, const char *name, double *out)
{
  attr_meta m;
  nn_status status = attr_open (c, obj, name, &m);
  double v = 0;

  if (status == NN_STATUS_NOT_FOUND)
    return NN_OK;
  if (status != NN_OK)
    return status;
  if (m.cls != H5T_FLOAT)
    status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be a float, found %s",
                   c->where, name, class_name (m.cls));
  else if (m.rank > 1 || m.n != 1)
    status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be one float, found %"
                   PRId64, c->where, name, (int64_t) m.n);
  else if (H5Aread (m.attr, H5T_NATIVE_DOUBLE, &v) < 0)
    status = fail (c, NN_STATUS_FORMAT, "%s: cannot read attribute '%s'", c->where, name);
  else if (!isfinite (v))
    status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be a finite number",
                   c->where, name);
  else
    *out = v;
  attr_meta_close (&m);
  return status;
}

/* ---- bounded variable-length strings
 *
 * Reading a variable-length string makes libhdf5 allocate a conversion buffer of the
 * length stored in the attribute itself (the first 4 bytes of its on-disk form: length,
 * then the global heap reference), before it looks at the heap: a crafted file asked for
 * 4 GiB (tests/fuzz/regressions/h5model/oom-vlen-string-4gib.h5). libhdf5 1.10 has no
 * call that returns that length for an attribute, so the attribute is first read into an
 * opaque type of the same size through a conversion function that leaves the bytes as
 * they are: the raw on-disk form, whose length we check before the real read. */

#define VLEN_RAW_TAG "layerlab: raw variable-length string"

static herr_t
vlen_raw_conv (hid_t src, hid_t dst, H5T_cdata_t *cdata, size_t nelmts, size_t buf_stride,
               size_t bkg_stride, void *buf, void *bkg, hid_t dxpl)
{
  char *tag;
  bool ours;

  (void) nelmts; (void) buf_stride; (void) bkg_stride; (void) buf; (void) bkg; (void) dxpl;
  switch (cdata->command)
    {
    case H5T_CONV_INIT:
      cdata->need_bkg = H5T_BKG_NO;
      tag = H5Tget_class (dst) == H5T_OPAQUE ? H5Tget_tag (dst) : NULL;
      ours = tag != NULL && strcmp (tag, VLEN_RAW_TAG) == 0;
      if (tag != NULL)
        H5free_memory (tag);
      /* in place, byte for byte: only for the same size */
      return ours && H5Tis_variable_str (src) > 0 && H5Tget_size (src) == H5Tget_size (dst)
             ? 0 : -1;
    case H5T_CONV_CONV:
    case H5T_CONV_FREE:
      return 0;
    default:
      return -1;
    }
}

static pthread_once_t vlen_raw_once = PTHREAD_ONCE_INIT;
static bool vlen_raw_registered;

static void
vlen_raw_register (void)
{
  hid_t vstr = H5Tcopy (H5T_C_S1);
  hid_t raw = H5Tcreate (H5T_OPAQUE, 16);

  /* a soft function: HDF5 offers it every (variable-length, opaque) pair, and its INIT
   * accepts only a variable-length string to our tagged opaque type */
  vlen_raw_registered = vstr >= 0 && raw >= 0 && H5Tset_size (vstr, H5T_VARIABLE) >= 0
                        && H5Tset_tag (raw, VLEN_RAW_TAG) >= 0
                        && H5Tregister (H5T_PERS_SOFT, "layerlab_vlen_raw", vstr, raw,
                                        vlen_raw_conv) >= 0;
  close_id (&raw);
  close_id (&vstr);
}

/* The length in bytes a variable-length string attribute (one element) says it has and
 * the address of the global heap collection holding it; false if it cannot be read. */
static bool
vlen_string_ref (const attr_meta *m, uint64_t *len, uint64_t *heap, uint64_t *idx)
{
  unsigned char bytes[32];
  hsize_t raw_size = H5Aget_storage_size (m->attr);
  hid_t raw = -1;
  bool ok;

  pthread_once (&vlen_raw_once, vlen_raw_register);
  /* 4 bytes of length, then a heap address (2, 4 or 8 bytes) and a 4-byte index */
  if (!vlen_raw_registered || (raw_size != 10 && raw_size != 12 && raw_size != 16))
    return false;
  raw = H5Tcreate (H5T_OPAQUE, raw_size);
  ok = raw >= 0 && H5Tset_tag (raw, VLEN_RAW_TAG) >= 0 && H5Aread (m->attr, raw, bytes) >= 0;
  close_id (&raw);
  if (ok)
    {
      *len = decode_le (bytes, 4);
      *heap = decode_le (bytes + 4, (int) raw_size - 8);
      *idx = decode_le (bytes + raw_size - 4, 4);
    }
  return ok;
}

static nn_status
read_vlen_string (const h5_ctx *c, const attr_meta *m, const char *name, hid_t mtype,
                  char **out)
{
  char *s = NULL;
  uint64_t len = 0, heap = 0, idx = 0;
  nn_status status;

  if (!vlen_string_ref (m, &len, &heap, &idx))
    return fail (c, NN_STATUS_FORMAT, "%s: cannot read string attribute '%s'", c->where, name);
  if (len > H5M_MAX_STRING)
    return fail (c, NN_STATUS_FORMAT, "%s: string attribute '%s' says it has %" PRIu64
                 " bytes, more than the %d a Layerlab file uses (damaged file)", c->where,
                 name, len, H5M_MAX_STRING);
  /* the one collection libhdf5 is about to load (for any address but 0, even for an
   * empty string) */
  if (heap != 0 && (status = check_string_heap (c, heap, idx)) != NN_OK)
    return status;
  if (H5Tset_size (mtype, H5T_VARIABLE) < 0 || H5Aread (m->attr, mtype, &s) < 0)
    return fail (c, NN_STATUS_FORMAT, "%s: cannot read string attribute '%s'", c->where, name);
  if (s == NULL || strlen (s) <= H5M_MAX_STRING)
    *out = strdup (s ? s : "");
  if (s)
    H5free_memory (s);
  return *out != NULL ? NN_OK : fail (c, NN_STATUS_NOMEM, "out of memory");
}

/* Reads a string of either kind into a malloc'd buffer (*out). */
static nn_status
read_string_value (const h5_ctx *c, const attr_meta *m, const char *name, char **out)
{
  hid_t mtype = H5Tcopy (H5T_C_S1);
  H5T_cset_t cset = H5Tget_cset (m->type);
  size_t fsize = H5Tget_size (m->type);
  nn_status status = NN_OK;

  *out = NULL;
  if (mtype < 0 || cset < 0 || H5Tset_cset (mtype, cset) < 0)
    status = fail (c, NN_STATUS_FORMAT, "%s: cannot read string attribute '%s'", c->where,
                   name);
  else if (H5Tis_variable_str (m->type) > 0)
    status = read_vlen_string (c, m, name, mtype, out);
  else if (fsize > H5M_MAX_STRING)
    status = fail (c, NN_STATUS_FORMAT, "%s: string attribute '%s' says it has %zu bytes, "
                   "more than the %d a Layerlab file uses (damaged file)", c->where, name,
                   fsize, H5M_MAX_STRING);
  else
    {
      *out = calloc (1, fsize + 1);
      if (*out == NULL || H5Tset_size (mtype, fsize + 1) < 0
          || H5Tset_strpad (mtype, H5T_STR_NULLTERM) < 0 || H5Aread (m->attr, mtype, *out) < 0)
        {
          free (*out);
          *out = NULL;
          status = fail (c, NN_STATUS_FORMAT, "%s: cannot read string attribute '%s'",
                         c->where, name);
        }
    }
  close_id (&mtype);
  return status;
}

/* A string (variable or fixed length) of at most size - 1 bytes. */
static nn_status
read_string (const h5_ctx *c, hid_t obj, const char *name, char *buf, size_t size,
             bool required)
{
  attr_meta m;
  nn_status status = attr_open (c, obj, name, &m);
  char *s = NULL;

  if (status == NN_STATUS_NOT_FOUND)
    return required ? (missing_attr (c, name), NN_STATUS_NOT_FOUND) : status;
  if (status != NN_OK)
    return status;
  if (m.cls != H5T_STRING)
    status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be a string, found %s",
                   c->where, name, class_name (m.cls));
  else if (m.rank > 1 || m.n != 1)
    status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be one string, found %"
                   PRId64, c->where, name, (int64_t) m.n);
  else if ((status = read_string_value (c, &m, name, &s)) != NN_OK)
    ;
  else if (strlen (s) >= size)
    status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' is too long (%zu bytes)",
                   c->where, name, strlen (s));
  else
    strcpy (buf, s);
  free (s);
  attr_meta_close (&m);
  return status;
}

/* ---------------------------------------------------------------- reading: root */

typedef struct root_info {
  nn_file_kind kind;
  int64_t major, minor;
} root_info;

static nn_status
read_version (const h5_ctx *c, hid_t file, root_info *info)
{
  int64_t v[2];
  nn_status status = read_ints (c, file, "format_version", v, 2, 2, NULL, true);

  if (status != NN_OK)
    return status == NN_STATUS_NOT_FOUND ? NN_STATUS_FORMAT : status;
  info->major = v[0];
  info->minor = v[1];
  /* A higher minor only adds things a 1.0 reader may ignore; another major does not. */
  if (v[0] != H5M_MAJOR)
    return fail (c, NN_STATUS_UNSUPPORTED, "format_version %" PRId64 ".%" PRId64
                 " is not supported (this Layerlab reads %d.x)", v[0], v[1], H5M_MAJOR);
  return NN_OK;
}

static nn_status
read_root (const h5_ctx *c, hid_t file, root_info *info)
{
  char format[64], kind[64];
  nn_status status = read_string (c, file, "format", format, sizeof format, false);

  if (status == NN_STATUS_NOT_FOUND)
    return fail (c, NN_STATUS_FORMAT, "missing root attribute 'format' "
                 "(an HDF5 file, but not a Layerlab file)");
  if (status != NN_OK)
    return status;
  if (strcmp (format, H5M_FORMAT) != 0 && strcmp (format, H5M_ACT_FORMAT) != 0)
    return fail (c, NN_STATUS_FORMAT, "format is '%s', not '%s' (not a Layerlab file)",
                 format, H5M_FORMAT);
  if ((status = read_version (c, file, info)) != NN_OK)
    return status;
  if (strcmp (format, H5M_ACT_FORMAT) == 0)
    {
      info->kind = NN_FILE_ACTIVATIONS;
      return NN_OK;
    }
  status = read_string (c, file, "kind", kind, sizeof kind, true);
  if (status != NN_OK)
    return status == NN_STATUS_NOT_FOUND ? NN_STATUS_FORMAT : status;
  if (strcmp (kind, "model") == 0)
    info->kind = NN_FILE_MODEL;
  else if (strcmp (kind, "weights") == 0)
    info->kind = NN_FILE_WEIGHTS;
  else
    return fail (c, NN_STATUS_FORMAT, "unknown kind '%s' (expected 'model' or 'weights')",
                 kind);
  return NN_OK;
}

/* Opens path and checks the root attributes. */
static nn_status
open_layerlab (h5_ctx *c, hid_t *file, root_info *info)
{
  nn_status status = open_file (c, file);

  if (status == NN_OK && (status = read_root (c, *file, info)) != NN_OK)
    close_id (file);
  c->minor = info->minor;
  return status;
}

nn_status
nn_file_probe (const char *path, nn_file_kind *kind, nn_error *err)
{
  h5_ctx c;
  hid_t file;
  root_info info = { NN_FILE_UNKNOWN, 0, 0 };
  nn_status status;

  ctx_init (&c, path, err);
  status = open_layerlab (&c, &file, &info);
  close_id (&file);
  if (kind)
    *kind = status == NN_OK ? info.kind : NN_FILE_UNKNOWN;
  return status;
}

/* ---------------------------------------------------------------- reading: layers */

static nn_status
read_conv (const h5_ctx *c, hid_t g, nn_layer_config *cfg)
{
  nn_status s;

  if ((s = read_int (c, g, "in_channels", &cfg->in_channels, 1, H5M_MAX_SIZE, true))
      || (s = read_int (c, g, "out_channels", &cfg->out_channels, 1, H5M_MAX_SIZE, true))
      || (s = read_pair (c, g, "kernel_size", cfg->kernel_size, 1, true)))
    return s;
  cfg->stride[0] = cfg->stride[1] = 1;
  cfg->padding[0] = cfg->padding[1] = 0;
  cfg->dilation[0] = cfg->dilation[1] = 1;
  cfg->groups = 1;
  cfg->bias = true;
  if ((s = read_pair (c, g, "stride", cfg->stride, 1, false))
      || (s = read_pair (c, g, "padding", cfg->padding, 0, false))
      || (s = read_pair (c, g, "dilation", cfg->dilation, 1, false))
      || (s = read_int (c, g, "groups", &cfg->groups, 1, H5M_MAX_SIZE, false)))
    return s;
  return read_bool (c, g, "bias", &cfg->bias);
}

/* A pool's parameter: from 1.2 on a scalar is an int and int64[2] a tuple; files before
 * 1.2 held int64[2] for both, and print as they did (an int where the sides agree).
 * Absent and optional leaves the value and its form unchanged. */
static nn_status
read_pool_param (const h5_ctx *c, hid_t g, nn_layer_config *cfg, nn_pair_param which,
                 int64_t lo, bool required)
{
  const char *name = nn_pair_param_name (which);
  int64_t v[2];
  attr_meta m;
  bool scalar;
  nn_status s = attr_open (c, g, name, &m);

  if (s == NN_STATUS_NOT_FOUND)
    return required ? missing_attr (c, name) : NN_OK;
  if (s != NN_OK)
    return s;
  scalar = m.rank == 0;
  attr_meta_close (&m);
  if (scalar && c->minor >= H5M_MINOR_POOL_FORMS)
    {
      if ((s = read_int (c, g, name, &v[0], lo, H5M_MAX_SIZE, true)))
        return s;
      v[1] = v[0];
    }
  else if ((s = read_pair (c, g, name, v, lo, true)))
    return s;
  nn_layer_config_set_pair (cfg, which, v[0], v[1], c->minor >= H5M_MINOR_POOL_FORMS && !scalar);
  return NN_OK;
}

static nn_status
read_pool (const h5_ctx *c, hid_t g, nn_layer_config *cfg)
{
  nn_status s;

  cfg->pair_form = 0;
  if ((s = read_pool_param (c, g, cfg, NN_PAIR_KERNEL_SIZE, 1, true)))
    return s;
  /* PyTorch: stride defaults to kernel_size, the same object */
  nn_layer_config_set_pair (cfg, NN_PAIR_STRIDE, cfg->kernel_size[0], cfg->kernel_size[1],
                            nn_layer_config_is_tuple (cfg, NN_PAIR_KERNEL_SIZE));
  nn_layer_config_set_pair (cfg, NN_PAIR_PADDING, 0, 0, false);
  nn_layer_config_set_pair (cfg, NN_PAIR_DILATION, 1, 1, false);
  cfg->ceil_mode = false;
  cfg->count_include_pad = true;
  if ((s = read_pool_param (c, g, cfg, NN_PAIR_STRIDE, 1, false))
      || (s = read_pool_param (c, g, cfg, NN_PAIR_PADDING, 0, false))
      || (s = read_bool (c, g, "ceil_mode", &cfg->ceil_mode)))
    return s;
  if (cfg->type == NN_LAYER_MAXPOOL2D)
    return read_pool_param (c, g, cfg, NN_PAIR_DILATION, 1, false);
  return read_bool (c, g, "count_include_pad", &cfg->count_include_pad);
}

static nn_status
read_linear (const h5_ctx *c, hid_t g, nn_layer_config *cfg)
{
  nn_status s;

  cfg->bias = true;
  if ((s = read_int (c, g, "in_features", &cfg->in_features, 1, H5M_MAX_SIZE, true))
      || (s = read_int (c, g, "out_features", &cfg->out_features, 1, H5M_MAX_SIZE, true)))
    return s;
  return read_bool (c, g, "bias", &cfg->bias);
}

static nn_status
read_batchnorm (const h5_ctx *c, hid_t g, nn_layer_config *cfg)
{
  nn_status s;

  cfg->eps = 1e-5;
  cfg->momentum = 0.1;
  cfg->affine = true;
  cfg->track_running_stats = true;
  if ((s = read_int (c, g, "num_features", &cfg->num_features, 1, H5M_MAX_SIZE, true))
      || (s = read_float (c, g, "eps", &cfg->eps))
      || (s = read_float (c, g, "momentum", &cfg->momentum))
      || (s = read_bool (c, g, "affine", &cfg->affine)))
    return s;
  return read_bool (c, g, "track_running_stats", &cfg->track_running_stats);
}

static nn_status
read_layer_attrs (const h5_ctx *c, hid_t g, nn_layer_config *cfg)
{
  nn_status s;

  switch (cfg->type)
    {
    case NN_LAYER_CONV2D:
      return read_conv (c, g, cfg);
    case NN_LAYER_MAXPOOL2D:
    case NN_LAYER_AVGPOOL2D:
      return read_pool (c, g, cfg);
    case NN_LAYER_FLATTEN:
      cfg->start_dim = 1;
      cfg->end_dim = -1;
      if ((s = read_int (c, g, "start_dim", &cfg->start_dim, -H5M_MAX_DIM_INDEX,
                         H5M_MAX_DIM_INDEX, false)))
        return s;
      return read_int (c, g, "end_dim", &cfg->end_dim, -H5M_MAX_DIM_INDEX, H5M_MAX_DIM_INDEX,
                       false);
    case NN_LAYER_LINEAR:
      return read_linear (c, g, cfg);
    case NN_LAYER_BATCHNORM2D:
      return read_batchnorm (c, g, cfg);
    case NN_LAYER_DROPOUT:
      cfg->p = 0.5;
      return read_float (c, g, "p", &cfg->p);
    case NN_LAYER_LEAKYRELU:
      cfg->negative_slope = 0.01;
      return read_float (c, g, "negative_slope", &cfg->negative_slope);
    case NN_LAYER_SOFTMAX:
      cfg->dim = 1;
      return read_int (c, g, "dim", &cfg->dim, -H5M_MAX_DIM_INDEX, H5M_MAX_DIM_INDEX, false);
    default:
      return NN_OK;
    }
}

/* The display label: truncated (at a UTF-8 character boundary) rather than refused. */
static nn_status
read_label (const h5_ctx *c, hid_t g, nn_layer_config *cfg)
{
  char name[H5M_MAX_STRING + 1];
  nn_status s = read_string (c, g, "name", name, sizeof name, false);
  size_t len;

  if (s == NN_STATUS_NOT_FOUND)
    return NN_OK;
  if (s != NN_OK)
    return s;
  len = strlen (name);
  if (len >= sizeof cfg->name)
    {
      len = sizeof cfg->name - 1;
      while (len > 0 && ((unsigned char) name[len] & 0xC0) == 0x80)
        len--;
    }
  memcpy (cfg->name, name, len);
  cfg->name[len] = '\0';
  return NN_OK;
}

static nn_status
read_layer (h5_ctx *c, hid_t arch, int index, nn_layer_config *cfg)
{
  char name[16], type[64];
  hid_t g;
  nn_layer_type t = NN_LAYER_N_TYPES;
  nn_status s;

  snprintf (name, sizeof name, "%d", index);
  snprintf (c->where, sizeof c->where, "/architecture");
  c->layer = index;
  s = open_child (c, arch, name, H5I_GROUP, &g);
  if (s == NN_STATUS_NOT_FOUND)
    return fail (c, NN_STATUS_FORMAT, "missing layer group /architecture/%d", index);
  if (s != NN_OK)
    return s;
  snprintf (c->where, sizeof c->where, "layer %d", index);
  s = read_string (c, g, "type", type, sizeof type, true);
  if (s == NN_OK && (t = nn_layer_type_from_name (type)) == NN_LAYER_N_TYPES)
    s = fail (c, NN_STATUS_FORMAT, "unknown layer type '%s' in /architecture/%d", type, index);
  if (s == NN_OK)
    {
      nn_layer_config_init (cfg, t);
      snprintf (c->where, sizeof c->where, "layer %d (%s)", index, nn_layer_type_name (t));
      s = read_layer_attrs (c, g, cfg);
    }
  if (s == NN_OK)
    s = read_label (c, g, cfg);
  close_id (&g);
  return s == NN_STATUS_NOT_FOUND ? NN_STATUS_FORMAT : s;
}

/* ---------------------------------------------------------------- reading: architecture */

static nn_status
read_input_shape (h5_ctx *c, hid_t arch, nn_shape *input)
{
  int64_t d[3], numel = 1;
  int n = 0;
  nn_status s = read_ints (c, arch, "input_shape", d, 1, 3, &n, true);

  if (s != NN_OK)
    return s == NN_STATUS_NOT_FOUND ? NN_STATUS_FORMAT : s;
  if (n == 2)
    return fail (c, NN_STATUS_FORMAT, "/architecture: attribute 'input_shape' must be "
                 "(C, H, W) or (F), found 2 integers");
  for (int i = 0; i < n; i++)
    if (d[i] < 1 || d[i] > H5M_MAX_SIZE || !nn_checked_mul (numel, d[i], &numel))
      return fail (c, NN_STATUS_FORMAT, "/architecture: attribute 'input_shape' has an "
                   "impossible size %" PRId64, d[i]);
  /* One sample must fit the memory budget, or no forward pass could ever run. */
  if ((uint64_t) numel > nn_memory_budget () / sizeof (float))
    return fail (c, NN_STATUS_TOO_LARGE, "/architecture: input_shape of %" PRId64
                 " elements exceeds the memory budget", numel);
  *input = n == 3 ? nn_shape_chw (d[0], d[1], d[2]) : nn_shape_f (d[0]);
  return NN_OK;
}

static nn_status
read_num_layers (h5_ctx *c, hid_t arch, int *n_layers)
{
  H5G_info_t ginfo;
  int64_t n = 0;
  nn_status s = read_int (c, arch, "num_layers", &n, 0, H5M_MAX_LAYERS, true);

  if (s != NN_OK)
    return s == NN_STATUS_NOT_FOUND ? NN_STATUS_FORMAT : s;
  if (H5Gget_info (arch, &ginfo) < 0)
    return fail (c, NN_STATUS_FORMAT, "cannot list /architecture (damaged file)");
  if (ginfo.nlinks != (hsize_t) n)
    return fail (c, NN_STATUS_FORMAT, "/architecture: num_layers is %" PRId64
                 " but the group holds %llu entries", n, (unsigned long long) ginfo.nlinks);
  *n_layers = (int) n;
  return NN_OK;
}

/* Parameter elements a layer will own, so an absurd file is refused before anything
 * is allocated (nn_net_append would initialise the weights right away). */
static bool
layer_param_numel (const nn_layer_config *cfg, int64_t *numel)
{
  int64_t w = 0;
  bool ok = true;

  switch (cfg->type)
    {
    case NN_LAYER_CONV2D:
      ok = nn_checked_mul (cfg->out_channels, cfg->in_channels / cfg->groups, &w)
           && nn_checked_mul (w, cfg->kernel_size[0], &w)
           && nn_checked_mul (w, cfg->kernel_size[1], &w);
      *numel = w + (cfg->bias ? cfg->out_channels : 0);
      return ok && *numel >= w;
    case NN_LAYER_LINEAR:
      ok = nn_checked_mul (cfg->out_features, cfg->in_features, &w);
      *numel = w + (cfg->bias ? cfg->out_features : 0);
      return ok && *numel >= w;
    case NN_LAYER_BATCHNORM2D:
      *numel = 4 * cfg->num_features;
      return true;
    default:
      *numel = 0;
      return true;
    }
}

static nn_status
check_param_budget (h5_ctx *c, const nn_layer_config *cfgs, int n)
{
  uint64_t max = nn_memory_budget () / sizeof (float);
  int64_t total = 0, numel;

  for (int i = 0; i < n; i++)
    {
      c->layer = i;
      if (!layer_param_numel (&cfgs[i], &numel) || (uint64_t) numel > max
          || (uint64_t) total + (uint64_t) numel > max)
        return fail (c, NN_STATUS_TOO_LARGE, "layer %d (%s): the parameters would exceed "
                     "the memory budget of %" PRIu64 " MiB", i,
                     nn_layer_type_name (cfgs[i].type), nn_memory_budget () >> 20);
      total += numel;
    }
  c->layer = -1;
  return NN_OK;
}

static nn_status
read_layers (h5_ctx *c, hid_t arch, int n, nn_layer_config **out)
{
  nn_layer_config *cfgs = calloc (n > 0 ? (size_t) n : 1, sizeof *cfgs);
  nn_status s = cfgs ? NN_OK : fail (c, NN_STATUS_NOMEM, "out of memory");

  for (int i = 0; s == NN_OK && i < n; i++)
    s = read_layer (c, arch, i, &cfgs[i]);
  c->layer = -1;
  if (s == NN_OK)
    s = check_param_budget (c, cfgs, n);
  if (s != NN_OK)
    {
      free (cfgs);
      return s;
    }
  *out = cfgs;
  return NN_OK;
}

/* Hands the validated layers to the network in one go. nn_net_append() re-propagates
 * the whole network on every call, which is quadratic: a hostile file with 100000
 * layers would take many minutes. This fills the fields nn.h documents (layers, info,
 * capacity, n_layers; malloc'd, freed by nn_net_free) and propagates once. */
static nn_status
adopt_layers (h5_ctx *c, nn_net *net, const nn_layer_config *cfgs, int n)
{
  nn_error e;

  for (int i = 0; i < n; i++)
    if (nn_layer_config_validate (&cfgs[i], i, &e) != NN_OK)
      {
        c->layer = i;
        return fail (c, e.status, "%s", e.message);
      }
  if (n <= 0)
    return NN_OK;
  net->layers = calloc ((size_t) n, sizeof *net->layers);
  net->info = calloc ((size_t) n, sizeof *net->info);
  if (net->layers == NULL || net->info == NULL)
    return fail (c, NN_STATUS_NOMEM, "out of memory");
  net->capacity = n;
  for (int i = 0; i < n; i++)
    net->layers[i].cfg = cfgs[i];
  net->n_layers = n;
  return NN_OK;
}

/* A 1-d or 4-d parameter tensor of the given shape for *slot, unless one is there. */
static bool
prealloc_one (nn_tensor **slot, int32_t n_dims, int64_t a, int64_t b, int64_t c, int64_t d)
{
  const int64_t shape[NN_MAX_DIMS] = { a, b, c, d };

  if (*slot == NULL)
    *slot = nn_tensor_new (n_dims, shape, NULL);
  return *slot != NULL;
}

/* Gives every layer whose sizes the file states (not lazy) its parameter tensors before
 * propagation, in the shapes params.c wants. Propagation keeps tensors of the right
 * shape, so it does not fill 138 M random numbers for VGG-16 only for read_model_weights
 * to overwrite them all (that was half the time of an open). Anything not preallocated
 * here, or allocated in a shape propagation disagrees with, is simply initialised there. */
static void
prealloc_params (nn_net *net)
{
  for (int i = 0; i < net->n_layers; i++)
    {
      nn_layer *l = &net->layers[i];
      const nn_layer_config *cfg = &l->cfg;
      int64_t nf = cfg->num_features;

      if (cfg->type == NN_LAYER_CONV2D && cfg->in_channels != NN_LAZY && cfg->groups > 0)
        (void) (prealloc_one (&l->weight, 4, cfg->out_channels, cfg->in_channels / cfg->groups,
                              cfg->kernel_size[0], cfg->kernel_size[1])
                && (!cfg->bias || prealloc_one (&l->bias, 1, cfg->out_channels, 0, 0, 0)));
      else if (cfg->type == NN_LAYER_LINEAR && cfg->in_features != NN_LAZY)
        (void) (prealloc_one (&l->weight, 2, cfg->out_features, cfg->in_features, 0, 0)
                && (!cfg->bias || prealloc_one (&l->bias, 1, cfg->out_features, 0, 0, 0)));
      else if (cfg->type == NN_LAYER_BATCHNORM2D && nf != NN_LAZY)
        (void) ((!cfg->affine || (prealloc_one (&l->weight, 1, nf, 0, 0, 0)
                                  && prealloc_one (&l->bias, 1, nf, 0, 0, 0)))
                && (!cfg->track_running_stats
                    || (prealloc_one (&l->running_mean, 1, nf, 0, 0, 0)
                        && prealloc_one (&l->running_var, 1, nf, 0, 0, 0))));
    }
}

static nn_status
build_net (h5_ctx *c, const nn_shape *input, const nn_layer_config *cfgs, int n,
           nn_net **out)
{
  nn_net *net = nn_net_new (input, 0);
  nn_status s = net ? adopt_layers (c, net, cfgs, n)
                    : fail (c, NN_STATUS_FORMAT, "/architecture: impossible input_shape");

  if (s == NN_OK)
    prealloc_params (net);

  /* A saved model never holds a shape error; one here means a damaged or hand-made file. */
  if (s == NN_OK && (s = nn_net_propagate (net)) != NN_OK)
    {
      c->layer = net->first_error;
      s = fail (c, s, "the architecture does not fit together: %s",
                net->first_error >= 0 ? net->info[net->first_error].message : "unknown error");
    }
  if (s != NN_OK)
    {
      nn_net_free (net);
      return s;
    }
  *out = net;
  return NN_OK;
}

nn_status
nn_net_from_configs (const nn_shape *input, const nn_layer_config *cfgs, int n,
                     nn_net **out, nn_error *err)
{
  h5_ctx c;

  *out = NULL;
  ctx_init (&c, "network", err);
  return build_net (&c, input, cfgs, n, out);
}

static nn_status
read_architecture (h5_ctx *c, hid_t file, nn_net **out)
{
  hid_t arch;
  nn_shape input;
  nn_layer_config *cfgs = NULL;
  int n = 0;
  nn_status s;

  snprintf (c->where, sizeof c->where, "root");
  s = open_child (c, file, "architecture", H5I_GROUP, &arch);
  if (s == NN_STATUS_NOT_FOUND)
    return fail (c, NN_STATUS_FORMAT, "missing group /architecture (kind is 'model')");
  if (s != NN_OK)
    return s;
  snprintf (c->where, sizeof c->where, "/architecture");
  if ((s = read_num_layers (c, arch, &n)) == NN_OK
      && (s = read_input_shape (c, arch, &input)) == NN_OK
      && (s = read_layers (c, arch, n, &cfgs)) == NN_OK)
    s = build_net (c, &input, cfgs, n, out);
  free (cfgs);
  close_id (&arch);
  return s;
}

/* ---------------------------------------------------------------- reading: state_dict */

/* Problems collected one per line; the message keeps the first ones that fit. */
typedef struct problems {
  char text[NN_ERROR_MAX];
  size_t used;
  int n, shown;
} problems;

static void problem_add (problems *p, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

static void
problem_add (problems *p, const char *fmt, ...)
{
  char line[256];
  size_t len;
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (line, sizeof line, fmt, ap);
  va_end (ap);
  p->n++;
  len = strlen (line);
  /* keep room for "\n... and N more" */
  if (p->used + len + 2 > sizeof p->text - 96)
    return;
  if (p->used > 0)
    p->text[p->used++] = '\n';
  memcpy (p->text + p->used, line, len + 1);
  p->used += len;
  p->shown++;
}

static nn_status
problems_report (const h5_ctx *c, const problems *p, nn_status status, const char *what)
{
  char more[64] = "";

  if (p->n > p->shown)
    snprintf (more, sizeof more, "\n... and %d more", p->n - p->shown);
  if (p->n == 1)
    return fail (c, status, "%s", p->text);
  return fail (c, status, "%d problems in %s:\n%s%s", p->n, what, p->text, more);
}

typedef struct key_list {
  char (*keys)[48];
  bool *long_name;
  hsize_t n, cap;
} key_list;

static herr_t
collect_cb (hid_t g, const char *name, const H5L_info_t *info, void *data)
{
  key_list *l = data;

  if (l->n >= l->cap)
    return 1;
  snprintf (l->keys[l->n], sizeof l->keys[0], "%s", name);
  l->long_name[l->n] = strlen (name) >= sizeof l->keys[0];
  l->n++;
  return 0;
}

static nn_status
list_keys (const h5_ctx *c, hid_t sd, key_list *l)
{
  H5G_info_t ginfo;
  hsize_t idx = 0;

  memset (l, 0, sizeof *l);
  if (sd < 0)
    return NN_OK;
  if (H5Gget_info (sd, &ginfo) < 0)
    return fail (c, NN_STATUS_FORMAT, "cannot list /state_dict (damaged file)");
  if (ginfo.nlinks > H5M_MAX_KEYS)
    return fail (c, NN_STATUS_FORMAT, "/state_dict holds %llu entries, too many",
                 (unsigned long long) ginfo.nlinks);
  l->cap = ginfo.nlinks;
  l->keys = calloc (l->cap + 1, sizeof l->keys[0]);
  l->long_name = calloc (l->cap + 1, sizeof l->long_name[0]);
  if (l->keys == NULL || l->long_name == NULL)
    return fail (c, NN_STATUS_NOMEM, "out of memory");
  if (H5Literate (sd, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_cb, l) < 0)
    return fail (c, NN_STATUS_FORMAT, "cannot list /state_dict (damaged file)");
  return NN_OK;
}

static void
key_list_clear (key_list *l)
{
  free (l->keys);
  free (l->long_name);
  memset (l, 0, sizeof *l);
}

typedef struct sd_check {
  const nn_net *net;
  bool as_model;          /* phrase problems as "the file disagrees with itself" */
  problems probs;
} sd_check;

/* Dataspace dims of ds (up to H5S_MAX_RANK); rank -1 on failure, 0 for a scalar. */
static int
dataset_dims (hid_t ds, int64_t *dims)
{
  hid_t space = H5Dget_space (ds);
  hsize_t hd[H5S_MAX_RANK];
  int rank = space >= 0 ? H5Sget_simple_extent_ndims (space) : -1;

  if (rank > 0 && H5Sget_simple_extent_dims (space, hd, NULL) < 0)
    rank = -1;
  for (int i = 0; i < rank; i++)
    dims[i] = hd[i] > (hsize_t) INT64_MAX ? INT64_MAX : (int64_t) hd[i];
  close_id (&space);
  return rank;
}

static void
check_float_param (sd_check *k, const nn_param *p, hid_t ds, H5T_class_t cls, size_t size)
{
  int64_t dims[H5S_MAX_RANK];
  int rank = dataset_dims (ds, dims);
  const nn_tensor *t = p->tensor;
  char fs[160], ns[96];
  bool same = rank == t->n_dims;

  if (cls != H5T_FLOAT || size < 2 || size > 8)
    {
      problem_add (&k->probs, "dataset %s has type %s, expected float", p->key,
                   cls == H5T_FLOAT ? "float of an unusual size" : class_name (cls));
      return;
    }
  for (int i = 0; same && i < rank; i++)
    same = dims[i] == t->shape[i];
  if (same)
    return;
  if (rank < 0)
    snprintf (fs, sizeof fs, "an unreadable shape");
  else
    format_dims (rank, dims, fs, sizeof fs);
  format_dims (t->n_dims, t->shape, ns, sizeof ns);
  if (k->as_model)
    problem_add (&k->probs, "dataset %s has shape %s but layer %d (%s) needs %s", p->key, fs,
                 p->layer, nn_layer_type_name (k->net->layers[p->layer].cfg.type), ns);
  else
    problem_add (&k->probs, "size mismatch for %s: file has %s, network has %s", p->key, fs,
                 ns);
}

static void
check_count_param (sd_check *k, const nn_param *p, hid_t ds, H5T_class_t cls)
{
  int64_t dims[H5S_MAX_RANK];
  int rank = dataset_dims (ds, dims);

  if (cls != H5T_INTEGER)
    problem_add (&k->probs, "dataset %s has type %s, expected an integer", p->key,
                 class_name (cls));
  else if (rank != 0 && !(rank == 1 && dims[0] == 1))
    problem_add (&k->probs, "dataset %s must be a scalar integer", p->key);
}

static void
check_param (const h5_ctx *c, sd_check *k, hid_t sd, const nn_param *p)
{
  hid_t ds = -1, type;
  nn_status s = sd >= 0 ? open_child (c, sd, p->key, H5I_DATASET, &ds) : NN_STATUS_NOT_FOUND;

  if (s == NN_STATUS_NOT_FOUND)
    {
      problem_add (&k->probs, "missing key %s", p->key);
      return;
    }
  if (s != NN_OK)
    {
      problem_add (&k->probs, "key %s is not a readable dataset", p->key);
      return;
    }
  type = H5Dget_type (ds);
  if (p->tensor == NULL && p->count == NULL)
    problem_add (&k->probs, "%s has no storage in the network", p->key);
  else if (p->count != NULL)
    check_count_param (k, p, ds, H5Tget_class (type));
  else
    check_float_param (k, p, ds, H5Tget_class (type), H5Tget_size (type));
  close_id (&type);
  close_id (&ds);
}

static bool
is_param_key (const nn_param *params, int n, const char *key)
{
  for (int i = 0; i < n; i++)
    if (strcmp (params[i].key, key) == 0)
      return true;
  return false;
}

/* Compares key sets, types and shapes; nothing is read or changed. */
static nn_status
check_state_dict (const h5_ctx *c, hid_t sd, const nn_param *params, int n, sd_check *k)
{
  key_list keys;
  nn_status s = list_keys (c, sd, &keys);

  if (s != NN_OK)
    {
      key_list_clear (&keys);
      return s;
    }
  for (int i = 0; i < n; i++)
    check_param (c, k, sd, &params[i]);
  for (hsize_t i = 0; i < keys.n; i++)
    if (keys.long_name[i] || !is_param_key (params, n, keys.keys[i]))
      problem_add (&k->probs, "unexpected key %s%s", keys.keys[i],
                   keys.long_name[i] ? "..." : "");
  key_list_clear (&keys);
  if (k->probs.n == 0)
    return NN_OK;
  return problems_report (c, &k->probs, k->as_model ? NN_STATUS_FORMAT : NN_STATUS_MISMATCH,
                          "/state_dict");
}

/* Asks for huge pages under a large tensor about to be filled: reading VGG-16's weights
 * was mostly page faults (allocating and clearing 135,000 4 KiB pages), a 2 MiB page
 * takes one. Only untouched memory is affected; where THP is off this does nothing. */
static void
advise_huge_pages (void *data, size_t bytes)
{
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t) 2 << 20;
  uintptr_t lo = ((uintptr_t) data + huge - 1) & ~(huge - 1);
  uintptr_t hi = ((uintptr_t) data + bytes) & ~(huge - 1);

  if (hi > lo)
    madvise ((void *) lo, hi - lo, MADV_HUGEPAGE);
#else
  (void) data;
  (void) bytes;
#endif
}

/* Reads one checked dataset into dst (float tensor) or *count. */
static nn_status
read_param (const h5_ctx *c, hid_t sd, const nn_param *p, float *dst, int64_t *count)
{
  hid_t ds;
  nn_status s = open_child (c, sd, p->key, H5I_DATASET, &ds);
  herr_t r;

  if (s != NN_OK)
    return s == NN_STATUS_NOT_FOUND ? fail (c, NN_STATUS_FORMAT, "missing key %s", p->key) : s;
  /* H5Dread converts any float type and byte order to native float32. */
  if (count != NULL)
    r = H5Dread (ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, count);
  else
    {
      advise_huge_pages (dst, (size_t) nn_tensor_numel (p->tensor) * sizeof (float));
      r = H5Dread (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst);
    }
  close_id (&ds);
  if (r < 0)
    return fail (c, NN_STATUS_FORMAT, "cannot read dataset %s (damaged or truncated file)",
                 p->key);
  return NN_OK;
}

static nn_status
open_state_dict (h5_ctx *c, hid_t file, hid_t *sd)
{
  nn_status s;

  snprintf (c->where, sizeof c->where, "root");
  c->layer = -1;
  s = open_child (c, file, "state_dict", H5I_GROUP, sd);
  /* No group at all: every key is missing (reported as such by check_state_dict). */
  return s == NN_STATUS_NOT_FOUND ? NN_OK : s;
}

/* Model files: read straight into the freshly built network's tensors. */
static nn_status
read_model_weights (h5_ctx *c, hid_t file, nn_net *net)
{
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);
  sd_check k = { net, true, { "", 0, 0, 0 } };
  hid_t sd = -1;
  nn_status s = n < 0 ? fail (c, NN_STATUS_NOMEM, "out of memory") : open_state_dict (c, file, &sd);

  if (s == NN_OK)
    {
      s = check_state_dict (c, sd, params, n, &k);
      for (int i = 0; s == NN_OK && i < n; i++)
        s = read_param (c, sd, &params[i], params[i].tensor ? params[i].tensor->data : NULL,
                        params[i].count);
      close_id (&sd);
    }
  free (params);
  return s;
}

/* ---------------------------------------------------------------- reading: /training */

/* An optional float64[2] attribute (Adam's betas). */
static nn_status
read_float_pair (const h5_ctx *c, hid_t obj, const char *name, double out[2])
{
  attr_meta m;
  nn_status status = attr_open (c, obj, name, &m);
  double v[2];

  if (status == NN_STATUS_NOT_FOUND)
    return NN_OK;
  if (status != NN_OK)
    return status;
  if (m.cls != H5T_FLOAT || m.rank != 1 || m.n != 2)
    status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be two floats", c->where,
                   name);
  else if (H5Aread (m.attr, H5T_NATIVE_DOUBLE, v) < 0)
    status = fail (c, NN_STATUS_FORMAT, "%s: cannot read attribute '%s'", c->where, name);
  else
    memcpy (out, v, sizeof v);
  attr_meta_close (&m);
  return status;
}

/* An optional unsigned 64-bit integer scalar (the seed). */
static nn_status
read_uint (const h5_ctx *c, hid_t obj, const char *name, uint64_t *out)
{
  attr_meta m;
  nn_status status = attr_open (c, obj, name, &m);

  if (status == NN_STATUS_NOT_FOUND)
    return NN_OK;
  if (status != NN_OK)
    return status;
  if (m.cls != H5T_INTEGER || m.rank > 1 || m.n != 1)
    status = fail (c, NN_STATUS_FORMAT, "%s: attribute '%s' must be one integer", c->where,
                   name);
  else if (H5Aread (m.attr, H5T_NATIVE_UINT64, out) < 0)
    status = fail (c, NN_STATUS_FORMAT, "%s: cannot read attribute '%s'", c->where, name);
  attr_meta_close (&m);
  return status;
}

/* Maps a torch class name to its kind; false when unknown. */
static bool
loss_from_name (const char *name, nn_loss_kind *kind)
{
  for (int k = NN_LOSS_CROSS_ENTROPY; k <= NN_LOSS_MSE; k++)
    if (strcmp (name, nn_loss_name ((nn_loss_kind) k)) == 0)
      {
        *kind = (nn_loss_kind) k;
        return true;
      }
  return false;
}

static bool
optim_from_name (const char *name, nn_optim_kind *kind)
{
  for (int k = NN_OPTIM_SGD; k <= NN_OPTIM_ADAM; k++)
    if (strcmp (name, nn_optim_name ((nn_optim_kind) k)) == 0)
      {
        *kind = (nn_optim_kind) k;
        return true;
      }
  return false;
}

static nn_status
read_training_optimizer (const h5_ctx *c, hid_t g, nn_optim_config *o)
{
  char name[32];
  double betas[2];
  nn_optim_kind kind;
  nn_status s = read_string (c, g, "optimizer", name, sizeof name, true);

  if (s != NN_OK)
    return NN_STATUS_FORMAT;
  if (!optim_from_name (name, &kind))
    return fail (c, NN_STATUS_FORMAT, "%s: unknown optimizer '%s' (expected SGD or Adam)",
                 c->where, name);
  nn_optim_config_init (o, kind);
  betas[0] = o->beta1;
  betas[1] = o->beta2;
  if ((s = read_float (c, g, "lr", &o->lr)) == NN_OK
      && (s = read_float (c, g, "weight_decay", &o->weight_decay)) == NN_OK
      && (s = read_float (c, g, "momentum", &o->momentum)) == NN_OK
      && (s = read_float (c, g, "dampening", &o->dampening)) == NN_OK
      && (s = read_bool (c, g, "nesterov", &o->nesterov)) == NN_OK
      && (s = read_float (c, g, "eps", &o->eps)) == NN_OK
      && (s = read_float_pair (c, g, "betas", betas)) == NN_OK)
    {
      o->beta1 = betas[0];
      o->beta2 = betas[1];
    }
  return s;
}

static nn_status
read_training_settings (const h5_ctx *c, hid_t g, nn_training_record *r)
{
  char loss[32];
  int64_t epochs = r->epochs, batch = r->batch_size;
  nn_status s;

  if ((s = read_string (c, g, "loss", loss, sizeof loss, true)) != NN_OK)
    return NN_STATUS_FORMAT;
  if (!loss_from_name (loss, &r->loss))
    return fail (c, NN_STATUS_FORMAT, "%s: unknown loss '%s' (expected CrossEntropyLoss or "
                 "MSELoss)", c->where, loss);
  if ((s = read_training_optimizer (c, g, &r->optim)) != NN_OK)
    return s;
  /* optional text: absent is "" (NN_STATUS_NOT_FOUND without a message) */
  s = read_string (c, g, "data", r->data, sizeof r->data, false);
  if (s == NN_OK || s == NN_STATUS_NOT_FOUND)
    s = read_string (c, g, "validation_data", r->validation_data, sizeof r->validation_data,
                     false);
  if (s == NN_OK || s == NN_STATUS_NOT_FOUND)
    s = read_string (c, g, "preprocessing", r->preprocessing, sizeof r->preprocessing, false);
  if (s != NN_OK && s != NN_STATUS_NOT_FOUND)
    return s;
  if ((s = read_int (c, g, "epochs", &epochs, 0, NN_TRAINING_MAX_EPOCHS, false)) != NN_OK
      || (s = read_int (c, g, "batch_size", &batch, 1, H5M_MAX_SIZE, false)) != NN_OK
      || (s = read_uint (c, g, "seed", &r->seed)) != NN_OK
      || (s = read_bool (c, g, "shuffle", &r->shuffle)) != NN_OK
      || (s = read_float (c, g, "validation_fraction", &r->validation_fraction)) != NN_OK)
    return s;
  r->epochs = epochs;
  r->batch_size = batch;
  return NN_OK;
}

/* One history column: a float dataset of rank 1. *n is the length of the first column
 * read (-1 before); every other must have the same. Absent: NN_STATUS_NOT_FOUND. */
static nn_status
read_column (const h5_ctx *c, hid_t g, const char *name, int64_t *n, double **out)
{
  hid_t ds, type = -1, space = -1;
  hsize_t dims[1];
  nn_status s = open_child (c, g, name, H5I_DATASET, &ds);

  *out = NULL;
  if (s != NN_OK)
    return s;
  type = H5Dget_type (ds);
  space = H5Dget_space (ds);
  if (type < 0 || space < 0 || H5Tget_class (type) != H5T_FLOAT
      || H5Sget_simple_extent_ndims (space) != 1
      || H5Sget_simple_extent_dims (space, dims, NULL) != 1)
    s = fail (c, NN_STATUS_FORMAT, "%s: '%s' must be a 1-D float dataset", c->where, name);
  else if (dims[0] > NN_TRAINING_MAX_EPOCHS || (*n >= 0 && (int64_t) dims[0] != *n))
    s = fail (c, NN_STATUS_FORMAT, "%s: '%s' has %llu entries, %s", c->where, name,
              (unsigned long long) dims[0], *n >= 0 ? "unlike the other history columns"
              : "more than the history may hold");
  else if ((*out = malloc ((dims[0] > 0 ? dims[0] : 1) * sizeof **out)) == NULL)
    s = fail (c, NN_STATUS_NOMEM, "out of memory");
  else if (dims[0] > 0 && H5Dread (ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                   *out) < 0)
    s = fail (c, NN_STATUS_FORMAT, "%s: cannot read '%s'", c->where, name);
  if (s == NN_OK)
    *n = (int64_t) dims[0];
  else
    {
      free (*out);
      *out = NULL;
    }
  close_id (&space);
  close_id (&type);
  close_id (&ds);
  return s;
}

/* The history columns: train_loss is required, the others default to NAN. */
static nn_status
read_history (const h5_ctx *c, hid_t g, nn_training_record *r)
{
  enum { N_COLS = sizeof history_columns / sizeof history_columns[0] };
  double *cols[N_COLS] = { NULL };
  int64_t n = -1;
  nn_status s = NN_OK;

  for (int k = 0; s == NN_OK && k < N_COLS; k++)
    {
      s = read_column (c, g, history_columns[k], &n, &cols[k]);
      if (s == NN_STATUS_NOT_FOUND && k == 0)
        s = fail (c, NN_STATUS_FORMAT, "%s: missing dataset 'train_loss'", c->where);
      else if (s == NN_STATUS_NOT_FOUND)
        s = NN_OK;
    }
  if (s == NN_OK && n > 0 && (r->history = malloc ((size_t) n * sizeof *r->history)) == NULL)
    s = fail (c, NN_STATUS_NOMEM, "out of memory");
  if (s == NN_OK)
    {
      r->n_history = n;
      for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < N_COLS; k++)
          *epoch_field (&r->history[i], k) = cols[k] != NULL ? cols[k][i] : NAN;
    }
  for (int k = 0; k < N_COLS; k++)
    free (cols[k]);
  return s;
}

/* The optional /training group into *out (NULL when absent). */
static nn_status
read_training (h5_ctx *c, hid_t file, nn_training_record **out)
{
  hid_t g;
  nn_training_record *r;
  const char *problem;
  nn_status s;

  *out = NULL;
  snprintf (c->where, sizeof c->where, "root");
  c->layer = -1;
  s = open_child (c, file, "training", H5I_GROUP, &g);
  if (s != NN_OK)
    return s;
  snprintf (c->where, sizeof c->where, "/training");
  r = nn_training_record_new ();
  if (r == NULL)
    s = fail (c, NN_STATUS_NOMEM, "out of memory");
  else if ((s = read_training_settings (c, g, r)) == NN_OK)
    s = read_history (c, g, r);
  if (s == NN_OK && (problem = training_problem (r)) != NULL)
    s = fail (c, NN_STATUS_FORMAT, "%s: %s", c->where, problem);
  close_id (&g);
  if (s != NN_OK)
    nn_training_record_free (r);
  else
    *out = r;
  return s;
}

/* A malformed /training group does not stop the model from opening: it is dropped and
 * *warning says why. */
static void
adopt_training (h5_ctx *c, hid_t file, nn_net *net, nn_error *warning)
{
  nn_error local;
  nn_error *saved = c->err;
  nn_status s;

  c->err = &local;
  nn_error_clear (&local);
  s = read_training (c, file, &net->training);
  c->err = saved;
  if (s == NN_OK || s == NN_STATUS_NOT_FOUND || warning == NULL)
    return;
  nn_error_set (warning, s, -1, "%.900s (the training record was ignored; the model itself "
                "is fine)", local.message);
}

nn_status
nn_model_open (const char *path, nn_net **out, nn_error *err)
{
  return nn_model_open_full (path, out, NULL, err);
}

nn_status
nn_model_open_full (const char *path, nn_net **out, nn_error *warning, nn_error *err)
{
  h5_ctx c;
  hid_t file;
  root_info info = { NN_FILE_UNKNOWN, 0, 0 };
  nn_net *net = NULL;
  nn_status s;

  assert (path != NULL && out != NULL);
  ctx_init (&c, path, err);
  *out = NULL;
  if (warning != NULL)
    nn_error_clear (warning);
  if ((s = open_layerlab (&c, &file, &info)) != NN_OK)
    return s;
  if (info.kind != NN_FILE_MODEL)
    s = fail (&c, NN_STATUS_FORMAT, "this is %s, not a model",
              info.kind == NN_FILE_WEIGHTS ? "a weights-only file (kind 'weights')"
                                           : "an activations file");
  if (s == NN_OK)
    s = read_architecture (&c, file, &net);
  if (s == NN_OK && (s = read_model_weights (&c, file, net)) != NN_OK)
    {
      nn_net_free (net);
      net = NULL;
    }
  if (s == NN_OK)
    adopt_training (&c, file, net, warning);
  close_id (&file);
  *out = net;
  return s;
}

/* ---------------------------------------------------------------- header checks */

/* Contiguous float data is one plain read at an address (a damaged one is a read error);
 * chunked or compact layouts go through libhdf5's B-tree and filter code, where crafted
 * files crash it, so a check reads those. */
static bool
stored_plainly (hid_t sd, const char *key)
{
  hid_t ds = H5Dopen2 (sd, key, H5P_DEFAULT);
  hid_t dcpl = ds >= 0 ? H5Dget_create_plist (ds) : -1;
  bool plain = dcpl >= 0 && H5Pget_layout (dcpl) == H5D_CONTIGUOUS;

  close_id (&dcpl);
  close_id (&ds);
  return plain;
}

/* Reads, into throw-away buffers, every parameter not stored plainly. */
static nn_status
read_risky_params (h5_ctx *c, hid_t sd, const nn_param *params, int n)
{
  nn_status s = NN_OK;
  nn_error e;

  for (int i = 0; s == NN_OK && i < n; i++)
    {
      int64_t count;
      nn_tensor *t;

      if (stored_plainly (sd, params[i].key))
        continue;
      if (params[i].count != NULL)
        {
          s = read_param (c, sd, &params[i], NULL, &count);
          continue;
        }
      t = nn_tensor_new (params[i].tensor->n_dims, params[i].tensor->shape, &e);
      s = t == NULL ? fail (c, e.status, "%s: %s", params[i].key, e.message)
                    : read_param (c, sd, &params[i], t->data, NULL);
      nn_tensor_free (t);
    }
  return s;
}

/* The state_dict's keys, types and shapes against net, and the risky data. */
static nn_status
check_weights_headers (h5_ctx *c, hid_t file, nn_net *net, bool as_model)
{
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);
  sd_check k = { net, as_model, { "", 0, 0, 0 } };
  hid_t sd = -1;
  nn_status s = n < 0 ? fail (c, NN_STATUS_NOMEM, "out of memory") : open_state_dict (c, file, &sd);

  if (s == NN_OK)
    s = check_state_dict (c, sd, params, n, &k);
  if (s == NN_OK)
    s = read_risky_params (c, sd, params, n);
  close_id (&sd);
  free (params);
  return s;
}

nn_status
nn_model_check_headers (const char *path, nn_error *err)
{
  h5_ctx c;
  hid_t file;
  root_info info = { NN_FILE_UNKNOWN, 0, 0 };
  nn_training_record *training = NULL;
  nn_net *net = NULL;
  nn_status s;

  ctx_init (&c, path, err);
  if ((s = open_layerlab (&c, &file, &info)) != NN_OK)
    return s;
  /* other kinds: what nn_model_open says about them is safe to find out in-process */
  if (info.kind == NN_FILE_MODEL && (s = read_architecture (&c, file, &net)) == NN_OK)
    s = check_weights_headers (&c, file, net, true);
  /* a bad /training group does not fail the open, but it must not crash it either */
  if (s == NN_OK)
    {
      nn_error ignored;

      c.err = &ignored;
      read_training (&c, file, &training);
      nn_training_record_free (training);
    }
  nn_net_free (net);
  close_id (&file);
  return s;
}

nn_status
nn_weights_check_headers (const char *path, nn_net *net, nn_error *err)
{
  h5_ctx c;
  hid_t file;
  root_info info = { NN_FILE_UNKNOWN, 0, 0 };
  nn_status s;

  ctx_init (&c, path, err);
  if (net == NULL || net->first_error >= 0)
    return NN_OK;             /* nn_weights_load refuses these without opening the file */
  if ((s = open_layerlab (&c, &file, &info)) != NN_OK)
    return s;
  if (info.kind != NN_FILE_ACTIVATIONS)
    s = check_weights_headers (&c, file, net, false);
  close_id (&file);
  return s;
}

/* ---------------------------------------------------------------- strict weight loading */

typedef struct staged {
  nn_tensor **tensors;    /* one temporary per float param */
  int64_t *counts;
  int n;
} staged;

static void
staged_free (staged *st)
{
  for (int i = 0; st->tensors && i < st->n; i++)
    nn_tensor_free (st->tensors[i]);
  free (st->tensors);
  free (st->counts);
}

/* Reads every entry into temporaries, so a failure half-way changes nothing. */
static nn_status
stage_weights (h5_ctx *c, hid_t sd, const nn_param *params, int n, staged *st)
{
  nn_error e;
  nn_status s = NN_OK;

  st->n = n;
  st->tensors = calloc (n > 0 ? (size_t) n : 1, sizeof *st->tensors);
  st->counts = calloc (n > 0 ? (size_t) n : 1, sizeof *st->counts);
  if (st->tensors == NULL || st->counts == NULL)
    return fail (c, NN_STATUS_NOMEM, "out of memory");
  for (int i = 0; s == NN_OK && i < n; i++)
    {
      const nn_tensor *t = params[i].tensor;

      if (params[i].count != NULL)
        {
          s = read_param (c, sd, &params[i], NULL, &st->counts[i]);
          continue;
        }
      st->tensors[i] = nn_tensor_new (t->n_dims, t->shape, &e);
      if (st->tensors[i] == NULL)
        s = fail (c, e.status, "%s: %s", params[i].key, e.message);
      else
        s = read_param (c, sd, &params[i], st->tensors[i]->data, NULL);
    }
  return s;
}

/* The staged values move in without a copy; the network's old storage (perhaps shared
 * with a copy of the network, copy-on-write) leaves with the staged tensors. */
static void
commit_weights (const nn_param *params, int n, const staged *st)
{
  for (int i = 0; i < n; i++)
    {
      if (params[i].count != NULL)
        *params[i].count = st->counts[i];
      else
        nn_tensor_swap_storage (params[i].tensor, st->tensors[i]);
    }
}

static nn_status
load_weights (h5_ctx *c, hid_t file, nn_net *net)
{
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);
  sd_check k = { net, false, { "", 0, 0, 0 } };
  staged st = { NULL, NULL, 0 };
  hid_t sd = -1;
  nn_status s = n < 0 ? fail (c, NN_STATUS_NOMEM, "out of memory") : open_state_dict (c, file, &sd);

  if (s == NN_OK)
    s = check_state_dict (c, sd, params, n, &k);
  if (s == NN_OK)
    s = stage_weights (c, sd, params, n, &st);
  if (s == NN_OK)
    commit_weights (params, n, &st);
  staged_free (&st);
  close_id (&sd);
  free (params);
  return s;
}

nn_status
nn_weights_load (const char *path, nn_net *net, nn_error *err)
{
  h5_ctx c;
  hid_t file;
  root_info info = { NN_FILE_UNKNOWN, 0, 0 };
  nn_status s;

  ctx_init (&c, path, err);
  if (net == NULL)
    return fail (&c, NN_STATUS_INVALID_ARG, "no network to load the weights into");
  if (net->first_error >= 0)
    {
      c.layer = net->first_error;
      return fail (&c, NN_STATUS_SHAPE, "cannot load weights into a network with a shape "
                   "error: %s", net->info[net->first_error].message);
    }
  if ((s = open_layerlab (&c, &file, &info)) != NN_OK)
    return s;
  /* A model file's state_dict serves as weights too. */
  if (info.kind == NN_FILE_ACTIVATIONS)
    s = fail (&c, NN_STATUS_FORMAT, "this is an activations file, not weights");
  else
    s = load_weights (&c, file, net);
  close_id (&file);
  return s;
}
