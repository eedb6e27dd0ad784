/* ll-training-page.c - training settings, progress, live plots and the confusion matrix
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The plots repaint from LlTraining's history on every "progress" (a few times a
 * second): the training curve has a point every 1/20 of an epoch (LlTraining's steps),
 * so it moves during an epoch and not only at its end, and one per epoch where only
 * the model file's record is known; validation has one per epoch.
 *
 * When the document comes with a training record (a trained model file opened, undo or
 * redo of a training), the page shows that record's settings ("restored").
 */
#define G_LOG_DOMAIN "ll-training-page"

#include "config.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "render.h"
#include "ll-format.h"
#include "ll-training-page.h"

#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

struct _LlTrainingPage {
  GtkWidget parent_instance;

  LlTraining *training;
  char *data;                   /* the data set spec */
  guint plotted;

  GtkWidget *scroller;
  GtkWidget *start_button;
  GtkWidget *pause_button;
  GtkWidget *apply_button;
  GtkWidget *discard_button;
  GtkProgressBar *progress_bar;
  GtkLabel *status_label;
  GtkDrawingArea *loss_area;
  GtkDrawingArea *acc_area;
  GtkDrawingArea *confusion_area;
  AdwPreferencesGroup *data_group;
  AdwPreferencesGroup *loop_group;
  AdwPreferencesGroup *optim_group;
  AdwActionRow *data_row;
  GtkWidget *fashion_row;
  AdwComboRow *fit_row;
  AdwComboRow *loss_row;
  AdwComboRow *optim_row;

  /* rows made in code */
  GtkSpinButton *val_spin, *epochs_spin, *batch_spin, *seed_spin;
  GtkSwitch *shuffle_switch, *nesterov_switch;
  GtkSpinButton *lr_spin, *momentum_spin, *decay_spin, *beta1_spin, *beta2_spin;
  GtkEntry *eps_entry;
  GtkWidget *sgd_rows[2], *adam_rows[3];
};

G_DEFINE_FINAL_TYPE (LlTrainingPage, ll_training_page, GTK_TYPE_WIDGET)

static gboolean
has_file (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

const char *
ll_training_page_fashion_mnist_dir (void)
{
  /* LAYERLAB_FASHION_MNIST_DIR: another place (tests install it while the app runs) */
  const char *dir = g_getenv ("LAYERLAB_FASHION_MNIST_DIR");

  if (dir == NULL || dir[0] == '\0')
    dir = FASHION_MNIST_DIR;
  if (has_file (dir, "train-images-idx3-ubyte.gz") || has_file (dir, "train-images-idx3-ubyte"))
    return dir;
  return NULL;
}

/* Offers Fashion-MNIST when it is installed now: looked at whenever the page is shown,
 * so installing the package while the app runs is enough. */
static void
update_fashion_row (LlTrainingPage *self)
{
  gtk_widget_set_visible (self->fashion_row, ll_training_page_fashion_mnist_dir () != NULL);
}

/* ------------------------------------------------------------ rows */

static GtkWidget *
add_row (AdwPreferencesGroup *group, const char *title, const char *subtitle, GtkWidget *suffix)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (suffix, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), suffix);
  adw_preferences_group_add (group, row);
  return row;
}

static GtkSpinButton *
add_spin (AdwPreferencesGroup *group, const char *title, const char *subtitle, double lo,
          double hi, double step, guint digits, double value, GtkWidget **row)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (lo, hi, step);
  GtkWidget *r;

  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  /* room for every digit: "0.000100" must not be cut */
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), digits > 0 ? (int) digits + 3 : 6);
  r = add_row (group, title, subtitle, spin);
  if (row != NULL)
    *row = r;
  return GTK_SPIN_BUTTON (spin);
}

static GtkSwitch *
add_switch (AdwPreferencesGroup *group, const char *title, const char *subtitle, gboolean on,
            GtkWidget **row)
{
  GtkWidget *sw = gtk_switch_new ();
  GtkWidget *r;

  gtk_switch_set_active (GTK_SWITCH (sw), on);
  r = add_row (group, title, subtitle, sw);
  if (row != NULL)
    *row = r;
  return GTK_SWITCH (sw);
}

