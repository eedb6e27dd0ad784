/* status.c - nn_status names and the nn_error helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nn.h"

const char *
nn_status_to_string (nn_status status)
{
  switch (status)
    {
    case NN_OK: return "ok";
    case NN_STATUS_INVALID_ARG: return "invalid argument";
    case NN_STATUS_SHAPE: return "shape error";
    case NN_STATUS_NOMEM: return "out of memory";
    case NN_STATUS_TOO_LARGE: return "too large";
    case NN_STATUS_IO: return "input/output error";
    case NN_STATUS_FORMAT: return "bad file format";
    case NN_STATUS_UNSUPPORTED: return "unsupported";
    case NN_STATUS_MISMATCH: return "mismatch";
    case NN_STATUS_ABORTED: return "aborted";
    case NN_STATUS_NOT_FOUND: return "not found";
    case NN_STATUS_WEIGHTS_ONLY: return "weights only, not a model";
    default: return "unknown status";
    }
}

nn_status
nn_error_set (nn_error *err, nn_status status, int layer, const char *fmt, ...)
{
  va_list ap;

  if (err == NULL)
    return status;
  err->status = status;
  err->layer = layer;
  va_start (ap, fmt);
  vsnprintf (err->message, sizeof err->message, fmt, ap);
  va_end (ap);
  return status;
}

void
nn_error_clear (nn_error *err)
{
  if (err == NULL)
    return;
  err->status = NN_OK;
  err->layer = -1;
  err->message[0] = '\0';
}
