/* ll-weights-page.c - the selected layer's tensors as kernels, matrix, bars or histogram
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page asks the worker to copy the chosen tensor out of the document's current
 * network and prepare its view (statistics and ranges read every element); the latest
 * request wins. The picture is only painted on the main thread (LlRenderArea).
 */
#define G_LOG_DOMAIN "ll-weights-page"

#include "config.h"

#include <glib/gi18n.h>

#include "ll-document-private.h"
#include "ll-format.h"
#include "ll-runner.h"
#include "ll-weights-page.h"

#define MAX_KINDS 4

struct _LlWeightsPage {
  GtkWidget parent_instance;

  LlDocument *document;
  LlNetRef *preview;            /* a network training shows instead of the document's */
  int index;
  char *tensor_name;            /* wanted: "weight", "bias", ... */
  LlRenderKind kind;            /* wanted kind (if it suits the tensor) */
  LlRenderKind kinds[MAX_KINDS];
  guint n_kinds;
  char **names;                 /* tensor names of the layer, as in the drop-down */
  GCancellable *cancellable;
  char *shown_key;
  guint64 shown_generation;
  gboolean syncing;

  GtkWidget *box;
  GtkLabel *title_label;
  GtkWidget *controls;
  GtkDropDown *tensor_dropdown;
  GtkDropDown *kind_dropdown;
  GtkDropDown *scale_dropdown;
  GtkWidget *edit_button;
  GtkWidget *export_button;
  GtkLabel *stats_label;
  GtkWidget *scroller;
  LlRenderArea *area;
  GtkLabel *status_label;
};

G_DEFINE_FINAL_TYPE (LlWeightsPage, ll_weights_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SHOWN_GENERATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
kind_label (LlRenderKind kind)
{
  switch (kind)
    {
    case LL_RENDER_KERNELS: return _("Kernels");
    case LL_RENDER_KERNELS_RGB: return _("RGB kernels");
    case LL_RENDER_MATRIX: return _("Matrix");
    case LL_RENDER_BARS: return _("Bars");
    case LL_RENDER_HISTOGRAM: return _("Histogram");
    case LL_RENDER_FEATURE_MAPS:
    case LL_RENDER_TOPK:
    case LL_RENDER_N_KINDS:
    default: return "";
    }
}

/* The pictures that suit a tensor, the natural one first. */
static guint
kinds_for (const nn_tensor *t,
           LlRenderKind    *kinds)
{
  guint n = 0;

  if (t->n_dims == 4)
    {
      kinds[n++] = LL_RENDER_KERNELS;
      if (t->shape[1] == 3)
        kinds[n++] = LL_RENDER_KERNELS_RGB;
    }
  else if (t->n_dims == 2)
    kinds[n++] = LL_RENDER_MATRIX;
  else if (t->n_dims == 1)
    kinds[n++] = LL_RENDER_BARS;
  kinds[n++] = LL_RENDER_HISTOGRAM;
  return n;
}

/* ------------------------------------------------------------ worker */

typedef struct {
  LlNetRef *ref;
  char *key;
  char *title;
  LlRenderKind kind;
} PrepareJob;

static void
prepare_job_free (gpointer p)
{
  PrepareJob *job = p;

  _ll_net_ref_unref (job->ref);
  g_free (job->key);
  g_free (job->title);
  g_free (job);
}

static gpointer
prepare_job (gpointer      p,
             GCancellable *cancellable,
             GError      **error)
{
  PrepareJob *job = p;
  const nn_tensor *t = nn_net_find_param (job->ref->net, job->key);
  LlRenderOptions options;
  nn_error err = { 0 };
  nn_tensor *copy;

  if (t == NULL || !(copy = nn_tensor_copy (t, &err)))
    {
      if (t == NULL)
        nn_error_set (&err, NN_STATUS_NOT_FOUND, -1, "no parameter %s", job->key);
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  ll_render_options_init (&options, job->kind);
  options.map = LL_RENDER_MAP_DIVERGING;     /* weights: white is 0 */
  return ll_view_data_new (copy, job->kind, &options, job->title, error);
}

typedef struct {
  LlWeightsPage *self;          /* strong ref */
  char *key;
  guint64 generation;
} PrepareState;

static void
prepare_state_free (PrepareState *state)
{
  g_object_unref (state->self);
  g_free (state->key);
  g_free (state);
}

static void
set_stats (LlWeightsPage *self,
           LlViewData    *data)
{
  const LlRenderStats *s = &data->view.stats;
  char shape[64];
  g_autofree char *count = ll_format_count (s->n);
  g_autofree char *lo = ll_format_value (s->min);
  g_autofree char *hi = ll_format_value (s->max);
  g_autofree char *mean = ll_format_value (s->mean);
  g_autofree char *std = ll_format_value (s->std);
  g_autofree char *text = NULL;

  nn_shape_format (data->tensor->n_dims, data->tensor->shape, shape, sizeof shape);
  text = g_strdup_printf (_("%s · %s values · min %s · max %s · mean %s · std %s"),
                          shape, count, lo, hi, mean, std);
  gtk_label_set_label (self->stats_label, text);
}

static void
prepare_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PrepareState *state = user_data;
  LlWeightsPage *self = state->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(LlViewData) data = ll_worker_run_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->document == NULL)
    {
      prepare_state_free (state);
      return;
    }
  g_clear_object (&self->cancellable);
  g_free (self->shown_key);
  self->shown_key = g_strdup (state->key);
  self->shown_generation = state->generation;
  ll_render_area_set_data (self->area, data);
  gtk_widget_set_visible (self->scroller, data != NULL);
  if (data != NULL)
    set_stats (self, data);
  gtk_label_set_label (self->status_label, error ? error->message
                       : _("Hover for the exact value; click a kernel, row or bias to edit it."));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOWN_GENERATION]);
  prepare_state_free (state);
}