static void
build_rows (LlTrainingPage *self)
{
  GtkWidget *eps = gtk_entry_new ();

  self->val_spin = add_spin (self->data_group, _("Validation split"),
                             _("The part of the data held out; 0 uses the data's test split if it has one"),
                             0.0, 0.9, 0.05, 2, 0.0, NULL);
  self->epochs_spin = add_spin (self->loop_group, _("Epochs"), NULL, 1, 100000, 1, 0, 5, NULL);
  self->batch_spin = add_spin (self->loop_group, _("Batch size"), NULL, 1, 65536, 1, 0, 64, NULL);
  self->seed_spin = add_spin (self->loop_group, _("Seed"),
                              _("Shuffling, the validation split and dropout masks"),
                              0, G_MAXINT32, 1, 0, 0, NULL);
  self->shuffle_switch = add_switch (self->loop_group, _("Shuffle"),
                                     _("A new order of the samples in every epoch"), TRUE, NULL);
  self->lr_spin = add_spin (self->optim_group, _("Learning rate"), "lr", 1e-6, 10.0, 1e-4, 6,
                            1e-3, NULL);
  self->momentum_spin = add_spin (self->optim_group, _("Momentum"), "momentum", 0.0, 0.999, 0.01,
                                  3, 0.0, &self->sgd_rows[0]);
  self->nesterov_switch = add_switch (self->optim_group, _("Nesterov momentum"), "nesterov",
                                      FALSE, &self->sgd_rows[1]);
  self->beta1_spin = add_spin (self->optim_group, _("Beta 1"), "betas[0]", 0.0, 0.9999, 0.001, 4,
                               0.9, &self->adam_rows[0]);
  self->beta2_spin = add_spin (self->optim_group, _("Beta 2"), "betas[1]", 0.0, 0.9999, 0.001, 4,
                               0.999, &self->adam_rows[1]);
  gtk_editable_set_width_chars (GTK_EDITABLE (eps), 9);
  gtk_widget_set_hexpand (eps, FALSE);
  self->adam_rows[2] = add_row (self->optim_group, _("Epsilon"), "eps", eps);
  self->eps_entry = GTK_ENTRY (eps);
  self->decay_spin = add_spin (self->optim_group, _("Weight decay"), "weight_decay", 0.0, 1.0,
                               1e-4, 6, 0.0, NULL);
}

static void
show_optimizer_rows (LlTrainingPage *self, nn_optim_kind kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->sgd_rows); i++)
    gtk_widget_set_visible (self->sgd_rows[i], kind == NN_OPTIM_SGD);
  for (guint i = 0; i < G_N_ELEMENTS (self->adam_rows); i++)
    gtk_widget_set_visible (self->adam_rows[i], kind == NN_OPTIM_ADAM);
}

static void
set_optim_widgets (LlTrainingPage *self, const nn_optim_config *o)
{
  char eps[G_ASCII_DTOSTR_BUF_SIZE];

  adw_combo_row_set_selected (self->optim_row, o->kind == NN_OPTIM_ADAM ? 1 : 0);
  gtk_spin_button_set_value (self->lr_spin, o->lr);
  gtk_spin_button_set_value (self->momentum_spin, o->momentum);
  gtk_switch_set_active (self->nesterov_switch, o->nesterov);
  gtk_spin_button_set_value (self->beta1_spin, o->beta1);
  gtk_spin_button_set_value (self->beta2_spin, o->beta2);
  gtk_editable_set_text (GTK_EDITABLE (self->eps_entry), g_ascii_formatd (eps, sizeof eps, "%g", o->eps));
  gtk_spin_button_set_value (self->decay_spin, o->weight_decay);
  show_optimizer_rows (self, o->kind);
}

