/* ll-window.c - the designer window: palette, layer list, inspector, summary, repr
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window owns one LlDocument at a time and shows it through a GtkListView over the
 * document's GListModel, plus the inspector, input editor, summary and repr views that
 * follow the document's "changed" signal. Files load and save on the LlRunner worker;
 * a loaded document replaces the current one only on success, so a bad file never costs
 * the user their work. Actions live in ll-window-actions.c.
 */
#define G_LOG_DOMAIN "ll-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ll-layer-palette.h"
#include "ll-layer-row.h"
#include "ll-window-private.h"

G_DEFINE_FINAL_TYPE (LlWindow, ll_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_DOCUMENT,
  PROP_BUSY,
  PROP_LAST_RUN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Delay between an edit and the forward pass it triggers, so that typing in a spin
 * button or holding an arrow runs the network once, not per keystroke. */
#define FORWARD_DELAY_MS 120

LlWindowPending *
_ll_window_pending_new (LlWindowThen   func,
                        gpointer       data,
                        GDestroyNotify destroy)
{
  LlWindowPending *then = g_new0 (LlWindowPending, 1);

  then->func = func;
  then->data = data;
  then->destroy = destroy;
  return then;
}

void
_ll_window_pending_free (LlWindowPending *then)
{
  if (then->destroy != NULL)
    then->destroy (then->data);
  g_free (then);
}

void
_ll_window_pending_run (LlWindowPending *then,
                        LlWindow        *self)
{
  if (then != NULL && then->func != NULL)
    then->func (self, then->data);
}

/* Pending jobs (worker results, dialogs) hold a weak reference: GTK owns toplevel
 * windows, and a late callback must never be what keeps a destroyed window alive. This
 * returns the window, still owned by GTK, or NULL when it is gone or going. */
LlWindow *
_ll_window_from_ref (GWeakRef *ref)
{
  LlWindow *self = g_weak_ref_get (ref);

  if (self == NULL)
    return NULL;
  /* never the last reference: the weak ref could only be upgraded from a live one */
  g_object_unref (self);
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return NULL;
  return self;
}

/* ------------------------------------------------------------ toasts and title */

void
_ll_window_toast (LlWindow   *self,
                  const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  g_free (self->last_toast);
  self->last_toast = g_strdup (message);
}

/* The lines of a message shown in full; a longer one (the missing keys of a state_dict,
 * say) shows its first line and the rest behind "Details". */
#define ERROR_LINES_SHOWN 4

static void
copy_error_cb (AdwMessageDialog *dialog,
               const char       *response,
               gpointer          user_data)
{
  const char *text = g_object_get_data (G_OBJECT (dialog), "ll-error-text");

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (dialog)), text);
}

static GtkWidget *
error_label (const char *text,
             gboolean    monospace)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
  if (monospace)
    gtk_widget_add_css_class (label, "monospace");
  return label;
}

void
_ll_window_show_error (LlWindow   *self,
                       const char *heading,
                       const char *message)
{
  g_autofree char *text = g_strdup (message);
  g_auto(GStrv) lines = NULL;
  guint n;
  AdwMessageDialog *dialog;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  /* the engine's messages follow a "file: " and start in lower case */
  if (g_ascii_islower (text[0]))
    text[0] = g_ascii_toupper (text[0]);
  message = text;
  lines = g_strsplit (message, "\n", -1);
  n = g_strv_length (lines);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, NULL));
  if (n <= ERROR_LINES_SHOWN)
    gtk_box_append (GTK_BOX (box), error_label (message, FALSE));
  else
    {
      g_autofree char *rest = g_strjoinv ("\n", lines + 1);
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Details (%u more line)",
                                                             "Details (%u more lines)", n - 1),
                                                n - 1);
      GtkWidget *expander = gtk_expander_new (title);
      GtkWidget *scrolled = gtk_scrolled_window_new ();

      gtk_box_append (GTK_BOX (box), error_label (lines[0], FALSE));
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), error_label (rest, TRUE));
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                      GTK_POLICY_AUTOMATIC);
      gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
      gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 300);
      gtk_expander_set_child (GTK_EXPANDER (expander), scrolled);
      gtk_box_append (GTK_BOX (box), expander);
    }
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "copy", _("_Copy Text"), "close", _("_Close"), NULL);
  adw_message_dialog_set_default_response (dialog, "close");
  adw_message_dialog_set_close_response (dialog, "close");
  g_object_set_data_full (G_OBJECT (dialog), "ll-error-text",
                          g_strdup_printf ("%s\n%s", heading, message), g_free);
  g_signal_connect (dialog, "response::copy", G_CALLBACK (copy_error_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  g_free (self->last_error);
  self->last_error = g_strdup_printf ("%s\n%s", heading, message);
}

const char *
_ll_window_strip_file (const char *message,
                       GFile      *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);

  for (int i = 0; i < 2; i++)
    {
      const char *prefix = i == 0 ? path : name;
      size_t n = prefix ? strlen (prefix) : 0;

      if (n > 0 && strncmp (message, prefix, n) == 0 && strncmp (message + n, ": ", 2) == 0)
        return message + n + 2;
    }
  return message;
}

