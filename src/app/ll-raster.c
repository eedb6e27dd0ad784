/* ll-raster.c - ink for the drawing pad: round strokes into a float canvas
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stroke is the union of anti-aliased discs swept along the segment, which is the
 * same as ink by the distance to the segment: one pass over the segment's bounding box,
 * however long it is and however far apart two motion events were.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>

#include "ll-raster.h"

/* Distance from (px, py) to the segment (x0, y0)–(x1, y1). */
static double
segment_distance (double px,
                  double py,
                  double x0,
                  double y0,
                  double x1,
                  double y1)
{
  double dx = x1 - x0, dy = y1 - y0;
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;

  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return hypot (px - (x0 + t * dx), py - (y0 + t * dy));
}

void
ll_raster_stroke (float  *canvas,
                  int     height,
                  int     width,
                  double  x0,
                  double  y0,
                  double  x1,
                  double  y1,
                  double  stroke_width)
{
  double reach = stroke_width / 2 + 0.5;   /* where the edge's ink reaches 0 */
  int i0, i1, j0, j1;

  if (canvas == NULL || height <= 0 || width <= 0 || !(stroke_width > 0)
      || !isfinite (x0) || !isfinite (y0) || !isfinite (x1) || !isfinite (y1))
    return;
  /* clamped in doubles first: a point far off the canvas must not overflow an int */
  j0 = (int) fmin (width, fmax (0, floor (fmin (x0, x1) - reach)));
  j1 = (int) fmax (-1, fmin (width - 1, ceil (fmax (x0, x1) + reach)));
  i0 = (int) fmin (height, fmax (0, floor (fmin (y0, y1) - reach)));
  i1 = (int) fmax (-1, fmin (height - 1, ceil (fmax (y0, y1) + reach)));
  for (int i = i0; i <= i1; i++)
    for (int j = j0; j <= j1; j++)
      {
        double d = segment_distance (j + 0.5, i + 0.5, x0, y0, x1, y1);
        float ink = (float) fmin (1, fmax (0, reach - d));
        float *px = &canvas[(long) i * width + j];

        if (ink > *px)
          *px = ink;
      }
}