/* ------------------------------------------------------------ syncing */

static const char *
selected_name (LlWeightsPage *self)
{
  guint pos = gtk_drop_down_get_selected (self->tensor_dropdown);

  return self->names != NULL && pos < g_strv_length (self->names) ? self->names[pos] : NULL;
}

static void
request_view (LlWeightsPage *self)
{
  const char *name = selected_name (self);
  guint pos = gtk_drop_down_get_selected (self->kind_dropdown);
  PrepareJob *job;
  PrepareState *state;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (name == NULL || pos >= self->n_kinds)
    return;
  self->cancellable = g_cancellable_new ();
  job = g_new0 (PrepareJob, 1);
  job->ref = self->preview != NULL ? _ll_net_ref_ref (self->preview)
                                   : _ll_document_ref_net (self->document);
  job->key = g_strdup_printf ("%d.%s", self->index, name);
  job->title = g_strdup (job->key);
  job->kind = self->kinds[pos];
  state = g_new0 (PrepareState, 1);
  state->self = g_object_ref (self);
  state->key = g_strdup (job->key);
  state->generation = ll_document_get_generation (self->document);
  ll_worker_run_full_async (prepare_job, job, prepare_job_free, (GDestroyNotify) ll_view_data_unref,
                            self->cancellable, prepare_done_cb, state);
}

static gboolean
same_strings (GtkStringList      *list,
              const char * const *strings)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  for (guint i = 0; i < n; i++)
    if (strings[i] == NULL || g_strcmp0 (gtk_string_list_get_string (list, i), strings[i]) != 0)
      return FALSE;
  return strings[n] == NULL;
}

/* Replaces the choices only when they changed: this runs from the drop-down's own
 * notify::selected too, and rebuilding the model under the popover's click makes GTK
 * activate the new row again, a loop that never ends. */
static void
fill_strings (GtkDropDown        *dropdown,
              const char * const *strings,
              guint               selected)
{
  GtkStringList *list = GTK_STRING_LIST (gtk_drop_down_get_model (dropdown));

  if (!same_strings (list, strings))
    gtk_string_list_splice (list, 0, g_list_model_get_n_items (G_LIST_MODEL (list)), strings);
  if (gtk_drop_down_get_selected (dropdown) != selected)
    gtk_drop_down_set_selected (dropdown, selected);
}

static guint
find_kind (LlWeightsPage *self,
           LlRenderKind   kind)
{
  for (guint i = 0; i < self->n_kinds; i++)
    if (self->kinds[i] == kind)
      return i;
  return 0;
}

/* Rebuilds the tensor and kind drop-downs for the layer, keeping the wanted choices. */
static void
sync_choices (LlWeightsPage *self,
              const nn_net  *net)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  const char *kind_names[MAX_KINDS + 1] = { NULL };
  g_autofree nn_param *params = NULL;
  int n = nn_net_params (net, &params);
  guint selected = 0, count = 0;
  const nn_tensor *shown = NULL;

  for (int i = 0; i < n; i++)
    if (params[i].layer == self->index && params[i].tensor != NULL)
      {
        if (shown == NULL || g_strcmp0 (params[i].name, self->tensor_name) == 0)
          {
            shown = params[i].tensor;
            selected = count;
          }
        g_strv_builder_add (names, params[i].name);
        count++;
      }
  g_strfreev (self->names);
  self->names = g_strv_builder_end (names);
  fill_strings (self->tensor_dropdown, (const char * const *) self->names, selected);
  self->n_kinds = shown ? kinds_for (shown, self->kinds) : 0;
  for (guint i = 0; i < self->n_kinds; i++)
    kind_names[i] = kind_label (self->kinds[i]);
  fill_strings (self->kind_dropdown, kind_names, find_kind (self, self->kind));
}

