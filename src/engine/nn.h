/* nn.h - the public API of Layerlab's compute engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine is pure C17 + libm + cblas + libhdf5: no GLib, no GTK. Everything the
 * app, the CLI, the renderer and the tests know about networks goes through this header.
 *
 * Conventions
 *  - Tensors are contiguous float32 NCHW; shapes are int64_t.
 *  - Functions that can fail on user data return an nn_status and, when given a non-NULL
 *    nn_error, fill it with a message a person understands (naming file, layer, key).
 *    The engine never exit()s or aborts on user data; assert() is for programmer errors.
 *  - Names, defaults, printed text and weight layouts follow PyTorch (torch.nn).
 */
#ifndef NN_H
#define NN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NN_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------- status */

typedef enum nn_status {
  NN_OK = 0,
  NN_STATUS_INVALID_ARG,   /* impossible parameter (negative size, zero stride, ...) */
  NN_STATUS_SHAPE,         /* shapes do not fit together */
  NN_STATUS_NOMEM,         /* allocation failed */
  NN_STATUS_TOO_LARGE,     /* a size overflows or exceeds the memory budget */
  NN_STATUS_IO,            /* cannot open/read/write/rename a file */
  NN_STATUS_FORMAT,        /* a file is corrupt, foreign, truncated or inconsistent */
  NN_STATUS_UNSUPPORTED,   /* valid but not supported (other major version, dtype, ...) */
  NN_STATUS_MISMATCH,      /* strict weight loading: keys or shapes differ */
  NN_STATUS_ABORTED,       /* the abort callback asked to stop */
  NN_STATUS_NOT_FOUND,     /* no such layer / key */
  NN_STATUS_WEIGHTS_ONLY,  /* a model was asked for, the file holds only weights */
} nn_status;

const char *nn_status_to_string (nn_status status);

#define NN_ERROR_MAX 1024

typedef struct nn_error {
  nn_status status;
  int layer;                  /* layer index the error is about, or -1 */
  char message[NN_ERROR_MAX]; /* one or more lines, no trailing newline */
} nn_error;

/* Sets *err (if err != NULL) and returns status. printf-style. */
nn_status nn_error_set (nn_error *err, nn_status status, int layer, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));
void nn_error_clear (nn_error *err);

/* ---------------------------------------------------------------- tensors */

#define NN_MAX_DIMS 4

/* Storage is copy-on-write: a tensor that owns its data (owns_data) holds a reference
 * to a reference-counted buffer (storage), and nn_tensor_copy() / nn_net_copy() share
 * it instead of copying the values. Code that writes into an existing tensor calls
 * nn_tensor_make_writable() first (the nn_tensor_fill* functions do it themselves);
 * freshly allocated tensors are never shared. A tensor with owns_data false wraps
 * memory someone else owns (its storage field means nothing) and is written in place. */
typedef struct nn_storage nn_storage;

typedef struct nn_tensor {
  int32_t n_dims;
  int64_t shape[NN_MAX_DIMS];
  float *data;
  bool owns_data;
  nn_storage *storage;      /* when owns_data: the shared buffer data points into */
} nn_tensor;

/* Allocates a zero-filled tensor. Checks every dim >= 0, the element count for
 * overflow and against nn_memory_budget(); returns NULL and sets err on failure. */
nn_tensor *nn_tensor_new (int32_t n_dims, const int64_t *shape, nn_error *err);
nn_tensor *nn_tensor_new_4d (int64_t n, int64_t c, int64_t h, int64_t w, nn_error *err);
nn_tensor *nn_tensor_copy (const nn_tensor *t, nn_error *err);
void nn_tensor_free (nn_tensor *t);
int64_t nn_tensor_numel (const nn_tensor *t);
bool nn_tensor_same_shape (const nn_tensor *a, const nn_tensor *b);
/* Seeded fills (torch.rand / torch.randn analogues; not the same stream as torch).
 * A shared t first gets storage of its own (without copying the values it is about to
 * lose); NN_STATUS_NOMEM and t unchanged when that allocation fails. */
nn_status nn_tensor_fill_uniform (nn_tensor *t, uint64_t seed, float lo, float hi);
nn_status nn_tensor_fill_normal (nn_tensor *t, uint64_t seed);
nn_status nn_tensor_fill (nn_tensor *t, float value);
/* Gives t its own storage if it shares it (copying the values), so that writing into
 * t->data changes no other tensor; cheap when t is already the only user. Fails only
 * when that copy cannot be allocated (t is then unchanged). Thread-safe against other
 * threads copying or freeing tensors that share t's storage. */
