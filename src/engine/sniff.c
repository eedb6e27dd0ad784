/* sniff.c - what a file is, from its first bytes, for readers and for messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layerlab reads HDF5 models and PyTorch .pt files. A file chosen by mistake (an image,
 * an ONNX export, a TorchScript archive, a NumPy array) gets a message that names what
 * it is rather than "not an HDF5 file", and a model whose name does not say what it is
 * (a .pt renamed .h5, a .bin) still goes to the right reader. Only magic numbers and,
 * for a zip, the names of its entries are looked at; nothing is parsed further.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "nn-private.h"

#define SNIFF_BYTES 512

static bool
starts_with (const unsigned char *buf, size_t n, const char *magic, size_t m)
{
  return n >= m && memcmp (buf, magic, m) == 0;
}

/* HDF5's signature is at 0 or after a user block of 512, 1024, 2048, ... bytes. */
static bool
has_hdf5_signature (FILE *f)
{
  unsigned char sig[8];

  for (long at = 0; at <= 1L << 20; at = at == 0 ? 512 : at * 2)
    {
      if (fseek (f, at, SEEK_SET) != 0 || fread (sig, 1, sizeof sig, f) != sizeof sig)
        return false;
      if (memcmp (sig, "\x89HDF\r\n\x1a\n", 8) == 0)
        return true;
    }
  return false;
}

/* A zip's entries tell torch.save's archives (<name>/data.pkl), torch.jit.save's
 * (<name>/constants.pkl, <name>/code/) and other zips apart. */
static nn_content
sniff_zip (const char *path)
{
  int zerr = 0;
  zip_t *z = zip_open (path, ZIP_RDONLY, &zerr);
  nn_content c = NN_CONTENT_ZIP;
  zip_int64_t n;

  if (z == NULL)
    return NN_CONTENT_ZIP;
  n = zip_get_num_entries (z, 0);
  for (zip_int64_t i = 0; i < n && i < 100000; i++)
    {
      const char *name = zip_get_name (z, (zip_uint64_t) i, 0);
      const char *slash = name ? strchr (name, '/') : NULL;

      if (slash == NULL)
        continue;
      if (strcmp (slash + 1, "constants.pkl") == 0 || strncmp (slash + 1, "code/", 5) == 0)
        {
          c = NN_CONTENT_TORCHSCRIPT;
          break;
        }
      if (strcmp (slash + 1, "data.pkl") == 0)
        c = NN_CONTENT_PYTORCH;
    }
  zip_discard (z);
  return c;
}

/* An ONNX ModelProto starts with ir_version (field 1, a small varint) followed by
 * another of its fields (producer_name, domain, graph, opset_import, ...). */
static bool
looks_like_onnx (const unsigned char *b, size_t n)
{
  return n >= 3 && b[0] == 0x08 && b[1] >= 1 && b[1] <= 20
         && (b[2] == 0x12 || b[2] == 0x1a || b[2] == 0x22 || b[2] == 0x28 || b[2] == 0x32
             || b[2] == 0x3a || b[2] == 0x42 || b[2] == 0x52);
}

/* Printable ASCII, white space and UTF-8 sequences only. */
static bool
looks_like_text (const unsigned char *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      unsigned char c = b[i];

      if (c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f))
        continue;
      if (c >= 0xc2 && c <= 0xf4)
        {
          size_t len = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;

          for (size_t k = 1; k <= len; k++)
            if (i + k < n && (b[i + k] & 0xc0) != 0x80)
              return false;
          i += len;
          continue;
        }
      return false;
    }
  return true;
}