static void
sync_title (LlWeightsPage *self,
            const nn_net  *net)
{
  g_autofree char *repr = NULL;
  g_autofree char *title = NULL;

  if (self->index < 0 || self->index >= net->n_layers)
    {
      gtk_label_set_label (self->title_label, _("Select a layer to see its weights."));
      return;
    }
  repr = nn_layer_repr (net, self->index);
  title = g_strdup_printf ("%d · %s", self->index, repr);
  gtk_label_set_label (self->title_label, title);
}

static void
sync_page (LlWeightsPage *self)
{
  const nn_net *net;
  gboolean has;

  if (self->document == NULL)
    return;
  net = ll_document_get_net (self->document);
  self->syncing = TRUE;
  sync_title (self, net);
  sync_choices (self, net);
  self->syncing = FALSE;
  has = self->names != NULL && self->names[0] != NULL;
  gtk_widget_set_visible (self->controls, has);
  gtk_widget_set_sensitive (self->edit_button, has);
  gtk_widget_set_sensitive (self->export_button, has);
  gtk_widget_set_visible (GTK_WIDGET (self->stats_label), has);
  if (!has)
    {
      gtk_widget_set_visible (self->scroller, FALSE);
      ll_render_area_set_data (self->area, NULL);
      g_clear_pointer (&self->shown_key, g_free);
      gtk_label_set_label (self->status_label, self->index >= 0 && self->index < net->n_layers
                           ? _("This layer has no weights.") : "");
    }
  request_view (self);
}

static void
tensor_selected_cb (LlWeightsPage *self)
{
  const char *name = selected_name (self);

  if (self->syncing || name == NULL)
    return;
  g_free (self->tensor_name);
  self->tensor_name = g_strdup (name);
  sync_page (self);
}

static void
kind_selected_cb (LlWeightsPage *self)
{
  guint pos = gtk_drop_down_get_selected (self->kind_dropdown);

  if (self->syncing || pos >= self->n_kinds)
    return;
  self->kind = self->kinds[pos];
  request_view (self);
}

static void
scale_selected_cb (LlWeightsPage *self)
{
  ll_render_area_set_scale (self->area, gtk_drop_down_get_selected (self->scale_dropdown) == 1
                                        ? LL_RENDER_SCALE_PER_CHANNEL : LL_RENDER_SCALE_GLOBAL);
}

/* ------------------------------------------------------------ public */

GtkWidget *
ll_weights_page_new (void)
{
  return g_object_new (LL_TYPE_WEIGHTS_PAGE, NULL);
}

void
ll_weights_page_set_document (LlWeightsPage *self,
                              LlDocument    *document)
{
  g_return_if_fail (LL_IS_WEIGHTS_PAGE (self));
  g_return_if_fail (document == NULL || LL_IS_DOCUMENT (document));

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  self->index = -1;
  if (document != NULL)
    g_signal_connect_object (document, "changed", G_CALLBACK (sync_page), self, G_CONNECT_SWAPPED);
  sync_page (self);
}

void
ll_weights_page_set_index (LlWeightsPage *self,
                           int            index)
{
  g_return_if_fail (LL_IS_WEIGHTS_PAGE (self));

  if (index == self->index)
    return;
  self->index = index;
  /* a new layer starts from its natural picture */
  self->kind = LL_RENDER_N_KINDS;
  sync_page (self);
}

gboolean
ll_weights_page_set_tensor (LlWeightsPage *self,
                            const char    *name)
{
  g_return_val_if_fail (LL_IS_WEIGHTS_PAGE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->names == NULL || !g_strv_contains ((const char * const *) self->names, name))
    return FALSE;
  g_free (self->tensor_name);
  self->tensor_name = g_strdup (name);
  sync_page (self);
  return TRUE;
}

gboolean
ll_weights_page_set_kind (LlWeightsPage *self,
                          LlRenderKind   kind)
{
  g_return_val_if_fail (LL_IS_WEIGHTS_PAGE (self), FALSE);

  for (guint i = 0; i < self->n_kinds; i++)
    if (self->kinds[i] == kind)
      {
        gtk_drop_down_set_selected (self->kind_dropdown, i);
        self->kind = kind;
        request_view (self);
        return TRUE;
      }
  return FALSE;
}

const char *
ll_weights_page_get_key (LlWeightsPage *self)
{
  g_return_val_if_fail (LL_IS_WEIGHTS_PAGE (self), NULL);

  return self->shown_key;
}

LlRenderArea *
ll_weights_page_get_area (LlWeightsPage *self)
{
  g_return_val_if_fail (LL_IS_WEIGHTS_PAGE (self), NULL);

  return self->area;
}

