/* ll-autosave.c - a copy of unsaved work on disk, and restoring it after a crash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Files, in the autosave folder: autosave-<pid>-<random>.h5 (the network, written by
 * the engine's atomic save on the worker) and autosave-<pid>-<random>.ini (written
 * after it, atomically): owner pid, the owner's start time and boot id (so a reused
 * pid or a reboot is not taken for the owner), the document's file and title. An entry
 * counts only with both files; the key file goes first when it is removed.
 */
#define G_LOG_DOMAIN "ll-autosave"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "ll-autosave.h"
#include "ll-document-private.h"
#include "ll-runner.h"
#include "ll-window.h"

#define GROUP "Autosave"
#define DEFAULT_DELAY_MS 3000
#define DEFAULT_INTERVAL_MS 15000
/* Edits without a pause never postpone a save longer than this. */
#define MAX_POSTPONE_US (30 * G_USEC_PER_SEC)

char *
ll_autosave_get_dir (void)
{
  const char *env = g_getenv ("LAYERLAB_AUTOSAVE_DIR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_state_dir (), "layerlab", "autosave", NULL);
}

/* ------------------------------------------------------------ process identity */

static char *
read_boot_id (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &text, NULL, NULL))
    return g_strdup ("");
  return g_strdup (g_strstrip (text));
}

/* Field 22 of /proc/PID/stat (start time in clock ticks since boot), 0 if unknown.
 * The command name (field 2) may hold spaces and parentheses: count after its last ')'. */
static guint64
process_start_time (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *p;
  guint64 value = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL) || !(p = strrchr (text, ')')))
    return 0;
  fields = g_strsplit (p + 1, " ", 0);
  /* fields[0] is empty (the space after ')'), fields[1] is field 3 */
  if (g_strv_length (fields) > 20)
    g_ascii_string_to_unsigned (fields[20], 10, 0, G_MAXUINT64, &value, NULL);
  return value;
}

static gboolean
owner_alive (GKeyFile *info)
{
  g_autofree char *boot = g_key_file_get_string (info, GROUP, "boot-id", NULL);
  g_autofree char *my_boot = read_boot_id ();
  gint64 pid = g_key_file_get_int64 (info, GROUP, "pid", NULL);
  guint64 start = g_key_file_get_uint64 (info, GROUP, "start-time", NULL);

  if (pid <= 0 || pid > G_MAXINT || g_strcmp0 (boot, my_boot) != 0)
    return FALSE;
  if (kill ((pid_t) pid, 0) != 0 && errno == ESRCH)
    return FALSE;
  /* same pid, but another process that got it later */
  return process_start_time ((pid_t) pid) == start;
}

/* ------------------------------------------------------------ LlAutosave */

struct _LlAutosave {
  GObject parent_instance;

  LlDocument *document;
  char *model_path;         /* folder/autosave-<pid>-<random>.h5 */
  char *info_path;          /* the same .ini */
  guint delay_ms, interval_ms;
  guint timeout;
  gint64 due_us;            /* monotonic, of the scheduled save (timeout) */
  gint64 last_save_us;      /* monotonic; 0 before the first */
  gint64 first_change_us;   /* of the edits not yet saved; 0 when none */
  guint64 saved_state;      /* document state in the file; 0 when there is no file */
  guint64 saving_state;     /* the state the running save writes */
  gboolean saving;
  gboolean again;           /* the document changed while a save ran */
  gboolean have_file;
  guint n_saves;
};

G_DEFINE_FINAL_TYPE (LlAutosave, ll_autosave, G_TYPE_OBJECT)

LlAutosave *
ll_autosave_new (void)
{
  return g_object_new (LL_TYPE_AUTOSAVE, NULL);
}

static void
remove_files (LlAutosave *self)
{
  if (!self->have_file)
    return;
  g_unlink (self->info_path);
  g_unlink (self->model_path);
  self->have_file = FALSE;
  self->saved_state = 0;
}

