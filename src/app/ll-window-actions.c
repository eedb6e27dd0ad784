/* ll-window-actions.c - every window operation as a GAction (win.*)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Buttons, menus, shortcuts and tests all go through these actions. Which ones are
 * enabled is decided in one place, _ll_window_update_actions(), after every change
 * of the document, the selection or the busy state (like GNOME Text Editor).
 */
#define G_LOG_DOMAIN "ll-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ll-window-private.h"

#define MAX_RECENT 10

static void
toast_error (LlWindow *self,
             GError   *error)
{
  _ll_window_toast (self, error->message);
}

/* ------------------------------------------------------------ files */

static void
open_chosen (LlWindow *self,
             GFile    *file)
{
  _ll_window_load (self, file);
}

static void
open_choose_then (LlWindow *self,
                  gpointer  data)
{
  _ll_window_choose_file (self, GTK_FILE_CHOOSER_ACTION_OPEN, _("Open Model"), _("_Open"),
                          open_chosen);
}

static void
open_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  _ll_window_confirm_discard (LL_WINDOW (widget), open_choose_then, NULL, NULL);
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (param, NULL));

  ll_window_open_file (LL_WINDOW (widget), file);
}

static void
save_as_action (GtkWidget  *widget,
                const char *name,
                GVariant   *param)
{
  _ll_window_choose_file (LL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SAVE, _("Save Model As"),
                          _("_Save"), _ll_window_save_as_chosen);
}

static void
save_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  GFile *file = ll_document_get_file (self->document);

  if (file == NULL)
    save_as_action (widget, "win.save-as", NULL);
  else
    ll_window_save_to_file (self, file, FALSE);
}

static void
save_weights_chosen (LlWindow *self,
                     GFile    *file)
{
  ll_window_save_to_file (self, file, TRUE);
}

static void
save_weights_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  _ll_window_choose_file (LL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SAVE, _("Save Weights"),
                          _("_Save"), save_weights_chosen);
}

static void
load_weights_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  _ll_window_choose_file (LL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_OPEN, _("Load Weights"),
                          _("_Load"), ll_window_load_weights_from_file);
}

static void
cancel_action (GtkWidget  *widget,
               const char *name,
               GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);

  if (self->io_cancellable != NULL)
    g_cancellable_cancel (self->io_cancellable);
}

/* ------------------------------------------------------------ edits */

static void
add_layer_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  const char *type_name = g_variant_get_string (param, NULL);
  nn_layer_type type = nn_layer_type_from_name (type_name);
  const nn_net *net = ll_document_get_net (self->document);
  int selected = ll_window_get_selected (self);
  int index = selected >= 0 ? selected + 1 : net->n_layers;
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg;

  if (type == NN_LAYER_N_TYPES)
    {
      g_autofree char *message = g_strdup_printf (_("Unknown layer type “%s”"), type_name);

      _ll_window_toast (self, message);
      return;
    }
  nn_layer_config_init (&cfg, type);
  if (!ll_document_insert_layer (self->document, index, &cfg, &error))
    toast_error (self, error);
  else
    ll_window_select (self, index);
}

static void
remove_layer_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  int selected = ll_window_get_selected (self);
  g_autoptr(GError) error = NULL;

  if (!ll_document_remove_layer (self->document, selected, &error))
    toast_error (self, error);
  else
    ll_window_select (self, MIN (selected, ll_document_get_net (self->document)->n_layers - 1));
}

static void
duplicate_layer_action (GtkWidget  *widget,
                        const char *name,
                        GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  int selected = ll_window_get_selected (self);
  g_autoptr(GError) error = NULL;

  if (!ll_document_duplicate_layer (self->document, selected, &error))
    toast_error (self, error);
  else
    ll_window_select (self, selected + 1);
}

static void
move_layer (LlWindow *self,
            int       from,
            int       to)
{
  g_autoptr(GError) error = NULL;

  if (!ll_document_move_layer (self->document, from, to, &error))
    toast_error (self, error);
  else
    ll_window_select (self, to);
}

static void
move_up_action (GtkWidget  *widget,
                const char *name,
                GVariant   *param)
{
  int selected = ll_window_get_selected (LL_WINDOW (widget));

  move_layer (LL_WINDOW (widget), selected, selected - 1);
}

static void
move_down_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  int selected = ll_window_get_selected (LL_WINDOW (widget));

  move_layer (LL_WINDOW (widget), selected, selected + 1);
}

/* Drag and drop between rows: (from, to) */
static void
move_layer_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *param)
{
  int from, to;

  g_variant_get (param, "(ii)", &from, &to);
  move_layer (LL_WINDOW (widget), from, to);
}

static void
apply_fix_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  int index = g_variant_get_int32 (param);
  g_autoptr(GError) error = NULL;

  if (!ll_document_apply_fix (self->document, index, &error))
    toast_error (self, error);
  else
    ll_window_select (self, index);
}

static void
undo_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  ll_document_undo (LL_WINDOW (widget)->document);
}

static void
redo_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  ll_document_redo (LL_WINDOW (widget)->document);
}

static void
copy_repr_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  g_autofree char *repr = ll_repr_view_dup_text (self->repr_view);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), repr);
  _ll_window_toast (self, _("Copied the PyTorch representation"));
}

/* ------------------------------------------------------------ state */

