/* dataset.h - data sets for training and inputs for inspection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure C (engine + zlib + libpng + libjpeg), no GLib/GTK: shared by layerlab-cli and the
 * window. Every size read from a file is checked before anything is allocated.
 */
#ifndef NN_DATASET_H
#define NN_DATASET_H

#include "nn.h"

/* Samples as read: x [N, C, H, W] (or [N, F]) float32, labels int64 in [0, n_classes). */
typedef struct nn_dataset {
  nn_tensor *x;
  int64_t *labels;
  int64_t n;
  int64_t n_classes;
  char **class_names;     /* n_classes strings (see nn_dataset_class_name), may be NULL */
} nn_dataset;

void nn_dataset_free (nn_dataset *ds);
/* The name of class i: a class folder's sub-folder name, Fashion-MNIST's ("T-shirt/top",
 * "Trouser", ... "Ankle boot") for an MNIST folder named like it (fashion-mnist,
 * FashionMNIST/raw), else the index as text ("0".."9": MNIST, .npy); NULL for a class
 * the data set does not have. */
const char *nn_dataset_class_name (const nn_dataset *ds, int64_t i);

/* IDX files (MNIST layout; gzip or plain): images idx3-ubyte [N, H, W] -> [N, 1, H, W]
 * scaled to [0, 1]; labels idx1-ubyte. */
nn_status nn_dataset_load_idx (const char *images_path, const char *labels_path,
                               nn_dataset **out, nn_error *err);
/* A folder with the MNIST files: train-images-idx3-ubyte(.gz), train-labels-...,
 * t10k-images-..., t10k-labels-...; split "train" or "test". */
nn_status nn_dataset_load_mnist_dir (const char *dir, const char *split, nn_dataset **out,
                                     nn_error *err);
/* A pair of .npy arrays: inputs [N, ...] float, labels [N] int64 (or any integer type). */
nn_status nn_dataset_load_npy (const char *x_path, const char *y_path, nn_dataset **out,
                               nn_error *err);
/* A folder with one sub-folder of PNG/JPEG images per class (sorted names = classes),
 * each image converted to shape (grayscale or RGB by shape.d[0], resized). */
nn_status nn_dataset_load_folder (const char *dir, const nn_shape *shape, nn_dataset **out,
                                  nn_error *err);
/* Any of the above by what the argument looks like: "X.npy:Y.npy", an MNIST folder
 * (split "train"/"test"), or a class folder. */
nn_status nn_dataset_load (const char *spec, const char *split, const nn_shape *shape,
                           nn_dataset **out, nn_error *err);

typedef enum nn_fit_mode {
  NN_FIT_CENTER_CROP = 0,  /* crop (or zero-pad) the centre to H×W */
  NN_FIT_RESIZE,           /* bilinear resize to H×W */
} nn_fit_mode;

typedef struct nn_preprocess {
  nn_fit_mode fit;
  bool normalize;          /* (x - mean[c]) / std[c] after scaling to [0, 1] */
  float mean[3], std[3];
} nn_preprocess;

/* Converts ds->x in place to the network's per-sample input shape (channels: gray <-> RGB
 * by averaging / repeating). */
nn_status nn_dataset_preprocess (nn_dataset *ds, const nn_shape *shape, const nn_preprocess *pp,
                                 nn_error *err);
/* Seeded Fisher-Yates permutation of 0..n-1 (malloc'd). */
int64_t *nn_dataset_permutation (int64_t n, uint64_t seed);
/* Moves the last fraction of samples (after a seeded shuffle) into *val. */
nn_status nn_dataset_split (nn_dataset *ds, double val_fraction, uint64_t seed, nn_dataset **val,
                            nn_error *err);
/* Copies samples idx[0..count) into batch tensors (x allocated by the caller as
 * [count, ...]). */
void nn_dataset_gather (const nn_dataset *ds, const int64_t *idx, int64_t count, nn_tensor *x,
                        int64_t *labels);

/* One image file (PNG/JPEG) as a [1, C, H, W] input scaled to [0, 1]. */
nn_status nn_image_load (const char *path, const nn_shape *shape, nn_fit_mode fit, nn_tensor **out,
                         nn_error *err);

/* ---------------------------------------------------------------- additions */

/* nn_dataset_load_folder / nn_dataset_load with the fit mode for images of another size
 * (those two resize). */
nn_status nn_dataset_load_folder_fit (const char *dir, const nn_shape *shape, nn_fit_mode fit,
                                      nn_dataset **out, nn_error *err);
nn_status nn_dataset_load_fit (const char *spec, const char *split, const nn_shape *shape,
                               nn_fit_mode fit, nn_dataset **out, nn_error *err);
/* Whether spec is a folder that has the split: an MNIST folder with its files, or a class
 * folder with a sub-folder named split ("test/"). */
bool nn_dataset_has_split (const char *spec, const char *split);
/* Whether what spec names is there: both files of "X.npy:Y.npy", else a folder. It says
 * nothing of their contents (nn_dataset_load does). */
bool nn_dataset_spec_exists (const char *spec);

/* ---------------------------------------------------------------- training loops (batches.c) */

/* Reusable batch tensors for up to cap samples of a data set. With onehot_k > 0 it also
 * makes MSELoss targets [count, onehot_k], the one-hot rows of the labels. */
typedef struct nn_batcher {
  nn_tensor *x, *target;
  int64_t *labels;
  int64_t cap;              /* min (cap asked for, ds->n) */
  nn_tensor x_view, target_view;
} nn_batcher;

nn_status nn_batcher_init (nn_batcher *b, const nn_dataset *ds, int64_t cap, int64_t onehot_k,
                           nn_error *err);
void nn_batcher_clear (nn_batcher *b);
/* Gathers samples idx[0..count) (count <= b->cap) and points batch at them. */
void nn_batcher_fill (nn_batcher *b, const nn_dataset *ds, const int64_t *idx, int64_t count,
                      nn_batch *batch);
/* The order of the samples in epoch: a permutation seeded by (seed, epoch), or 0..n-1
 * without shuffle. malloc'd; NULL when out of memory. */
int64_t *nn_dataset_epoch_order (int64_t n, bool shuffle, uint64_t seed, int64_t epoch);
/* Inference over the whole data set in batches of batch: the mean loss per sample, the
 * arg-max hits (cross-entropy only) and, if confusion != NULL (K×K, zeroed by the
 * caller), the confusion counts. MSELoss compares with one-hot targets. */
nn_status nn_dataset_evaluate (nn_net *net, const nn_dataset *ds, nn_loss_kind loss,
                               int64_t batch, const nn_run_opts *opts, double *mean_loss,
                               int64_t *correct, int64_t *confusion, nn_error *err);
/* nn_dataset_load_fit + nn_dataset_preprocess for net's input, then checks that net ends
 * in K class scores with K above every label. */
nn_status nn_dataset_load_for_net (const char *spec, const char *split, const nn_net *net,
                                   const nn_preprocess *pp, nn_dataset **out, nn_error *err);

#endif /* NN_DATASET_H */
