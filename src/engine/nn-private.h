/* nn-private.h - engine internals shared between the engine's own files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not installed, not included by the app or the CLI (tests may include it).
 */
#ifndef NN_PRIVATE_H
#define NN_PRIVATE_H

#include "nn.h"

/* Output size of a conv or pool along one axis, PyTorch's formula:
 *   floor_or_ceil((in + 2*pad - dil*(k-1) - 1) / stride) + 1
 * with ceil_mode's rule that the last window must start inside the input or left
 * padding. Returns -1 when the (dilated) kernel does not fit. One function serves
 * Conv2d, MaxPool2d and AvgPool2d (propagation and kernels alike). */
int64_t nn_conv_out_size (int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                          int64_t dilation, bool ceil_mode);

/* Computes one layer: in is [N, in_shape...], out is preallocated [N, out_shape...]
 * (shapes from net->info[index]); uses net's workspace for scratch (im2col). */
nn_status nn_layer_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                            nn_error *err);

/* Grows net->workspace to at least bytes (kept for the next call); NULL on failure. */
void *nn_workspace_get (nn_net *net, size_t bytes);
void nn_workspace_free (nn_net *net);

/* C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major. cblas when
 * HAVE_CBLAS, a naive loop otherwise. */
void nn_sgemm (bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
               float *C, int64_t ldc);

/* Deterministic random numbers (splitmix64 seeding xoshiro256**), for init and inputs. */
typedef struct nn_rng {
  uint64_t s[4];
} nn_rng;

void nn_rng_seed (nn_rng *rng, uint64_t seed);
uint64_t nn_rng_next (nn_rng *rng);
/* uniform in [lo, hi) */
float nn_rng_uniform (nn_rng *rng, float lo, float hi);
/* standard normal */
float nn_rng_normal (nn_rng *rng);

/* ---- layer kernels (forward.c dispatches on the layer type) ----
 * Same contract as nn_layer_forward(): in is [N, info->in_shape], out is preallocated
 * [N, info->out_shape]; the layer's parameters are resolved. */
typedef nn_status (*nn_forward_fn) (nn_net *net, int index, const nn_tensor *in,
                                    nn_tensor *out, nn_error *err);

nn_status nn_conv2d_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                             nn_error *err);
nn_status nn_maxpool2d_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                                nn_error *err);
nn_status nn_avgpool2d_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                                nn_error *err);
nn_status nn_linear_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                             nn_error *err);
nn_status nn_batchnorm2d_forward (nn_net *net, int index, const nn_tensor *in,
                                  nn_tensor *out, nn_error *err);
nn_status nn_relu_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                           nn_error *err);
nn_status nn_leakyrelu_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                                nn_error *err);
nn_status nn_sigmoid_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                              nn_error *err);
nn_status nn_tanh_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                           nn_error *err);
nn_status nn_softmax_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                              nn_error *err);
/* Flatten and Dropout (inference): a plain copy */
nn_status nn_copy_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                           nn_error *err);

/* ---- added by the net/params owner (layer.c, net.c, params.c) ---- */

/* Largest channel / feature / kernel / input size a layer or an input may have (2^24):
 * far above real networks, small enough that products of two or three stay in int64_t. */
#define NN_SIZE_MAX (INT64_C (1) << 24)

/* params.c: gives layer index the parameter tensors its type and resolved sizes need
 * (PyTorch's shapes): keeps tensors whose shape is unchanged, initialises new or
 * reshaped ones from net->seed like reset_parameters(), frees those it no longer has.
 * Fails (message naming the layer) only when a tensor exceeds the budget or memory. */
nn_status nn_layer_sync_params (nn_net *net, int index, nn_error *err);
/* Frees every parameter and gradient tensor of layer (leaves it without parameters). */
void nn_layer_free_params (nn_layer *layer);
/* Elements of the state_dict entries layer index owns (num_batches_tracked counts 1). */
int64_t nn_layer_param_numel (const nn_net *net, int index);

/* ---- added by the performance owner (parallel.c) ---- */

/* Body of a parallel loop: handles items [lo, hi). Must not call BLAS (nn_sgemm). */
typedef void (*nn_parallel_fn) (void *ctx, int64_t lo, int64_t hi);

/* Runs fn over items [0, n_items) on up to nn_get_num_threads() threads (the caller and
 * the engine's pool), in chunks of at least min_chunk items; returns when all are done.
 * Runs serially when there is too little work or the pool is busy with another caller. */
void nn_parallel_for (int64_t n_items, int64_t min_chunk, nn_parallel_fn fn, void *ctx);

