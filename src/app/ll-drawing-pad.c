/* ll-drawing-pad.c - draw the network's input with the mouse, a pen or a finger
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The canvas belongs to the input source (it survives the page); the pad only turns
 * pointer motion into strokes (ll_raster_stroke() via the source) and paints a cached
 * surface of the canvas, one square per input pixel, like the feature maps.
 */
#define G_LOG_DOMAIN "ll-drawing-pad"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ll-drawing-pad.h"

#define DEFAULT_STROKE_WIDTH 2.5
#define NATURAL_SIZE 224        /* px: a 28 × 28 canvas at 8 px a pixel */
#define MIN_PIXEL 2             /* px an input pixel at the least */

struct _LlDrawingPad {
  GtkWidget parent_instance;

  LlInputSource *source;
  double stroke_width;
  cairo_surface_t *surface;     /* the canvas as grey pixels, made when it changes */
  double last_x, last_y;        /* the stroke's last point, in canvas pixels */
  double start_x, start_y;      /* the drag's start, in widget coordinates */
};

G_DEFINE_FINAL_TYPE (LlDrawingPad, ll_drawing_pad, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STROKE_WIDTH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
ll_drawing_pad_new (void)
{
  return g_object_new (LL_TYPE_DRAWING_PAD, NULL);
}

/* ------------------------------------------------------------ geometry */

/* Where the canvas is drawn: the largest square pixels that fit, centred. */
static gboolean
canvas_rect (LlDrawingPad *self,
             double       *x,
             double       *y,
             double       *pixel)
{
  int h = 0, w = 0;
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->source == NULL || ll_input_source_get_canvas (self->source, &h, &w) == NULL)
    return FALSE;
  *pixel = MIN (width / w, height / h);
  if (*pixel >= 1)
    *pixel = floor (*pixel);
  *x = floor ((width - *pixel * w) / 2);
  *y = floor ((height - *pixel * h) / 2);
  return *pixel > 0;
}

gboolean
ll_drawing_pad_to_canvas (LlDrawingPad *self,
                          double        x,
                          double        y,
                          double       *cx,
                          double       *cy)
{
  double ox, oy, pixel;

  g_return_val_if_fail (LL_IS_DRAWING_PAD (self), FALSE);

  if (!canvas_rect (self, &ox, &oy, &pixel))
    return FALSE;
  *cx = (x - ox) / pixel;
  *cy = (y - oy) / pixel;
  return TRUE;
}

/* ------------------------------------------------------------ strokes */

void
ll_drawing_pad_begin_stroke (LlDrawingPad *self,
                             double        x,
                             double        y)
{
  g_return_if_fail (LL_IS_DRAWING_PAD (self));

  if (!ll_drawing_pad_to_canvas (self, x, y, &self->last_x, &self->last_y))
    return;
  ll_input_source_draw_stroke (self->source, self->last_x, self->last_y,
                               self->last_x, self->last_y, self->stroke_width);
}

void
ll_drawing_pad_extend_stroke (LlDrawingPad *self,
                              double        x,
                              double        y)
{
  double cx, cy;

  g_return_if_fail (LL_IS_DRAWING_PAD (self));

  if (!ll_drawing_pad_to_canvas (self, x, y, &cx, &cy) || (cx == self->last_x && cy == self->last_y))
    return;
  ll_input_source_draw_stroke (self->source, self->last_x, self->last_y, cx, cy,
                               self->stroke_width);
  self->last_x = cx;
  self->last_y = cy;
}

static void
drag_begin_cb (LlDrawingPad   *self,
               double          x,
               double          y,
               GtkGestureDrag *gesture)
{
  self->start_x = x;
  self->start_y = y;
  ll_drawing_pad_begin_stroke (self, x, y);
}

static void
drag_update_cb (LlDrawingPad   *self,
                double          dx,
                double          dy,
                GtkGestureDrag *gesture)
{
  ll_drawing_pad_extend_stroke (self, self->start_x + dx, self->start_y + dy);
}

/* ------------------------------------------------------------ painting */