static char *
folder_display_name (GFile *file)
{
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autofree char *path = parent ? g_file_get_parse_name (parent) : NULL;
  const char *home = g_get_home_dir ();

  if (path == NULL)
    return NULL;
  if (g_str_has_prefix (path, home) && (path[strlen (home)] == '/' || path[strlen (home)] == '\0'))
    return g_strconcat ("~", path + strlen (home), NULL);
  return g_steal_pointer (&path);
}

static void
update_title (LlWindow *self)
{
  GFile *file = ll_document_get_file (self->document);
  gboolean modified = ll_document_get_modified (self->document);
  const char *name = ll_document_get_title (self->document);
  g_autofree char *title = modified ? g_strdup_printf ("• %s", name) : g_strdup (name);
  g_autofree char *subtitle = file ? folder_display_name (file) : g_strdup (_("Not saved"));
  g_autofree char *window_title = g_strdup_printf ("%s – Layerlab", title);

  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle ? subtitle : "");
  gtk_window_set_title (GTK_WINDOW (self), window_title);
}

/* ------------------------------------------------------------ forward passes */

/* After the forward pass, the views of its activations are prepared on the worker too
 * (statistics and ranges read every element), so the pages only paint. Only a result
 * for the document shown, as it is now, is applied. */
typedef struct {
  GWeakRef self;
  LlDocument *document;
  LlRunResult *run;               /* until the prepare job takes it */
} ForwardData;

static void
forward_data_free (gpointer p)
{
  ForwardData *fd = p;

  g_clear_pointer (&fd->run, ll_run_result_free);
  g_clear_object (&fd->document);
  g_weak_ref_clear (&fd->self);
  g_free (fd);
}

static gboolean
is_current (LlWindow          *self,
            LlDocument        *document,
            const LlRunResult *run)
{
  return self != NULL && document == self->document
         && run->generation == ll_document_get_generation (self->document);
}

static void
set_activations (LlWindow      *self,
                 LlActivations *acts)
{
  /* the page takes its reference before the old result (and last_run) goes */
  ll_activations_page_set_activations (self->activations_page, acts);
  g_clear_pointer (&self->activations, ll_activations_unref);
  self->activations = acts;
  self->last_run = acts ? acts->run : NULL;
  ll_summary_view_set_run (self->summary, self->last_run);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_RUN]);
}

/* A pass's result (or failure) is in: a drawing that changed meanwhile runs now. */
static void
forward_ended (LlWindow *self)
{
  g_assert (self->forwards_running > 0);

  if (--self->forwards_running == 0 && self->forward_wanted)
    {
      self->forward_wanted = FALSE;
      ll_window_request_forward (self);
    }
}

static gpointer
prepare_job (gpointer      data,
             GCancellable *cancellable,
             GError      **error)
{
  ForwardData *fd = data;

  return ll_activations_prepare (g_steal_pointer (&fd->run), cancellable, error);
}

static void
prepared_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GWeakRef *ref = user_data;
  LlWindow *self = _ll_window_from_ref (ref);
  g_autoptr(GError) error = NULL;
  LlActivations *acts = ll_worker_run_finish (result, &error);

  g_weak_ref_clear (ref);
  g_free (ref);
  if (acts != NULL && self != NULL && acts->run->generation == ll_document_get_generation (self->document))
    set_activations (self, acts);
  else
    g_clear_pointer (&acts, ll_activations_unref);
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self != NULL)
    ll_activations_page_set_message (self->activations_page, error->message);
  if (self != NULL)
    forward_ended (self);
}

