/* export.c - any view as a PNG or SVG file, written atomically
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file appears under its name only once it is complete: it is written to a
 * temporary file in the same folder, flushed to disk, then renamed over the target,
 * so an interrupted export never leaves half a picture behind.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo-svg.h>

#include "render-private.h"

/* Cairo's image surfaces are limited to 32767 pixels a side; 2^28 pixels is 1 GiB. */
#define MAX_PNG_SIDE 32767.0
#define MAX_PIXELS 268435456.0
#define MAX_SCALE 64.0

bool
ll_render_format_from_path (const char *path, LlRenderFormat *format)
{
  size_t n = path != NULL ? strlen (path) : 0;

  if (n > 4 && strcasecmp (path + n - 4, ".png") == 0)
    *format = LL_RENDER_FORMAT_PNG;
  else if (n > 4 && strcasecmp (path + n - 4, ".svg") == 0)
    *format = LL_RENDER_FORMAT_SVG;
  else
    return false;
  return true;
}

typedef struct export_stream {
  FILE *file;
  int error;                  /* errno of the first failed write */
  const char *reason;         /* Cairo's word for another failure */
} export_stream;

static cairo_status_t
stream_write (void *closure, const unsigned char *data, unsigned int length)
{
  export_stream *s = closure;

  if (s->error != 0)
    return CAIRO_STATUS_WRITE_ERROR;
  if (fwrite (data, 1, length, s->file) != length)
    {
      s->error = errno != 0 ? errno : EIO;
      return CAIRO_STATUS_WRITE_ERROR;
    }
  return CAIRO_STATUS_SUCCESS;
}

static nn_status
check_size (const char *path, LlRenderFormat format, double width, double height, double scale,
            nn_error *err)
{
  double pw = ceil (width * scale), ph = ceil (height * scale);

  if (!(width > 0.0 && height > 0.0 && isfinite (width) && isfinite (height)))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s: nothing to draw (%g x %g)", path,
                         width, height);
  if (!(scale > 0.0 && scale <= MAX_SCALE))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                         "%s: the scale must be above 0 and at most %g, not %g", path, MAX_SCALE,
                         scale);
  if (format == LL_RENDER_FORMAT_PNG && (pw > MAX_PNG_SIDE || ph > MAX_PNG_SIDE))
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1,
                         "%s: a %.0f x %.0f pixel PNG is too large (at most %.0f pixels a side); "
                         "use a smaller scale or zoom, or SVG", path, pw, ph, MAX_PNG_SIDE);
  /* SVG too: grids are embedded as images at this resolution */
  if (pw * ph > MAX_PIXELS)
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1,
                         "%s: a %.0f x %.0f picture is too large (at most %.0f pixels in all); "
                         "use a smaller scale or zoom", path, pw, ph, MAX_PIXELS);
  return NN_OK;
}

static cairo_status_t
write_png (export_stream *s, double width, double height, double scale, LlRenderDrawFunc draw,
           void *user_data)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                         (int) ceil (width * scale),
                                                         (int) ceil (height * scale));
  cairo_status_t status = cairo_surface_status (surface);

  if (status == CAIRO_STATUS_SUCCESS)
    {
      cairo_t *cr = cairo_create (surface);

      cairo_scale (cr, scale, scale);
      draw (cr, user_data);
      status = cairo_status (cr);
      cairo_destroy (cr);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_write_to_png_stream (surface, stream_write, s);
    }
  cairo_surface_destroy (surface);
  return status;
}

static cairo_status_t
write_svg (export_stream *s, double width, double height, double scale, LlRenderDrawFunc draw,
           void *user_data)
{
  cairo_surface_t *surface = cairo_svg_surface_create_for_stream (stream_write, s, width * scale,
                                                                  height * scale);
  cairo_status_t status = cairo_surface_status (surface);

  if (status == CAIRO_STATUS_SUCCESS)
    {
      cairo_t *cr = cairo_create (surface);

      cairo_scale (cr, scale, scale);
      draw (cr, user_data);
      status = cairo_status (cr);
      cairo_destroy (cr);
      cairo_surface_finish (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  return status;
}

/* Flushes and closes the temporary file (always), then renames it to path. */
static nn_status
finish_file (export_stream *s, const char *tmp, const char *path, nn_error *err)
{
  int error = s->error;

  if (error == 0 && (fflush (s->file) != 0 || fsync (fileno (s->file)) != 0))
    error = errno;
  if (error == 0 && fchmod (fileno (s->file), 0644) != 0)
    error = errno;
  if (fclose (s->file) != 0 && error == 0)
    error = errno;
  if (error == 0 && s->reason == NULL && rename (tmp, path) != 0)
    error = errno;
  if (error == 0 && s->reason == NULL)
    return NN_OK;
  unlink (tmp);
  return nn_error_set (err, error == ENOMEM ? NN_STATUS_NOMEM : NN_STATUS_IO, -1,
                       "cannot write %s: %s", path, error != 0 ? strerror (error) : s->reason);
}

nn_status
ll_render_export (const char *path, LlRenderFormat format, double width, double height,
                  double scale, LlRenderDrawFunc draw, void *user_data, nn_error *err)
{
  export_stream s = { 0 };
  cairo_status_t cs;
  nn_status status;
  char *tmp;
  int fd;

  status = check_size (path, format, width, height, scale, err);
  if (status != NN_OK)
    return status;
  tmp = malloc (strlen (path) + 16);
  if (tmp == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
  sprintf (tmp, "%s.XXXXXX", path);
  fd = mkstemp (tmp);
  if (fd < 0 || (s.file = fdopen (fd, "wb")) == NULL)
    {
      status = nn_error_set (err, NN_STATUS_IO, -1, "cannot write %s: %s", path,
                             strerror (errno));
      if (fd >= 0)
        {
          close (fd);
          unlink (tmp);
        }
      free (tmp);
      return status;
    }
  if (format == LL_RENDER_FORMAT_SVG)
    cs = write_svg (&s, width, height, scale, draw, user_data);
  else
    cs = write_png (&s, width, height, scale, draw, user_data);
  if (cs == CAIRO_STATUS_NO_MEMORY && s.error == 0)
    s.error = ENOMEM;
  else if (cs != CAIRO_STATUS_SUCCESS && s.error == 0)
    s.reason = cairo_status_to_string (cs);
  status = finish_file (&s, tmp, path, err);
  free (tmp);
  return status;
}

static void
draw_view (cairo_t *cr, void *user_data)
{
  ll_render_view_draw (user_data, cr);
}

nn_status
ll_render_view_export (const LlRenderView *view, const char *path, LlRenderFormat format,
                       double scale, nn_error *err)
{
  LlRenderView copy = *view;
  LlRenderLayout layout;

  if (!view->prepared)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s: the view is not prepared", path);
  copy.options.background = true;
  ll_render_view_measure (&copy, &layout);
  return ll_render_export (path, format, layout.width, layout.height, scale, draw_view, &copy,
                           err);
}
