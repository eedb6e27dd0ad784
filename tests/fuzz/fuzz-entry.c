/* fuzz-entry.c - the code every fuzz target runs on one input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file readers only take paths (HDF5 and libzip open files by name in the engine), so
 * the file targets write the input to one temporary file per process and reuse it; on
 * tmpfs that costs a few microseconds, far less than opening an HDF5 file.
 */
#include "fuzz-entry.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"
#include "nn-graph.h"
#include "onnx-file.h"
#include "pickle.h"

static char tmp_path[256];
static bool initialised;
/* The seed template, built once: creating it initialises 650k weights, which would
 * cost more than the rest of an iteration. Loading into it either changes nothing
 * (strict: refused) or replaces weights of the same shapes, so it can be reused. */
static nn_net *seed_net;

void
fuzz_entry_cleanup (void)
{
  if (tmp_path[0] != '\0')
    unlink (tmp_path);
  tmp_path[0] = '\0';
  nn_net_free (seed_net);
  seed_net = NULL;
}

static void
fuzz_init (void)
{
  if (initialised)
    return;
  initialised = true;
  nn_set_memory_budget (FUZZ_MEMORY_BUDGET);
  nn_set_num_threads (1);
  atexit (fuzz_entry_cleanup);
}

/* Writes data to this process's temporary file (suffix kept: the .pt reader names
 * its messages after it); returns its path or NULL. */
static const char *
write_temp (const uint8_t *data, size_t size, const char *suffix)
{
  const char *dir = getenv ("TMPDIR");
  FILE *f;
  int fd;

  if (tmp_path[0] == '\0')
    {
      snprintf (tmp_path, sizeof tmp_path, "%s/layerlab-fuzz-XXXXXX%s",
                dir != NULL && dir[0] != '\0' ? dir : "/tmp", suffix);
      fd = mkstemps (tmp_path, (int) strlen (suffix));
      if (fd < 0)
        {
          tmp_path[0] = '\0';
          return NULL;
        }
      close (fd);
    }
  f = fopen (tmp_path, "wb");
  if (f == NULL)
    return NULL;
  if (size > 0 && fwrite (data, 1, size, f) != size)
    {
      fclose (f);
      return NULL;
    }
  if (fclose (f) != 0)
    return NULL;
  return tmp_path;
}

/* Loads weights into the seed template: the weights loader's checks against a net. */
static void
load_into_seed (const char *path, nn_status (*load) (const char *, nn_net *, nn_error *))
{
  nn_error err;

  if (seed_net == NULL && (seed_net = nn_net_new_template ("seed", 1, NULL)) == NULL)
    return;
  load (path, seed_net, &err);
}

/* What a reader handed back must be a usable net: print and summarise it, and run it
 * when it is small. */
static void
exercise_net (nn_net *net)
{
  nn_error err;
  nn_tensor *x;
  nn_run_result res = { 0 };
  nn_run_opts opts = { .keep_activations = true };
  int64_t shape[4] = { 1, 0, 0, 0 };
  char *text;

  nn_net_propagate (net);
  text = nn_net_repr (net);
  free (text);
  text = nn_net_summary (net);
  free (text);
  if (net->first_error >= 0 || nn_net_activation_numel (net) > (1 << 16)
      || nn_net_total_macs (net) > (INT64_C (1) << 22))
    return;
  for (int i = 0; i < net->input.n_dims; i++)
    shape[i + 1] = net->input.d[i];
  x = nn_tensor_new (net->input.n_dims + 1, shape, &err);
  if (x == NULL)
    return;
  nn_tensor_fill_uniform (x, 7, -1.0f, 1.0f);
  if (nn_net_forward (net, x, &opts, &res, &err) == NN_OK)
    nn_run_result_clear (&res);
  nn_tensor_free (x);
}