static void
forward_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ForwardData *fd = user_data;
  LlWindow *self = _ll_window_from_ref (&fd->self);
  g_autoptr(GError) error = NULL;
  GWeakRef *ref;

  fd->run = ll_runner_forward_finish (LL_RUNNER (source), result, &error);
  if (fd->run == NULL || !is_current (self, fd->document, fd->run))
    {
      if (self != NULL && error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf (_("The forward pass failed: %s"), error->message);

          ll_activations_page_set_message (self->activations_page, message);
        }
      forward_data_free (fd);
      if (self != NULL)
        forward_ended (self);
      return;
    }
  if (self->prepare_cancellable != NULL)
    g_cancellable_cancel (self->prepare_cancellable);
  g_clear_object (&self->prepare_cancellable);
  self->prepare_cancellable = g_cancellable_new ();
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  ll_worker_run_full_async (prepare_job, fd, forward_data_free, (GDestroyNotify) ll_activations_unref,
                            self->prepare_cancellable, prepared_cb, ref);
}

/* Why there is nothing to show, when the network cannot run. */
static void
explain_no_run (LlWindow     *self,
                const nn_net *net,
                GError       *error)
{
  g_autofree char *message = NULL;

  if (error != NULL)
    message = g_strdup (error->message);
  else if (net->n_layers == 0)
    message = g_strdup (_("Add layers to see their activations."));
  else
    /* Translators: %d is a layer index */
    message = g_strdup_printf (_("Fix the error in layer %d to see activations."), net->first_error);
  set_activations (self, NULL);
  ll_activations_page_set_message (self->activations_page, message);
}

void
ll_window_request_forward (LlWindow *self)
{
  const nn_net *net;
  g_autoptr(GError) error = NULL;
  nn_tensor *input = NULL;
  ForwardData *fd;

  g_return_if_fail (LL_IS_WINDOW (self));

  g_clear_handle_id (&self->forward_timeout, g_source_remove);
  self->forward_wanted = FALSE;   /* this pass runs on the drawing as it is now */
  net = ll_document_get_net (self->document);
  if (net->first_error < 0 && net->n_layers > 0)
    input = ll_input_source_make (self->input_source, &net->input, &error);
  if (input == NULL)
    {
      /* Nothing to run (error, empty, input too large): a running pass is now stale. */
      ll_runner_cancel (self->runner);
      if (self->prepare_cancellable != NULL)
        g_cancellable_cancel (self->prepare_cancellable);
      explain_no_run (self, net, error);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
        _ll_window_load_input (self, ll_input_source_get_kind (self->input_source),
                               ll_input_source_get_file (self->input_source));
      return;
    }
  fd = g_new0 (ForwardData, 1);
  g_weak_ref_init (&fd->self, self);
  fd->document = g_object_ref (self->document);
  self->forwards_running++;
  if (self->training_preview != NULL)
    ll_runner_forward_shared_async (self->runner, self->training_preview, input,
                                    ll_document_get_generation (self->document), forward_cb, fd);
  else
    ll_runner_forward_document_async (self->runner, self->document, input, forward_cb, fd);
}

/* While training runs, the weights and activations show its network: the training
 * job hands one over about every half second. */
void
_ll_window_set_training_preview (LlWindow *self,
                                 LlNetRef *preview)
{
  if (preview == NULL && self->training_preview == NULL)
    return;
  if (preview != NULL)
    _ll_net_ref_ref (preview);
  g_clear_pointer (&self->training_preview, _ll_net_ref_unref);
  self->training_preview = preview;
  ll_weights_page_set_preview (self->weights_page, preview);
  ll_window_request_forward (self);
}

static void
training_snapshot_cb (LlWindow *self,
                      gpointer  ref)
{
  _ll_window_set_training_preview (self, ref);
}

static void
training_state_cb (LlWindow *self)
{
  /* a run that ended (applied, stopped, failed) leaves the views to the document */
  if (!ll_training_is_active (self->training))
    _ll_window_set_training_preview (self, NULL);
  /* e.g. an edit stopped it: say so wherever the user is looking */
  if (ll_training_get_state (self->training) == LL_TRAINING_FAILED
      && ll_training_get_message (self->training) != NULL)
    _ll_window_show_error (self, _("Training stopped"), ll_training_get_message (self->training));
  _ll_window_update_actions (self);
}

/* ------------------------------------------------------------ input source */