nn_status nn_tensor_make_writable (nn_tensor *t, nn_error *err);
/* Whether another tensor (in this or another network) shares t's storage. */
bool nn_tensor_is_shared (const nn_tensor *t);
/* An id of t's storage, equal for tensors that share it (NULL for foreign memory):
 * lets memory accounting count a buffer held by several networks once. */
const void *nn_tensor_storage_id (const nn_tensor *t);
/* dst takes src's values (same element count): shares src's storage when src owns its
 * data, copies the values otherwise. dst must own its data. */
nn_status nn_tensor_assign (nn_tensor *dst, const nn_tensor *src, nn_error *err);
/* "[64, 32, 5, 5]" into buf; returns buf. */
char *nn_shape_format (int32_t n_dims, const int64_t *shape, char *buf, size_t size);

/* Bytes the engine may allocate for one tensor / one forward pass (default 8 GiB).
 * Sizes read from files or typed by users are checked against it before allocating. */
uint64_t nn_memory_budget (void);
void nn_set_memory_budget (uint64_t bytes);
/* a*b*... with overflow check: returns false on overflow or negative factor */
bool nn_checked_mul (int64_t a, int64_t b, int64_t *out);

/* ---------------------------------------------------------------- layers */

typedef enum nn_layer_type {
  NN_LAYER_CONV2D = 0,
  NN_LAYER_RELU,
  NN_LAYER_MAXPOOL2D,
  NN_LAYER_AVGPOOL2D,
  NN_LAYER_FLATTEN,
  NN_LAYER_LINEAR,
  NN_LAYER_BATCHNORM2D,
  NN_LAYER_DROPOUT,
  NN_LAYER_LEAKYRELU,
  NN_LAYER_SIGMOID,
  NN_LAYER_TANH,
  NN_LAYER_SOFTMAX,
  NN_LAYER_N_TYPES
} nn_layer_type;

/* "Conv2d", "ReLU", ... (the torch.nn class names); NULL for an invalid type */
const char *nn_layer_type_name (nn_layer_type type);
/* returns NN_LAYER_N_TYPES for an unknown name */
nn_layer_type nn_layer_type_from_name (const char *name);

/* A size of 0 in in_channels / in_features / num_features means "lazy": inferred from
 * the incoming shape by propagation (PyTorch's LazyConv2d / LazyLinear / LazyBatchNorm2d). */
#define NN_LAZY 0

/* One flat, copyable description of a layer: only the fields of cfg.type matter.
 * Pairs are (height, width) like PyTorch's (kH, kW). */
typedef struct nn_layer_config {
  nn_layer_type type;
  /* Conv2d */
  int64_t in_channels, out_channels;
  int64_t groups;
  /* Conv2d, MaxPool2d, AvgPool2d */
  int64_t kernel_size[2], stride[2], padding[2], dilation[2];
  /* Conv2d, Linear */
  bool bias;
  /* Which of the pairs above were given as a pair (bits NN_PAIR_*): PyTorch's pools keep
   * an int as an int and a tuple as a tuple, MaxPool2d(2) vs MaxPool2d((2, 2)); Conv2d
   * turns every int into a tuple. A pair whose sides differ is a pair whatever its bit
   * says: read it with nn_layer_config_is_tuple(). */
  unsigned pair_form;
  /* MaxPool2d, AvgPool2d */
  bool ceil_mode;
  bool count_include_pad;
  /* Flatten */
  int64_t start_dim, end_dim;
  /* Linear */
  int64_t in_features, out_features;
  /* BatchNorm2d */
  int64_t num_features;
  double eps, momentum;
  bool affine, track_running_stats;
  /* Dropout */
  double p;
  /* LeakyReLU */
  double negative_slope;
  /* Softmax */
  int64_t dim;
  /* optional user label (display only), UTF-8 */
  char name[64];
} nn_layer_config;

/* The four (height, width) parameters, as bits of nn_layer_config.pair_form. */
typedef enum nn_pair_param {
  NN_PAIR_KERNEL_SIZE = 1 << 0,
  NN_PAIR_STRIDE = 1 << 1,
  NN_PAIR_PADDING = 1 << 2,
  NN_PAIR_DILATION = 1 << 3,
} nn_pair_param;
#define NN_PAIR_ALL (NN_PAIR_KERNEL_SIZE | NN_PAIR_STRIDE | NN_PAIR_PADDING | NN_PAIR_DILATION)