int
fuzz_h5model (const uint8_t *data, size_t size)
{
  nn_error err;
  nn_file_kind kind;
  nn_net *net = NULL;
  const char *path;

  fuzz_init ();
  if ((path = write_temp (data, size, ".h5")) == NULL)
    return 0;
  nn_file_probe (path, &kind, &err);
  if (nn_model_open (path, &net, &err) == NN_OK)
    {
      exercise_net (net);
      nn_weights_load (path, net, &err);
      nn_net_free (net);
    }
  load_into_seed (path, nn_weights_load);
  return 0;
}

int
fuzz_h5model_isolated (const uint8_t *data, size_t size)
{
  nn_error err;
  nn_net *net = NULL;
  const char *path;

  fuzz_init ();
  if ((path = write_temp (data, size, ".h5")) == NULL)
    return 0;
  /* Only a file the isolated check passed reaches the in-process reader, as in the app. */
  if (nn_model_validate_isolated (path, &err) == NN_OK
      && nn_model_open (path, &net, &err) == NN_OK)
    {
      exercise_net (net);
      nn_net_free (net);
    }
  if (seed_net == NULL && (seed_net = nn_net_new_template ("seed", 1, NULL)) == NULL)
    return 0;
  if (nn_weights_validate_isolated (path, seed_net, &err) == NN_OK)
    nn_weights_load (path, seed_net, &err);
  return 0;
}

int
fuzz_npy (const uint8_t *data, size_t size)
{
  nn_error err;
  nn_tensor *t = NULL;
  char path[64];

  fuzz_init ();
  if (nn_npy_read_mem (data, size, "fuzz.npy", &t, &err) == NN_OK)
    {
      /* A tensor read must survive a round trip through the writer and reader. */
      if (t->n_dims > 0 && nn_tensor_numel (t) <= (1 << 16))
        {
          nn_tensor *back = NULL;

          snprintf (path, sizeof path, "/tmp/layerlab-fuzz-npy-%ld.npy", (long) getpid ());
          if (nn_npy_write (path, t, &err) == NN_OK && nn_npy_read (path, &back, &err) == NN_OK)
            {
              if (!nn_tensor_same_shape (t, back)
                  || memcmp (t->data, back->data, (size_t) nn_tensor_numel (t) * 4) != 0)
                abort ();   /* a round-trip bug: let the fuzzer record it */
              nn_tensor_free (back);
            }
          unlink (path);
        }
      nn_tensor_free (t);
    }
  return 0;
}

int
fuzz_pt (const uint8_t *data, size_t size)
{
  nn_error err;
  nn_file_kind kind;
  nn_net *net = NULL;
  const char *path;

  fuzz_init ();
  /* A bare pickle (protocol 2+ starts with PROTO, 0x80) goes straight to the unpickler:
   * mutations of the zip's compressed/CRC-checked records rarely reach it otherwise. */
  if (size > 1 && data[0] == 0x80)
    {
      pk_doc *doc = NULL;

      if (pk_load (data, size, "data.pkl", &doc, &err) == NN_OK)
        pk_doc_free (doc);
      return 0;
    }
  if ((path = write_temp (data, size, ".pt")) == NULL)
    return 0;
  nn_pt_probe (path, &kind, &err);
  if (nn_pt_open_model (path, NULL, &net, &err) == NN_OK)
    {
      exercise_net (net);
      nn_net_free (net);
    }
  load_into_seed (path, nn_pt_load_weights);
  return 0;
}

/* ---------------------------------------------------------------- propagate */

typedef struct reader {
  const uint8_t *p;
  size_t n;
} reader;

static uint8_t
rd_u8 (reader *r)
{
  uint8_t v;

  if (r->n == 0)
    return 0;
  v = *r->p++;
  r->n--;
  return v;
}

/* A size: mostly small (what users type), sometimes a boundary or an absurd value. */
static int64_t
rd_size (reader *r)
{
  static const int64_t special[] = {
    0, -1, -2, INT64_C (1) << 24, (INT64_C (1) << 24) + 1, INT64_C (1) << 31,
    INT64_C (1) << 40, INT64_MAX, INT64_MIN, INT32_MAX, 65535, 1000,
  };
  uint8_t b = rd_u8 (r);

  if (b < 0xe0)
    return b % 17;
  return special[(b - 0xe0) % (sizeof special / sizeof special[0])];
}