nn_content
nn_file_sniff (const char *path)
{
  unsigned char b[SNIFF_BYTES];
  FILE *f = fopen (path, "rb");
  size_t n;
  nn_content c = NN_CONTENT_UNKNOWN;

  if (f == NULL)
    return NN_CONTENT_UNREADABLE;
  n = fread (b, 1, sizeof b, f);
  if (n == 0)
    c = ferror (f) ? NN_CONTENT_UNREADABLE : NN_CONTENT_EMPTY;
  else if (has_hdf5_signature (f))
    c = NN_CONTENT_HDF5;
  else if (starts_with (b, n, "PK\x03\x04", 4) || starts_with (b, n, "PK\x05\x06", 4))
    c = NN_CONTENT_ZIP;
  else if (n >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5)
    c = NN_CONTENT_PICKLE;
  else if (starts_with (b, n, "\x93NUMPY", 6))
    c = NN_CONTENT_NPY;
  else if (starts_with (b, n, "\x89PNG\r\n\x1a\n", 8))
    c = NN_CONTENT_PNG;
  else if (starts_with (b, n, "\xff\xd8\xff", 3))
    c = NN_CONTENT_JPEG;
  else if (starts_with (b, n, "GIF87a", 6) || starts_with (b, n, "GIF89a", 6))
    c = NN_CONTENT_GIF;
  else if (starts_with (b, n, "%PDF-", 5))
    c = NN_CONTENT_PDF;
  else if (starts_with (b, n, "\x1f\x8b", 2))
    c = NN_CONTENT_GZIP;
  else if (starts_with (b, n, "\x7f" "ELF", 4))
    c = NN_CONTENT_PROGRAM;
  else if (looks_like_onnx (b, n) || (nn_path_has_suffix (path, ".onnx") && !looks_like_text (b, n)))
    c = NN_CONTENT_ONNX;
  else if (looks_like_text (b, n))
    c = NN_CONTENT_TEXT;
  fclose (f);
  if (c == NN_CONTENT_ZIP)
    c = sniff_zip (path);
  return c;
}

const char *
nn_content_describe (nn_content content)
{
  switch (content)
    {
    case NN_CONTENT_EMPTY: return "an empty file";
    case NN_CONTENT_HDF5: return "an HDF5 file";
    case NN_CONTENT_PYTORCH: return "a PyTorch file";
    case NN_CONTENT_TORCHSCRIPT: return "a TorchScript archive";
    case NN_CONTENT_PICKLE: return "a Python pickle (PyTorch's legacy format?)";
    case NN_CONTENT_ONNX: return "an ONNX file";
    case NN_CONTENT_NPY: return "a NumPy array (.npy)";
    case NN_CONTENT_PNG: return "a PNG image";
    case NN_CONTENT_JPEG: return "a JPEG image";
    case NN_CONTENT_GIF: return "a GIF image";
    case NN_CONTENT_PDF: return "a PDF document";
    case NN_CONTENT_ZIP: return "a zip archive";
    case NN_CONTENT_GZIP: return "a gzip-compressed file";
    case NN_CONTENT_PROGRAM: return "a program";
    case NN_CONTENT_TEXT: return "a text file";
    case NN_CONTENT_UNREADABLE: return "a file that cannot be read";
    default: return NULL;
    }
}

/* What to do instead, where there is something better to say than "not a model". */
static const char *
content_advice (nn_content content)
{
  switch (content)
    {
    case NN_CONTENT_ONNX:
      return "an ONNX file holds a whole model: open it as one";
    case NN_CONTENT_TORCHSCRIPT:
      return "save the module with torch.save(module, path) instead of torch.jit.save";
    case NN_CONTENT_NPY:
      return "a .npy array is an input or a data set, not a model";
    case NN_CONTENT_PNG:
    case NN_CONTENT_JPEG:
    case NN_CONTENT_GIF:
      return "an image is an input, not a model";
    case NN_CONTENT_GZIP:
      return "decompress it first";
    default:
      return NULL;
    }
}

nn_status
nn_content_error (nn_error *err, const char *path, nn_content content)
{
  const char *what = nn_content_describe (content);
  const char *advice = content_advice (content);

  if (content == NN_CONTENT_EMPTY)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: the file is empty", path);
  if (what == NULL)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: not a model file Layerlab reads "
                         "(Layerlab opens its .h5 models and PyTorch .pt files)", path);
  return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: this is %s, not a model file "
                       "Layerlab reads (Layerlab opens its .h5 models and PyTorch .pt files)%s%s",
                       path, what, advice ? "; " : "", advice ? advice : "");
}

bool
nn_file_reads_as_pytorch (const char *path)
{
  switch (nn_file_sniff (path))
    {
    case NN_CONTENT_HDF5:
      return false;
    case NN_CONTENT_PYTORCH:
    case NN_CONTENT_TORCHSCRIPT:
    case NN_CONTENT_PICKLE:
      return true;
    default:
      return nn_path_is_pytorch (path);
    }
}
