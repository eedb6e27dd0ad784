/* ll-activations-page.c - every layer's output for the chosen input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One card per activation (the input, then each layer's output): a heading with the
 * layer and shape, a line of statistics with the share of exact zeros (dead units after
 * a ReLU), and the picture: feature maps for [C, H, W], bars for [F], the top classes
 * for the last layer. The views come prepared from the worker (ll_activations_prepare)
 * right after each forward pass; cards are reused while the layer count stays.
 *
 * With the drawing as the input, the drawing pad stands left of the cards, and under it
 * the top classes again, so that they follow the pen without a scroll.
 *
 * The cards' box only puts the cards on screen into each frame: with GTK's cairo
 * renderer every node of a frame is walked, and VGG-16's 33 cards made each frame that
 * shows a new picture cost several milliseconds of the main loop. It is snapshotted
 * again on every scroll.
 */
#define G_LOG_DOMAIN "ll-activations-page"

#include "config.h"

#include <glib/gi18n.h>

#include "ll-activations-page.h"
#include "ll-drawing-pad.h"
#include "ll-format.h"
#include "ll-reaper.h"

#define TOP_K 5

/* ------------------------------------------------------------ prepared result */

G_DEFINE_BOXED_TYPE (LlActivations, ll_activations, ll_activations_ref, ll_activations_unref)

LlActivations *
ll_activations_ref (LlActivations *acts)
{
  g_return_val_if_fail (acts != NULL, NULL);

  g_atomic_int_inc (&acts->ref_count);
  return acts;
}

static void
activations_free (gpointer p)
{
  LlActivations *acts = p;

  for (guint i = 0; i < acts->n_views; i++)
    g_clear_pointer (&acts->views[i], ll_view_data_unref);
  g_free (acts->views);
  ll_run_result_free (acts->run);
  g_free (acts);
}

/* The last reference frees on the reaper's thread: a VGG-16 result holds a snapshot of
 * the network and every activation, hundreds of megabytes. */
void
ll_activations_unref (LlActivations *acts)
{
  if (acts == NULL || !g_atomic_int_dec_and_test (&acts->ref_count))
    return;
  ll_reaper_free (acts, activations_free);
}

/* "Input [1, 28, 28]" / "0 · Conv2d → [32, 24, 24]" */
static char *
activation_title (const nn_net *net,
                  const nn_tensor *t,
                  guint            i)
{
  char shape[64];

  nn_shape_format (t->n_dims - 1, t->shape + 1, shape, sizeof shape);
  if (i == 0)
    return g_strdup_printf (_("Input %s"), shape);
  return g_strdup_printf ("%u · %s → %s", i - 1, nn_layer_type_name (net->layers[i - 1].cfg.type),
                          shape);
}

static LlViewData *
prepare_one (const nn_net    *net,
             const nn_tensor *t,
             guint            i,
             gboolean         last,
             GError         **error)
{
  g_autofree char *title = activation_title (net, t, i);
  LlRenderKind kind;
  LlRenderOptions options;
  nn_error err = { 0 };
  nn_tensor *copy;

  if (t->n_dims == 4)
    kind = LL_RENDER_FEATURE_MAPS;
  else if (t->n_dims == 2)
    kind = last ? LL_RENDER_TOPK : LL_RENDER_BARS;
  else
    return NULL;
  if (!(copy = nn_tensor_copy (t, &err)))
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  ll_render_options_init (&options, kind);
  options.k = (int) MIN (TOP_K, t->shape[1]);
  if (kind == LL_RENDER_TOPK && t->shape[1] >= 2)
    {
      /* a classifier's output: probabilities, by softmax unless the network ends in one */
      gboolean softmax = i > 0 && net->layers[i - 1].cfg.type == NN_LAYER_SOFTMAX;
      char *labelled = g_strdup_printf (_("%s · softmax probabilities"), title);

      options.topk_values = softmax ? LL_RENDER_TOPK_PROBABILITIES : LL_RENDER_TOPK_SOFTMAX;
      /* a 1000-way classifier is an ImageNet one: its classes by name */
      if (t->shape[1] == 1000)
        options.class_names = ll_render_imagenet_class_names ();
      options.legend = FALSE;   /* the scores' colour range would not match the bars */
      g_free (title);
      title = labelled;
    }
  return ll_view_data_new (copy, kind, &options, title, error);
}