/* a * b + c without signed overflow (the decoder's own arithmetic must not be UB) */
static int64_t
sat_mul_add (int64_t a, int64_t b, int64_t c)
{
  int64_t r;

  if (__builtin_mul_overflow (a, b, &r) || __builtin_add_overflow (r, c, &r))
    return a < 0 ? INT64_MIN : INT64_MAX;
  return r;
}

static double
rd_real (reader *r)
{
  static const double special[] = { 0.0, 1.0, -1.0, 0.5, 1e-5, 1e300, -1e300, 2.0 };
  uint8_t b = rd_u8 (r);

  if (b == 0xff)
    return NAN;
  if (b == 0xfe)
    return INFINITY;
  return b < 0x80 ? b / 127.0 : special[b % 8];
}

static void
rd_config (reader *r, nn_layer_config *cfg)
{
  nn_layer_config_init (cfg, (nn_layer_type) (rd_u8 (r) % NN_LAYER_N_TYPES));
  /* Most layers keep their defaults: a user edits one or two fields at a time. */
  for (int n_edits = rd_u8 (r) % 5; n_edits > 0; n_edits--)
    {
      int a = rd_u8 (r) & 1;

      switch (rd_u8 (r) % 20)
        {
        case 0: cfg->in_channels = rd_size (r); break;
        case 1: cfg->out_channels = rd_size (r); break;
        case 2: cfg->groups = rd_size (r); break;
        case 3: cfg->kernel_size[a] = rd_size (r); break;
        case 4: cfg->stride[a] = rd_size (r); break;
        case 5: cfg->padding[a] = rd_size (r); break;
        case 6: cfg->dilation[a] = rd_size (r); break;
        case 7: cfg->bias = !cfg->bias; break;
        case 8: cfg->ceil_mode = !cfg->ceil_mode; break;
        case 9: cfg->count_include_pad = !cfg->count_include_pad; break;
        case 10: cfg->start_dim = sat_mul_add (rd_size (r), 1, -4); break;
        case 11: cfg->end_dim = sat_mul_add (rd_size (r), 1, -4); break;
        case 12: cfg->in_features = sat_mul_add (rd_size (r), a ? 64 : 1, 0); break;
        case 13: cfg->out_features = rd_size (r); break;
        case 14: cfg->num_features = rd_size (r); break;
        case 15: cfg->eps = rd_real (r); cfg->momentum = rd_real (r); break;
        case 16: cfg->affine = !cfg->affine; cfg->track_running_stats = a; break;
        case 17: cfg->p = rd_real (r) * (a ? 2.0 : 1.0); break;
        case 18: cfg->negative_slope = rd_real (r); break;
        default: cfg->dim = sat_mul_add (rd_size (r), 1, -4); break;
        }
    }
  for (size_t i = 0; i + 1 < sizeof cfg->name && rd_u8 (r) & 1; i++)
    cfg->name[i] = (char) rd_u8 (r);
}

static nn_shape
rd_input (reader *r)
{
  int kind = rd_u8 (r) % 4;

  if (kind == 0)
    return nn_shape_f (sat_mul_add (rd_size (r), 8, 1));
  if (kind == 3)   /* an impossible rank: must be refused */
    {
      nn_shape s = { .n_dims = (int32_t) (rd_u8 (r) % 6) - 1, .d = { 1, 1, 1 } };
      return s;
    }
  {
    int64_t c = rd_size (r), h = rd_size (r), w = rd_size (r);

    return nn_shape_chw (c, sat_mul_add (h, 1, 8), sat_mul_add (w, 1, 8));
  }
}

