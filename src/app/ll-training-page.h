/* ll-training-page.h - training settings, progress, live plots and the confusion matrix
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-training.h"

G_BEGIN_DECLS

#define LL_TYPE_TRAINING_PAGE (ll_training_page_get_type ())
G_DECLARE_FINAL_TYPE (LlTrainingPage, ll_training_page, LL, TRAINING_PAGE, GtkWidget)

/* The page shows training and edits the settings; the window's actions (win.train-*)
 * start, pause and stop it. */
GtkWidget *ll_training_page_new          (void);
void       ll_training_page_set_training (LlTrainingPage *self, LlTraining *training);
/* The settings as the page shows them (clear with ll_training_settings_clear). */
void       ll_training_page_get_settings (LlTrainingPage *self, LlTrainingSettings *settings);
void       ll_training_page_set_settings (LlTrainingPage *self, const LlTrainingSettings *settings);
/* Points of the loss plot at its last paint (tests: the plot follows training). */
guint      ll_training_page_get_plotted  (LlTrainingPage *self);
/* What the data set row says: the data set chosen, or that a recorded one is missing. */
const char *ll_training_page_get_data_text (LlTrainingPage *self);
/* Whether the page offers Fashion-MNIST (it looks each time it is shown). */
gboolean   ll_training_page_offers_fashion_mnist (LlTrainingPage *self);
/* Where Debian's dataset-fashion-mnist keeps the files (or $LAYERLAB_FASHION_MNIST_DIR),
 * if they are there now, else NULL. */
const char *ll_training_page_fashion_mnist_dir (void);

G_END_DECLS
