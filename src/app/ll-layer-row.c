/* ll-layer-row.c - one row of the layer list: index, type, parameters, shape, error
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The row follows its LlLayerItem's properties. Rows are also drag sources and drop
 * targets for reordering: dropping row A on row B moves layer A to B's place
 * (win.move-layer), so the whole edit is one undo step.
 */
#define G_LOG_DOMAIN "ll-layer-row"

#include "config.h"

#include <glib/gi18n.h>

#include "ll-format.h"
#include "ll-layer-row.h"

struct _LlLayerRow {
  GtkWidget parent_instance;

  LlLayerItem *item;

  GtkLabel *index_label;
  GtkLabel *type_label;
  GtkLabel *params_label;
  GtkLabel *shape_label;
  GtkLabel *count_label;
  GtkWidget *error_box;
  GtkLabel *error_label;
  GtkWidget *fix_button;
};

G_DEFINE_FINAL_TYPE (LlLayerRow, ll_layer_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
ll_layer_row_new (void)
{
  return g_object_new (LL_TYPE_LAYER_ROW, NULL);
}

static void
set_css_class (GtkWidget  *widget,
               const char *name,
               gboolean    set)
{
  if (set)
    gtk_widget_add_css_class (widget, name);
  else
    gtk_widget_remove_css_class (widget, name);
}

static void
ll_layer_row_sync (LlLayerRow *self)
{
  LlLayerItem *item = self->item;
  g_autofree char *index = NULL;
  g_autofree char *count = NULL;
  const char *error;
  const char *fix;

  if (item == NULL)
    return;

  index = g_strdup_printf ("%d", ll_layer_item_get_index (item));
  count = ll_format_count (ll_layer_item_get_n_params (item));
  error = ll_layer_item_get_error (item);
  fix = ll_layer_item_get_fix_label (item);

  gtk_label_set_label (self->index_label, index);
  gtk_label_set_label (self->type_label, ll_layer_item_get_type_name (item));
  gtk_label_set_label (self->params_label, ll_layer_item_get_params_text (item));
  gtk_label_set_label (self->shape_label, ll_layer_item_get_shape_text (item));
  gtk_label_set_label (self->count_label, count);

  gtk_widget_set_visible (self->error_box, error != NULL);
  gtk_label_set_label (self->error_label, error ? error : "");
  gtk_widget_set_visible (self->fix_button, fix != NULL);
  gtk_button_set_label (GTK_BUTTON (self->fix_button), fix ? fix : "");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->fix_button), "i",
                                    ll_layer_item_get_index (item));

  set_css_class (GTK_WIDGET (self), "error-row", error != NULL);
  set_css_class (GTK_WIDGET (self), "not-computed", ll_layer_item_get_not_computed (item));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               ll_layer_item_get_not_computed (item)
                               ? _("Not computed: an earlier layer has a shape error")
                               : NULL);
}

LlLayerItem *
ll_layer_row_get_item (LlLayerRow *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ROW (self), NULL);

  return self->item;
}

void
ll_layer_row_set_item (LlLayerRow  *self,
                       LlLayerItem *item)
{
  g_return_if_fail (LL_IS_LAYER_ROW (self));
  g_return_if_fail (item == NULL || LL_IS_LAYER_ITEM (item));

  if (self->item == item)
    return;
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_set_object (&self->item, item);
  if (item != NULL)
    g_signal_connect_object (item, "notify", G_CALLBACK (ll_layer_row_sync), self,
                             G_CONNECT_SWAPPED);
  ll_layer_row_sync (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

const char *
ll_layer_row_get_shape_text (LlLayerRow *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ROW (self), NULL);

  return gtk_label_get_label (self->shape_label);
}

const char *
ll_layer_row_get_error_text (LlLayerRow *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ROW (self), NULL);

  if (!gtk_widget_get_visible (self->error_box))
    return NULL;
  return gtk_label_get_label (self->error_label);
}

GtkWidget *
ll_layer_row_get_fix_button (LlLayerRow *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ROW (self), NULL);

  return self->fix_button;
}

/* ------------------------------------------------------------ drag and drop */

static GdkContentProvider *
drag_prepare_cb (LlLayerRow    *self,
                 double         x,
                 double         y,
                 GtkDragSource *source)
{
  if (self->item == NULL)
    return NULL;
  return gdk_content_provider_new_typed (LL_TYPE_LAYER_ITEM, self->item);
}

static void
drag_begin_cb (LlLayerRow    *self,
               GdkDrag       *drag,
               GtkDragSource *source)
{
  g_autoptr(GdkPaintable) icon = gtk_widget_paintable_new (GTK_WIDGET (self));

  gtk_drag_source_set_icon (source, icon, 0, 0);
}

static gboolean
drop_cb (LlLayerRow    *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  LlLayerItem *dragged = g_value_get_object (value);
  int from, to;

  if (dragged == NULL || self->item == NULL)
    return FALSE;
  from = ll_layer_item_get_index (dragged);
  to = ll_layer_item_get_index (self->item);
  if (from != to)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.move-layer", "(ii)", from, to);
  return TRUE;
}

static void
setup_dnd (LlLayerRow *self)
{
  GtkDragSource *source = gtk_drag_source_new ();
  GtkDropTarget *target = gtk_drop_target_new (LL_TYPE_LAYER_ITEM, GDK_ACTION_MOVE);

  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect_swapped (source, "prepare", G_CALLBACK (drag_prepare_cb), self);
  g_signal_connect_swapped (source, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (source));

  g_signal_connect_swapped (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

/* ------------------------------------------------------------ GObject */

static void
ll_layer_row_dispose (GObject *object)
{
  LlLayerRow *self = LL_LAYER_ROW (object);

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_clear_object (&self->item);
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_LAYER_ROW);
  /* the template's unnamed root child */
  ll_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (ll_layer_row_parent_class)->dispose (object);
}

static void
ll_layer_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  LlLayerRow *self = LL_LAYER_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_layer_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LlLayerRow *self = LL_LAYER_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      ll_layer_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_layer_row_class_init (LlLayerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_layer_row_dispose;
  object_class->get_property = ll_layer_row_get_property;
  object_class->set_property = ll_layer_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, LL_TYPE_LAYER_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-layer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LlLayerRow, index_label);
  gtk_widget_class_bind_template_child (widget_class, LlLayerRow, type_label);
  gtk_widget_class_bind_template_child (widget_class, LlLayerRow, params_label);
  gtk_widget_class_bind_template_child (widget_class, LlLayerRow, shape_label);
  gtk_widget_class_bind_template_child (widget_class, LlLayerRow, count_label);
  gtk_widget_class_bind_template_child (widget_class, LlLayerRow, error_box);
  gtk_widget_class_bind_template_child (widget_class, LlLayerRow, error_label);
  gtk_widget_class_bind_template_child (widget_class, LlLayerRow, fix_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "layerrow");
}

static void
ll_layer_row_init (LlLayerRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* target first: the action takes the layer index */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->fix_button), "i", 0);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->fix_button), "win.apply-fix");
  setup_dnd (self);
}