/* Conv2d / Linear with an optional ReLU fused into the pass that adds the bias (the
 * same numbers as the layer followed by nn_relu_forward, one memory pass fewer).
 * forward.c uses them when a ReLU follows and activations are not kept. */
nn_status nn_conv2d_forward_fused (nn_net *net, int index, const nn_tensor *in,
                                   nn_tensor *out, bool relu, nn_error *err);
nn_status nn_linear_forward_fused (nn_net *net, int index, const nn_tensor *in,
                                   nn_tensor *out, bool relu, nn_error *err);

/* Pooling geometry of one MaxPool2d/AvgPool2d layer (pool.c) */
typedef struct nn_pool_geom {
  int64_t planes, h_in, w_in, h_out, w_out;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
} nn_pool_geom;

void nn_pool_geom_init (nn_pool_geom *g, const nn_layer_config *cfg,
                        const nn_layer_info *info, int64_t n);
/* One plane [h_in, w_in] max-pooled into dst [h_out, w_out], exactly as the layer does */
void nn_maxpool_plane (const nn_pool_geom *g, const float *plane, float *dst);

/* Conv2d (index), optionally its ReLU, and the MaxPool2d pool_index after them as one
 * pass: each image's conv output is pooled while it is still in cache, and bias and
 * ReLU are applied to the pooled values (max(relu(x + b)) = relu(max(x) + b): both are
 * monotonic, and rounding x + b is too, so the numbers are the same bit for bit).
 * out has the pool's output shape. nn_conv2d_pool_fusable says whether the conv's
 * per-image scratch is small enough for it. */
bool nn_conv2d_pool_fusable (const nn_net *net, int index);
nn_status nn_conv2d_pool_forward (nn_net *net, int index, int pool_index,
                                  const nn_tensor *in, nn_tensor *out, bool relu,
                                  nn_error *err);


/* ---- added by the file-format owner (files.c): crash-safe saves ---- */

/* A save's temporary file: ".<name>.XXXXXX.layerlab-tmp" next to the target (rename()
 * stays within one filesystem), created with an exclusive flock() held until commit or
 * abort. The kernel drops the lock when the saving process dies, so a temporary whose
 * lock is free belongs to a killed save: nn_save_temp_open removes those of the same
 * target first, so killed saves leave at most a few files until the next save. */
typedef struct nn_save_temp {
  char *path;               /* the temporary file */
  char *dir;                /* the target's folder */
  const char *target;
  int fd;                   /* open for writing, locked */
} nn_save_temp;

#define NN_SAVE_TEMP_SUFFIX ".layerlab-tmp"

nn_status nn_save_temp_open (nn_save_temp *t, const char *target, nn_error *err);
/* fchmod to the target's mode (new files 0644), fsync, rename over the target, fsync
 * the folder; closes and frees t (on failure too, then the temporary is removed). */
nn_status nn_save_temp_commit (nn_save_temp *t, nn_error *err);
/* removes the temporary, closes and frees t */
void nn_save_temp_abort (nn_save_temp *t);
/* Removes the temporaries of target no save holds (killed saves); returns how many. */
int nn_save_temp_remove_stale (const char *target);
/* Whether path ends with suffix, ignoring ASCII case (".PT" is ".pt"). */
bool nn_path_has_suffix (const char *path, const char *suffix);

/* For the crash-save test (tests/test-crash-save.c): the points of a save a hook is told
 * of, so a test can stop a saving process at an exact point instead of at a random time.
 * NN_SAVE_WROTE comes after each piece of the file (progress: tensors written for
 * HDF5, bytes for .pt) and may come many times. */
typedef enum nn_save_point {
  NN_SAVE_OPENED,           /* the temporary exists, empty */
  NN_SAVE_WROTE,            /* part of the content is in the temporary */
  NN_SAVE_SYNCED,           /* the temporary is complete and on disk, not renamed */
  NN_SAVE_RENAMED,          /* the target is the new file; the folder not synced yet */
} nn_save_point;

typedef void (*nn_save_hook) (nn_save_point point, int64_t progress, void *data);

/* One hook per process; NULL (the default) for none. */
void nn_save_set_hook (nn_save_hook hook, void *data);
/* Calls the hook, if any. */
void nn_save_notify (nn_save_point point, int64_t progress);
/* Test only: saves write the target in place (no temporary, no rename), as a naive
 * save would, so the crash-save test can show that it catches a non-atomic save. */
void nn_save_set_unsafe_in_place (bool in_place);