LlActivations *
ll_activations_prepare (LlRunResult   *run,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(LlActivations) acts = g_new0 (LlActivations, 1);
  const nn_run_result *res = &run->result;

  acts->ref_count = 1;
  acts->run = run;
  acts->n_views = (guint) MAX (res->n_acts, 0);
  acts->views = g_new0 (LlViewData *, acts->n_views + 1);
  for (guint i = 0; i < acts->n_views; i++)
    {
      GError *local = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      acts->views[i] = prepare_one (run->net, res->acts[i], i, i + 1 == acts->n_views, &local);
      /* one picture that cannot be drawn must not hide the others */
      if (local != NULL)
        {
          g_debug ("Activation %u: %s", i, local->message);
          g_error_free (local);
        }
    }
  return g_steal_pointer (&acts);
}

/* ------------------------------------------------------------ the cards' box */

#define LL_TYPE_CARDS_BOX (ll_cards_box_get_type ())
G_DECLARE_FINAL_TYPE (LlCardsBox, ll_cards_box, LL, CARDS_BOX, GtkBox)

struct _LlCardsBox {
  GtkBox parent_instance;
};

G_DEFINE_FINAL_TYPE (LlCardsBox, ll_cards_box, GTK_TYPE_BOX)

/* Only the children that the viewport the box scrolls in shows. */
static void
ll_cards_box_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  GtkWidget *viewport = gtk_widget_get_parent (widget);
  graphene_point_t top;
  double height;

  if (!GTK_IS_VIEWPORT (viewport)
      || !gtk_widget_compute_point (viewport, widget, &GRAPHENE_POINT_INIT (0, 0), &top))
    {
      GTK_WIDGET_CLASS (ll_cards_box_parent_class)->snapshot (widget, snapshot);
      return;
    }
  height = gtk_widget_get_height (viewport);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      graphene_rect_t bounds;

      if (gtk_widget_compute_bounds (child, widget, &bounds)
          && bounds.origin.y < top.y + height && bounds.origin.y + bounds.size.height > top.y)
        gtk_widget_snapshot_child (widget, child, snapshot);
    }
}

static void
ll_cards_box_class_init (LlCardsBoxClass *klass)
{
  GTK_WIDGET_CLASS (klass)->snapshot = ll_cards_box_snapshot;
}

static void
ll_cards_box_init (LlCardsBox *self)
{
}

/* ------------------------------------------------------------ page */

typedef struct {
  GtkWidget *box;
  GtkLabel *title;
  GtkLabel *stats;
  LlRenderArea *area;
} Card;

struct _LlActivationsPage {
  GtkWidget parent_instance;

  LlInputSource *source;
  LlActivations *acts;
  GArray *cards;                /* Card */
  double zoom;
  LlRenderScale scale;
  gboolean syncing;

  GtkWidget *box;
  GtkDropDown *input_dropdown;
  GtkSpinButton *seed_spin;
  GtkDropDown *scale_dropdown;
  GtkLabel *message_label;
  GtkScrolledWindow *scroller;
  GtkBox *cards_box;
  GtkWidget *drawing_box;
  LlDrawingPad *pad;
  GtkSpinButton *stroke_spin;
  GtkWidget *top_label;
  LlRenderArea *top_area;
};

G_DEFINE_FINAL_TYPE (LlActivationsPage, ll_activations_page, GTK_TYPE_WIDGET)

GtkWidget *
ll_activations_page_new (void)
{
  return g_object_new (LL_TYPE_ACTIVATIONS_PAGE, NULL);
}

static GtkWidget *
export_menu_button (guint i)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) picture = g_menu_item_new (_("Picture as PNG or SVG…"), NULL);
  g_autoptr(GMenuItem) npy = g_menu_item_new (_("Activation as .npy…"), NULL);
  g_autofree char *which = g_strdup_printf ("activation:%u", i);
  GtkWidget *button = gtk_menu_button_new ();

  g_menu_item_set_action_and_target (picture, "win.export-view", "(ssd)", which, "", 0.0);
  g_menu_item_set_action_and_target (npy, "win.export-npy", "(ss)", which, "");
  g_menu_append_item (menu, picture);
  g_menu_append_item (menu, npy);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "document-save-symbolic");
  gtk_widget_set_tooltip_text (button, _("Export"));
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static Card
card_new (guint i)
{
  Card card;
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  card.box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  card.title = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (card.title, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (card.title), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (card.title), "heading");
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (card.title));
  gtk_box_append (GTK_BOX (header), export_menu_button (i));
  card.stats = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (card.stats, 0);
  gtk_label_set_wrap (card.stats, TRUE);
  gtk_label_set_selectable (card.stats, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (card.stats), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (card.stats), "numeric");
  card.area = LL_RENDER_AREA (ll_render_area_new ());
  /* the card's heading names the layer; tiles wrap to the pane, bars shrink to it */
  ll_render_area_set_show_title (card.area, FALSE);
  ll_render_area_set_fit_columns (card.area, TRUE);
  gtk_box_append (GTK_BOX (card.box), header);
  gtk_box_append (GTK_BOX (card.box), GTK_WIDGET (card.stats));
  gtk_box_append (GTK_BOX (card.box), GTK_WIDGET (card.area));
  return card;
}