/* "kernel_size", "stride", "padding", "dilation"; NULL for anything else */
const char *nn_pair_param_name (nn_pair_param which);
/* the (height, width) values of one of them (NULL for an invalid which) */
const int64_t *nn_layer_config_pair (const nn_layer_config *cfg, nn_pair_param which);
/* true when the parameter prints as a tuple: given as one, or height != width */
bool nn_layer_config_is_tuple (const nn_layer_config *cfg, nn_pair_param which);
/* Sets both sides and the form: tuple = false needs height == width (else it stays a
 * tuple, as PyTorch cannot hold an int for two different sides). */
void nn_layer_config_set_pair (nn_layer_config *cfg, nn_pair_param which, int64_t height,
                               int64_t width, bool tuple);

/* Fills cfg with PyTorch's defaults for type, plus Layerlab's defaults for the
 * required arguments: Conv2d lazy in -> 32 out, 3x3; pools MaxPool2d(2) (kernel_size=2,
 * stride=2, ints);
 * Linear lazy in -> 10 out; BatchNorm2d lazy. */
void nn_layer_config_init (nn_layer_config *cfg, nn_layer_type type);
/* Checks the parameters on their own (no shapes): kernel >= 1, stride >= 1,
 * padding >= 0, padding <= kernel/2 for pools, groups divides channels, 0 <= p <= 1, ... */
nn_status nn_layer_config_validate (const nn_layer_config *cfg, int index, nn_error *err);

/* Per-sample shape: (C,H,W) or (F). n_dims is 1..3. */
typedef struct nn_shape {
  int32_t n_dims;
  int64_t d[3];
} nn_shape;

nn_shape nn_shape_chw (int64_t c, int64_t h, int64_t w);
nn_shape nn_shape_f (int64_t f);
int64_t nn_shape_numel (const nn_shape *s);
bool nn_shape_equal (const nn_shape *a, const nn_shape *b);
/* "[32, 20, 20]" (without batch) */
char *nn_shape_to_string (const nn_shape *s, char *buf, size_t size);
/* "[1, 32, 20, 20]": a batch of one in front, as summaries show a layer's output */
char *nn_shape_to_batch_string (const nn_shape *s, char *buf, size_t size);

/* A fix the engine can suggest for a shape error; apply with nn_net_apply_fix(). */
typedef enum nn_fix_kind {
  NN_FIX_NONE = 0,
  NN_FIX_SET_IN_FEATURES,   /* value = features received */
  NN_FIX_SET_IN_CHANNELS,   /* value = channels received */
  NN_FIX_SET_NUM_FEATURES,  /* value = channels received */
  NN_FIX_INSERT_FLATTEN,    /* insert Flatten() before the layer */
  NN_FIX_SET_PADDING,       /* value = padding that makes the kernel fit */
  NN_FIX_REMOVE_LAYER,      /* no sensible fix but removing it */
} nn_fix_kind;

typedef struct nn_fix {
  nn_fix_kind kind;
  int64_t value;
  char label[96];           /* "Set in_features to 576", "Insert Flatten before this layer" */
} nn_fix;

/* What shape propagation knows about one layer, without computing. */
typedef struct nn_layer_info {
  nn_status status;         /* NN_OK, the layer's error, or NN_STATUS_ABORTED for
                             * "not computed" (a layer after the first error) */
  nn_shape in_shape, out_shape;
  int64_t n_params;         /* elements of all state_dict tensors the layer owns */
  int64_t macs;             /* multiply-adds per sample */
  char message[512];        /* "layer 7 (Linear): expects 600 input features but receives 576 (64×3×3 after Flatten)" */
  nn_fix fix;
} nn_layer_info;

typedef struct nn_layer {
  nn_layer_config cfg;      /* as the user set it (lazy sizes stay NN_LAZY) */
  /* Sizes as resolved by the last propagation (== cfg values when not lazy). */
  int64_t in_channels, in_features, num_features;
  /* Parameters (NULL when the layer has none or they are not resolved yet). */
  nn_tensor *weight, *bias, *running_mean, *running_var;
  int64_t num_batches_tracked;
  /* Gradients, allocated by training only. */
  nn_tensor *grad_weight, *grad_bias;
} nn_layer;