/* A new optimizer starts from PyTorch's defaults. */
static void
optimizer_selected_cb (LlTrainingPage *self)
{
  nn_optim_config o;

  nn_optim_config_init (&o, adw_combo_row_get_selected (self->optim_row) == 1
                            ? NN_OPTIM_ADAM : NN_OPTIM_SGD);
  set_optim_widgets (self, &o);
}

/* ------------------------------------------------------------ data set */

static gboolean
is_fashion_mnist (const char *spec)
{
  const char *dir = ll_training_page_fashion_mnist_dir ();

  return spec != NULL && dir != NULL && strcmp (spec, dir) == 0;
}

static void
set_data (LlTrainingPage *self, const char *spec)
{
  g_autofree char *named = NULL;

  g_free (self->data);
  self->data = g_strdup (spec);
  if (is_fashion_mnist (spec))
    /* Translators: the data set's name, then where it is */
    named = g_strdup_printf (_("Fashion-MNIST (%s)"), spec);
  adw_action_row_set_subtitle (self->data_row, named != NULL ? named : spec != NULL ? spec
                               : _("An MNIST folder (IDX files), a folder of class folders, or X.npy and Y.npy"));
}

/* The record's data set is gone: said in the row, and none is chosen. */
static void
set_data_missing (LlTrainingPage *self, const char *spec)
{
  g_autofree char *text = NULL;

  set_data (self, NULL);
  /* Translators: %s is a folder or "X.npy:Y.npy" */
  text = g_strdup_printf (_("The data set this network was trained on is not here any more (%s). Choose one to train on."),
                          spec);
  adw_action_row_set_subtitle (self->data_row, text);
}

static GtkFileChooserNative *
new_chooser (LlTrainingPage *self, const char *title, GtkFileChooserAction action)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         action, NULL, NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (action == GTK_FILE_CHOOSER_ACTION_OPEN)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _("NumPy Arrays"));
      gtk_file_filter_add_pattern (filter, "*.npy");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
      g_object_unref (filter);
    }
  return chooser;
}

static char *
chosen_path (GtkNativeDialog *dialog, int response)
{
  g_autoptr(GFile) file = NULL;

  if (response != GTK_RESPONSE_ACCEPT)
    return NULL;
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  return file != NULL ? g_file_get_path (file) : NULL;
}

