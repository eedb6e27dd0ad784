/* data-private.h - helpers shared by the files of the data library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NN_DATA_PRIVATE_H
#define NN_DATA_PRIVATE_H

#include "dataset.h"

/* A decoded image: c (1 or 3) planes of h×w floats in [0, 1], CHW. */
typedef struct nn_image {
  int64_t c, h, w;
  float *data;
} nn_image;

/* image.c: decodes a PNG or JPEG file (told apart by their magic bytes) */
nn_status nn_image_decode (const char *path, nn_image *img, nn_error *err);

/* preprocess.c: one sample (c, h, w) -> (C, H, W). Channels 1 <-> 3 by averaging /
 * repeating; other channel changes are refused by the callers beforehand. */
void nn_fit_sample (const float *src, int64_t c, int64_t h, int64_t w, float *dst,
                    int64_t C, int64_t H, int64_t W, nn_fit_mode fit);
bool nn_channels_convertible (int64_t from, int64_t to);

/* dataset.c: a data set with n samples of per-sample shape (c, h, w), or (f) when
 * h == 0; labels uninitialised; class names none. */
nn_dataset *nn_dataset_alloc (int64_t n, int64_t c, int64_t h, int64_t w, nn_error *err);
/* "0".."k-1" (IDX, npy) */
bool nn_dataset_number_classes (nn_dataset *ds, int64_t k);
/* Replaces the class names by names[0 .. n_classes) (copied). */
bool nn_dataset_name_classes (nn_dataset *ds, const char *const *names);
/* Checks labels in [0, max]; sets n_classes = the largest + 1. */
nn_status nn_dataset_check_labels (nn_dataset *ds, const char *path, nn_error *err);

/* idx.c: DIR holds the IDX files of split ("train" / "test") */
bool nn_mnist_dir_has_split (const char *dir, const char *split);

#endif /* NN_DATA_PRIVATE_H */