/* ---------------------------------------------------------------- networks */

typedef struct nn_net {
  nn_shape input;           /* per-sample input shape */
  int n_layers;
  int capacity;
  nn_layer *layers;
  nn_layer_info *info;      /* n_layers entries, valid after nn_net_propagate() */
  int first_error;          /* index of the first failing layer, -1 if none */
  uint64_t seed;            /* seed for initialising parameters that appear */
  uint64_t init_counter;    /* bumps for every parameter initialisation */
  void *workspace;          /* engine-private scratch (im2col, ...) */
  size_t workspace_size;
  struct nn_training_record *training; /* how it was trained (owned), NULL if unknown */
} nn_net;

nn_net *nn_net_new (const nn_shape *input, uint64_t seed);
void nn_net_free (nn_net *net);
/* Copy of everything (weights included) that shares the parameter storage with net
 * (copy-on-write, see nn_tensor): O(number of tensors), no values are copied. The copy
 * gets its own workspace. Edits, training and weight loading on either network never
 * change the other. */
nn_net *nn_net_copy (const nn_net *net, nn_error *err);
/* Bytes of parameter, buffer and gradient storage only net holds: what freeing it
 * would give back (storage shared with copies is not counted). */
int64_t nn_net_unique_bytes (const nn_net *net);

/* Editing. Each edit re-runs propagation; parameters whose shapes are unchanged keep
 * their values, new or reshaped parameters are initialised like PyTorch.
 * These return an error only for impossible arguments (index out of range, invalid
 * config); shape errors are reported through net->info, never refused. */
nn_status nn_net_insert (nn_net *net, int index, const nn_layer_config *cfg, nn_error *err);
nn_status nn_net_append (nn_net *net, const nn_layer_config *cfg, nn_error *err);
nn_status nn_net_remove (nn_net *net, int index, nn_error *err);
nn_status nn_net_move (nn_net *net, int from, int to, nn_error *err);
nn_status nn_net_set_config (nn_net *net, int index, const nn_layer_config *cfg, nn_error *err);
nn_status nn_net_set_input (nn_net *net, const nn_shape *input, nn_error *err);
nn_status nn_net_apply_fix (nn_net *net, int index, const nn_fix *fix, nn_error *err);

/* Shape propagation without computing: fills net->info[], net->first_error, resolves
 * lazy sizes and allocates/initialises parameters that appeared or changed shape.
 * Returns NN_OK or the status of the first failing layer. Never aborts. */
nn_status nn_net_propagate (nn_net *net);
/* Output shape of the whole network (valid when first_error < 0). */
nn_shape nn_net_output_shape (const nn_net *net);
int64_t nn_net_total_params (const nn_net *net);
int64_t nn_net_total_macs (const nn_net *net);
/* Float elements of all activations for batch 1 (input included). */
int64_t nn_net_activation_numel (const nn_net *net);

/* (Re-)initialise the parameters of one layer, or all (index -1), like PyTorch's
 * reset_parameters(): weights kaiming_uniform(a=sqrt(5)) i.e. U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in)), biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)); BatchNorm weight 1,
 * bias 0, running_mean 0, running_var 1. Deterministic in (seed, layer, tensor). */
void nn_net_reset_parameters (nn_net *net, int index, uint64_t seed);

/* ---------------------------------------------------------------- parameters */

typedef struct nn_param {
  char key[48];             /* state_dict key: "3.weight" */
  const char *name;         /* "weight", "bias", "running_mean", "running_var", "num_batches_tracked" */
  int layer;
  nn_tensor *tensor;        /* float tensors; NULL for num_batches_tracked */
  int64_t *count;           /* num_batches_tracked (int64 scalar), else NULL */
  bool trainable;           /* weight/bias: true; buffers: false */
} nn_param;

/* state_dict entries in PyTorch's order (layer by layer; weight, bias, running_mean,
 * running_var, num_batches_tracked). Returns the number; *out is malloc'd (free()).
 * Pointers refer into net and stay valid until the next edit. Layers after a shape
 * error have no parameters. */
int nn_net_params (const nn_net *net, nn_param **out);
/* NULL if no such key */
nn_tensor *nn_net_find_param (const nn_net *net, const char *key);

/* ---------------------------------------------------------------- forward */