static void
folder_chosen_cb (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  LlTrainingPage *self = user_data;
  g_autofree char *path = chosen_path (dialog, response);

  if (path != NULL)
    set_data (self, path);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
choose_folder_cb (LlTrainingPage *self)
{
  GtkFileChooserNative *chooser = new_chooser (self, _("Choose a Data Set Folder"),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);

  g_signal_connect (chooser, "response", G_CALLBACK (folder_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
labels_chosen_cb (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  LlTrainingPage *self = user_data;
  g_autofree char *path = chosen_path (dialog, response);
  const char *x_path = g_object_get_data (G_OBJECT (dialog), "x-path");

  if (path != NULL)
    {
      g_autofree char *spec = g_strdup_printf ("%s:%s", x_path, path);

      set_data (self, spec);
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

/* The inputs first, then the labels: two choosers, so which is which is never a guess. */
static void
inputs_chosen_cb (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  LlTrainingPage *self = user_data;
  char *path = chosen_path (dialog, response);

  if (path != NULL)
    {
      GtkFileChooserNative *next = new_chooser (self, _("Choose the Labels (Y.npy)"),
                                                GTK_FILE_CHOOSER_ACTION_OPEN);

      g_object_set_data_full (G_OBJECT (next), "x-path", path, g_free);
      g_signal_connect (next, "response", G_CALLBACK (labels_chosen_cb), g_object_ref (self));
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (next));
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
choose_npy_cb (LlTrainingPage *self)
{
  GtkFileChooserNative *chooser = new_chooser (self, _("Choose the Inputs (X.npy)"),
                                               GTK_FILE_CHOOSER_ACTION_OPEN);

  g_signal_connect (chooser, "response", G_CALLBACK (inputs_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
use_fashion_cb (LlTrainingPage *self)
{
  /* checked again: the package may have been removed since the page was shown */
  const char *dir = ll_training_page_fashion_mnist_dir ();

  update_fashion_row (self);
  if (dir != NULL)
    set_data (self, dir);
}

/* ------------------------------------------------------------ settings */

void
ll_training_page_get_settings (LlTrainingPage *self, LlTrainingSettings *s)
{
  const char *eps;

  g_return_if_fail (LL_IS_TRAINING_PAGE (self));

  ll_training_settings_init (s);
  s->data = g_strdup (self->data);
  s->val_fraction = gtk_spin_button_get_value (self->val_spin);
  s->fit = adw_combo_row_get_selected (self->fit_row) == 1 ? NN_FIT_RESIZE : NN_FIT_CENTER_CROP;
  s->loss = adw_combo_row_get_selected (self->loss_row) == 1 ? NN_LOSS_MSE : NN_LOSS_CROSS_ENTROPY;
  nn_optim_config_init (&s->optim, adw_combo_row_get_selected (self->optim_row) == 1
                                   ? NN_OPTIM_ADAM : NN_OPTIM_SGD);
  s->optim.lr = gtk_spin_button_get_value (self->lr_spin);
  s->optim.weight_decay = gtk_spin_button_get_value (self->decay_spin);
  if (s->optim.kind == NN_OPTIM_SGD)
    {
      s->optim.momentum = gtk_spin_button_get_value (self->momentum_spin);
      s->optim.nesterov = gtk_switch_get_active (self->nesterov_switch);
    }
  else
    {
      s->optim.beta1 = gtk_spin_button_get_value (self->beta1_spin);
      s->optim.beta2 = gtk_spin_button_get_value (self->beta2_spin);
      eps = gtk_editable_get_text (GTK_EDITABLE (self->eps_entry));
      /* an unreadable epsilon keeps the default rather than training with 0 */
      if (eps != NULL && g_ascii_strtod (eps, NULL) > 0.0)
        s->optim.eps = g_ascii_strtod (eps, NULL);
    }
  s->epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  s->batch = gtk_spin_button_get_value_as_int (self->batch_spin);
  s->seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  s->shuffle = gtk_switch_get_active (self->shuffle_switch);
}

void
ll_training_page_set_settings (LlTrainingPage *self, const LlTrainingSettings *s)
{
  g_return_if_fail (LL_IS_TRAINING_PAGE (self));

  set_data (self, s->data);
  gtk_spin_button_set_value (self->val_spin, s->val_fraction);
  adw_combo_row_set_selected (self->fit_row, s->fit == NN_FIT_RESIZE ? 1 : 0);
  adw_combo_row_set_selected (self->loss_row, s->loss == NN_LOSS_MSE ? 1 : 0);
  g_signal_handlers_block_by_func (self->optim_row, optimizer_selected_cb, self);
  set_optim_widgets (self, &s->optim);
  g_signal_handlers_unblock_by_func (self->optim_row, optimizer_selected_cb, self);
  gtk_spin_button_set_value (self->epochs_spin, (double) s->epochs);
  gtk_spin_button_set_value (self->batch_spin, (double) s->batch);
  gtk_spin_button_set_value (self->seed_spin, (double) s->seed);
  gtk_switch_set_active (self->shuffle_switch, s->shuffle);
}

/* The document's training record became the history: the page shows its settings. A
 * document without one starts from the defaults; undoing the first training of a
 * document keeps what the page shows (the settings just used). */
static void
restored_cb (LlTrainingPage *self, gboolean new_document)
{
  const nn_training_record *r = ll_training_get_record (self->training);
  g_autofree char *missing = NULL;
  LlTrainingSettings s;

  if (r != NULL)
    ll_training_settings_from_record (&s, r);
  else if (new_document)
    ll_training_settings_init (&s);
  else
    return;
  if (s.data != NULL && !nn_dataset_spec_exists (s.data))
    missing = g_steal_pointer (&s.data);
  ll_training_page_set_settings (self, &s);
  if (missing != NULL)
    set_data_missing (self, missing);
  ll_training_settings_clear (&s);
}

/* ------------------------------------------------------------ plots */

static gboolean
is_dark (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ());
}

/* The history as plot series (train, validation) of one quantity: training every 1/20
 * of an epoch where LlTraining has those points, else once per epoch; validation once
 * per epoch. */
typedef struct {
  double *x[2], *y[2];
  int n[2];
} Curves;

static void
curves_clear (Curves *c)
{
  for (int s = 0; s < 2; s++)
    {
      g_free (c->x[s]);
      g_free (c->y[s]);
    }
}

static void
curves_add (Curves *c, int s, double x, double y)
{
  c->x[s][c->n[s]] = x;
  c->y[s][c->n[s]] = y;
  c->n[s]++;
}

static void
collect_curves (LlTrainingPage *self, gboolean acc, Curves *c)
{
  guint n_epochs = 0, n_steps = 0, j = 0;
  const LlEpochRecord *h = ll_training_get_history (self->training, &n_epochs);
  const LlStepRecord *p = ll_training_get_steps (self->training, &n_steps);
  double scale = acc ? 100.0 : 1.0;

  c->x[0] = g_new (double, n_epochs + n_steps);
  c->y[0] = g_new (double, n_epochs + n_steps);
  c->x[1] = g_new (double, n_epochs);
  c->y[1] = g_new (double, n_epochs);
  c->n[0] = c->n[1] = 0;
  for (guint i = 0; i < n_epochs; i++)
    {
      gboolean fine = FALSE;

      for (; j < n_steps && p[j].epoch <= h[i].epoch; j++)
        {
          curves_add (c, 0, p[j].x, scale * (acc ? p[j].acc : p[j].loss));
          fine = fine || p[j].epoch == h[i].epoch;
        }
      if (!fine)
        curves_add (c, 0, (double) h[i].epoch, scale * (acc ? h[i].train_acc : h[i].train_loss));
      curves_add (c, 1, (double) h[i].epoch, scale * (acc ? h[i].val_acc : h[i].val_loss));
    }
  /* the epoch in progress */
  for (; j < n_steps; j++)
    curves_add (c, 0, p[j].x, scale * (acc ? p[j].acc : p[j].loss));
}

static void
draw_curves (LlTrainingPage *self, cairo_t *cr, int width, int height, gboolean acc)
{
  gint64 total = ll_training_get_total_epochs (self->training);
  LlPlotSeries series[2];
  LlPlot plot = { 0 };
  Curves c = { 0 };

  collect_curves (self, acc, &c);
  /* dots while they are far enough apart to see */
  series[0] = (LlPlotSeries) { _("training"), c.x[0], c.y[0], c.n[0], ll_plot_train_rgb,
                               c.n[0] <= 40 };
  series[1] = (LlPlotSeries) { _("validation"), c.x[1], c.y[1], c.n[1], ll_plot_val_rgb,
                               c.n[1] <= 100 };
  plot.title = acc ? _("Accuracy (%)") : _("Loss");
  plot.x_label = _("epoch");
  plot.series = series;
  plot.n_series = 2;
  plot.x_min = 0.0;
  plot.x_max = total > 0 ? (double) total : 1.0;
  if (acc)
    plot.y_max = 100.0;
  /* a short run gets ticks at fractions of an epoch */
  plot.x_integer = plot.x_max >= 3.0;
  plot.dark = is_dark ();
  ll_plot_draw (&plot, cr, width, height);
  if (!acc)
    self->plotted = (guint) c.n[0];
  curves_clear (&c);
}

static void
draw_loss_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  draw_curves (data, cr, width, height, FALSE);
}

static void
draw_acc_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  draw_curves (data, cr, width, height, TRUE);
}

/* The matrix as the page draws it; FALSE before a run ended */
static gboolean
get_confusion (LlTrainingPage *self, LlConfusion *conf)
{
  char *const *names = NULL;

  *conf = (LlConfusion) { 0 };
  conf->counts = (const int64_t *) ll_training_get_confusion (self->training, &conf->k, &names);
  if (conf->counts == NULL)
    return FALSE;
  conf->class_names = names;
  conf->title = ll_training_get_n_val (self->training) > 0 ? _("Confusion matrix (validation data)")
                                                          : _("Confusion matrix (training data)");
  conf->truth_label = _("true class");
  conf->predicted_label = _("predicted class");
  conf->dark = is_dark ();
  return TRUE;
}

static void
draw_confusion_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  LlConfusion conf;

  if (get_confusion (data, &conf))
    ll_confusion_draw (&conf, cr, width, height);
}

/* The full names (the columns' may be shortened) and a cell's count. */
static gboolean
confusion_tooltip_cb (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                      gpointer data)
{
  LlTrainingPage *self = data;
  char a[24], b[24];
  LlConfusion conf;
  int truth, predicted;
  gint64 row = 0, count;
  double percent;
  g_autofree char *text = NULL;
  g_autofree char *pct = NULL;

  if (keyboard || !get_confusion (self, &conf)
      || !ll_confusion_hit (&conf, gtk_widget_get_width (widget), gtk_widget_get_height (widget),
                            x, y, &truth, &predicted))
    return FALSE;
  if (truth < 0 || predicted < 0)
    {
      int i = truth >= 0 ? truth : predicted;

      gtk_tooltip_set_text (tooltip, ll_confusion_class_name (&conf, i, a, sizeof a));
      return TRUE;
    }
  for (int j = 0; j < conf.k; j++)
    row += conf.counts[(gint64) truth * conf.k + j];
  count = conf.counts[(gint64) truth * conf.k + predicted];
  percent = row > 0 ? 100.0 * (double) count / (double) row : 0.0;
  pct = ll_format_fixed (percent, 1);
  if (truth == predicted)
    /* Translators: "Coat recognised: 80 of 100 (80.0%)" */
    text = g_strdup_printf (_("%s recognised: %lld of %lld (%s%%)"),
                            ll_confusion_class_name (&conf, truth, a, sizeof a), (long long) count,
                            (long long) row, pct);
  else
    /* Translators: "Coat taken for Shirt: 12 of 100 (12.0%)" */
    text = g_strdup_printf (_("%s taken for %s: %lld of %lld (%s%%)"),
                            ll_confusion_class_name (&conf, truth, a, sizeof a),
                            ll_confusion_class_name (&conf, predicted, b, sizeof b),
                            (long long) count, (long long) row, pct);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* ------------------------------------------------------------ status */

static char *
format_left (double seconds)
{
  int s = (int) ceil (seconds);

  if (seconds < 0)
    return g_strdup (_("estimating time left"));
  /* Translators: minutes:seconds of training left */
  return g_strdup_printf (_("%d:%02d left"), s / 60, s % 60);
}

static char *
progress_text (LlTrainingPage *self, double *fraction)
{
  gint64 epoch, batch, n_batch;
  double left;
  g_autofree char *left_text = NULL;

  ll_training_get_progress (self->training, &epoch, &batch, &n_batch, fraction, &left);
  if (n_batch == 0)
    return g_strdup ("");
  left_text = format_left (left);
  /* Translators: "Epoch 2/12 · batch 340/541 · 1:20 left" */
  return g_strdup_printf (_("Epoch %lld/%lld · batch %lld/%lld · %s"), (long long) epoch,
                          (long long) ll_training_get_total_epochs (self->training),
                          (long long) batch, (long long) n_batch, left_text);
}

static char *
running_text (LlTrainingPage *self)
{
  guint n = 0;
  const LlEpochRecord *h = ll_training_get_history (self->training, &n);
  double loss, acc;
  g_autofree char *l = NULL, *a = NULL;

  ll_training_get_running (self->training, &loss, &acc);
  if (isfinite (loss))
    {
      l = ll_format_fixed (loss, 4);
      if (!isfinite (acc))
        return g_strdup_printf (_("This epoch: loss %s"), l);
      a = ll_format_fixed (100.0 * acc, 2);
      return g_strdup_printf (_("This epoch: loss %s, accuracy %s%%"), l, a);
    }
  if (n > 0 && isfinite (h[n - 1].val_acc))
    {
      l = ll_format_fixed (h[n - 1].val_loss, 4);
      a = ll_format_fixed (100.0 * h[n - 1].val_acc, 2);
      return g_strdup_printf (_("Epoch %lld: validation loss %s, accuracy %s%%"),
                              (long long) h[n - 1].epoch, l, a);
    }
  return g_strdup ("");
}

static char *
status_text (LlTrainingPage *self, LlTrainingState state)
{
  const char *message = ll_training_get_message (self->training);
  const LlTrainingSettings *settings = ll_training_get_settings (self->training);
  guint n = 0;
  const LlEpochRecord *h = ll_training_get_history (self->training, &n);
  /* the epochs of the run that finished, after those recorded before it */
  guint run = settings != NULL ? (guint) settings->epochs : n;

  switch (state)
    {
    case LL_TRAINING_LOADING:
      return g_strdup (_("Reading the data set…"));
    case LL_TRAINING_PAUSED:
      return g_strdup (_("Paused."));
    case LL_TRAINING_STOPPING:
      return g_strdup (_("Stopping…"));
    case LL_TRAINING_RUNNING:
      return running_text (self);
    case LL_TRAINING_FINISHED:
      if (n > 0 && isfinite (h[n - 1].val_acc))
        {
          g_autofree char *acc = ll_format_fixed (100.0 * h[n - 1].val_acc, 2);

          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Trained %u epoch: validation accuracy %s%%. Undo restores the previous weights.",
                                               "Trained %u epochs: validation accuracy %s%%. Undo restores the previous weights.", run),
                                  run, acc);
        }
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Trained %u epoch. Undo restores the previous weights.",
                                           "Trained %u epochs. Undo restores the previous weights.", run), run);
    case LL_TRAINING_IDLE:
      if (message == NULL && n > 0 && ll_training_get_record (self->training) != NULL)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "The model file records %u epoch of training with these settings. Train goes on from there.",
                                             "The model file records %u epochs of training with these settings. Train goes on from there.", n), n);
      G_GNUC_FALLTHROUGH;
    case LL_TRAINING_STOPPED:
    case LL_TRAINING_FAILED:
    default:
      return g_strdup (message != NULL ? message
                       : _("Choose a data set and press Train: a copy of the network trains, and the Weights and Activations pages follow it."));
    }
}

static void
sync_status (LlTrainingPage *self)
{
  LlTrainingState state = ll_training_get_state (self->training);
  g_autofree char *status = status_text (self, state);
  g_autofree char *text = NULL;
  double fraction = 0.0;
  int k = 0;

  text = progress_text (self, &fraction);
  gtk_progress_bar_set_fraction (self->progress_bar, state == LL_TRAINING_FINISHED ? 1.0 : fraction);
  gtk_progress_bar_set_text (self->progress_bar, text);
  gtk_label_set_label (self->status_label, status);
  gtk_widget_set_visible (self->apply_button, state == LL_TRAINING_STOPPED);
  gtk_widget_set_visible (self->discard_button, state == LL_TRAINING_STOPPED);
  gtk_button_set_icon_name (GTK_BUTTON (self->pause_button),
                            state == LL_TRAINING_PAUSED ? "media-playback-start-symbolic"
                                                        : "media-playback-pause-symbolic");
  ll_training_get_confusion (self->training, &k, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->confusion_area), k > 0);
  gtk_widget_queue_draw (GTK_WIDGET (self->loss_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->acc_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->confusion_area));
}

