/* test-common.h - what the GUI tests share: a registered application, main-loop waits,
 * windows and actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ll-application.h"
#include "ll-window.h"
#include "test-util.h"

G_BEGIN_DECLS

/* The application every test's windows belong to (registered, held). */
extern LlApplication *test_app;

/* Sets up the environment (private XDG_DATA_HOME, memory settings, no a11y bus), GTK's
 * test framework and test_app. Call first in main(), then add the tests. */
void      test_app_init     (int *argc, char ***argv);
/* Points LAYERLAB_AUTOSAVE_DIR at a new private folder, which test_app_run() removes. */
void      test_app_private_autosave (void);
/* Runs the tests added, releases test_app, removes the private folders; returns
 * g_test_run()'s status. */
int       test_app_run      (void);

/* (test-util.h: test_wait_until(), test_wait_idle() and the worker waits.) */
/* Runs the main loop until widget's window has been laid out and painted once more: a
 * whole frame clock cycle (layout, then paint) that began after the call. A window
 * shown last is on screen then (X11 holds its frame clock until it is mapped). */
void      test_wait_frame   (GtkWidget *widget);
/* widget itself or its first descendant (depth first) of the given type, or NULL */
GtkWidget *test_find_descendant (GtkWidget *widget, GType type);

/* A presented 1300 × 880 window of test_app showing template_name (NULL: what a new
 * window shows), laid out and painted. */
LlWindow *test_new_window   (const char *template_name);
/* The same, showing doc. */
LlWindow *test_new_window_for_document (LlDocument *doc);
/* Destroys win without asking about changes, then lets the main loop settle (what the
 * destruction queued is handled). */
void      test_destroy_window (LlWindow *win);
/* The visible toplevel of type (a dialog, a chooser, an editor) transient for win, or NULL. */
GtkWindow *test_find_toplevel (LlWindow *win, GType type);
/* The first widget below widget (widget too, depth first) for which match holds, or NULL. */
typedef gboolean (*TestWidgetMatch) (GtkWidget *widget, gconstpointer data);
GtkWidget *test_find_matching (GtkWidget *widget, TestWidgetMatch match, gconstpointer data);
/* TestWidgetMatch: widget is of type GPOINTER_TO_SIZE (data). */
gboolean  test_widget_is_type (GtkWidget *widget, gconstpointer type);
/* Types text into spin and presses Enter (gtk_spin_button_update(), as on focus-out).
 * The field checks, shows its message and commits inside that call. */
void      test_type_into    (GtkSpinButton *spin, const char *text);
/* TestCond: win's activations page shows a result for its document as it is now
 * (and no forward pass is pending). */
gboolean  test_activations_current (gpointer win);
/* Activates a window action (param may be floating); fails the test if it is unknown. */
void      test_activate     (LlWindow *win, const char *action, GVariant *param);

G_END_DECLS