typedef bool (*nn_abort_fn) (void *user_data);

typedef struct nn_run_opts {
  int n_threads;            /* 0: leave as is */
  bool keep_activations;    /* fill result->acts */
  nn_abort_fn abort_cb;     /* checked between layers; may be NULL */
  void *abort_data;
} nn_run_opts;

typedef struct nn_run_result {
  nn_tensor *output;        /* [N, ...] */
  int n_acts;               /* n_layers + 1 when keep_activations, else 0 */
  nn_tensor **acts;         /* acts[0] = the input, acts[i + 1] = output of layer i */
} nn_run_result;

/* Runs the network in inference mode on input [N, C, H, W] (or [C, H, W] / [N, F] / [F]:
 * a missing batch dim means N = 1). The per-sample shape must equal net->input. */
nn_status nn_net_forward (nn_net *net, const nn_tensor *input, const nn_run_opts *opts,
                          nn_run_result *result, nn_error *err);
void nn_run_result_clear (nn_run_result *result);

/* Call once at the start of main(), before any other thread exists (it sets an
 * environment variable): makes OpenBLAS's idle threads sleep after ~25 us instead of
 * spinning for ~0.1 s after every call, on the cores the engine's own threads need.
 * False when the BLAS is not an OpenBLAS it can tell this to (nothing changes then).
 * OPENBLAS_THREAD_TIMEOUT in the environment wins. */
bool nn_init (void);

/* Thread count for OpenBLAS and the engine's own loops. */
void nn_set_num_threads (int n);
int nn_get_num_threads (void);

/* ---------------------------------------------------------------- text */

/* PyTorch's print(network): "Sequential(\n  (0): Conv2d(1, 32, kernel_size=(5, 5), stride=(1, 1))\n...)"
 * malloc'd, no trailing newline (like repr()). */
char *nn_net_repr (const nn_net *net);
/* One layer's repr: "Conv2d(1, 32, kernel_size=(5, 5), stride=(1, 1))" */
char *nn_layer_repr (const nn_net *net, int index);
/* Summary table: index, layer, output shape, parameters, multiply-adds, with totals. */
char *nn_net_summary (const nn_net *net);
/* Python's repr() of a float: 1e-05, 0.1, 0.5, 100.0 */
char *nn_format_float (double v, char *buf, size_t size);

/* ---------------------------------------------------------------- templates */

/* "empty", "seed", "lenet5", "vgg11", "vgg16". NULL + err for unknown names. */
nn_net *nn_net_new_template (const char *name, uint64_t seed, nn_error *err);
/* NULL-terminated list of template names */
const char *const *nn_template_names (void);

/* ---------------------------------------------------------------- files */

/* NumPy .npy: float32/float64 (converted to float32), little-endian, C order, rank 0..4. */
nn_status nn_npy_read (const char *path, nn_tensor **out, nn_error *err);
nn_status nn_npy_read_mem (const void *data, size_t size, const char *name, nn_tensor **out,
                           nn_error *err);
nn_status nn_npy_write (const char *path, const nn_tensor *t, nn_error *err);

typedef enum nn_file_kind {
  NN_FILE_UNKNOWN = 0,
  NN_FILE_MODEL,            /* kind = "model" */
  NN_FILE_WEIGHTS,          /* kind = "weights" */
  NN_FILE_ACTIVATIONS,
} nn_file_kind;

/* HDF5 model files (shared/docs/model-file-format.md). Saves are atomic: a temporary
 * file in the same folder, fsync, rename. */
nn_status nn_model_save (const char *path, const nn_net *net, nn_error *err);
nn_status nn_model_open (const char *path, nn_net **out, nn_error *err);
nn_status nn_weights_save (const char *path, const nn_net *net, nn_error *err);
/* strict: on any mismatch nothing changes and err lists every problem */
nn_status nn_weights_load (const char *path, nn_net *net, nn_error *err);
nn_status nn_file_probe (const char *path, nn_file_kind *kind, nn_error *err);
/* input + outputs of each layer, from a result with keep_activations */
nn_status nn_activations_save (const char *path, const nn_net *net, const nn_run_result *res,
                               nn_error *err);

/* ---------------------------------------------------------------- training */

/* Training follows torch.nn / torch.optim semantics: module.train() / .eval(), BatchNorm2d
 * batch statistics and running-stat updates with momentum in training mode, Dropout with
 * a seeded mask (scaled by 1/(1-p)), gradients like autograd's. */