static void
sync_sensitive (LlTrainingPage *self)
{
  gboolean active = ll_training_is_active (self->training);

  /* the settings of a run cannot change while it runs */
  gtk_widget_set_sensitive (GTK_WIDGET (self->data_group), !active);
  gtk_widget_set_sensitive (GTK_WIDGET (self->loop_group), !active);
  gtk_widget_set_sensitive (GTK_WIDGET (self->optim_group), !active);
  sync_status (self);
}

/* ------------------------------------------------------------ public */

GtkWidget *
ll_training_page_new (void)
{
  return g_object_new (LL_TYPE_TRAINING_PAGE, NULL);
}

void
ll_training_page_set_training (LlTrainingPage *self, LlTraining *training)
{
  g_return_if_fail (LL_IS_TRAINING_PAGE (self));
  g_return_if_fail (LL_IS_TRAINING (training));

  if (self->training != NULL)
    g_signal_handlers_disconnect_by_data (self->training, self);
  g_set_object (&self->training, training);
  g_signal_connect_object (training, "progress", G_CALLBACK (sync_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (training, "notify::state", G_CALLBACK (sync_sensitive), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (training, "restored", G_CALLBACK (restored_cb), self, G_CONNECT_SWAPPED);
  sync_sensitive (self);
}

guint
ll_training_page_get_plotted (LlTrainingPage *self)
{
  g_return_val_if_fail (LL_IS_TRAINING_PAGE (self), 0);

  return self->plotted;
}

const char *
ll_training_page_get_data_text (LlTrainingPage *self)
{
  g_return_val_if_fail (LL_IS_TRAINING_PAGE (self), NULL);

  return adw_action_row_get_subtitle (self->data_row);
}

gboolean
ll_training_page_offers_fashion_mnist (LlTrainingPage *self)
{
  g_return_val_if_fail (LL_IS_TRAINING_PAGE (self), FALSE);

  return gtk_widget_get_visible (self->fashion_row);
}

static void
ll_training_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ll_training_page_parent_class)->map (widget);
  update_fashion_row (LL_TRAINING_PAGE (widget));
}

static void
ll_training_page_dispose (GObject *object)
{
  LlTrainingPage *self = LL_TRAINING_PAGE (object);

  if (self->training != NULL)
    g_signal_handlers_disconnect_by_data (self->training, self);
  g_clear_object (&self->training);
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_TRAINING_PAGE);
  G_OBJECT_CLASS (ll_training_page_parent_class)->dispose (object);
}

