/* ll-autosave.h - a copy of unsaved work on disk, and restoring it after a crash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each window has an LlAutosave that follows its document: a few seconds after the last
 * edit (and at most once per interval) it writes the network to the autosave folder on
 * the worker, as an HDF5 model file plus a key file naming its owner (process id, start
 * time, boot) and the document's file. Saving the document, undoing back to the saved
 * state or closing the window removes both. Autosaves whose owner process is gone were
 * left by a crash; the next start offers to restore them.
 */
#pragma once

#include <adwaita.h>

#include "ll-document.h"

G_BEGIN_DECLS

/* $LAYERLAB_AUTOSAVE_DIR, else <g_get_user_state_dir()>/layerlab/autosave. */
char *ll_autosave_get_dir (void);

#define LL_TYPE_AUTOSAVE (ll_autosave_get_type ())
G_DECLARE_FINAL_TYPE (LlAutosave, ll_autosave, LL, AUTOSAVE, GObject)

LlAutosave *ll_autosave_new          (void);
/* Follows document (NULL: none); the files of the previous one are removed. */
void        ll_autosave_set_document (LlAutosave *self, LlDocument *document);
/* Save delay_ms after the last edit, but not within interval_ms of the previous save
 * (defaults 3 s and 15 s). */
void        ll_autosave_set_timing   (LlAutosave *self, guint delay_ms, guint interval_ms);
/* The autosaved model file while one exists (NULL otherwise). */
const char *ll_autosave_get_path     (LlAutosave *self);
/* Autosaves written so far. */
guint       ll_autosave_get_n_saves  (LlAutosave *self);
/* TRUE while a save is scheduled or running. */
gboolean    ll_autosave_get_pending  (LlAutosave *self);
/* When the scheduled save is due (monotonic µs), 0 while none is scheduled (none, or it
 * runs); and when the last save finished (0 before the first). */
gint64      ll_autosave_get_due_time       (LlAutosave *self);
gint64      ll_autosave_get_last_save_time (LlAutosave *self);

/* One autosave left by a process that no longer runs. */
typedef struct {
  char *model_path;
  char *info_path;
  char *original_uri;     /* the document's file, NULL for an untitled one */
  char *title;
  gint64 saved_at;        /* unix time of the save */
} LlAutosaveEntry;

void       ll_autosave_entry_free   (LlAutosaveEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LlAutosaveEntry, ll_autosave_entry_free)
/* The crashed sessions' autosaves in the folder, newest first (element free function set).
 * Also removes temporary files that dead processes left there. */
GPtrArray *ll_autosave_find_orphans (void);
/* Deletes the entry's files. */
void       ll_autosave_entry_remove (const LlAutosaveEntry *entry);
/* Reads the network on the worker: an unsaved document with the original's file (so its
 * title is the original's name) and the autosaved network. */
void        ll_autosave_restore_async  (const LlAutosaveEntry *entry, GCancellable *cancellable,
                                        GAsyncReadyCallback cb, gpointer user_data);
LlDocument *ll_autosave_restore_finish (GAsyncResult *result, GError **error);

/* If crashed sessions left autosaves, asks (a dialog over window) whether to restore
 * them: the first goes into window if it is pristine, the others into new windows, and
 * their files are removed once restored. "Discard" removes them; closing the dialog
 * keeps them for the next start. Returns the dialog (owned by GTK) or NULL. */
AdwMessageDialog *ll_autosave_offer_restore (GtkWindow *window);

G_END_DECLS