typedef enum nn_loss_kind {
  NN_LOSS_CROSS_ENTROPY = 0, /* torch.nn.CrossEntropyLoss on logits [N, K] + int64 labels, mean */
  NN_LOSS_MSE,               /* torch.nn.MSELoss, mean over all elements */
} nn_loss_kind;

typedef enum nn_optim_kind {
  NN_OPTIM_SGD = 0,          /* torch.optim.SGD */
  NN_OPTIM_ADAM,             /* torch.optim.Adam */
} nn_optim_kind;

typedef struct nn_optim_config {
  nn_optim_kind kind;
  double lr;                 /* SGD 0.01 (Layerlab's default; torch requires it), Adam 1e-3 */
  double momentum;           /* SGD: 0 */
  double dampening;          /* SGD: 0 */
  bool nesterov;             /* SGD: false */
  double weight_decay;       /* both: 0 (L2 added to the gradient, as torch does) */
  double beta1, beta2, eps;  /* Adam: 0.9, 0.999, 1e-8 */
} nn_optim_config;

void nn_optim_config_init (nn_optim_config *cfg, nn_optim_kind kind);
const char *nn_loss_name (nn_loss_kind kind);   /* "CrossEntropyLoss", "MSELoss" */

/* A trainer owns what training needs beside the network: gradient buffers (it allocates
 * layer->grad_weight / grad_bias), the optimizer state (momentum / Adam moments, step
 * count), saved activations and masks for backward, and its RNG (Dropout masks).
 * The net must propagate without error; edits to the net invalidate the trainer. */
typedef struct nn_trainer nn_trainer;

nn_trainer *nn_trainer_new (nn_net *net, nn_loss_kind loss, const nn_optim_config *optim,
                            uint64_t seed, nn_error *err);
void nn_trainer_free (nn_trainer *tr);

/* A batch: inputs x [N, ...net->input]; targets either labels[N] (cross-entropy, each in
 * [0, K)) or target (MSE, the output's shape). */
typedef struct nn_batch {
  const nn_tensor *x;
  const int64_t *labels;
  const nn_tensor *target;
} nn_batch;

/* Forward in training mode, loss, backward, optimizer step. loss_out = the batch's mean
 * loss; correct_out (may be NULL) = arg-max hits (cross-entropy only). */
nn_status nn_trainer_step (nn_trainer *tr, const nn_batch *batch, const nn_run_opts *opts,
                           double *loss_out, int64_t *correct_out, nn_error *err);

/* Forward in training mode + backward only (no update): fills every layer's grad_weight /
 * grad_bias and, if grad_input != NULL, *grad_input = dLoss/dx (caller frees). Gradients
 * are overwritten, not accumulated. For tests against autograd. */
nn_status nn_trainer_gradients (nn_trainer *tr, const nn_batch *batch, double *loss_out,
                                nn_tensor **grad_input, nn_error *err);

/* Inference-mode evaluation of a batch: summed loss, hits and (if confusion != NULL, a
 * K×K row-major matrix [true][predicted] the caller zeroed) the confusion counts. */
nn_status nn_net_evaluate (nn_net *net, nn_loss_kind loss, const nn_batch *batch,
                           const nn_run_opts *opts, double *loss_sum, int64_t *correct,
                           int64_t *confusion, nn_error *err);

/* module.train() (the default of a new trainer) or module.eval() for the trainer's forward
 * and backward: in eval mode BatchNorm2d normalises with its running statistics (when it
 * tracks them) and leaves them alone, and Dropout is the identity. */
void nn_trainer_set_training (nn_trainer *tr, bool training);

/* PyTorch .pt files (torch.save's zip format, torch >= 1.6). A restricted unpickler
 * reads them: it executes nothing and accepts only state_dicts and torch.nn.Sequential
 * models of the supported layers. The legacy (pre-1.6) format and TorchScript archives
 * are refused with a message that says how to re-save them. */
/* Whole-module files. input: the per-sample input shape, or NULL to infer it (channels
 * or features from the first layer, then the smallest square size that fits). */
