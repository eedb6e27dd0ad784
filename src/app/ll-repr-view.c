/* ll-repr-view.c - the network as PyTorch prints it, selectable and copyable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "ll-repr-view"

#include "config.h"

#include <glib/gi18n.h>

#include "ll-format.h"
#include "ll-repr-view.h"

struct _LlReprView {
  GtkWidget parent_instance;

  LlDocument *document;

  GtkTextView *text_view;
  GtkWidget *copy_button;
};

G_DEFINE_FINAL_TYPE (LlReprView, ll_repr_view, GTK_TYPE_WIDGET)

GtkWidget *
ll_repr_view_new (void)
{
  return g_object_new (LL_TYPE_REPR_VIEW, NULL);
}

/* Long lines (a pool's five arguments) wrap rather than scroll sideways: GTK 4.8 drew
 * lines wider than the view without the dots of their i's. A wrapped line goes on four
 * characters in, under its module's name, as a terminal's `print(model)` reads. */
static void
hang_wrapped_lines (LlReprView *self)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self->text_view),
                                                                  "    ");
  int width = 0;

  pango_layout_get_pixel_size (layout, &width, NULL);
  /* a negative indent is Pango's hanging one: the first line at the margin, the others
   * that far in */
  gtk_text_view_set_indent (self->text_view, -width);
}

static void
sync_repr (LlReprView *self)
{
  g_autofree char *repr = NULL;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  if (self->document == NULL)
    {
      gtk_text_buffer_set_text (buffer, "", -1);
      return;
    }
  repr = nn_net_repr (ll_document_get_net (self->document));
  hang_wrapped_lines (self);
  gtk_text_buffer_set_text (buffer, repr ? repr : "", -1);
  /* GTK 4.8's text view keeps its cached pixels when the new text has the same line
   * count and layout height, so a changed argument would not show until a click. */
  gtk_widget_queue_draw (GTK_WIDGET (self->text_view));
}

char *
ll_repr_view_dup_text (LlReprView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (LL_IS_REPR_VIEW (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
copy_cb (LlReprView *self)
{
  g_autofree char *text = ll_repr_view_dup_text (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

void
ll_repr_view_set_document (LlReprView *self,
                           LlDocument *document)
{
  g_return_if_fail (LL_IS_REPR_VIEW (self));
  g_return_if_fail (document == NULL || LL_IS_DOCUMENT (document));

  if (!ll_widget_follow_document (self, &self->document, document, G_CALLBACK (sync_repr)))
    return;
  sync_repr (self);
}

static void
ll_repr_view_dispose (GObject *object)
{
  LlReprView *self = LL_REPR_VIEW (object);

  ll_widget_unfollow_document (self, &self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_REPR_VIEW);
  /* the template's unnamed root child */
  ll_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (ll_repr_view_parent_class)->dispose (object);
}

static void
ll_repr_view_class_init (LlReprViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_repr_view_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-repr-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LlReprView, text_view);
  gtk_widget_class_bind_template_child (widget_class, LlReprView, copy_button);
  gtk_widget_class_bind_template_callback (widget_class, copy_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "reprview");
}

static void
ll_repr_view_init (LlReprView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
