/* ll-summary-view.c - totals of the network: parameters, multiply-adds, memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "ll-summary-view"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "ll-format.h"
#include "ll-summary-view.h"

struct _LlSummaryView {
  GtkWidget parent_instance;

  LlDocument *document;

  GtkLabel *layers_label;
  GtkLabel *output_label;
  GtkLabel *params_label;
  GtkLabel *macs_label;
  GtkLabel *memory_label;
  GtkLabel *run_label;
};

G_DEFINE_FINAL_TYPE (LlSummaryView, ll_summary_view, GTK_TYPE_WIDGET)

GtkWidget *
ll_summary_view_new (void)
{
  return g_object_new (LL_TYPE_SUMMARY_VIEW, NULL);
}

static void
set_text_take (GtkLabel *label,
               char     *text)
{
  gtk_label_set_label (label, text);
  g_free (text);
}

static void
sync_summary (LlSummaryView *self)
{
  const nn_net *net;
  char shape[64];
  gint64 act_bytes;

  if (self->document == NULL)
    return;
  net = ll_document_get_net (self->document);
  set_text_take (self->layers_label, g_strdup_printf ("%d", net->n_layers));
  if (net->first_error >= 0)
    {
      /* Translators: summary when propagation stopped, e.g. "Error in layer 7" */
      set_text_take (self->output_label, g_strdup_printf (_("Error in layer %d"), net->first_error));
      gtk_widget_add_css_class (GTK_WIDGET (self->output_label), "error");
    }
  else
    {
      nn_shape out = nn_net_output_shape (net);

      gtk_label_set_label (self->output_label, nn_shape_to_batch_string (&out, shape, sizeof shape));
      gtk_widget_remove_css_class (GTK_WIDGET (self->output_label), "error");
    }
  set_text_take (self->params_label, ll_format_count (nn_net_total_params (net)));
  set_text_take (self->macs_label, ll_format_count (nn_net_total_macs (net)));
  act_bytes = nn_net_activation_numel (net) * (gint64) sizeof (float);
  set_text_take (self->memory_label, ll_format_size ((guint64) MAX (act_bytes, 0)));
}

void
ll_summary_view_set_document (LlSummaryView *self,
                              LlDocument    *document)
{
  g_return_if_fail (LL_IS_SUMMARY_VIEW (self));
  g_return_if_fail (document == NULL || LL_IS_DOCUMENT (document));

  if (!ll_widget_follow_document (self, &self->document, document, G_CALLBACK (sync_summary)))
    return;
  sync_summary (self);
}

void
ll_summary_view_set_run (LlSummaryView     *self,
                         const LlRunResult *run)
{
  g_return_if_fail (LL_IS_SUMMARY_VIEW (self));

  if (run == NULL)
    gtk_label_set_label (self->run_label, "—");
  else
    {
      g_autofree char *ms = ll_format_fixed (run->elapsed_ms, 1);

      /* Translators: time of one forward pass, e.g. "12.3 ms" */
      set_text_take (self->run_label, g_strdup_printf (_("%s ms"), ms));
    }
}

const char *
ll_summary_view_get_text (LlSummaryView *self,
                          const char    *what)
{
  g_return_val_if_fail (LL_IS_SUMMARY_VIEW (self), NULL);

  if (g_str_equal (what, "params"))
    return gtk_label_get_label (self->params_label);
  if (g_str_equal (what, "macs"))
    return gtk_label_get_label (self->macs_label);
  if (g_str_equal (what, "memory"))
    return gtk_label_get_label (self->memory_label);
  if (g_str_equal (what, "output"))
    return gtk_label_get_label (self->output_label);
  if (g_str_equal (what, "layers"))
    return gtk_label_get_label (self->layers_label);
  if (g_str_equal (what, "run"))
    return gtk_label_get_label (self->run_label);
  g_return_val_if_reached (NULL);
}

static void
ll_summary_view_dispose (GObject *object)
{
  LlSummaryView *self = LL_SUMMARY_VIEW (object);

  ll_widget_unfollow_document (self, &self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_SUMMARY_VIEW);
  /* the template's unnamed root child */
  ll_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (ll_summary_view_parent_class)->dispose (object);
}

static void
ll_summary_view_class_init (LlSummaryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_summary_view_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-summary-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LlSummaryView, layers_label);
  gtk_widget_class_bind_template_child (widget_class, LlSummaryView, output_label);
  gtk_widget_class_bind_template_child (widget_class, LlSummaryView, params_label);
  gtk_widget_class_bind_template_child (widget_class, LlSummaryView, macs_label);
  gtk_widget_class_bind_template_child (widget_class, LlSummaryView, memory_label);
  gtk_widget_class_bind_template_child (widget_class, LlSummaryView, run_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "summaryview");
}

static void
ll_summary_view_init (LlSummaryView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
