/* ll-application.c - the Layerlab application: app actions, windows, files to open
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One process serves every window: a second `layerlab FILE` sends the file to the running
 * instance (GApplication "open"), which shows it in a pristine window or a new one.
 */
#define G_LOG_DOMAIN "ll-application"

#include "config.h"

#include <glib/gi18n.h>

#include "ll-application.h"
#include "ll-autosave.h"
#include "ll-benchmark.h"
#include "ll-renderer.h"
#include "ll-window.h"
#include "render.h"

struct _LlApplication {
  AdwApplication parent_instance;
  GSettings *settings;
  gboolean restore_offered;
};

G_DEFINE_FINAL_TYPE (LlApplication, ll_application, ADW_TYPE_APPLICATION)

LlApplication *
ll_application_new (GApplicationFlags flags)
{
  return g_object_new (LL_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", flags,
                       "resource-base-path", "/io/github/layerlab/Layerlab",
                       NULL);
}

GSettings *
ll_application_get_settings (LlApplication *self)
{
  g_return_val_if_fail (LL_IS_APPLICATION (self), NULL);

  return self->settings;
}

/* The active window, or a new one when there is none. */
static LlWindow *
get_window (LlApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (LL_IS_WINDOW (window))
    return LL_WINDOW (window);
  window = GTK_WINDOW (ll_window_new (self));
  gtk_window_present (window);
  return LL_WINDOW (window);
}

/* Once per process, over its first window: the work a crashed session left unsaved. */
static void
offer_restore_once (LlApplication *self,
                    LlWindow      *window)
{
  if (self->restore_offered)
    return;
  self->restore_offered = TRUE;
  ll_autosave_offer_restore (GTK_WINDOW (window));
}

static void
ll_application_activate (GApplication *app)
{
  LlWindow *window = get_window (LL_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
  offer_restore_once (LL_APPLICATION (app), window);
}

/* Each file goes to a window that has nothing of value yet, else to a new window. */
static void
ll_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  LlApplication *self = LL_APPLICATION (app);

  for (int i = 0; i < n_files; i++)
    {
      GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));
      LlWindow *window;

      if (LL_IS_WINDOW (active) && ll_window_is_pristine (LL_WINDOW (active)))
        window = LL_WINDOW (active);
      else
        window = ll_window_new (self);
      ll_window_open_file (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
      offer_restore_once (self, window);
    }
}

static void
new_action (GSimpleAction *action,
            GVariant      *param,
            gpointer       user_data)
{
  ll_window_new_document (get_window (user_data), g_variant_get_string (param, NULL));
}

static void
open_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  LlWindow *window = get_window (user_data);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.open", NULL);
}

/* Closing each window asks about its unsaved changes; the app ends with the last one. */
static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  g_autoptr(GList) windows = NULL;

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  static const char *developers[] = { "The Layerlab developers", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  adw_show_about_window (parent,
                         "application-name", "Layerlab",
                         "application-icon", APP_ID,
                         "developer-name", _("The Layerlab developers"),
                         "developers", developers,
                         "version", PACKAGE_VERSION,
                         "comments", _("Design, inspect and run convolutional neural networks"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         /* Translators: put your name here (one per line) */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "new", new_action, "s" },
  { "open", open_action },
  { "quit", quit_action },
  { "about", about_action },
};

static const struct {
  const char *action;
  const char *accels[3];
} accels[] = {
  { "app.new::empty", { "<Control>n", NULL } },
  { "app.open", { "<Control>o", NULL } },
  { "app.quit", { "<Control>q", NULL } },
  { "win.save", { "<Control>s", NULL } },
  { "win.save-as", { "<Control><Shift>s", NULL } },
  { "win.undo", { "<Control>z", NULL } },
  { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
  { "win.duplicate-layer", { "<Control>d", NULL } },
  { "win.move-up", { "<Alt>Up", NULL } },
  { "win.move-down", { "<Alt>Down", NULL } },
  { "window.close", { "<Control>w", NULL } },
};

static GSettings *
load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_debug ("GSettings schema %s not found; settings are not kept", APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

/* The words in render views (hover labels, legends) come from the shared, GTK-free
 * render library, which takes its translations from us. */
static const char *
render_gettext (const char *msgid)
{
  return g_dgettext (GETTEXT_PACKAGE, msgid);
}

static void
ll_application_startup (GApplication *app)
{
  LlApplication *self = LL_APPLICATION (app);

  G_APPLICATION_CLASS (ll_application_parent_class)->startup (app);
  /* before any window: where OpenGL is emulated, GTK's CPU renderer is far faster */
  g_free (ll_renderer_choose (gdk_display_get_default ()));

  g_set_application_name ("Layerlab");
  ll_render_set_translate_func (render_gettext);
  gtk_window_set_default_icon_name (APP_ID);
  self->settings = load_settings ();
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);
}

/* --benchmark-ui: runs the GUI probe in a window of its own, prints its table and ends
 * the process with its status, without becoming (or calling) the primary instance. */
static int
run_benchmark (LlApplication *self,
               GVariantDict  *options)
{
  LlBenchmarkOptions bench;
  LlBenchmarkReport report;
  g_autoptr(GError) error = NULL;
  g_autofree char *table = NULL;
  const char *network = NULL;
  LlWindow *window;
  int runs = 0, edits = 0;
  gboolean ok;

  ll_benchmark_options_init (&bench);
  if (g_variant_dict_lookup (options, "benchmark-network", "&s", &network))
    bench.network = network;
  if (g_variant_dict_lookup (options, "benchmark-runs", "i", &runs) && runs > 0)
    bench.runs = (guint) runs;
  if (g_variant_dict_lookup (options, "benchmark-edits", "i", &edits) && edits > 0)
    bench.edits = (guint) edits;
  g_application_set_flags (G_APPLICATION (self), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (self), NULL, &error))
    {
      g_printerr ("layerlab: %s\n", error->message);
      return 1;
    }
  window = ll_window_new (self);
  ok = ll_benchmark_run (window, &bench, &report, &error);
  if (ok)
    {
      GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

      table = ll_benchmark_report_format (&report);
      g_print ("%s(drawn by %s)\n", table,
               renderer != NULL ? G_OBJECT_TYPE_NAME (renderer) : "?");
    }
  else
    g_printerr ("layerlab: --benchmark-ui: %s\n", error->message);
  ll_benchmark_report_clear (&report);
  gtk_window_destroy (GTK_WINDOW (window));
  return ok ? 0 : 1;
}

static int
ll_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "benchmark-ui"))
    return run_benchmark (LL_APPLICATION (app), options);
  return -1;
}

static void
ll_application_finalize (GObject *object)
{
  LlApplication *self = LL_APPLICATION (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ll_application_parent_class)->finalize (object);
}

static void
ll_application_class_init (LlApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ll_application_finalize;
  app_class->startup = ll_application_startup;
  app_class->activate = ll_application_activate;
  app_class->open = ll_application_open;
  app_class->handle_local_options = ll_application_handle_local_options;
}

static const GOptionEntry benchmark_options[] = {
  { "benchmark-ui", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Measure main-loop stalls and edit-to-paint latency in a window, print them and quit"), NULL },
  { "benchmark-network", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Template the stall measurement runs (default: vgg16)"), N_("NAME") },
  { "benchmark-runs", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("Forward passes of the stall measurement (default: 5)"), N_("N") },
  { "benchmark-edits", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("Weight edits of the latency measurement (default: 20)"), N_("N") },
  { NULL }
};

static void
ll_application_init (LlApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), benchmark_options);
}