/* Checks what propagation promises: one info per layer, first_error consistent. */
static void
check_net (nn_net *net)
{
  char *text;

  nn_net_propagate (net);
  if (net->first_error >= net->n_layers)
    abort ();
  for (int i = 0; i < net->n_layers; i++)
    {
      if (net->first_error < 0 && net->info[i].status != NN_OK)
        abort ();
      if (memchr (net->info[i].message, '\0', sizeof net->info[i].message) == NULL)
        abort ();
    }
  text = nn_net_repr (net);
  free (text);
  text = nn_net_summary (net);
  free (text);
  nn_net_total_params (net);
  nn_net_activation_numel (net);
}

static void
rd_edit (reader *r, nn_net *net)
{
  nn_layer_config cfg;
  nn_error err;
  nn_shape in;
  int n = net->n_layers;
  int i = (int) rd_u8 (r) % (n + 2) - 1;   /* -1 and n + 1 are out of range */
  int j = (int) rd_u8 (r) % (n + 2) - 1;
  nn_fix fix;

  switch (rd_u8 (r) % 8)
    {
    case 0:
    case 1:
      rd_config (r, &cfg);
      if (nn_layer_config_validate (&cfg, 0, &err) == NN_OK || (rd_u8 (r) & 1))
        nn_net_append (net, &cfg, &err);
      break;
    case 2:
      rd_config (r, &cfg);
      nn_net_insert (net, i, &cfg, &err);
      break;
    case 3:
      nn_net_remove (net, i, &err);
      break;
    case 4:
      nn_net_move (net, i, j, &err);
      break;
    case 5:
      rd_config (r, &cfg);
      nn_net_set_config (net, i, &cfg, &err);
      break;
    case 6:
      /* Mostly the fix propagation proposed (what the GUI button applies), sometimes a
       * made-up one. */
      if (i >= 0 && i < n && (rd_u8 (r) & 3) != 0)
        fix = net->info[i].fix;
      else
        {
          memset (&fix, 0, sizeof fix);
          fix.kind = (nn_fix_kind) (rd_u8 (r) % (NN_FIX_REMOVE_LAYER + 1));
          fix.value = rd_size (r);
        }
      nn_net_apply_fix (net, i, &fix, &err);
      break;
    default:
      in = rd_input (r);
      nn_net_set_input (net, &in, &err);
      break;
    }
}

int
fuzz_propagate (const uint8_t *data, size_t size)
{
  reader r = { data, size };
  nn_shape in;
  nn_net *net, *copy;
  nn_error err;

  fuzz_init ();
  in = rd_input (&r);
  net = nn_net_new (&in, rd_u8 (&r));
  if (net == NULL)
    {
      in = nn_shape_chw (1, 28, 28);
      net = nn_net_new (&in, 1);
      if (net == NULL)
        abort ();
    }
  for (int steps = 0; r.n > 0 && steps < 64 && net->n_layers < 48; steps++)
    {
      rd_edit (&r, net);
      check_net (net);
    }
  copy = nn_net_copy (net, &err);
  if (copy != NULL)
    {
      exercise_net (copy);
      nn_net_free (copy);
    }
  nn_net_free (net);
  return 0;
}

/* Reads a checked tensor when it is small: whatever the file holds, reading what the
 * checker let through must stay inside the bytes it has. */
static void
read_tensor (const nn_onnx_file *file, const Onnx__TensorProto *t)
{
  nn_error err;
  size_t elem;
  int64_t numel;
  void *buf;

  if (t == NULL)
    return;
  elem = nn_onnx_elem_size (t->data_type);
  numel = nn_onnx_tensor_numel (t);
  if (elem == 0 || numel < 0 || numel > (1 << 16))
    return;
  if ((buf = malloc ((size_t) numel * elem + 1)) == NULL)
    return;
  nn_onnx_tensor_read (file, t, buf, (size_t) numel * elem, &err);
  free (buf);
}