static gboolean
write_info (LlAutosave *self,
            GError    **error)
{
  g_autoptr(GKeyFile) info = g_key_file_new ();
  g_autofree char *boot = read_boot_id ();
  g_autofree char *data = NULL;
  GFile *file = ll_document_get_file (self->document);
  gsize length;

  g_key_file_set_int64 (info, GROUP, "pid", getpid ());
  g_key_file_set_uint64 (info, GROUP, "start-time", process_start_time (getpid ()));
  g_key_file_set_string (info, GROUP, "boot-id", boot);
  g_key_file_set_int64 (info, GROUP, "saved-at", g_get_real_time () / G_USEC_PER_SEC);
  g_key_file_set_string (info, GROUP, "title", ll_document_get_title (self->document));
  if (file != NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_key_file_set_string (info, GROUP, "original", uri);
    }
  data = g_key_file_to_data (info, &length, NULL);
  return g_file_set_contents (self->info_path, data, (gssize) length, error);
}

static void schedule (LlAutosave *self);

typedef struct {
  LlNetRef *shared;
  char *path;
} SaveJob;

static void
save_job_free (gpointer data)
{
  SaveJob *job = data;

  g_clear_pointer (&job->shared, _ll_net_ref_unref);
  g_free (job->path);
  g_free (job);
}

/* Runs on the worker. */
static gpointer
save_job (gpointer      data,
          GCancellable *cancellable,
          GError      **error)
{
  SaveJob *job = data;
  nn_error err = { 0 };

  if (nn_model_save (job->path, job->shared->net, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

static void
save_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(LlAutosave) self = user_data;
  g_autoptr(GError) error = NULL;
  guint64 state = self->saving_state;

  self->saving = FALSE;
  self->last_save_us = g_get_monotonic_time ();
  if (ll_worker_run_finish (result, &error) == NULL)
    {
      g_warning ("Autosave failed: %s", error->message);
      return;
    }
  self->have_file = TRUE;
  /* The document was saved, closed or replaced meanwhile: the copy is not wanted. */
  if (self->document == NULL || !ll_document_get_modified (self->document))
    {
      remove_files (self);
      return;
    }
  if (!write_info (self, &error))
    {
      g_warning ("Autosave failed: %s", error->message);
      remove_files (self);
      return;
    }
  self->saved_state = state;
  self->n_saves++;
  if (self->again || _ll_document_get_state (self->document) != state)
    schedule (self);
  self->again = FALSE;
}

static void
save_now (LlAutosave *self)
{
  g_autofree char *dir = g_path_get_dirname (self->model_path);
  SaveJob *job;
  guint64 state = _ll_document_get_state (self->document);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_warning ("Cannot create the autosave folder %s: %s", dir, g_strerror (errno));
      return;
    }
  job = g_new0 (SaveJob, 1);
  job->shared = _ll_document_ref_net (self->document);
  job->path = g_strdup (self->model_path);
  self->saving = TRUE;
  self->saving_state = state;
  self->again = FALSE;
  self->first_change_us = 0;
  ll_worker_run_async (save_job, job, save_job_free, NULL, save_done, g_object_ref (self));
}

static gboolean
timeout_cb (gpointer data)
{
  LlAutosave *self = data;

  self->timeout = 0;
  if (self->document == NULL || !ll_document_get_modified (self->document))
    return G_SOURCE_REMOVE;
  if (self->saving)
    self->again = TRUE;
  /* The model format cannot hold a network with a shape error: the previous autosave
   * stays until an edit makes the network valid again. */
  else if (_ll_document_get_state (self->document) != self->saved_state
           && ll_document_get_net (self->document)->first_error < 0)
    save_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (LlAutosave *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 due = now + (gint64) self->delay_ms * 1000;

  if (self->first_change_us == 0)
    self->first_change_us = now;
  /* keep the earlier deadline when edits never pause */
  else if (self->timeout != 0 && now - self->first_change_us > MAX_POSTPONE_US)
    return;
  if (self->last_save_us != 0)
    due = MAX (due, self->last_save_us + (gint64) self->interval_ms * 1000);
  g_clear_handle_id (&self->timeout, g_source_remove);
  self->due_us = due;
  self->timeout = g_timeout_add_full (G_PRIORITY_LOW, (guint) ((due - now) / 1000),
                                      timeout_cb, self, NULL);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->timeout),
                            "[layerlab] autosave");
}

