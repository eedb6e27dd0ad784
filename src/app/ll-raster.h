/* ll-raster.h - ink for the drawing pad: round strokes into a float canvas
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain C, no GLib or GTK, so that a unit test can check it pixel by pixel.
 */
#pragma once

/* Lays a round stroke of the given width from (x0, y0) to (x1, y1) into the height ×
 * width canvas (row-major, values in [0, 1]). Coordinates are in canvas pixels: pixel
 * (row i, column j) is the square [j, j + 1) × [i, i + 1), sampled at its centre. The
 * ink of a pixel at distance d from the segment is clamp (w / 2 + 0.5 - d, 0, 1): full
 * inside the stroke, one pixel of anti-aliased edge, nothing beyond w / 2 + 0.5. It is
 * max-combined with what is there, so ink saturates at 1. A segment whose ends are the
 * same point lays a dot. */
void ll_raster_stroke (float  *canvas,
                       int     height,
                       int     width,
                       double  x0,
                       double  y0,
                       double  x1,
                       double  y1,
                       double  stroke_width);
