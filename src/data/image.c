/* image.c - PNG (libpng) and JPEG (libjpeg) files as float planes, nn_image_load
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Gray images (with or without alpha) decode to one plane, everything else to RGB;
 * alpha is composited onto black by libpng's simplified API. libjpeg reports errors
 * through a longjmp from our error manager, so that a broken file never exits.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "data-private.h"

/* Sizes from a file header: checked before allocating c×h×w floats */
static nn_status
alloc_image (nn_image *img, int64_t c, int64_t h, int64_t w, const char *path, nn_error *err)
{
  int64_t numel;

  if (h < 1 || w < 1 || !nn_checked_mul (c * h, w, &numel) ||
      (uint64_t) numel > nn_memory_budget () / sizeof (float))
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%s: image size %" PRId64 "×%" PRId64
                         " is too large", path, w, h);
  img->data = malloc ((size_t) numel * sizeof (float));
  if (img->data == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
  img->c = c;
  img->h = h;
  img->w = w;
  return NN_OK;
}

/* interleaved 8-bit HWC -> planar float CHW in [0, 1] */
static void
bytes_to_planes (const uint8_t *src, nn_image *img)
{
  int64_t hw = img->h * img->w;

  for (int64_t i = 0; i < hw; i++)
    for (int64_t c = 0; c < img->c; c++)
      img->data[c * hw + i] = src[i * img->c + c] / 255.0f;
}

static nn_status
decode_png (const char *path, nn_image *img, nn_error *err)
{
  png_image png;
  uint8_t *buf;
  nn_status st;

  memset (&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file (&png, path))
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: cannot read PNG: %s", path,
                         png.message);
  png.format = (png.format & PNG_FORMAT_FLAG_COLOR) ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  st = alloc_image (img, PNG_IMAGE_PIXEL_CHANNELS (png.format), png.height, png.width, path,
                    err);
  buf = st == NN_OK ? malloc (PNG_IMAGE_SIZE (png)) : NULL;
  if (st == NN_OK && buf == NULL)
    st = nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
  if (st == NN_OK && !png_image_finish_read (&png, NULL, buf, 0, NULL))
    st = nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: cannot read PNG: %s", path, png.message);
  if (st == NN_OK)
    bytes_to_planes (buf, img);
  png_image_free (&png);
  free (buf);
  return st;
}

typedef struct jpeg_err {
  struct jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} jpeg_err;

static void
jpeg_fail (j_common_ptr cinfo)
{
  jpeg_err *je = (jpeg_err *) cinfo->err;

  je->mgr.format_message (cinfo, je->message);
  longjmp (je->jump, 1);
}

/* libjpeg prints warnings (e.g. "premature end of data") by default; a truncated file
 * still decodes (grey at the end), as in every image viewer. */
static void
jpeg_quiet (j_common_ptr cinfo, int level)
{
  (void) cinfo;
  (void) level;
}

/* The decoder's state lives in a struct the longjmp cannot clobber. */
typedef struct jpeg_state {
  struct jpeg_decompress_struct cinfo;
  jpeg_err je;
  uint8_t *row;
  FILE *f;
} jpeg_state;

static nn_status
jpeg_read_rows (jpeg_state *s, const char *path, nn_image *img, nn_error *err)
{
  struct jpeg_decompress_struct *ci = &s->cinfo;
  nn_status st;

  jpeg_read_header (ci, TRUE);
  ci->out_color_space = ci->num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress (ci);
  st = alloc_image (img, ci->output_components, ci->output_height, ci->output_width, path, err);
  if (st != NN_OK)
    return st;
  s->row = malloc ((size_t) ci->output_width * (size_t) ci->output_components);
  if (s->row == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
  while (ci->output_scanline < ci->output_height)
    {
      int64_t y = ci->output_scanline, hw = img->h * img->w;
      JSAMPROW rows[1] = { s->row };

      jpeg_read_scanlines (ci, rows, 1);
      for (int64_t x = 0; x < img->w; x++)
        for (int64_t c = 0; c < img->c; c++)
          img->data[c * hw + y * img->w + x] = s->row[x * img->c + c] / 255.0f;
    }
  jpeg_finish_decompress (ci);
  return NN_OK;
}

static nn_status
decode_jpeg (const char *path, nn_image *img, nn_error *err)
{
  jpeg_state *s = calloc (1, sizeof *s);
  nn_status st = NN_OK;

  if (s == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  s->f = fopen (path, "rb");
  if (s->f == NULL)
    {
      free (s);
      return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot open: %s", path, strerror (errno));
    }
  s->cinfo.err = jpeg_std_error (&s->je.mgr);
  s->je.mgr.error_exit = jpeg_fail;
  s->je.mgr.emit_message = jpeg_quiet;
  if (setjmp (s->je.jump) == 0)
    {
      jpeg_create_decompress (&s->cinfo);
      jpeg_stdio_src (&s->cinfo, s->f);
      st = jpeg_read_rows (s, path, img, err);
    }
  else
    st = nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: cannot read JPEG: %s", path,
                       s->je.message);
  jpeg_destroy_decompress (&s->cinfo);
  fclose (s->f);
  free (s->row);
  free (s);
  return st;
}

nn_status
nn_image_decode (const char *path, nn_image *img, nn_error *err)
{
  uint8_t magic[8] = { 0 };
  FILE *f = fopen (path, "rb");
  size_t got;
  nn_status st;

  memset (img, 0, sizeof *img);
  if (f == NULL)
    return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot open: %s", path, strerror (errno));
  got = fread (magic, 1, sizeof magic, f);
  fclose (f);
  if (got == 8 && memcmp (magic, "\x89PNG\r\n\x1a\n", 8) == 0)
    st = decode_png (path, img, err);
  else if (got >= 3 && magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff)
    st = decode_jpeg (path, img, err);
  else
    st = nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "%s: not a PNG or JPEG image", path);
  if (st != NN_OK)
    {
      free (img->data);
      memset (img, 0, sizeof *img);
    }
  return st;
}

nn_status
nn_image_load (const char *path, const nn_shape *shape, nn_fit_mode fit, nn_tensor **out,
               nn_error *err)
{
  nn_image img;
  nn_status st;
  char buf[64];

  *out = NULL;
  if (shape->n_dims != 3 || !nn_channels_convertible (1, shape->d[0]))
    return nn_error_set (err, NN_STATUS_SHAPE, -1, "%s: an image cannot be an input of shape "
                         "%s (it needs [1, H, W] or [3, H, W])", path,
                         nn_shape_to_string (shape, buf, sizeof buf));
  st = nn_image_decode (path, &img, err);
  if (st != NN_OK)
    return st;
  *out = nn_tensor_new_4d (1, shape->d[0], shape->d[1], shape->d[2], err);
  if (*out != NULL)
    nn_fit_sample (img.data, img.c, img.h, img.w, (*out)->data, shape->d[0], shape->d[1],
                   shape->d[2], fit);
  free (img.data);
  return *out != NULL ? NN_OK : (err != NULL ? err->status : NN_STATUS_NOMEM);
}