static void
read_graph_tensors (const nn_onnx_file *file, const Onnx__GraphProto *g, int depth)
{
  if (g == NULL || depth > NN_ONNX_MAX_DEPTH)
    abort ();   /* the checker let through what it promised to refuse */
  for (size_t i = 0; i < g->n_initializer; i++)
    read_tensor (file, g->initializer[i]);
  for (size_t i = 0; i < g->n_node; i++)
    for (size_t j = 0; j < g->node[i]->n_attribute; j++)
      {
        const Onnx__AttributeProto *a = g->node[i]->attribute[j];

        if (a->t != NULL)
          read_tensor (file, a->t);
        for (size_t k = 0; k < a->n_tensors; k++)
          read_tensor (file, a->tensors[k]);
        if (a->g != NULL)
          read_graph_tensors (file, a->g, depth + 1);
        for (size_t k = 0; k < a->n_graphs; k++)
          read_graph_tensors (file, a->graphs[k], depth + 1);
      }
}

/* work of one run of g with every symbolic dim 1, -1 when too much to fuzz */
static int64_t
graph_work (const nn_graph *g)
{
  int64_t work = 0;

  for (int i = 0; i < nn_graph_n_nodes (g); i++)
    {
      nn_node_cost cost;
      nn_error err;

      if (nn_graph_node_cost (g, i, &cost, &err) != NN_OK)
        return -1;
      work += cost.macs + cost.params;
      if (work > (1 << 20))
        return -1;
    }
  return work;
}

/* Converts, infers and, when small, runs the graph on zero inputs (symbolic dims 1):
 * whatever the converter accepted must infer or fail cleanly, and run as inferred. */
static void
exercise_onnx_graph (const uint8_t *data, size_t size)
{
  nn_graph *g = NULL;
  nn_array *in[16] = { NULL }, *out[16] = { NULL };
  nn_error err;
  int n_in, n_out;
  bool ok = true;

  if (nn_graph_open_onnx_bytes (data, size, "fuzz.onnx", &g, &err) != NN_OK)
    return;
  n_in = nn_graph_n_inputs (g);
  n_out = nn_graph_n_outputs (g);
  if (nn_graph_infer (g, &err) != NN_OK || n_in > 16 || n_out > 16 || n_out == 0
      || nn_graph_n_nodes (g) > 64 || graph_work (g) < 0)
    {
      nn_graph_free (g);
      return;
    }
  for (int i = 0; i < n_in && ok; i++)
    {
      nn_type t = *nn_graph_value_type (g, nn_graph_input_name (g, i));

      for (int32_t d = 0; d < t.rank; d++)
        if (t.shape[d] == NN_DIM_SYMBOLIC)
          t.shape[d] = 1;
      ok = nn_type_numel (&t) <= (1 << 14) && (in[i] = nn_array_new (&t, &err)) != NULL;
    }
  if (ok && nn_graph_run (g, (const nn_array *const *) in, out, NULL, &err) == NN_OK)
    for (int i = 0; i < n_out; i++)
      nn_array_free (out[i]);
  for (int i = 0; i < n_in; i++)
    nn_array_free (in[i]);
  nn_graph_free (g);
}

int
fuzz_onnx (const uint8_t *data, size_t size)
{
  nn_error err;
  nn_onnx_file *file = NULL;

  fuzz_init ();
  /* no folder: external data is refused, so nothing outside the input is read */
  if (nn_onnx_file_open_bytes (data, size, "fuzz.onnx", NULL, &file, &err) == NN_OK)
    {
      read_graph_tensors (file, file->model->graph, 1);
      nn_onnx_file_free (file);
      exercise_onnx_graph (data, size);
    }
  return 0;
}

fuzz_entry_fn
fuzz_entry_lookup (const char *target)
{
  static const struct {
    const char *name;
    fuzz_entry_fn fn;
  } entries[] = {
    { "h5model", fuzz_h5model },
    { "h5model-isolated", fuzz_h5model_isolated },
    { "npy", fuzz_npy },
    { "onnx", fuzz_onnx },
    { "pt", fuzz_pt },
    { "propagate", fuzz_propagate },
  };

  for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
    if (strcmp (entries[i].name, target) == 0)
      return entries[i].fn;
  return NULL;
}