static void
set_tooltip_take (GtkWidget *widget,
                  char      *text)
{
  gtk_widget_set_tooltip_text (widget, text);
  g_free (text);
}

/* "Undo Add Conv2d (Ctrl+Z)": says what the button would undo */
static void
update_undo_tooltips (LlWindow *self)
{
  const char *undo = ll_document_can_undo (self->document) ? ll_document_get_undo_label (self->document) : NULL;
  const char *redo = ll_document_can_redo (self->document) ? ll_document_get_redo_label (self->document) : NULL;

  if (undo != NULL)
    /* Translators: %s is an edit, e.g. "Add Conv2d" */
    set_tooltip_take (self->undo_button, g_strdup_printf (_("Undo “%s” (Ctrl+Z)"), undo));
  else
    gtk_widget_set_tooltip_text (self->undo_button, _("Undo (Ctrl+Z)"));
  if (redo != NULL)
    /* Translators: %s is an edit, e.g. "Add Conv2d" */
    set_tooltip_take (self->redo_button, g_strdup_printf (_("Redo “%s” (Ctrl+Shift+Z)"), redo));
  else
    gtk_widget_set_tooltip_text (self->redo_button, _("Redo (Ctrl+Shift+Z)"));
}

void
_ll_window_update_actions (LlWindow *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  const nn_net *net;
  int selected, n;
  gboolean busy = self->busy > 0;

  if (self->document == NULL)
    return;
  net = ll_document_get_net (self->document);
  n = net->n_layers;
  selected = ll_window_get_selected (self);

  gtk_widget_action_set_enabled (w, "win.open", !busy);
  gtk_widget_action_set_enabled (w, "win.open-recent", !busy);
  gtk_widget_action_set_enabled (w, "win.save", !busy);
  gtk_widget_action_set_enabled (w, "win.save-as", !busy);
  gtk_widget_action_set_enabled (w, "win.save-weights", !busy && net->first_error < 0);
  gtk_widget_action_set_enabled (w, "win.load-weights", !busy && net->first_error < 0);
  gtk_widget_action_set_enabled (w, "win.cancel", busy);
  gtk_widget_action_set_enabled (w, "win.undo", ll_document_can_undo (self->document));
  gtk_widget_action_set_enabled (w, "win.redo", ll_document_can_redo (self->document));
  gtk_widget_action_set_enabled (w, "win.remove-layer", selected >= 0);
  gtk_widget_action_set_enabled (w, "win.duplicate-layer", selected >= 0);
  gtk_widget_action_set_enabled (w, "win.move-up", selected > 0);
  gtk_widget_action_set_enabled (w, "win.move-down", selected >= 0 && selected < n - 1);
  gtk_widget_action_set_enabled (w, "win.apply-fix", net->first_error >= 0);

  gtk_widget_set_visible (self->empty_label, n == 0);
  update_undo_tooltips (self);
}

/* ------------------------------------------------------------ recent files */

static gint
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GtkRecentInfo *ia = *(GtkRecentInfo **) a;
  GtkRecentInfo *ib = *(GtkRecentInfo **) b;

  return g_date_time_compare (gtk_recent_info_get_modified (ib), gtk_recent_info_get_modified (ia));
}

static void
fill_recent (GMenu     *menu,
             GPtrArray *infos)
{
  g_menu_remove_all (menu);
  for (guint i = 0; i < infos->len && i < MAX_RECENT; i++)
    {
      GtkRecentInfo *info = infos->pdata[i];
      g_autoptr(GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);

      g_menu_item_set_action_and_target (item, "win.open-recent", "s", gtk_recent_info_get_uri (info));
      g_menu_append_item (menu, item);
    }
  /* An item without an installed action shows greyed out: an honest empty state. */
  if (infos->len == 0)
    g_menu_append (menu, _("No Recent Files"), "win.no-recent-files");
}

void
_ll_window_rebuild_recent (LlWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr(GPtrArray) ours = g_ptr_array_new ();

  for (GList *l = items; l != NULL; l = l->next)
    if (gtk_recent_info_has_application (l->data, "Layerlab") && gtk_recent_info_exists (l->data))
      g_ptr_array_add (ours, l->data);
  g_ptr_array_sort (ours, compare_recent);

  fill_recent (self->recent_section, ours);
  fill_recent (self->recent_submenu, ours);
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

/* ------------------------------------------------------------ class */

void
_ll_window_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "win.save-weights", NULL, save_weights_action);
  gtk_widget_class_install_action (widget_class, "win.load-weights", NULL, load_weights_action);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "win.add-layer", "s", add_layer_action);
  gtk_widget_class_install_action (widget_class, "win.remove-layer", NULL, remove_layer_action);
  gtk_widget_class_install_action (widget_class, "win.duplicate-layer", NULL, duplicate_layer_action);
  gtk_widget_class_install_action (widget_class, "win.move-up", NULL, move_up_action);
  gtk_widget_class_install_action (widget_class, "win.move-down", NULL, move_down_action);
  gtk_widget_class_install_action (widget_class, "win.move-layer", "(ii)", move_layer_action);
  gtk_widget_class_install_action (widget_class, "win.apply-fix", "i", apply_fix_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action);
  gtk_widget_class_install_action (widget_class, "win.copy-repr", NULL, copy_repr_action);
}