nn_status nn_pt_open_model (const char *path, const nn_shape *input, nn_net **out, nn_error *err);
/* state_dict files (or a whole module's parameters), strict like nn_weights_load */
nn_status nn_pt_load_weights (const char *path, nn_net *net, nn_error *err);
nn_status nn_pt_save_state_dict (const char *path, const nn_net *net, nn_error *err);
/* The whole network as torch.save(network) writes it: torch.load() gives a
 * torch.nn.Sequential (in eval mode) that prints as nn_net_repr() does. */
nn_status nn_pt_save_model (const char *path, const nn_net *net, nn_error *err);
nn_status nn_pt_probe (const char *path, nn_file_kind *kind, nn_error *err);

/* What a file is by its first bytes (sniff.c): for choosing a reader and for messages
 * that name a foreign file for what it is. */
typedef enum nn_content {
  NN_CONTENT_UNKNOWN = 0,
  NN_CONTENT_UNREADABLE,
  NN_CONTENT_EMPTY,
  NN_CONTENT_HDF5,
  NN_CONTENT_PYTORCH,       /* torch.save's zip */
  NN_CONTENT_TORCHSCRIPT,   /* torch.jit.save's zip */
  NN_CONTENT_PICKLE,        /* a bare pickle: PyTorch's legacy format */
  NN_CONTENT_ONNX,
  NN_CONTENT_NPY,
  NN_CONTENT_PNG,
  NN_CONTENT_JPEG,
  NN_CONTENT_GIF,
  NN_CONTENT_PDF,
  NN_CONTENT_ZIP,
  NN_CONTENT_GZIP,
  NN_CONTENT_PROGRAM,
  NN_CONTENT_TEXT,
} nn_content;

nn_content nn_file_sniff (const char *path);
/* "a PNG image", "an ONNX file", ...; NULL for NN_CONTENT_UNKNOWN */
const char *nn_content_describe (nn_content content);
/* Sets err to "<path>: this is a PNG image, not a model file Layerlab reads (...)" with
 * advice where there is some; returns NN_STATUS_FORMAT. */
nn_status nn_content_error (nn_error *err, const char *path, nn_content content);
/* Whether to read path with the PyTorch reader: by content for the formats Layerlab
 * reads, else by name (nn_path_is_pytorch). */
bool nn_file_reads_as_pytorch (const char *path);

/* By file name: .pt/.pth are PyTorch files, anything else HDF5 (files.c). A weights file
 * opened as a model gets a message that says what to do with it. Saving a whole model
 * to .pt is refused (Layerlab writes PyTorch state_dicts). */
bool nn_path_is_pytorch (const char *path);
/* By file name: .onnx. Saving there writes the network's graph as ONNX (opset 17). */
bool nn_path_is_onnx (const char *path);
/* Whether to read path as ONNX: by name (.onnx) or by content. nn_file_open_model
 * opens an ONNX model that is a chain of the list view's layers as a network. */
bool nn_file_reads_as_onnx (const char *path);
nn_status nn_file_probe_any (const char *path, nn_file_kind *kind, nn_error *err);
/* input: for .pt files (which store no input shape) the shape to use, or NULL to infer it */
nn_status nn_file_open_model (const char *path, const nn_shape *input, nn_net **out,
                              nn_error *err);
nn_status nn_file_load_weights (const char *path, nn_net *net, nn_error *err);
nn_status nn_file_save (const char *path, const nn_net *net, bool weights_only, nn_error *err);

/* A Python script that builds the same torch.nn.Sequential and loads its weights from
 * the HDF5 model file h5_path with h5py. malloc'd. */
char *nn_net_export_pytorch (const nn_net *net, const char *h5_path);

/* ---------------------------------------------------------------- isolation (isolate.c) */

/* The main() of layerlab-check, the program the functions below start to check a file
 * (src/checker/; LAYERLAB_CHECKER names it in an uninstalled build, where it is not
 * found they fork instead). */
int nn_isolated_check_main (int argc, char **argv);

/* Opens the HDF5 model file at path with nn_model_open() in a child process and
 * returns its status and message. A child killed by a signal (libhdf5 1.10.8 crashes on
 * some crafted files before any check of ours can run) or running past a time limit gives
 * NN_STATUS_FORMAT "the file crashed the HDF5 library while being checked: ...". Call it
 * before opening a file from an untrusted source in-process; costs a process and an open. */
nn_status nn_model_validate_isolated (const char *path, nn_error *err);
/* The same for an ONNX model: the child reads it into a graph (nn_graph_open_onnx). */
nn_status nn_onnx_validate_isolated (const char *path, nn_error *err);
/* The same for nn_weights_load (path, net): the child loads into its copy of net, which
 * checks the file against the network too; net itself never changes. */