static void
document_changed_cb (LlAutosave *self)
{
  if (!ll_document_get_modified (self->document))
    {
      g_clear_handle_id (&self->timeout, g_source_remove);
      self->first_change_us = 0;
      remove_files (self);
      return;
    }
  if (self->saving)
    self->again = TRUE;
  schedule (self);
}

void
ll_autosave_set_document (LlAutosave *self,
                          LlDocument *document)
{
  g_return_if_fail (LL_IS_AUTOSAVE (self));
  g_return_if_fail (document == NULL || LL_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_handle_id (&self->timeout, g_source_remove);
  self->first_change_us = 0;
  remove_files (self);
  g_set_object (&self->document, document);
  if (document == NULL)
    return;
  g_signal_connect_swapped (document, "changed", G_CALLBACK (document_changed_cb), self);
  g_signal_connect_swapped (document, "notify::modified", G_CALLBACK (document_changed_cb), self);
  /* a restored document starts out modified */
  if (ll_document_get_modified (document))
    schedule (self);
}

void
ll_autosave_set_timing (LlAutosave *self,
                        guint       delay_ms,
                        guint       interval_ms)
{
  g_return_if_fail (LL_IS_AUTOSAVE (self));

  self->delay_ms = delay_ms;
  self->interval_ms = interval_ms;
}

const char *
ll_autosave_get_path (LlAutosave *self)
{
  g_return_val_if_fail (LL_IS_AUTOSAVE (self), NULL);

  return self->have_file && self->saved_state != 0 ? self->model_path : NULL;
}

guint
ll_autosave_get_n_saves (LlAutosave *self)
{
  g_return_val_if_fail (LL_IS_AUTOSAVE (self), 0);

  return self->n_saves;
}

gboolean
ll_autosave_get_pending (LlAutosave *self)
{
  g_return_val_if_fail (LL_IS_AUTOSAVE (self), FALSE);

  return self->timeout != 0 || self->saving;
}

gint64
ll_autosave_get_due_time (LlAutosave *self)
{
  g_return_val_if_fail (LL_IS_AUTOSAVE (self), 0);

  return self->timeout != 0 ? self->due_us : 0;
}

gint64
ll_autosave_get_last_save_time (LlAutosave *self)
{
  g_return_val_if_fail (LL_IS_AUTOSAVE (self), 0);

  return self->last_save_us;
}

static void
ll_autosave_dispose (GObject *object)
{
  LlAutosave *self = LL_AUTOSAVE (object);

  /* A save still running keeps a reference, so this runs after it finished. */
  ll_autosave_set_document (self, NULL);
  G_OBJECT_CLASS (ll_autosave_parent_class)->dispose (object);
}

static void
ll_autosave_finalize (GObject *object)
{
  LlAutosave *self = LL_AUTOSAVE (object);

  g_free (self->model_path);
  g_free (self->info_path);
  G_OBJECT_CLASS (ll_autosave_parent_class)->finalize (object);
}

static void
ll_autosave_class_init (LlAutosaveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ll_autosave_dispose;
  object_class->finalize = ll_autosave_finalize;
}

static void
ll_autosave_init (LlAutosave *self)
{
  g_autofree char *dir = ll_autosave_get_dir ();
  g_autofree char *name = g_strdup_printf ("autosave-%d-%08x", (int) getpid (), g_random_int ());

  g_autofree char *base = g_build_filename (dir, name, NULL);

  self->model_path = g_strconcat (base, ".h5", NULL);
  self->info_path = g_strconcat (base, ".ini", NULL);
  self->delay_ms = DEFAULT_DELAY_MS;
  self->interval_ms = DEFAULT_INTERVAL_MS;
}

/* ------------------------------------------------------------ crashed sessions */

void
ll_autosave_entry_free (LlAutosaveEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->model_path);
  g_free (entry->info_path);
  g_free (entry->original_uri);
  g_free (entry->title);
  g_free (entry);
}

