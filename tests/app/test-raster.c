/* test-raster.c - the drawing pad's strokes (ll-raster.c), pixel by pixel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected ink comes from an independent distance: the segment sampled at many
 * points, not the projection ll-raster.c uses.
 */
#include "config.h"

#include <glib.h>
#include <math.h>

#include "ll-raster.h"

#define H 28
#define W 28
#define SAMPLES 4000

typedef struct {
  const char *path;
  double x0, y0, x1, y1, w;
} Stroke;

static const Stroke strokes[] = {
  { "/raster/segment/diagonal-2.5", 4.2, 5.1, 20.7, 22.3, 2.5 },
  { "/raster/segment/horizontal-1", 3.0, 14.5, 25.0, 14.5, 1.0 },
  { "/raster/segment/vertical-4", 10.3, 2.0, 10.3, 26.0, 4.0 },
  { "/raster/segment/short-3", 14.0, 14.0, 15.2, 13.1, 3.0 },
  { "/raster/segment/dot-2.5", 9.5, 9.5, 9.5, 9.5, 2.5 },
  { "/raster/segment/thin-0.5", 2.0, 25.0, 25.0, 3.0, 0.5 },
  { "/raster/segment/off-canvas-3", -6.0, 8.0, 12.0, 40.0, 3.0 },
};

/* The distance from (px, py) to the nearest of SAMPLES + 1 evenly spread points of the
 * segment: at most half a sample spacing more than the true distance. */
static double
sampled_distance (const Stroke *s,
                  double        px,
                  double        py)
{
  double best = INFINITY;

  for (int k = 0; k <= SAMPLES; k++)
    {
      double t = (double) k / SAMPLES;
      double x = s->x0 + t * (s->x1 - s->x0), y = s->y0 + t * (s->y1 - s->y0);

      best = MIN (best, hypot (px - x, py - y));
    }
  return best;
}

static void
test_segment (gconstpointer data)
{
  const Stroke *s = data;
  double slack = hypot (s->x1 - s->x0, s->y1 - s->y0) / SAMPLES;
  float *canvas = g_new0 (float, H * W);
  guint inked = 0;

  ll_raster_stroke (canvas, H, W, s->x0, s->y0, s->x1, s->y1, s->w);
  for (int i = 0; i < H; i++)
    for (int j = 0; j < W; j++)
      {
        double d = sampled_distance (s, j + 0.5, i + 0.5);
        float ink = canvas[i * W + j];

        g_assert_cmpfloat (ink, >=, 0.0f);
        g_assert_cmpfloat (ink, <=, 1.0f);
        /* within half the width: ink; farther than half the width plus a pixel: none */
        if (d <= s->w / 2 - slack)
          {
            g_assert_cmpfloat (ink, >=, 0.5f);
            inked++;
          }
        else if (d > s->w / 2 + 1)
          g_assert_cmpfloat (ink, ==, 0.0f);
        /* on the segment itself, a stroke at least a pixel wide is solid */
        if (d <= slack && s->w >= 1)
          g_assert_cmpfloat (ink, ==, 1.0f);
      }
  if (s->w >= 1)
    g_assert_cmpuint (inked, >, 0);
  g_free (canvas);
}

/* Strokes over strokes keep the brighter ink and never pass 1. */
static void
test_max_combined (void)
{
  float *once = g_new0 (float, H * W);
  float *twice = g_new0 (float, H * W);

  ll_raster_stroke (once, H, W, 5, 5, 20, 20, 3);
  ll_raster_stroke (twice, H, W, 5, 5, 20, 20, 3);
  ll_raster_stroke (twice, H, W, 5, 5, 20, 20, 3);
  for (int k = 0; k < H * W; k++)
    g_assert_cmpfloat (once[k], ==, twice[k]);
  ll_raster_stroke (twice, H, W, 5, 20, 20, 5, 1.5);
  for (int k = 0; k < H * W; k++)
    {
      g_assert_cmpfloat (twice[k], >=, once[k]);
      g_assert_cmpfloat (twice[k], <=, 1.0f);
    }
  g_free (once);
  g_free (twice);
}

/* Far off the canvas, a zero width, a NaN: nothing drawn, nothing written outside. */
static void
test_nothing (void)
{
  float *canvas = g_new0 (float, H * W + 2);

  ll_raster_stroke (canvas + 1, H, W, 1e12, 1e12, 2e12, -3e12, 3);
  ll_raster_stroke (canvas + 1, H, W, -100, -100, -50, -90, 3);
  ll_raster_stroke (canvas + 1, H, W, 5, 5, 20, 20, 0);
  ll_raster_stroke (canvas + 1, H, W, NAN, 5, 20, 20, 3);
  for (int k = 0; k < H * W + 2; k++)
    g_assert_cmpfloat (canvas[k], ==, 0.0f);
  g_free (canvas);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (strokes); i++)
    g_test_add_data_func (strokes[i].path, &strokes[i], test_segment);
  g_test_add_func ("/raster/max-combined", test_max_combined);
  g_test_add_func ("/raster/nothing", test_nothing);
  return g_test_run ();
}