nn_status nn_weights_validate_isolated (const char *path, const nn_net *net, nn_error *err);

/* ---------------------------------------------------------------- training record
 * (training-record.c; stored as the optional /training group of a model file, format 1.1,
 * docs/model-file-format.md) */

/* How a network was trained and how each epoch went. net->training owns one (or is NULL);
 * nn_model_save writes it, nn_model_open reads it, nn_net_copy copies it. Whoever trains
 * (layerlab-cli train, the window) fills it in: settings first, then one
 * nn_training_record_add_epoch per finished epoch. */

#define NN_TRAINING_TEXT_MAX 512
#define NN_TRAINING_MAX_EPOCHS 1000000   /* more history than this is refused on reading */

typedef struct nn_training_epoch {
  double train_loss;        /* mean loss over the epoch's batches */
  double train_accuracy;    /* fraction in [0, 1]; NAN when not measured (MSELoss) */
  double val_loss;          /* NAN when there is no validation set */
  double val_accuracy;      /* NAN when there is no validation set or not measured */
  double seconds;           /* wall time of the epoch's training steps */
} nn_training_epoch;

typedef struct nn_training_record {
  /* settings */
  char data[NN_TRAINING_TEXT_MAX];            /* training data as given: "DIR", "X.npy:Y.npy" */
  char validation_data[NN_TRAINING_TEXT_MAX]; /* separate validation set, "" if none */
  char preprocessing[NN_TRAINING_TEXT_MAX];   /* free text ("fit=crop, scale [0,1]"), "" if none */
  nn_loss_kind loss;
  nn_optim_config optim;    /* kind and hyper-parameters */
  int64_t epochs;           /* epochs asked for in the last run (the history holds every
                             * run's: more when continued, fewer when stopped early) */
  int64_t batch_size;
  uint64_t seed;
  bool shuffle;
  double validation_fraction; /* share of the data held out for validation, 0 if none */
  /* history: n_history epochs, malloc'd (NULL when 0) */
  int64_t n_history;
  nn_training_epoch *history;
} nn_training_record;

/* A record with defaults: cross-entropy, Adam (nn_optim_config_init), epochs 0, batch 1,
 * seed 0, shuffle on, no history. NULL when out of memory. */
nn_training_record *nn_training_record_new (void);
/* Deep copy (history included); NULL + err when out of memory. r may be NULL (-> NULL). */
nn_training_record *nn_training_record_copy (const nn_training_record *r, nn_error *err);
void nn_training_record_free (nn_training_record *r);
/* Whether a and b hold the same settings and history (the history compared bit for bit,
 * so equal NaNs are equal); two NULLs are equal. */
bool nn_training_record_equal (const nn_training_record *a, const nn_training_record *b);
/* Appends one epoch to the history (grows the array). */
nn_status nn_training_record_add_epoch (nn_training_record *r, const nn_training_epoch *e,
                                        nn_error *err);
/* "SGD", "Adam" (torch.optim class names); NULL for an invalid kind */
const char *nn_optim_name (nn_optim_kind kind);

/* nn_model_open / nn_file_open_model that also report problems that did not stop the
 * open: a malformed /training group is dropped (net->training stays NULL) and *warning
 * (when not NULL) says why, with status NN_STATUS_FORMAT; warning->status is NN_OK and
 * its message empty when there was nothing to say. The plain functions drop silently. */
nn_status nn_model_open_full (const char *path, nn_net **out, nn_error *warning,
                              nn_error *err);
nn_status nn_file_open_model_full (const char *path, const nn_shape *input, nn_net **out,
                                   nn_error *warning, nn_error *err);

/* Whether nn_file_open_model(_full) and nn_file_load_weights check an HDF5 file in a
 * forked child first (headers and structure only: one fork, no weight data read), so a
 * file that crashes libhdf5 gives an error instead of taking the process down. On by
 * default; off when the environment has LAYERLAB_NO_ISOLATE=1 (set before first use) or
 * after nn_set_isolated_checks (false): fuzz harnesses, benchmarks, files just saved. */
void nn_set_isolated_checks (bool on);
bool nn_get_isolated_checks (void);

#ifdef __cplusplus
}
#endif

#endif /* NN_H */