guint64
ll_weights_page_get_shown_generation (LlWeightsPage *self)
{
  g_return_val_if_fail (LL_IS_WEIGHTS_PAGE (self), 0);

  return self->shown_generation;
}

gint64
ll_weights_page_slice_for_hit (LlWeightsPage     *self,
                               const LlRenderHit *hit)
{
  LlViewData *data;

  g_return_val_if_fail (LL_IS_WEIGHTS_PAGE (self), -1);
  g_return_val_if_fail (hit != NULL, -1);

  data = ll_render_area_get_data (self->area);
  if (data == NULL)
    return -1;
  switch (data->view.kind)
    {
    case LL_RENDER_KERNELS:
      return hit->index[0] * data->view.dims[1] + hit->index[1];
    case LL_RENDER_KERNELS_RGB:
      return hit->index[0] * data->view.dims[1];
    case LL_RENDER_MATRIX:
      return hit->index[0];
    case LL_RENDER_HISTOGRAM:
    case LL_RENDER_FEATURE_MAPS:
    case LL_RENDER_BARS:
    case LL_RENDER_TOPK:
    case LL_RENDER_N_KINDS:
    default:
      return -1;
    }
}

/* ------------------------------------------------------------ template callbacks */

static void
open_editor (LlWeightsPage *self,
             gint64         slice)
{
  if (self->shown_key == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.open-tensor-editor", "(sx)",
                              self->shown_key, slice);
}

static void
hit_activated_cb (LlWeightsPage *self,
                  LlRenderHit   *hit)
{
  open_editor (self, ll_weights_page_slice_for_hit (self, hit));
}

static void
edit_clicked_cb (LlWeightsPage *self)
{
  open_editor (self, -1);
}

static void
zoom_in_cb (LlWeightsPage *self)
{
  ll_render_area_zoom_by (self->area, 1.25);
}

static void
zoom_out_cb (LlWeightsPage *self)
{
  ll_render_area_zoom_by (self->area, 1 / 1.25);
}

static void
zoom_reset_cb (LlWeightsPage *self)
{
  ll_render_area_set_zoom (self->area, 1.0);
}

/* ------------------------------------------------------------ GObject */

static void
ll_weights_page_dispose (GObject *object)
{
  LlWeightsPage *self = LL_WEIGHTS_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  g_clear_pointer (&self->preview, _ll_net_ref_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_WEIGHTS_PAGE);
  G_OBJECT_CLASS (ll_weights_page_parent_class)->dispose (object);
}

static void
ll_weights_page_finalize (GObject *object)
{
  LlWeightsPage *self = LL_WEIGHTS_PAGE (object);

  g_free (self->tensor_name);
  g_free (self->shown_key);
  g_strfreev (self->names);
  G_OBJECT_CLASS (ll_weights_page_parent_class)->finalize (object);
}

static void
ll_weights_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  LlWeightsPage *self = LL_WEIGHTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SHOWN_GENERATION:
      g_value_set_uint64 (value, self->shown_generation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_weights_page_class_init (LlWeightsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_weights_page_dispose;
  object_class->finalize = ll_weights_page_finalize;
  object_class->get_property = ll_weights_page_get_property;

  properties[PROP_SHOWN_GENERATION] =
    g_param_spec_uint64 ("shown-generation", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (LL_TYPE_RENDER_AREA);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-weights-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, box);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, controls);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, tensor_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, scale_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, edit_button);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, export_button);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, stats_label);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, area);
  gtk_widget_class_bind_template_child (widget_class, LlWeightsPage, status_label);
  gtk_widget_class_bind_template_callback (widget_class, hit_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, edit_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_in_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_out_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_reset_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ll_weights_page_init (LlWeightsPage *self)
{
  self->index = -1;
  self->kind = LL_RENDER_N_KINDS;
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->tensor_dropdown, "notify::selected", G_CALLBACK (tensor_selected_cb), self);
  g_signal_connect_swapped (self->kind_dropdown, "notify::selected", G_CALLBACK (kind_selected_cb), self);
  g_signal_connect_swapped (self->scale_dropdown, "notify::selected", G_CALLBACK (scale_selected_cb), self);
}

/* Shows preview's tensors (a network of the document's structure, e.g. one training)
 * until set back to NULL. */
void
ll_weights_page_set_preview (LlWeightsPage *self,
                             LlNetRef      *preview)
{
  g_return_if_fail (LL_IS_WEIGHTS_PAGE (self));

  if (preview != NULL)
    _ll_net_ref_ref (preview);
  g_clear_pointer (&self->preview, _ll_net_ref_unref);
  self->preview = preview;
  if (self->document != NULL)
    request_view (self);
}