/* "min 0 · max 30 · mean 30 · std 0 · 0% zeros · 0 of 32 channels dead" */
static char *
stats_text (const LlViewData *data,
            gboolean          after_relu)
{
  const LlRenderStats *s = &data->view.stats;
  g_autofree char *lo = ll_format_value (s->min);
  g_autofree char *hi = ll_format_value (s->max);
  g_autofree char *mean = ll_format_value (s->mean);
  g_autofree char *std = ll_format_value (s->std);
  g_autofree char *zeros = ll_format_fixed (100.0 * s->zero_fraction, 1);
  GString *text = g_string_new (NULL);
  int64_t dead = 0;

  g_string_printf (text, _("min %s · max %s · mean %s · std %s · %s%% zeros"),
                   lo, hi, mean, std, zeros);
  if (after_relu && data->view.channel_stats != NULL)
    {
      for (int64_t c = 0; c < data->view.n_channels; c++)
        dead += data->view.channel_stats[c].n_zeros == data->view.channel_stats[c].n;
      /* Translators: channels of a ReLU output that are zero everywhere */
      g_string_append_printf (text, _(" · dead units: %lld of %lld"),
                              (long long) dead, (long long) data->view.n_channels);
    }
  return g_string_free (text, FALSE);
}

static void
sync_card (LlActivationsPage *self,
           Card              *card,
           guint              i)
{
  LlViewData *data = self->acts->views[i];
  const nn_net *net = self->acts->run->net;
  gboolean relu = i > 0 && net->layers[i - 1].cfg.type == NN_LAYER_RELU;
  g_autofree char *stats = data ? stats_text (data, relu) : g_strdup (_("No picture for this shape"));

  gtk_label_set_label (card->title, data ? data->title : "");
  gtk_label_set_label (card->stats, stats);
  ll_render_area_set_zoom (card->area, self->zoom);
  ll_render_area_set_scale (card->area, self->scale);
  ll_render_area_set_data (card->area, data);
  gtk_widget_set_visible (GTK_WIDGET (card->area), data != NULL);
}

/* The last card's picture beside the drawing pad, when it shows top classes. */
static void
sync_top_classes (LlActivationsPage *self)
{
  LlViewData *last = self->acts && self->acts->n_views > 0
                     ? self->acts->views[self->acts->n_views - 1] : NULL;

  if (last != NULL && last->view.kind != LL_RENDER_TOPK)
    last = NULL;
  ll_render_area_set_data (self->top_area, last);
  gtk_widget_set_visible (self->top_label, last != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->top_area), last != NULL);
}

static void
sync_cards (LlActivationsPage *self)
{
  guint n = self->acts ? self->acts->n_views : 0;

  while (self->cards->len > n)
    {
      Card *card = &g_array_index (self->cards, Card, self->cards->len - 1);

      gtk_box_remove (self->cards_box, card->box);
      g_array_set_size (self->cards, self->cards->len - 1);
    }
  while (self->cards->len < n)
    {
      Card card = card_new (self->cards->len);

      gtk_box_append (self->cards_box, card.box);
      g_array_append_val (self->cards, card);
    }
  for (guint i = 0; i < n; i++)
    sync_card (self, &g_array_index (self->cards, Card, i), i);
  sync_top_classes (self);
}