void
ll_autosave_entry_remove (const LlAutosaveEntry *entry)
{
  g_return_if_fail (entry != NULL);

  g_unlink (entry->info_path);
  g_unlink (entry->model_path);
}

/* The pid in "autosave-<pid>-..." or ".autosave-<pid>-..." (a killed save's temporary
 * file), 0 for other names. */
static pid_t
name_pid (const char *name)
{
  const char *p = name[0] == '.' ? name + 1 : name;
  guint64 pid;
  g_auto(GStrv) parts = NULL;

  if (!g_str_has_prefix (p, "autosave-"))
    return 0;
  parts = g_strsplit (p + strlen ("autosave-"), "-", 2);
  if (parts[0] == NULL || !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT, &pid, NULL))
    return 0;
  return (pid_t) pid;
}

/* path with its extension from (which it has) replaced by to */
static char *
with_extension (const char *path,
                const char *from,
                const char *to)
{
  g_autofree char *stem = g_strndup (path, strlen (path) - strlen (from));

  g_assert (g_str_has_suffix (path, from));
  return g_strconcat (stem, to, NULL);
}

static LlAutosaveEntry *
read_entry (const char *dir,
            const char *name)
{
  g_autoptr(GKeyFile) info = g_key_file_new ();
  g_autoptr(LlAutosaveEntry) entry = g_new0 (LlAutosaveEntry, 1);

  entry->info_path = g_build_filename (dir, name, NULL);
  entry->model_path = with_extension (entry->info_path, ".ini", ".h5");
  if (!g_key_file_load_from_file (info, entry->info_path, G_KEY_FILE_NONE, NULL)
      || owner_alive (info) || !g_file_test (entry->model_path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  entry->original_uri = g_key_file_get_string (info, GROUP, "original", NULL);
  entry->title = g_key_file_get_string (info, GROUP, "title", NULL);
  if (entry->title == NULL)
    entry->title = g_strdup (_("Untitled"));
  entry->saved_at = g_key_file_get_int64 (info, GROUP, "saved-at", NULL);
  return g_steal_pointer (&entry);
}

/* A model without its key file (the app quit or died between the two writes) or a
 * killed save's temporary file, left by a process that is gone: of no use to anyone. */
static void
remove_debris (const char *dir,
               const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *info = NULL;
  pid_t pid = name_pid (name);

  if (pid == 0 || pid == getpid () || kill (pid, 0) == 0 || errno != ESRCH)
    return;
  if (name[0] != '.')
    {
      if (!g_str_has_suffix (name, ".h5"))
        return;
      info = with_extension (path, ".h5", ".ini");
      if (g_file_test (info, G_FILE_TEST_EXISTS))
        return;
    }
  g_unlink (path);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const LlAutosaveEntry *ea = *(LlAutosaveEntry *const *) a;
  const LlAutosaveEntry *eb = *(LlAutosaveEntry *const *) b;

  return (ea->saved_at < eb->saved_at) - (ea->saved_at > eb->saved_at);
}

GPtrArray *
ll_autosave_find_orphans (void)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ll_autosave_entry_free);
  g_autofree char *dir = ll_autosave_get_dir ();
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return entries;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      LlAutosaveEntry *entry;

      if (name_pid (name) == 0)
        continue;
      if (name[0] != '.' && g_str_has_suffix (name, ".ini") && (entry = read_entry (dir, name)))
        g_ptr_array_add (entries, entry);
      else
        remove_debris (dir, name);
    }
  g_ptr_array_sort (entries, compare_newest_first);
  return entries;
}