static void
input_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GWeakRef *ref = user_data;
  LlWindow *self = _ll_window_from_ref (ref);
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (ref);
  g_free (ref);
  if (!ll_input_source_load_finish (LL_INPUT_SOURCE (source), result, &error) && self != NULL
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      _ll_window_show_error (self, _("Could not use the file as the input"), error->message);
      ll_activations_page_set_message (self->activations_page, error->message);
      /* the chooser shows the source's kind again, not the file that failed */
      ll_activations_page_set_input_source (self->activations_page, self->input_source);
    }
}

void
_ll_window_load_input (LlWindow   *self,
                       LlInputKind kind,
                       GFile      *file)
{
  const nn_net *net = ll_document_get_net (self->document);
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  if (self->input_cancellable != NULL)
    g_cancellable_cancel (self->input_cancellable);
  g_clear_object (&self->input_cancellable);
  self->input_cancellable = g_cancellable_new ();
  g_weak_ref_init (ref, self);
  ll_input_source_load_async (self->input_source, kind, file, &net->input,
                              self->input_cancellable, input_loaded_cb, ref);
}

static gboolean
forward_timeout_cb (gpointer data)
{
  LlWindow *self = data;

  self->forward_timeout = 0;
  ll_window_request_forward (self);
  return G_SOURCE_REMOVE;
}

/* The first change after a quiet spell runs at once, so a single edit shows in the next
 * frame or two; changes that follow it within FORWARD_DELAY_MS wait for the delay. */
static void
schedule_forward (LlWindow *self)
{
  gint64 now = g_get_monotonic_time ();
  guint delay = now - self->forward_scheduled < FORWARD_DELAY_MS * G_TIME_SPAN_MILLISECOND
                ? FORWARD_DELAY_MS : 0;

  self->forward_scheduled = now;
  g_clear_handle_id (&self->forward_timeout, g_source_remove);
  self->forward_timeout = g_timeout_add (delay, forward_timeout_cb, self);
}

/* Strokes on the drawing pad come many a second: each would cancel the pass before it,
 * and none would finish while the pen moves. So at most one pass runs; a stroke during
 * it asks for one more, which starts when it ends, on the drawing as it is then. */
static void
input_changed_cb (LlWindow *self)
{
  if (ll_input_source_get_kind (self->input_source) != LL_INPUT_DRAWING)
    {
      schedule_forward (self);
      return;
    }
  if (self->forwards_running > 0 || self->forward_timeout != 0)
    self->forward_wanted = TRUE;
  else
    ll_window_request_forward (self);
}

LlRunResult *
ll_window_get_last_run (LlWindow *self)
{
  g_return_val_if_fail (LL_IS_WINDOW (self), NULL);

  return self->last_run;
}

/* ------------------------------------------------------------ document */

static void
document_changed_cb (LlWindow *self)
{
  const nn_net *net = ll_document_get_net (self->document);
  int selected = ll_window_get_selected (self);

  if (selected >= net->n_layers)
    ll_window_select (self, net->n_layers - 1);
  update_title (self);
  _ll_window_update_actions (self);
  schedule_forward (self);
}

static void
document_notify_cb (LlWindow *self)
{
  update_title (self);
  _ll_window_update_actions (self);
}

LlDocument *
ll_window_get_document (LlWindow *self)
{
  g_return_val_if_fail (LL_IS_WINDOW (self), NULL);

  return self->document;
}

