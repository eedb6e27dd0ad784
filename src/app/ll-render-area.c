/* ll-render-area.c - a widget that paints one prepared render view, with zoom and hover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The view was prepared on the worker (statistics, ranges, histogram, top-k), so
 * painting only draws. The picture is cached in an image surface at the device scale
 * and redrawn into it only when the data, the zoom or the scaling change; each frame
 * just paints that surface. The cache is drawn in a thread (GTask's pool, not the
 * engine's worker, which may be busy with a long forward pass): drawing every layer's
 * activations of VGG-16 takes seconds, and the main loop must not wait for it. Until
 * the new picture arrives the area shows the previous one. Two low-priority threads
 * draw, so that the main loop still gets a core while they work. Views too large to cache
 * are drawn directly, clipped.
 *
 * In a scrolled page (the activations of VGG-16 are 33 cards, pictures of up to 3.6
 * Mpixels) only the areas on screen and within a screen of it are drawn, those on screen
 * first; the others when they scroll near. A picture replaced by a newer one is kept
 * until the frames that painted it are gone: a frame refers to it (GTK's cairo node
 * records a snapshot of the surface), and freeing it earlier made cairo copy it, and
 * the main thread then free the copy (`layerlab --benchmark-ui`, docs/performance.md).
 */
#define G_LOG_DOMAIN "ll-render-area"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "ll-format.h"
#include "ll-reaper.h"
#include "ll-render-area.h"
#include "ll-runner.h"

/* A cache surface above this many pixels is not worth the memory. */
#define MAX_CACHE_PIXELS (4096 * 4096)
#define MIN_ZOOM 0.1
#define MAX_ZOOM 32.0
/* The narrowest a view without tiles asks to be. The renderer's smallest zoom still
 * gives every feature a quarter pixel: the 25 088 features of VGG-16's Flatten made
 * the card, and so the window, 7210 px wide. Such a view is clipped to the width
 * given instead. */
#define MIN_CLIPPED_WIDTH 240
/* Areas up to this many viewport heights off screen are drawn ahead of a scroll. */
#define DRAW_AHEAD 1.0
/* Frames after which no frame refers to a replaced picture any more: the next one
 * paints the new picture, and GTK keeps the previous frame for damage tracking. */
#define RETIRE_FRAMES 3

/* ------------------------------------------------------------ view data */

G_DEFINE_BOXED_TYPE (LlViewData, ll_view_data, ll_view_data_ref, ll_view_data_unref)

