/* files.c - open and save networks by file name: HDF5 or PyTorch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CLI and the window share these, so both say the same thing about a weights file
 * opened as a model, and both pick the format from the extension the same way.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "nn.h"

static bool
has_suffix (const char *path, const char *suffix)
{
  size_t n = strlen (path), m = strlen (suffix);
  return n >= m && strcasecmp (path + n - m, suffix) == 0;
}

bool
nn_path_is_pytorch (const char *path)
{
  return has_suffix (path, ".pt") || has_suffix (path, ".pth");
}

nn_status
nn_file_probe_any (const char *path, nn_file_kind *kind, nn_error *err)
{
  *kind = NN_FILE_UNKNOWN;
  if (nn_path_is_pytorch (path))
    return nn_pt_probe (path, kind, err);
  return nn_file_probe (path, kind, err);
}

nn_status
nn_file_open_model (const char *path, const nn_shape *input, nn_net **out, nn_error *err)
{
  nn_file_kind kind = NN_FILE_UNKNOWN;
  *out = NULL;
  nn_status st = nn_file_probe_any (path, &kind, err);
  if (st != NN_OK)
    return st;
  /* say what to do with a weights file rather than "missing /architecture" */
  if (kind == NN_FILE_WEIGHTS)
    return nn_error_set (err, NN_STATUS_FORMAT, -1,
                         "%s is a weights-only file (a state_dict), not a model: load it into a "
                         "model (layerlab-cli run MODEL --weights FILE, or Load Weights in "
                         "the window)", path);
  if (kind == NN_FILE_ACTIVATIONS)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s is an activation file, not a model", path);
  if (nn_path_is_pytorch (path))
    return nn_pt_open_model (path, input, out, err);
  return nn_model_open (path, out, err);
}

nn_status
nn_file_load_weights (const char *path, nn_net *net, nn_error *err)
{
  if (nn_path_is_pytorch (path))
    return nn_pt_load_weights (path, net, err);
  return nn_weights_load (path, net, err);
}

nn_status
nn_file_save (const char *path, const nn_net *net, bool weights_only, nn_error *err)
{
  if (nn_path_is_pytorch (path))
    {
      if (!weights_only)
        return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1,
                             "%s: Layerlab writes PyTorch files as state_dicts (weights only); "
                             "save the model as .h5, or save its weights to the .pt file", path);
      return nn_pt_save_state_dict (path, net, err);
    }
  return weights_only ? nn_weights_save (path, net, err) : nn_model_save (path, net, err);
}