static void
update_surface (LlDrawingPad *self)
{
  const float *canvas;
  unsigned char *pixels;
  int h = 0, w = 0, stride;

  g_clear_pointer (&self->surface, cairo_surface_destroy);
  canvas = self->source ? ll_input_source_get_canvas (self->source, &h, &w) : NULL;
  if (canvas != NULL)
    {
      self->surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
      stride = cairo_image_surface_get_stride (self->surface);
      pixels = cairo_image_surface_get_data (self->surface);
      for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
          {
            guint8 v = (guint8) lround (CLAMP (canvas[i * w + j], 0.0f, 1.0f) * 255);

            ((guint32 *) (pixels + i * stride))[j] = 0xff000000u | v << 16 | v << 8 | v;
          }
      cairo_surface_mark_dirty (self->surface);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
canvas_changed_cb (LlDrawingPad *self)
{
  int h = 0, w = 0;

  ll_input_source_get_canvas (self->source, &h, &w);
  /* a canvas of another size (the first one too) asks for another size */
  if (self->surface == NULL || h != cairo_image_surface_get_height (self->surface)
      || w != cairo_image_surface_get_width (self->surface))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  update_surface (self);
}

static void
ll_drawing_pad_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  LlDrawingPad *self = LL_DRAWING_PAD (widget);
  double x, y, pixel;
  int w, h;
  cairo_t *cr;

  if (self->surface == NULL || !canvas_rect (self, &x, &y, &pixel))
    return;
  w = cairo_image_surface_get_width (self->surface);
  h = cairo_image_surface_get_height (self->surface);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x, y, w * pixel, h * pixel));
  cairo_translate (cr, x, y);
  cairo_scale (cr, pixel, pixel);
  cairo_set_source_surface (cr, self->surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_destroy (cr);
}

static void
ll_drawing_pad_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  LlDrawingPad *self = LL_DRAWING_PAD (widget);
  int h = 0, w = 0, n, longest;

  if (self->source != NULL)
    ll_input_source_get_canvas (self->source, &h, &w);
  n = orientation == GTK_ORIENTATION_HORIZONTAL ? w : h;
  longest = MAX (MAX (h, w), 1);
  /* the longer side about NATURAL_SIZE, in whole pixels of at least MIN_PIXEL */
  *minimum = MIN (n * MIN_PIXEL, NATURAL_SIZE);
  *natural = MAX (*minimum, n * MAX (NATURAL_SIZE / longest, 1));
}

/* ------------------------------------------------------------ source and width */

void
ll_drawing_pad_set_source (LlDrawingPad  *self,
                           LlInputSource *source)
{
  g_return_if_fail (LL_IS_DRAWING_PAD (self));
  g_return_if_fail (source == NULL || LL_IS_INPUT_SOURCE (source));

  if (source == self->source)
    return;
  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_set_object (&self->source, source);
  if (source != NULL)
    g_signal_connect_object (source, "canvas-changed", G_CALLBACK (canvas_changed_cb), self,
                             G_CONNECT_SWAPPED);
  update_surface (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

LlInputSource *
ll_drawing_pad_get_source (LlDrawingPad *self)
{
  g_return_val_if_fail (LL_IS_DRAWING_PAD (self), NULL);

  return self->source;
}

double
ll_drawing_pad_get_stroke_width (LlDrawingPad *self)
{
  g_return_val_if_fail (LL_IS_DRAWING_PAD (self), DEFAULT_STROKE_WIDTH);

  return self->stroke_width;
}

void
ll_drawing_pad_set_stroke_width (LlDrawingPad *self,
                                 double        stroke_width)
{
  g_return_if_fail (LL_IS_DRAWING_PAD (self));
  g_return_if_fail (stroke_width > 0);

  if (stroke_width == self->stroke_width)
    return;
  self->stroke_width = stroke_width;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STROKE_WIDTH]);
}

/* ------------------------------------------------------------ GObject */

static void
ll_drawing_pad_dispose (GObject *object)
{
  LlDrawingPad *self = LL_DRAWING_PAD (object);

  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_object (&self->source);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  G_OBJECT_CLASS (ll_drawing_pad_parent_class)->dispose (object);
}

static void
ll_drawing_pad_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  LlDrawingPad *self = LL_DRAWING_PAD (object);

  switch (prop_id)
    {
    case PROP_STROKE_WIDTH:
      g_value_set_double (value, self->stroke_width);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_drawing_pad_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  LlDrawingPad *self = LL_DRAWING_PAD (object);

  switch (prop_id)
    {
    case PROP_STROKE_WIDTH:
      ll_drawing_pad_set_stroke_width (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_drawing_pad_class_init (LlDrawingPadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_drawing_pad_dispose;
  object_class->get_property = ll_drawing_pad_get_property;
  object_class->set_property = ll_drawing_pad_set_property;
  widget_class->snapshot = ll_drawing_pad_snapshot;
  widget_class->measure = ll_drawing_pad_measure;

  properties[PROP_STROKE_WIDTH] =
    g_param_spec_double ("stroke-width", NULL, NULL, 0.1, 64.0, DEFAULT_STROKE_WIDTH,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "drawingpad");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ll_drawing_pad_init (LlDrawingPad *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  self->stroke_width = DEFAULT_STROKE_WIDTH;
  /* the mouse's primary button, a pen, a finger */
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect_swapped (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect_swapped (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Drawing pad"), -1);
}