/* ---- added by the copy-on-write owner (tensor.c) ---- */

/* Like nn_tensor_make_writable() for a caller about to overwrite every element: a shared
 * t gets new storage without the copy (its values are then undefined). */
nn_status nn_tensor_detach (nn_tensor *t, nn_error *err);
/* Exchanges the data of two owning tensors with the same element count (no copy): lets
 * a loader move staged values into a network whose tensors may be shared. */
void nn_tensor_swap_storage (nn_tensor *a, nn_tensor *b);


/* h5model.c: what the child of an isolated check runs (isolate.c, files.c): everything
 * nn_model_open / nn_weights_load (into net) would read except the contiguous weight
 * data (one plain read each, where a damaged file gives an error, not a crash): root,
 * architecture, the state_dict's keys, types and shapes, chunked/compact datasets, and
 * /training. Same status and message as the full open for every problem it finds. */
nn_status nn_model_check_headers (const char *path, nn_error *err);
nn_status nn_weights_check_headers (const char *path, nn_net *net, nn_error *err);
/* The most layers a model file (h5model.c) or the checker's network (isolate.c) may have */
#define NN_MAX_FILE_LAYERS 100000

/* h5model.c: a network of these layers with its parameters allocated (zero) rather than
 * initialised, as an open does before reading the weights: the checker program
 * (isolate.c) builds the network it checks a weights file against this way. */
nn_status nn_net_from_configs (const nn_shape *input, const nn_layer_config *cfgs, int n,
                               nn_net **out, nn_error *err);
/* isolate.c: the checker program's path, NULL for the default (LAYERLAB_CHECKER, else
 * the installed one), "" for none: the checks then run in a forked child (tests) */
void nn_isolate_set_checker (const char *path);
/* isolate.c: the same checks in a child process (see nn_model_validate_isolated) */
nn_status nn_model_check_headers_isolated (const char *path, nn_error *err);
nn_status nn_weights_check_headers_isolated (const char *path, const nn_net *net,
                                             nn_error *err);

/* ---- added by the Winograd owner (winograd.c) ---- */

/* When Conv2d uses Winograd F(4x4, 3x3): never, where it wins (the default), or for
 * every layer it can compute (3x3, stride 1, dilation 1, groups 1), for tests.
 * LAYERLAB_WINOGRAD=0 (off) or =2 (always) in the environment sets it at start-up. */
typedef enum nn_winograd_mode {
  NN_WINOGRAD_OFF = 0,
  NN_WINOGRAD_AUTO,
  NN_WINOGRAD_ALWAYS,
} nn_winograd_mode;

void nn_set_winograd (nn_winograd_mode mode);
nn_winograd_mode nn_get_winograd (void);
/* Whether Conv2d layer index (resolved) goes to Winograd in the current mode. In
 * NN_WINOGRAD_AUTO: 3x3, stride 1, dilation 1, groups 1, at least 16 input and output
 * channels, outputs of at least 4x4 and at least 16 4x4 output tiles per image. */
bool nn_winograd_applies (const nn_net *net, int index);
/* The instruction set of Winograd's GEMM micro-kernel: the best the CPU has (the
 * default), or a lower one so that tests reach every version. False when the CPU
 * lacks it. */
typedef enum nn_simd_level {
  NN_SIMD_BEST = -1,
  NN_SIMD_BASE = 0,         /* whatever the compiler targets by default */
  NN_SIMD_AVX2,             /* x86-64: AVX2 + FMA */
  NN_SIMD_AVX512,           /* x86-64: AVX-512F + VL */
} nn_simd_level;

bool nn_winograd_set_simd (nn_simd_level level);
/* Computes that layer like nn_conv2d_forward_fused (parameters checked by the caller).
 * False when its scratch cannot be allocated or when an output came out Inf or NaN
 * (out may then be partly written): the caller then computes the layer with im2col. */
bool nn_winograd_conv2d (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                         bool relu);
/* Whether MaxPool2d pool_index after Conv2d index (and its ReLU) can be folded into
 * Winograd's output transform: kernel 2, stride 2, no padding or dilation, and an even
 * conv output (every window inside one 4x4 tile). */
bool nn_winograd_pool_fusable (const nn_net *net, int index, int pool_index);
/* nn_winograd_conv2d writing the 2x2 max-pooled output (out has the pool's shape);
 * false, with out's contents undefined, in the same cases (Inf/NaN, no scratch). */
bool nn_winograd_conv2d_pool2 (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                               bool relu);

#endif /* NN_PRIVATE_H */