void
ll_window_set_document (LlWindow   *self,
                        LlDocument *document)
{
  g_return_if_fail (LL_IS_WINDOW (self));
  g_return_if_fail (LL_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  ll_runner_cancel (self->runner);
  if (self->prepare_cancellable != NULL)
    g_cancellable_cancel (self->prepare_cancellable);
  set_activations (self, NULL);
  g_set_object (&self->document, document);
  ll_training_set_document (self->training, document);
  ll_autosave_set_document (self->autosave, document);

  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (document));
  ll_inspector_set_document (self->inspector, document);
  ll_input_editor_set_document (self->input_editor, document);
  ll_summary_view_set_document (self->summary, document);
  ll_repr_view_set_document (self->repr_view, document);
  ll_weights_page_set_document (self->weights_page, document);

  g_signal_connect_object (document, "changed", G_CALLBACK (document_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify", G_CALLBACK (document_notify_cb), self,
                           G_CONNECT_SWAPPED);
  ll_window_select (self, -1);
  update_title (self);
  _ll_window_update_actions (self);
  schedule_forward (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

gboolean
ll_window_is_pristine (LlWindow *self)
{
  g_return_val_if_fail (LL_IS_WINDOW (self), FALSE);

  return ll_document_get_file (self->document) == NULL
         && !ll_document_get_modified (self->document)
         && !ll_document_can_undo (self->document)
         && self->busy == 0;
}

int
ll_window_get_selected (LlWindow *self)
{
  guint pos;

  g_return_val_if_fail (LL_IS_WINDOW (self), -1);

  pos = gtk_single_selection_get_selected (self->selection);
  return pos == GTK_INVALID_LIST_POSITION ? -1 : (int) pos;
}

void
ll_window_select (LlWindow *self,
                  int       index)
{
  guint n;

  g_return_if_fail (LL_IS_WINDOW (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  if (index < 0 || (guint) index >= n)
    {
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      return;
    }
  gtk_single_selection_set_selected (self->selection, (guint) index);
  gtk_widget_activate_action (GTK_WIDGET (self->layer_list), "list.scroll-to-item", "u",
                              (guint) index);
}

static void
selection_changed_cb (LlWindow *self)
{
  ll_inspector_set_index (self->inspector, ll_window_get_selected (self));
  ll_weights_page_set_index (self->weights_page, ll_window_get_selected (self));
  _ll_window_update_actions (self);
}

/* ------------------------------------------------------------ busy state */

gboolean
ll_window_get_busy (LlWindow *self)
{
  g_return_val_if_fail (LL_IS_WINDOW (self), FALSE);

  return self->busy > 0;
}

GCancellable *
_ll_window_begin_busy (LlWindow *self)
{
  if (self->busy++ == 0)
    {
      g_clear_object (&self->io_cancellable);
      self->io_cancellable = g_cancellable_new ();
      gtk_spinner_start (self->spinner);
      gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
      gtk_widget_set_visible (self->cancel_button, TRUE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
  _ll_window_update_actions (self);
  return self->io_cancellable;
}

void
_ll_window_end_busy (LlWindow *self)
{
  g_assert (self->busy > 0);

  if (--self->busy == 0)
    {
      gtk_spinner_stop (self->spinner);
      gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
      gtk_widget_set_visible (self->cancel_button, FALSE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
  _ll_window_update_actions (self);
}

/* ------------------------------------------------------------ drop a file */

static gboolean
drop_file_cb (LlWindow      *self,
              const GValue  *value,
              double         x,
              double         y,
              GtkDropTarget *target)
{
  GSList *files = g_value_get_boxed (value);

  if (files == NULL)
    return FALSE;
  ll_window_open_file (self, G_FILE (files->data));
  return TRUE;
}

/* ------------------------------------------------------------ list */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item)
{
  gtk_list_item_set_child (list_item, ll_layer_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item)
{
  ll_layer_row_set_item (LL_LAYER_ROW (gtk_list_item_get_child (list_item)),
                         gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item)
{
  ll_layer_row_set_item (LL_LAYER_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static void
setup_list (LlWindow *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkEventController *shortcuts;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->layer_list, factory);
  g_object_unref (factory);

  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->layer_list, GTK_SELECTION_MODEL (self->selection));

  /* Delete only while the list has the focus: as an application accelerator it would
   * remove a layer when the user deletes a digit in a spin button. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("Delete|KP_Delete"),
                                                          gtk_named_action_new ("win.remove-layer")));
  gtk_widget_add_controller (GTK_WIDGET (self->layer_list), shortcuts);
  g_signal_connect_object (self->selection, "notify::selected",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
}

/* ------------------------------------------------------------ window state */

GSettings *
_ll_window_get_settings (LlWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return LL_IS_APPLICATION (app) ? ll_application_get_settings (LL_APPLICATION (app)) : NULL;
}

static void
restore_size (LlWindow *self)
{
  GSettings *settings = _ll_window_get_settings (self);

  if (settings == NULL)
    return;
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  gtk_paned_set_position (self->list_paned, g_settings_get_int (settings, "list-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_size (LlWindow *self)
{
  GSettings *settings = _ll_window_get_settings (self);
  int width, height;

  if (settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (settings, "list-height", MAX (gtk_paned_get_position (self->list_paned), 100));
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)) && width > 0 && height > 0)
    {
      g_settings_set_int (settings, "window-width", width);
      g_settings_set_int (settings, "window-height", height);
    }
}

static void
close_then (LlWindow *self,
            gpointer  data)
{
  self->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
ll_window_close_request (GtkWindow *window)
{
  LlWindow *self = LL_WINDOW (window);

  if (!self->close_confirmed && ll_document_get_modified (self->document))
    {
      _ll_window_confirm_discard (self, close_then, NULL, NULL);
      return TRUE;
    }
  save_size (self);
  return GTK_WINDOW_CLASS (ll_window_parent_class)->close_request (window);
}

/* ------------------------------------------------------------ GObject */

LlWindow *
ll_window_new (LlApplication *app)
{
  LlWindow *self = g_object_new (LL_TYPE_WINDOW, "application", app, NULL);

  restore_size (self);
  return self;
}

static void
ll_window_dispose (GObject *object)
{
  LlWindow *self = LL_WINDOW (object);

  g_clear_handle_id (&self->forward_timeout, g_source_remove);
  if (self->io_cancellable != NULL)
    g_cancellable_cancel (self->io_cancellable);
  if (self->runner != NULL)
    ll_runner_cancel (self->runner);
  if (self->prepare_cancellable != NULL)
    g_cancellable_cancel (self->prepare_cancellable);
  if (self->input_cancellable != NULL)
    g_cancellable_cancel (self->input_cancellable);
  if (self->input_source != NULL)
    g_signal_handlers_disconnect_by_data (self->input_source, self);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->document);
  g_clear_object (&self->runner);
  if (self->training != NULL)
    g_signal_handlers_disconnect_by_data (self->training, self);
  g_clear_object (&self->training);
  g_clear_pointer (&self->training_preview, _ll_net_ref_unref);
  /* the window closes: its unsaved work was saved or discarded by now */
  g_clear_object (&self->autosave);
  g_clear_object (&self->io_cancellable);
  g_clear_pointer (&self->activations, ll_activations_unref);
  self->last_run = NULL;
  g_clear_object (&self->input_source);
  g_clear_object (&self->prepare_cancellable);
  g_clear_object (&self->input_cancellable);
  g_clear_pointer (&self->last_toast, g_free);
  g_clear_pointer (&self->last_error, g_free);
  G_OBJECT_CLASS (ll_window_parent_class)->dispose (object);
}

static void
ll_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LlWindow *self = LL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy > 0);
      break;
    case PROP_LAST_RUN:
      g_value_set_pointer (value, self->last_run);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_window_class_init (LlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ll_window_dispose;
  object_class->get_property = ll_window_get_property;
  window_class->close_request = ll_window_close_request;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, LL_TYPE_DOCUMENT,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_RUN] =
    g_param_spec_pointer ("last-run", NULL, NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (LL_TYPE_LAYER_PALETTE);
  g_type_ensure (LL_TYPE_INSPECTOR);
  g_type_ensure (LL_TYPE_INPUT_EDITOR);
  g_type_ensure (LL_TYPE_SUMMARY_VIEW);
  g_type_ensure (LL_TYPE_REPR_VIEW);
  g_type_ensure (LL_TYPE_WEIGHTS_PAGE);
  g_type_ensure (LL_TYPE_ACTIVATIONS_PAGE);
  g_type_ensure (LL_TYPE_TRAINING_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LlWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, layer_list);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, list_paned);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, empty_label);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, undo_button);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, redo_button);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, inspector);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, input_editor);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, summary);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, repr_view);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, side_box);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, inspect_stack);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, weights_page);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, activations_page);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, training_page);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, recent_submenu);
  gtk_widget_class_bind_template_child (widget_class, LlWindow, recent_section);

  _ll_window_class_init_actions (widget_class);
}

static void
ll_window_init (LlWindow *self)
{
  g_autoptr(LlDocument) document = NULL;
  GtkDropTarget *target;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->runner = ll_runner_new ();
  self->training = ll_training_new ();
  ll_training_page_set_training (self->training_page, self->training);
  g_signal_connect_object (self->training, "snapshot", G_CALLBACK (training_snapshot_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->training, "notify::state", G_CALLBACK (training_state_cb), self,
                           G_CONNECT_SWAPPED);
  self->autosave = ll_autosave_new ();
  setup_list (self);
  self->input_source = ll_input_source_new ();
  g_signal_connect_object (self->input_source, "changed", G_CALLBACK (input_changed_cb), self,
                           G_CONNECT_SWAPPED);
  ll_activations_page_set_input_source (self->activations_page, self->input_source);

  target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_swapped (target, "drop", G_CALLBACK (drop_file_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));

  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (_ll_window_rebuild_recent), self, G_CONNECT_SWAPPED);
  _ll_window_rebuild_recent (self);

  document = ll_document_new_from_template ("seed");
  ll_window_set_document (self, document);
}