/* Runs on the worker. */
static gpointer
restore_job (gpointer      data,
             GCancellable *cancellable,
             GError      **error)
{
  nn_net *net = NULL;
  nn_error err = { 0 };

  if (nn_model_open (data, &net, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  return net;
}

static void
restore_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  const char *uri = g_task_get_task_data (task);
  LlDocument *document;
  nn_net *net;

  if (!(net = ll_worker_run_finish (result, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  document = ll_document_new_for_net (net);
  if (uri != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uri);

      _ll_document_set_file (document, file);
    }
  /* no saved state matches: the restored work is unsaved */
  _ll_document_mark_saved (document, 0);
  g_task_return_pointer (task, document, g_object_unref);
}

void
ll_autosave_restore_async (const LlAutosaveEntry *entry,
                           GCancellable          *cancellable,
                           GAsyncReadyCallback    cb,
                           gpointer               user_data)
{
  GTask *task;

  g_return_if_fail (entry != NULL);

  task = g_task_new (NULL, cancellable, cb, user_data);
  g_task_set_source_tag (task, ll_autosave_restore_async);
  g_task_set_task_data (task, g_strdup (entry->original_uri), g_free);
  ll_worker_run_full_async (restore_job, g_strdup (entry->model_path), g_free,
                            (GDestroyNotify) nn_net_free, cancellable, restore_done, task);
}

LlDocument *
ll_autosave_restore_finish (GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ll_autosave_restore_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------ the question */

typedef struct {
  GWeakRef window;
  LlAutosaveEntry *entry;
} RestoreData;

static void
restore_data_free (RestoreData *data)
{
  g_weak_ref_clear (&data->window);
  ll_autosave_entry_free (data->entry);
  g_free (data);
}

static void
restored_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RestoreData *data = user_data;
  g_autoptr(GtkWindow) window = g_weak_ref_get (&data->window);
  g_autoptr(LlDocument) document = NULL;
  g_autoptr(GError) error = NULL;
  LlWindow *target;

  document = ll_autosave_restore_finish (result, &error);
  if (document == NULL || window == NULL)
    {
      if (error != NULL)
        g_warning ("Cannot restore %s: %s", data->entry->title, error->message);
      restore_data_free (data);
      return;
    }
  target = LL_WINDOW (window);
  if (!ll_window_is_pristine (target))
    {
      target = ll_window_new (LL_APPLICATION (gtk_window_get_application (window)));
      gtk_window_present (GTK_WINDOW (target));
    }
  ll_window_set_document (target, document);
  /* the window's own autosave has it from now on */
  ll_autosave_entry_remove (data->entry);
  restore_data_free (data);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             gpointer          user_data)
{
  GPtrArray *entries = g_object_get_data (G_OBJECT (dialog), "ll-entries");
  GtkWindow *window = gtk_window_get_transient_for (GTK_WINDOW (dialog));

  for (guint i = 0; i < entries->len; i++)
    {
      LlAutosaveEntry *entry = entries->pdata[i];

      if (g_str_equal (response, "discard"))
        ll_autosave_entry_remove (entry);
      else if (g_str_equal (response, "restore") && window != NULL)
        {
          RestoreData *data = g_new0 (RestoreData, 1);

          g_weak_ref_init (&data->window, window);
          data->entry = g_steal_pointer (&entries->pdata[i]);
          ll_autosave_restore_async (data->entry, NULL, restored_cb, data);
        }
    }
}

AdwMessageDialog *
ll_autosave_offer_restore (GtkWindow *window)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  g_return_val_if_fail (LL_IS_WINDOW (window), NULL);

  entries = ll_autosave_find_orphans ();
  if (entries->len == 0)
    return NULL;
  for (guint i = 0; i < entries->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                            ((LlAutosaveEntry *) entries->pdata[i])->title);
  body = g_strdup_printf (ngettext ("Layerlab did not close properly. Unsaved changes to "
                                       "this network were kept: %s.",
                                       "Layerlab did not close properly. Unsaved changes to "
                                       "these networks were kept: %s.", entries->len),
                          names->str);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Restore Unsaved Work?"), body));
  adw_message_dialog_add_responses (dialog, "discard", _("_Discard"), "restore", _("_Restore"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "restore", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "restore");
  /* Escape keeps the files: the question comes again at the next start. */
  adw_message_dialog_set_close_response (dialog, "keep");
  g_object_set_data_full (G_OBJECT (dialog), "ll-entries", g_steal_pointer (&entries),
                          (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}