void
ll_activations_page_set_activations (LlActivationsPage *self,
                                     LlActivations     *acts)
{
  g_return_if_fail (LL_IS_ACTIVATIONS_PAGE (self));

  if (acts != NULL)
    ll_activations_ref (acts);
  g_clear_pointer (&self->acts, ll_activations_unref);
  self->acts = acts;
  sync_cards (self);
  if (acts != NULL)
    {
      g_autofree char *input = ll_input_source_dup_description (self->source);
      g_autofree char *ms = ll_format_fixed (acts->run->elapsed_ms, 1);
      /* Translators: "Ones: computed in 1.2 ms" */
      g_autofree char *text = g_strdup_printf (_("%s: computed in %s ms"), input, ms);

      gtk_label_set_label (self->message_label, text);
    }
}

void
ll_activations_page_set_message (LlActivationsPage *self,
                                 const char        *message)
{
  g_return_if_fail (LL_IS_ACTIVATIONS_PAGE (self));

  gtk_label_set_label (self->message_label, message ? message : "");
}

LlActivations *
ll_activations_page_get_activations (LlActivationsPage *self)
{
  g_return_val_if_fail (LL_IS_ACTIVATIONS_PAGE (self), NULL);

  return self->acts;
}

LlDrawingPad *
ll_activations_page_get_drawing_pad (LlActivationsPage *self)
{
  g_return_val_if_fail (LL_IS_ACTIVATIONS_PAGE (self), NULL);

  return self->pad;
}

LlRenderArea *
ll_activations_page_get_area (LlActivationsPage *self,
                              guint              i)
{
  g_return_val_if_fail (LL_IS_ACTIVATIONS_PAGE (self), NULL);

  return i < self->cards->len ? g_array_index (self->cards, Card, i).area : NULL;
}

const char *
ll_activations_page_get_stats_text (LlActivationsPage *self,
                                    guint              i)
{
  g_return_val_if_fail (LL_IS_ACTIVATIONS_PAGE (self), NULL);

  return i < self->cards->len ? gtk_label_get_label (g_array_index (self->cards, Card, i).stats) : NULL;
}

/* ------------------------------------------------------------ input chooser */

static void
sync_input (LlActivationsPage *self)
{
  LlInputKind kind = ll_input_source_get_kind (self->source);

  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->input_dropdown, kind);
  gtk_spin_button_set_value (self->seed_spin, ll_input_source_get_seed (self->source));
  gtk_widget_set_visible (GTK_WIDGET (self->seed_spin), kind == LL_INPUT_RANDOM);
  gtk_widget_set_visible (self->drawing_box, kind == LL_INPUT_DRAWING);
  self->syncing = FALSE;
}

static void
file_chosen_cb (GtkNativeDialog   *dialog,
                int                response,
                LlActivationsPage *self)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  gboolean image = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "image"));

  if (response == GTK_RESPONSE_ACCEPT && file != NULL && g_file_peek_path (file) != NULL)
    {
      g_autofree char *spec = g_strconcat (image ? "image:" : "npy:", g_file_peek_path (file), NULL);

      gtk_widget_activate_action (GTK_WIDGET (self), "win.set-input", "s", spec);
    }
  else if (self->source != NULL)
    sync_input (self);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