LlViewData *
ll_view_data_new (nn_tensor             *tensor,
                  LlRenderKind           kind,
                  const LlRenderOptions *options,
                  const char            *title,
                  GError               **error)
{
  g_autoptr(LlViewData) data = NULL;
  nn_error err = { 0 };

  g_return_val_if_fail (tensor != NULL, NULL);

  data = g_new0 (LlViewData, 1);
  data->ref_count = 1;
  data->tensor = tensor;
  data->title = g_strdup (title);
  if (ll_render_view_init (&data->view, kind, tensor, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  if (options != NULL)
    data->view.options = *options;
  data->view.options.title = data->title;
  if (ll_render_view_prepare (&data->view, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  return g_steal_pointer (&data);
}

LlViewData *
ll_view_data_ref (LlViewData *data)
{
  g_return_val_if_fail (data != NULL, NULL);

  g_atomic_int_inc (&data->ref_count);
  return data;
}

static void
view_data_free (gpointer p)
{
  LlViewData *data = p;

  ll_render_view_clear (&data->view);
  g_clear_pointer (&data->tensor, nn_tensor_free);
  g_free (data->title);
  g_free (data);
}

/* The last reference frees on the reaper's thread: an activation of VGG-16 is tens of
 * megabytes. */
void
ll_view_data_unref (LlViewData *data)
{
  if (data == NULL || !g_atomic_int_dec_and_test (&data->ref_count))
    return;
  ll_reaper_free (data, view_data_free);
}

/* ------------------------------------------------------------ widget */

struct _LlRenderArea {
  GtkWidget parent_instance;

  LlViewData *data;
  double zoom;
  LlRenderScale scale;
  LlRenderLayout layout;
  cairo_surface_t *cache;       /* the whole view at the device scale, or NULL */
  int cache_scale;
  gboolean cache_current;       /* cache shows the view as it is now */
  guint serial;                 /* bumped whenever the picture must be drawn again */
  guint drawing_serial;         /* of the drawing job in flight (0: none) */
  guint direct_serial;          /* too large to cache: drawn directly at this serial */
  GCancellable *drawing;
  gboolean fit_columns;         /* tiles wrap to the width given (height-for-width) */
  gboolean show_title;
  int columns;                  /* tiles per row when fitting; 0: the view's choice */
  double fit_zoom;              /* other views when fitting: shrunk to the width given */
  GtkAdjustment *vadjustment;   /* of the viewport the area scrolls in, while mapped */
  GPtrArray *retired;           /* replaced pictures (cairo_surface_t) not yet freed */
  gint64 retired_frame;         /* frame counter when the last one was replaced */
  guint retire_tick;
};

G_DEFINE_FINAL_TYPE (LlRenderArea, ll_render_area, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ZOOM,
  PROP_SCALE,
  N_PROPS
};

enum {
  HIT_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

GtkWidget *
ll_render_area_new (void)
{
  return g_object_new (LL_TYPE_RENDER_AREA, NULL);
}

static void retire (LlRenderArea *self, cairo_surface_t *surface);
static gboolean near_screen (LlRenderArea *self, double ahead);

/* The picture must be drawn again; the old one stays on screen until then. Off screen
 * it goes at once: it would only be seen after a scroll, out of date, and an area is
 * drawn only when it comes near the screen. */
static void
drop_cache (LlRenderArea *self)
{
  self->cache_current = FALSE;
  self->serial++;
  if (self->cache != NULL
      && (!gtk_widget_get_mapped (GTK_WIDGET (self)) || !near_screen (self, DRAW_AHEAD)))
    retire (self, g_steal_pointer (&self->cache));
}

/* The view's options follow the widget's zoom and scale; both need no new prepare. */
static void
sync_options (LlRenderArea *self)
{
  if (self->data == NULL)
    {
      memset (&self->layout, 0, sizeof self->layout);
      return;
    }
  self->data->view.options.zoom = self->fit_zoom > 0 ? self->fit_zoom : self->zoom;
  self->data->view.options.scale = self->scale;
  self->data->view.options.columns = self->columns;
  self->data->view.options.title = self->show_title ? self->data->title : NULL;
  ll_render_view_measure (&self->data->view, &self->layout);
}

static void
invalidate (LlRenderArea *self,
            gboolean      resize)
{
  drop_cache (self);
  self->fit_zoom = 0;
  sync_options (self);
  if (resize)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ll_render_area_set_data (LlRenderArea *self,
                         LlViewData   *data)
{
  g_return_if_fail (LL_IS_RENDER_AREA (self));

  if (data == self->data)
    return;
  if (data != NULL)
    ll_view_data_ref (data);
  g_clear_pointer (&self->data, ll_view_data_unref);
  self->data = data;
  invalidate (self, TRUE);
}

LlViewData *
ll_render_area_get_data (LlRenderArea *self)
{
  g_return_val_if_fail (LL_IS_RENDER_AREA (self), NULL);

  return self->data;
}

void
ll_render_area_set_zoom (LlRenderArea *self,
                         double        zoom)
{
  g_return_if_fail (LL_IS_RENDER_AREA (self));

  zoom = CLAMP (zoom, MIN_ZOOM, MAX_ZOOM);
  if (zoom == self->zoom)
    return;
  self->zoom = zoom;
  invalidate (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

double
ll_render_area_get_zoom (LlRenderArea *self)
{
  g_return_val_if_fail (LL_IS_RENDER_AREA (self), 1.0);

  return self->zoom;
}

void
ll_render_area_zoom_by (LlRenderArea *self,
                        double        factor)
{
  g_return_if_fail (LL_IS_RENDER_AREA (self));

  ll_render_area_set_zoom (self, self->zoom * factor);
}

void
ll_render_area_set_scale (LlRenderArea *self,
                          LlRenderScale scale)
{
  g_return_if_fail (LL_IS_RENDER_AREA (self));

  if (scale == self->scale)
    return;
  self->scale = scale;
  invalidate (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE]);
}

/* ------------------------------------------------------------ painting */

static gboolean
has_tiles (LlRenderArea *self)
{
  const LlRenderView *view = self->data ? &self->data->view : NULL;

  /* kernels of a one-input-channel layer wrap like tiles (see render.h) */
  return view != NULL && (view->kind == LL_RENDER_FEATURE_MAPS || view->kind == LL_RENDER_KERNELS_RGB
                          || (view->kind == LL_RENDER_KERNELS && view->dims[1] == 1));
}

/* The natural size of the view with columns tiles per row. */
static void
measure_columns (LlRenderArea   *self,
                 int             columns,
                 LlRenderLayout *layout)
{
  LlRenderView view = self->data->view;

  view.options.columns = columns;
  ll_render_view_measure (&view, layout);
}

/* The most tiles per row that fit into width (at least 1). Measuring reads only
 * shapes and options, so trying each count is cheap. */
static int
columns_for_width (LlRenderArea *self,
                   int           width)
{
  LlRenderLayout layout;
  int n = (int) MIN (self->data->view.dims[0], 4096);
  int lo = 1, hi = MAX (n, 1);

  while (lo < hi)
    {
      int mid = (lo + hi + 1) / 2;

      measure_columns (self, mid, &layout);
      if (layout.width <= width)
        lo = mid;
      else
        hi = mid - 1;
    }
  return lo;
}

static double
width_at_zoom (LlRenderArea *self,
               double        zoom)
{
  LlRenderView view = self->data->view;
  LlRenderLayout layout;

  view.options.zoom = zoom;
  view.options.columns = 0;
  ll_render_view_measure (&view, &layout);
  return layout.width;
}

/* The zoom (at most the chosen one) at which a view without tiles fits into width;
 * bar charts of a thousand features shrink rather than scroll sideways. */
static double
zoom_for_width (LlRenderArea *self,
                int           width)
{
  double lo = 0.02, hi = self->zoom;

  if (width_at_zoom (self, hi) <= width)
    return hi;
  for (int i = 0; i < 30; i++)
    {
      double mid = (lo + hi) / 2;

      if (width_at_zoom (self, mid) <= width)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

static GtkSizeRequestMode
ll_render_area_get_request_mode (GtkWidget *widget)
{
  LlRenderArea *self = LL_RENDER_AREA (widget);

  return self->fit_columns ? GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH : GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
ll_render_area_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  LlRenderArea *self = LL_RENDER_AREA (widget);
  double size = orientation == GTK_ORIENTATION_HORIZONTAL ? self->layout.width
                                                          : self->layout.height;
  LlRenderLayout layout;

  *minimum = *natural = (int) ceil (size);
  if (!self->fit_columns || self->data == NULL)
    return;
  if (!has_tiles (self))
    {
      LlRenderView view = self->data->view;
      LlRenderLayout fit;

      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        {
          int smallest = (int) ceil (width_at_zoom (self, 0.02));

          *natural = MAX (smallest, (int) ceil (width_at_zoom (self, self->zoom)));
          *minimum = MIN (smallest, MIN_CLIPPED_WIDTH);
          return;
        }
      view.options.zoom = for_size >= 0 ? zoom_for_width (self, for_size) : self->zoom;
      ll_render_view_measure (&view, &fit);
      *minimum = *natural = (int) ceil (fit.height);
      return;
    }
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      measure_columns (self, 1, &layout);
      *minimum = (int) ceil (layout.width);
      measure_columns (self, 0, &layout);
      *natural = MAX (*minimum, (int) ceil (layout.width));
    }
  else
    {
      measure_columns (self, for_size >= 0 ? columns_for_width (self, for_size) : 0, &layout);
      *minimum = *natural = (int) ceil (layout.height);
    }
}

static void
ll_render_area_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  LlRenderArea *self = LL_RENDER_AREA (widget);
  int columns;

  if (!self->fit_columns || self->data == NULL)
    return;
  if (!has_tiles (self))
    {
      double zoom = zoom_for_width (self, width);

      if (zoom != self->fit_zoom)
        {
          self->fit_zoom = zoom;
          drop_cache (self);
          sync_options (self);
        }
      return;
    }
  columns = columns_for_width (self, width);
  if (columns != self->columns)
    {
      self->columns = columns;
      drop_cache (self);
      sync_options (self);
    }
}

void
ll_render_area_set_fit_columns (LlRenderArea *self,
                                gboolean      fit)
{
  g_return_if_fail (LL_IS_RENDER_AREA (self));

  self->fit_columns = fit;
  self->columns = 0;
  invalidate (self, TRUE);
}

void
ll_render_area_set_show_title (LlRenderArea *self,
                               gboolean      show)
{
  g_return_if_fail (LL_IS_RENDER_AREA (self));

  self->show_title = show;
  invalidate (self, TRUE);
}

static void
update_dark (LlRenderArea *self)
{
  bool dark = adw_style_manager_get_dark (adw_style_manager_get_default ());

  if (self->data->view.options.dark != dark)
    drop_cache (self);
  self->data->view.options.dark = dark;
}

/* ------------------------------------------------------------ old pictures */

static void
free_retired (LlRenderArea *self)
{
  for (guint i = 0; i < self->retired->len; i++)
    ll_reaper_free (g_ptr_array_index (self->retired, i), (GDestroyNotify) cairo_surface_destroy);
  g_ptr_array_set_size (self->retired, 0);
}

static gboolean
retire_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  LlRenderArea *self = LL_RENDER_AREA (widget);

  if (gdk_frame_clock_get_frame_counter (clock) < self->retired_frame + RETIRE_FRAMES)
    return G_SOURCE_CONTINUE;
  free_retired (self);
  self->retire_tick = 0;
  return G_SOURCE_REMOVE;
}

/* Frees a replaced picture once no frame refers to it (see the top of the file). */
static void
retire (LlRenderArea    *self,
        cairo_surface_t *surface)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (surface == NULL)
    return;
  if (clock == NULL)
    {
      ll_reaper_free (surface, (GDestroyNotify) cairo_surface_destroy);
      return;
    }
  g_ptr_array_add (self->retired, surface);
  self->retired_frame = gdk_frame_clock_get_frame_counter (clock);
  if (self->retire_tick == 0)
    self->retire_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), retire_tick_cb, NULL, NULL);
}

/* ------------------------------------------------------------ on screen */

/* Whether the area is within ahead viewport heights of the visible part of the viewport
 * it scrolls in (0: on screen). Outside a viewport it always is. */
static gboolean
near_screen (LlRenderArea *self,
             double        ahead)
{
  GtkWidget *viewport = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_VIEWPORT);
  graphene_rect_t bounds;
  double w, h;

  if (viewport == NULL)
    return TRUE;
  if (!gtk_widget_compute_bounds (GTK_WIDGET (self), viewport, &bounds))
    return FALSE;
  w = gtk_widget_get_width (viewport);
  h = gtk_widget_get_height (viewport);
  return bounds.origin.y < h * (1.0 + ahead) && bounds.origin.y + bounds.size.height > -h * ahead
         && bounds.origin.x < w && bounds.origin.x + bounds.size.width > 0;
}

gboolean
ll_render_area_is_on_screen (LlRenderArea *self)
{
  g_return_val_if_fail (LL_IS_RENDER_AREA (self), FALSE);

  return gtk_widget_get_mapped (GTK_WIDGET (self)) && near_screen (self, 0.0);
}

/* A scroll may bring an area whose picture is out of date near the screen: the next
 * snapshot (after the new allocation) decides whether to draw it. */
static void
scrolled_cb (LlRenderArea *self)
{
  if (self->data != NULL && !self->cache_current)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
ll_render_area_map (GtkWidget *widget)
{
  LlRenderArea *self = LL_RENDER_AREA (widget);
  GtkWidget *viewport = gtk_widget_get_ancestor (widget, GTK_TYPE_VIEWPORT);

  GTK_WIDGET_CLASS (ll_render_area_parent_class)->map (widget);
  if (viewport == NULL)
    return;
  g_set_object (&self->vadjustment, gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (viewport)));
  if (self->vadjustment == NULL)
    return;
  g_signal_connect_object (self->vadjustment, "value-changed", G_CALLBACK (scrolled_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vadjustment, "changed", G_CALLBACK (scrolled_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
ll_render_area_unmap (GtkWidget *widget)
{
  LlRenderArea *self = LL_RENDER_AREA (widget);

  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->vadjustment);
  /* no frame of this area will be painted any more */
  if (self->retire_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->retire_tick);
  self->retire_tick = 0;
  free_retired (self);
  GTK_WIDGET_CLASS (ll_render_area_parent_class)->unmap (widget);
}

/* ------------------------------------------------------------ drawing */

/* A drawing job: the view as it is now (a copy: the widget goes on changing its
 * options), kept alive by a reference on its data. */
typedef struct {
  LlViewData *data;
  LlRenderView view;
  int width, height, scale;
  guint serial;
  gboolean on_screen;           /* drawn before those only near the screen */
  guint64 order;                /* then in the order asked for */
} DrawJob;

static void
draw_job_free (gpointer p)
{
  DrawJob *job = p;

  ll_view_data_unref (job->data);
  g_free (job);
}

static void
draw_thread (gpointer item,
             gpointer user_data)
{
  g_autoptr(GTask) task = item;
  DrawJob *job = g_task_get_task_data (task);
  cairo_surface_t *surface;
  cairo_t *cr;

  if (g_task_return_error_if_cancelled (task))
    return;
  /* below the main thread (the nice value is per thread on Linux) */
  setpriority (PRIO_PROCESS, 0, 10);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, job->width, job->height);
  cairo_surface_set_device_scale (surface, job->scale, job->scale);
  cr = cairo_create (surface);
  ll_render_view_draw (&job->view, cr);
  cairo_destroy (cr);
  g_task_return_pointer (task, surface, (GDestroyNotify) cairo_surface_destroy);
}

static void
draw_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LlRenderArea *self = LL_RENDER_AREA (source);
  DrawJob *job = g_task_get_task_data (G_TASK (result));
  cairo_surface_t *surface = g_task_propagate_pointer (G_TASK (result), NULL);

  if (job->serial == self->drawing_serial)
    self->drawing_serial = 0;
  if (surface == NULL || job->serial != self->serial || self->data == NULL)
    {
      ll_reaper_free (surface, (GDestroyNotify) cairo_surface_destroy);
      return;
    }
  retire (self, g_steal_pointer (&self->cache));
  self->cache = surface;
  self->cache_scale = job->scale;
  self->cache_current = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Pictures on screen first, then in the order asked for. */
static int
compare_jobs (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const DrawJob *x = g_task_get_task_data ((GTask *) a);
  const DrawJob *y = g_task_get_task_data ((GTask *) b);

  if (x->on_screen != y->on_screen)
    return x->on_screen ? -1 : 1;
  return (x->order > y->order) - (x->order < y->order);
}

static GThreadPool *
draw_pool (void)
{
  static gsize pool;   /* GThreadPool * */

  if (g_once_init_enter (&pool))
    {
      GThreadPool *p = g_thread_pool_new (draw_thread, NULL, 2, FALSE, NULL);

      g_thread_pool_set_sort_function (p, compare_jobs, NULL);
      g_once_init_leave (&pool, (gsize) p);
    }
  return (GThreadPool *) pool;
}

/* Starts drawing the whole view into an image surface at the device scale, unless a
 * job for the view as it is now runs already or the area is far from the screen.
 * FALSE if it is too large to cache. */
static gboolean
start_drawing (LlRenderArea *self,
               int           scale)
{
  static guint64 order;
  int w = (int) ceil (self->layout.width * scale);
  int h = (int) ceil (self->layout.height * scale);
  g_autoptr(GTask) task = NULL;
  DrawJob *job;

  if (w <= 0 || h <= 0 || (gint64) w * h > MAX_CACHE_PIXELS)
    return FALSE;
  if (self->drawing_serial == self->serial || !near_screen (self, DRAW_AHEAD))
    return TRUE;
  if (self->drawing != NULL)
    g_cancellable_cancel (self->drawing);
  g_clear_object (&self->drawing);
  self->drawing = g_cancellable_new ();
  job = g_new0 (DrawJob, 1);
  job->data = ll_view_data_ref (self->data);
  job->view = self->data->view;
  job->width = w;
  job->height = h;
  job->scale = scale;
  job->serial = self->drawing_serial = self->serial;
  job->on_screen = near_screen (self, 0.0);
  job->order = ++order;
  task = g_task_new (self, self->drawing, draw_done_cb, NULL);
  g_task_set_task_data (task, job, draw_job_free);
  g_thread_pool_push (draw_pool (), g_steal_pointer (&task), NULL);
  return TRUE;
}

static void
ll_render_area_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  LlRenderArea *self = LL_RENDER_AREA (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  graphene_rect_t bounds;
  gboolean cached = TRUE;
  cairo_t *cr;

  if (self->data == NULL || self->layout.width <= 0 || self->layout.height <= 0)
    return;
  update_dark (self);
  if (self->cache_current && self->cache_scale != scale)
    drop_cache (self);
  if (!self->cache_current)
    cached = start_drawing (self, scale);
  graphene_rect_init (&bounds, 0, 0, self->layout.width, self->layout.height);
  cr = gtk_snapshot_append_cairo (snapshot, &bounds);
  if (!cached)
    {
      ll_render_view_draw (&self->data->view, cr);
      self->direct_serial = self->serial;
    }
  else if (self->cache != NULL)
    {
      /* the current picture, or the previous one while the new one is drawn */
      cairo_set_source_surface (cr, self->cache, 0, 0);
      cairo_paint (cr);
    }
  cairo_destroy (cr);
}

gboolean
ll_render_area_is_drawn (LlRenderArea *self)
{
  g_return_val_if_fail (LL_IS_RENDER_AREA (self), FALSE);

  return self->data == NULL || self->cache_current || self->direct_serial == self->serial;
}

gboolean
ll_render_area_is_drawing (LlRenderArea *self)
{
  g_return_val_if_fail (LL_IS_RENDER_AREA (self), FALSE);

  return self->drawing_serial != 0;
}

/* ------------------------------------------------------------ hover, click, zoom */

gboolean
ll_render_area_hit (LlRenderArea *self,
                    double        x,
                    double        y,
                    LlRenderHit  *hit)
{
  g_return_val_if_fail (LL_IS_RENDER_AREA (self), FALSE);
  g_return_val_if_fail (hit != NULL, FALSE);

  if (self->data == NULL)
    return FALSE;
  return ll_render_view_hit (&self->data->view, x, y, hit);
}

/* "channel 3: min 0, max 1.2, mean 0.31, std 0.2, 41% zeros" for feature maps */
static char *
describe_channel (const LlRenderView *view,
                  int64_t             c)
{
  const LlRenderStats *s;
  g_autofree char *lo = NULL, *hi = NULL, *mean = NULL, *std = NULL, *zeros = NULL;

  if (view->channel_stats == NULL || c < 0 || c >= view->n_channels)
    return NULL;
  s = &view->channel_stats[c];
  lo = ll_format_value (s->min);
  hi = ll_format_value (s->max);
  mean = ll_format_value (s->mean);
  std = ll_format_value (s->std);
  zeros = ll_format_fixed (100.0 * s->zero_fraction, 1);
  return g_strdup_printf (_("Channel %lld: min %s, max %s, mean %s, std %s, %s%% zeros"),
                          (long long) c, lo, hi, mean, std, zeros);
}

char *
ll_render_area_describe (LlRenderArea *self,
                         double        x,
                         double        y)
{
  LlRenderHit hit;
  g_autofree char *channel = NULL;
  char exact[64];

  g_return_val_if_fail (LL_IS_RENDER_AREA (self), NULL);

  if (!ll_render_area_hit (self, x, y, &hit))
    return NULL;
  if (self->data->view.kind == LL_RENDER_FEATURE_MAPS)
    channel = describe_channel (&self->data->view, hit.index[0]);
  if (hit.element < 0)
    return channel ? g_strdup_printf ("%s\n%s", hit.label, channel) : g_strdup (hit.label);
  /* the label rounds to 4 digits; the tooltip promises the exact float */
  g_snprintf (exact, sizeof exact, "%.9g", hit.value);
  return g_strdup_printf ("%s\n%s %s%s%s", hit.label, _("Exact value:"), exact,
                          channel ? "\n" : "", channel ? channel : "");
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip)
{
  g_autofree char *text = ll_render_area_describe (LL_RENDER_AREA (widget), x, y);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            LlRenderArea    *self)
{
  LlRenderHit hit;

  if (n_press != 1 || !ll_render_area_hit (self, x, y, &hit))
    return;
  g_signal_emit (self, signals[HIT_ACTIVATED], 0, &hit);
}

/* Ctrl+scroll zooms; plain scrolling goes on to the scrolled window. */
static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           LlRenderArea             *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (!(mods & GDK_CONTROL_MASK) || dy == 0)
    return FALSE;
  ll_render_area_zoom_by (self, dy < 0 ? 1.25 : 1 / 1.25);
  return TRUE;
}

/* ------------------------------------------------------------ export */

typedef struct {
  LlViewData *data;
  LlRenderView view;            /* a copy with the options at the time of the request */
  char *path;
  double scale;
} ExportJob;

static void
export_job_free (gpointer p)
{
  ExportJob *job = p;

  ll_view_data_unref (job->data);
  g_free (job->path);
  g_free (job);
}

static gpointer
export_job (gpointer      p,
            GCancellable *cancellable,
            GError      **error)
{
  ExportJob *job = p;
  LlRenderFormat format;
  nn_error err = { 0 };

  if (!ll_render_format_from_path (job->path, &format))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("“%s” is neither a .png nor a .svg file"), job->path);
      return NULL;
    }
  job->view.options.dark = false;
  if (ll_render_view_export (&job->view, job->path, format, job->scale, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

void
ll_render_area_export_async (LlRenderArea        *self,
                             GFile               *file,
                             double               scale,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  cb,
                             gpointer             user_data)
{
  ExportJob *job;

  g_return_if_fail (LL_IS_RENDER_AREA (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (self->data != NULL);

  job = g_new0 (ExportJob, 1);
  job->data = ll_view_data_ref (self->data);
  job->view = self->data->view;
  job->view.options.title = self->data->title;
  job->path = g_file_get_path (file);
  job->scale = scale > 0 ? scale : 1.0;
  ll_worker_run_async (export_job, job, export_job_free, cancellable, cb, user_data);
}

gboolean
ll_render_area_export_finish (LlRenderArea  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return ll_worker_run_finish (result, error) != NULL;
}

typedef struct {
  LlViewData *data;
  char *path;
} NpyJob;

static void
npy_job_free (gpointer p)
{
  NpyJob *job = p;

  ll_view_data_unref (job->data);
  g_free (job->path);
  g_free (job);
}

static gpointer
npy_job (gpointer      p,
         GCancellable *cancellable,
         GError      **error)
{
  NpyJob *job = p;
  nn_error err = { 0 };

  if (nn_npy_write (job->path, job->data->tensor, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

void
ll_view_data_save_npy_async (LlViewData         *data,
                             GFile              *file,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback cb,
                             gpointer            user_data)
{
  NpyJob *job;

  g_return_if_fail (data != NULL);
  g_return_if_fail (G_IS_FILE (file));

  job = g_new0 (NpyJob, 1);
  job->data = ll_view_data_ref (data);
  job->path = g_file_get_path (file);
  ll_worker_run_async (npy_job, job, npy_job_free, cancellable, cb, user_data);
}

gboolean
ll_view_data_save_npy_finish (GAsyncResult  *result,
                              GError       **error)
{
  return ll_worker_run_finish (result, error) != NULL;
}

/* ------------------------------------------------------------ GObject */

static void
ll_render_area_dispose (GObject *object)
{
  LlRenderArea *self = LL_RENDER_AREA (object);

  if (self->drawing != NULL)
    g_cancellable_cancel (self->drawing);
  g_clear_object (&self->drawing);
  self->serial++;
  /* a frame may still refer to it: cairo would copy it first */
  ll_reaper_free (g_steal_pointer (&self->cache), (GDestroyNotify) cairo_surface_destroy);
  if (self->retire_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->retire_tick);
  self->retire_tick = 0;
  free_retired (self);
  g_clear_object (&self->vadjustment);
  g_clear_pointer (&self->data, ll_view_data_unref);
  G_OBJECT_CLASS (ll_render_area_parent_class)->dispose (object);
}

static void
ll_render_area_finalize (GObject *object)
{
  LlRenderArea *self = LL_RENDER_AREA (object);

  g_ptr_array_unref (self->retired);
  G_OBJECT_CLASS (ll_render_area_parent_class)->finalize (object);
}

static void
ll_render_area_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  LlRenderArea *self = LL_RENDER_AREA (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_SCALE:
      g_value_set_int (value, self->scale);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_render_area_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  LlRenderArea *self = LL_RENDER_AREA (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      ll_render_area_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_SCALE:
      ll_render_area_set_scale (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_render_area_class_init (LlRenderAreaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_render_area_dispose;
  object_class->finalize = ll_render_area_finalize;
  object_class->get_property = ll_render_area_get_property;
  object_class->set_property = ll_render_area_set_property;
  widget_class->get_request_mode = ll_render_area_get_request_mode;
  widget_class->measure = ll_render_area_measure;
  widget_class->size_allocate = ll_render_area_size_allocate;
  widget_class->snapshot = ll_render_area_snapshot;
  widget_class->map = ll_render_area_map;
  widget_class->unmap = ll_render_area_unmap;
  widget_class->query_tooltip = query_tooltip_cb;

  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, MIN_ZOOM, MAX_ZOOM, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCALE] =
    g_param_spec_int ("scale", NULL, NULL, LL_RENDER_SCALE_GLOBAL, LL_RENDER_SCALE_PER_CHANNEL,
                      LL_RENDER_SCALE_GLOBAL,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[HIT_ACTIVATED] =
    g_signal_new ("hit-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  gtk_widget_class_set_css_name (widget_class, "llrenderarea");
}

static void
ll_render_area_init (LlRenderArea *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);

  self->zoom = 1.0;
  self->show_title = TRUE;
  self->retired = g_ptr_array_new ();
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  /* a view wider than the width given is clipped (MIN_CLIPPED_WIDTH) */
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_halign (GTK_WIDGET (self), GTK_ALIGN_START);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_START);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);
}