static void
ll_training_page_finalize (GObject *object)
{
  LlTrainingPage *self = LL_TRAINING_PAGE (object);

  g_free (self->data);
  G_OBJECT_CLASS (ll_training_page_parent_class)->finalize (object);
}

static void
ll_training_page_class_init (LlTrainingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_training_page_dispose;
  object_class->finalize = ll_training_page_finalize;
  widget_class->map = ll_training_page_map;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-training-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, start_button);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, pause_button);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, apply_button);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, discard_button);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, loss_area);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, acc_area);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, confusion_area);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, data_group);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, loop_group);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, optim_group);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, data_row);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, fashion_row);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, fit_row);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, loss_row);
  gtk_widget_class_bind_template_child (widget_class, LlTrainingPage, optim_row);
  gtk_widget_class_bind_template_callback (widget_class, choose_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_npy_cb);
  gtk_widget_class_bind_template_callback (widget_class, use_fashion_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ll_training_page_init (LlTrainingPage *self)
{
  nn_optim_config adam;

  gtk_widget_init_template (GTK_WIDGET (self));
  build_rows (self);
  nn_optim_config_init (&adam, NN_OPTIM_ADAM);
  set_optim_widgets (self, &adam);
  g_signal_connect_object (self->optim_row, "notify::selected", G_CALLBACK (optimizer_selected_cb),
                           self, G_CONNECT_SWAPPED);
  update_fashion_row (self);
  gtk_drawing_area_set_draw_func (self->loss_area, draw_loss_cb, self, NULL);
  gtk_drawing_area_set_draw_func (self->acc_area, draw_acc_cb, self, NULL);
  gtk_drawing_area_set_draw_func (self->confusion_area, draw_confusion_cb, self, NULL);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->confusion_area), TRUE);
  g_signal_connect_object (self->confusion_area, "query-tooltip", G_CALLBACK (confusion_tooltip_cb),
                           self, 0);
}