choose_file (LlActivationsPage *self,
             gboolean           image)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (image ? _("Choose an Image") : _("Choose a NumPy Array"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, NULL, NULL);
  gtk_file_filter_set_name (filter, image ? _("PNG and JPEG Images") : _("NumPy Arrays"));
  if (image)
    {
      gtk_file_filter_add_mime_type (filter, "image/png");
      gtk_file_filter_add_mime_type (filter, "image/jpeg");
    }
  else
    gtk_file_filter_add_pattern (filter, "*.npy");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  g_object_set_data (G_OBJECT (chooser), "image", GINT_TO_POINTER (image));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
input_selected_cb (LlActivationsPage *self)
{
  static const char *const specs[] = { "random", "zeros", "ones" };
  guint pos = gtk_drop_down_get_selected (self->input_dropdown);

  if (self->syncing)
    return;
  if (pos < G_N_ELEMENTS (specs))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.set-input", "s", specs[pos]);
  else if (pos == LL_INPUT_IMAGE || pos == LL_INPUT_NPY)
    choose_file (self, pos == LL_INPUT_IMAGE);
  else if (pos == LL_INPUT_DRAWING)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.set-input", "s", "drawing");
}

static void
clear_cb (LlActivationsPage *self)
{
  if (self->source != NULL)
    ll_input_source_clear_canvas (self->source);
}

static void
seed_changed_cb (LlActivationsPage *self)
{
  if (!self->syncing && self->source != NULL)
    ll_input_source_set_seed (self->source, (guint) gtk_spin_button_get_value_as_int (self->seed_spin));
}

void
ll_activations_page_set_input_source (LlActivationsPage *self,
                                      LlInputSource     *source)
{
  g_return_if_fail (LL_IS_ACTIVATIONS_PAGE (self));
  g_return_if_fail (LL_IS_INPUT_SOURCE (source));

  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_set_object (&self->source, source);
  g_signal_connect_object (source, "notify", G_CALLBACK (sync_input), self, G_CONNECT_SWAPPED);
  ll_drawing_pad_set_source (self->pad, source);
  sync_input (self);
}

/* ------------------------------------------------------------ zoom and scale */

static void
set_zoom (LlActivationsPage *self,
          double             zoom)
{
  self->zoom = CLAMP (zoom, 0.1, 32.0);
  for (guint i = 0; i < self->cards->len; i++)
    ll_render_area_set_zoom (g_array_index (self->cards, Card, i).area, self->zoom);
}

static void
zoom_in_cb (LlActivationsPage *self)
{
  set_zoom (self, self->zoom * 1.25);
}

static void
zoom_out_cb (LlActivationsPage *self)
{
  set_zoom (self, self->zoom / 1.25);
}

static void
scale_selected_cb (LlActivationsPage *self)
{
  self->scale = gtk_drop_down_get_selected (self->scale_dropdown) == 1
                ? LL_RENDER_SCALE_PER_CHANNEL : LL_RENDER_SCALE_GLOBAL;
  for (guint i = 0; i < self->cards->len; i++)
    ll_render_area_set_scale (g_array_index (self->cards, Card, i).area, self->scale);
}

/* ------------------------------------------------------------ GObject */

static void
ll_activations_page_dispose (GObject *object)
{
  LlActivationsPage *self = LL_ACTIVATIONS_PAGE (object);

  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_object (&self->source);
  g_clear_pointer (&self->acts, ll_activations_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_ACTIVATIONS_PAGE);
  G_OBJECT_CLASS (ll_activations_page_parent_class)->dispose (object);
}

static void
ll_activations_page_finalize (GObject *object)
{
  LlActivationsPage *self = LL_ACTIVATIONS_PAGE (object);

  g_array_unref (self->cards);
  G_OBJECT_CLASS (ll_activations_page_parent_class)->finalize (object);
}

static void
ll_activations_page_class_init (LlActivationsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_activations_page_dispose;
  object_class->finalize = ll_activations_page_finalize;

  g_type_ensure (LL_TYPE_CARDS_BOX);
  g_type_ensure (LL_TYPE_DRAWING_PAD);
  g_type_ensure (LL_TYPE_RENDER_AREA);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-activations-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, box);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, input_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, scale_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, cards_box);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, drawing_box);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, pad);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, stroke_spin);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, top_label);
  gtk_widget_class_bind_template_child (widget_class, LlActivationsPage, top_area);
  gtk_widget_class_bind_template_callback (widget_class, clear_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_in_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_out_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ll_activations_page_init (LlActivationsPage *self)
{
  GtkAdjustment *vadjustment;

  self->zoom = 1.0;
  self->cards = g_array_new (FALSE, TRUE, sizeof (Card));
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->input_dropdown, "notify::selected", G_CALLBACK (input_selected_cb), self);
  g_signal_connect_swapped (self->seed_spin, "value-changed", G_CALLBACK (seed_changed_cb), self);
  g_signal_connect_swapped (self->scale_dropdown, "notify::selected", G_CALLBACK (scale_selected_cb), self);
  g_object_bind_property (gtk_spin_button_get_adjustment (self->stroke_spin), "value",
                          self->pad, "stroke-width", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  ll_render_area_set_show_title (self->top_area, FALSE);
  ll_render_area_set_fit_columns (self->top_area, TRUE);
  /* the box leaves out the cards off screen (see the top): a scroll or a taller
   * viewport shows others */
  vadjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (vadjustment, "value-changed", G_CALLBACK (gtk_widget_queue_draw),
                           self->cards_box, G_CONNECT_SWAPPED);
  g_signal_connect_object (vadjustment, "changed", G_CALLBACK (gtk_widget_queue_draw),
                           self->cards_box, G_CONNECT_SWAPPED);
}
