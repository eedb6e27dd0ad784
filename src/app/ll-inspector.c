/* ll-inspector.c - the selected layer's parameters, each with the widget that fits it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A table describes every editable field of nn_layer_config (kind, range, which layer
 * types have it); the rows are built from it when the selected layer or its type changes,
 * and otherwise only re-synced, so typing in one spin button keeps its focus while the
 * document re-propagates. Ranges refuse impossible values at the widget, with a message
 * (ll-number-field.c: "Kernel size must be between 1 and 1024", "“abc” is not a number")
 * rather than a clamped or silently restored value; combinations the
 * ranges cannot express (pool padding > kernel/2, groups not dividing channels) are
 * checked with nn_layer_config_validate() before anything reaches the document.
 */
#define G_LOG_DOMAIN "ll-inspector"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "ll-format.h"
#include "ll-inspector.h"
#include "ll-number-field.h"

typedef enum {
  FIELD_INT,
  FIELD_LAZY,     /* int64 where NN_LAZY means "infer from input" */
  FIELD_PAIR,     /* int64[2]: (height, width) */
  FIELD_BOOL,
  FIELD_DOUBLE,
} FieldKind;

typedef struct {
  const char *key;        /* PyTorch's argument name */
  const char *label;
  FieldKind kind;
  size_t offset;          /* into nn_layer_config */
  size_t resolved;        /* FIELD_LAZY: the resolved size in nn_layer */
  double min, max, step;
  guint digits;
  guint types;            /* bit (1 << nn_layer_type) per layer type that has the field */
} Field;

#define T(x) (1u << NN_LAYER_##x)
#define CFG(f) offsetof (nn_layer_config, f)
#define LAY(f) offsetof (nn_layer, f)
#define POOLS (T (MAXPOOL2D) | T (AVGPOOL2D))

static const Field fields[] = {
  { "in_channels", N_("Input channels"), FIELD_LAZY, CFG (in_channels), LAY (in_channels), 1, 65536, 1, 0, T (CONV2D) },
  { "out_channels", N_("Output channels"), FIELD_INT, CFG (out_channels), 0, 1, 65536, 1, 0, T (CONV2D) },
  { "kernel_size", N_("Kernel size"), FIELD_PAIR, CFG (kernel_size), 0, 1, 1024, 1, 0, T (CONV2D) | POOLS },
  { "stride", N_("Stride"), FIELD_PAIR, CFG (stride), 0, 1, 1024, 1, 0, T (CONV2D) | POOLS },
  { "padding", N_("Padding"), FIELD_PAIR, CFG (padding), 0, 0, 1024, 1, 0, T (CONV2D) | POOLS },
  { "dilation", N_("Dilation"), FIELD_PAIR, CFG (dilation), 0, 1, 1024, 1, 0, T (CONV2D) | T (MAXPOOL2D) },
  { "groups", N_("Groups"), FIELD_INT, CFG (groups), 0, 1, 65536, 1, 0, T (CONV2D) },
  { "ceil_mode", N_("Round output size up"), FIELD_BOOL, CFG (ceil_mode), 0, 0, 1, 1, 0, POOLS },
  { "count_include_pad", N_("Count padding in the average"), FIELD_BOOL, CFG (count_include_pad), 0, 0, 1, 1, 0, T (AVGPOOL2D) },
  { "start_dim", N_("First dimension"), FIELD_INT, CFG (start_dim), 0, -4, 3, 1, 0, T (FLATTEN) },
  { "end_dim", N_("Last dimension"), FIELD_INT, CFG (end_dim), 0, -4, 3, 1, 0, T (FLATTEN) },
  { "in_features", N_("Input features"), FIELD_LAZY, CFG (in_features), LAY (in_features), 1, 1 << 24, 1, 0, T (LINEAR) },
  { "out_features", N_("Output features"), FIELD_INT, CFG (out_features), 0, 1, 1 << 24, 1, 0, T (LINEAR) },
  { "bias", N_("Bias"), FIELD_BOOL, CFG (bias), 0, 0, 1, 1, 0, T (CONV2D) | T (LINEAR) },
  { "num_features", N_("Channels"), FIELD_LAZY, CFG (num_features), LAY (num_features), 1, 65536, 1, 0, T (BATCHNORM2D) },
  { "eps", N_("Epsilon"), FIELD_DOUBLE, CFG (eps), 0, 1e-12, 1, 1e-6, 8, T (BATCHNORM2D) },
  { "momentum", N_("Momentum"), FIELD_DOUBLE, CFG (momentum), 0, 0, 1, 0.01, 3, T (BATCHNORM2D) },
  { "affine", N_("Learnable scale and shift"), FIELD_BOOL, CFG (affine), 0, 0, 1, 1, 0, T (BATCHNORM2D) },
  { "track_running_stats", N_("Track running statistics"), FIELD_BOOL, CFG (track_running_stats), 0, 0, 1, 1, 0, T (BATCHNORM2D) },
  { "p", N_("Drop probability"), FIELD_DOUBLE, CFG (p), 0, 0, 1, 0.05, 2, T (DROPOUT) },
  { "negative_slope", N_("Negative slope"), FIELD_DOUBLE, CFG (negative_slope), 0, -1000, 1000, 0.01, 3, T (LEAKYRELU) },
  { "dim", N_("Dimension"), FIELD_INT, CFG (dim), 0, -4, 3, 1, 0, T (SOFTMAX) },
};

#define MAX_ROWS 16

typedef struct {
  const Field *field;
  GtkSpinButton *spin[2];
  GtkSwitch *toggle;      /* FIELD_BOOL */
  GtkSwitch *lazy;        /* FIELD_LAZY */
  GtkToggleButton *link;  /* FIELD_PAIR: one value for height and width */
  GtkWidget *times;       /* FIELD_PAIR: the "×" between the two */
} FieldRow;

struct _LlInspector {
  GtkWidget parent_instance;

  LlDocument *document;
  int index;

  /* what the rows were built for */
  int built_index;
  nn_layer_type built_type;
  AdwPreferencesGroup *group;
  FieldRow rows[MAX_ROWS];
  int n_rows;
  gboolean syncing;

  GtkBox *box;
  GtkWidget *placeholder;
  GtkWidget *info_group;
  GtkLabel *message_label;
  GtkSpinButton *message_owner;   /* the field whose refusal the label shows */
  GtkLabel *in_label;
  GtkLabel *out_label;
  GtkLabel *params_label;
  GtkLabel *macs_label;
};

G_DEFINE_FINAL_TYPE (LlInspector, ll_inspector, GTK_TYPE_WIDGET)

static int64_t *
field_int (nn_layer_config *cfg, const Field *f)
{
  return (int64_t *) ((char *) cfg + f->offset);
}

/* The nn_pair_param a FIELD_PAIR edits (its key is the parameter's name). */
static nn_pair_param
field_pair (const Field *f)
{
  for (nn_pair_param p = NN_PAIR_KERNEL_SIZE; p & NN_PAIR_ALL; p <<= 1)
    if (g_str_equal (nn_pair_param_name (p), f->key))
      return p;
  g_return_val_if_reached (NN_PAIR_KERNEL_SIZE);
}

static const nn_layer *
current_layer (LlInspector *self)
{
  const nn_net *net;

  if (self->document == NULL || self->index < 0)
    return NULL;
  net = ll_document_get_net (self->document);
  if (net == NULL || self->index >= net->n_layers)
    return NULL;
  return &net->layers[self->index];
}

/* ------------------------------------------------------------ widgets -> document */

static void ll_inspector_sync (LlInspector *self);

static void
read_row (const FieldRow *row, nn_layer_config *cfg)
{
  const Field *f = row->field;
  int64_t *v = field_int (cfg, f);

  switch (f->kind)
    {
    case FIELD_INT:
      *v = gtk_spin_button_get_value_as_int (row->spin[0]);
      break;
    case FIELD_LAZY:
      *v = gtk_switch_get_active (row->lazy) ? NN_LAZY
                                             : gtk_spin_button_get_value_as_int (row->spin[0]);
      break;
    case FIELD_PAIR:
      {
        /* linked: one value for both sides, an int for a pool (MaxPool2d(2)); apart: a
         * tuple, even with equal sides (MaxPool2d((2, 2))) */
        gboolean linked = gtk_toggle_button_get_active (row->link);
        int64_t h = gtk_spin_button_get_value_as_int (row->spin[0]);
        int64_t w = linked ? h : gtk_spin_button_get_value_as_int (row->spin[1]);

        nn_layer_config_set_pair (cfg, field_pair (f), h, w, !linked);
      }
      break;
    case FIELD_BOOL:
      *(bool *) ((char *) cfg + f->offset) = gtk_switch_get_active (row->toggle);
      break;
    case FIELD_DOUBLE:
      *(double *) ((char *) cfg + f->offset) = gtk_spin_button_get_value (row->spin[0]);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
show_message (LlInspector *self,
              const char  *message)
{
  self->message_owner = NULL;
  gtk_label_set_label (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

/* Every widget edit lands here: the whole config is read back from the rows, checked,
 * and handed to the document as one undoable edit. A refused value snaps back. */
static void
commit (LlInspector *self)
{
  const nn_layer *layer = current_layer (self);
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg;
  nn_error err = { 0 };

  if (self->syncing || layer == NULL)
    return;
  cfg = layer->cfg;
  for (int i = 0; i < self->n_rows; i++)
    read_row (&self->rows[i], &cfg);
  if (memcmp (&cfg, &layer->cfg, sizeof cfg) == 0)
    return;

  if (nn_layer_config_validate (&cfg, self->index, &err) != NN_OK)
    {
      show_message (self, err.message);
      ll_inspector_sync (self);
      return;
    }
  show_message (self, NULL);
  if (!ll_document_set_layer_config (self->document, self->index, &cfg, &error))
    {
      show_message (self, error->message);
      ll_inspector_sync (self);
    }
}

/* ------------------------------------------------------------ document -> widgets */

static void
set_spin (GtkSpinButton *spin,
          double         value)
{
  if (gtk_spin_button_get_value (spin) != value)
    gtk_spin_button_set_value (spin, value);
}

static void
sync_row (FieldRow        *row,
          const nn_layer  *layer)
{
  const Field *f = row->field;
  const nn_layer_config *cfg = &layer->cfg;
  const int64_t *v = (const int64_t *) ((const char *) cfg + f->offset);

  switch (f->kind)
    {
    case FIELD_INT:
      set_spin (row->spin[0], (double) *v);
      break;
    case FIELD_LAZY:
      {
        gboolean lazy = *v == NN_LAZY;
        int64_t resolved = *(const int64_t *) ((const char *) layer + f->resolved);

        gtk_switch_set_active (row->lazy, lazy);
        gtk_widget_set_sensitive (GTK_WIDGET (row->spin[0]), !lazy);
        set_spin (row->spin[0], (double) (lazy ? MAX (resolved, 1) : *v));
      }
      break;
    case FIELD_PAIR:
      {
        gboolean linked = !nn_layer_config_is_tuple (cfg, field_pair (f));

        gtk_toggle_button_set_active (row->link, linked);
        gtk_button_set_icon_name (GTK_BUTTON (row->link),
                                  linked ? "ll-linked-symbolic" : "ll-unlinked-symbolic");
        gtk_widget_set_visible (GTK_WIDGET (row->spin[1]), !linked);
        gtk_widget_set_visible (row->times, !linked);
        gtk_widget_set_tooltip_text (GTK_WIDGET (row->spin[0]),
                                     linked ? _("Height and width") : _("Height"));
        set_spin (row->spin[0], (double) v[0]);
        set_spin (row->spin[1], (double) v[1]);
      }
      break;
    case FIELD_BOOL:
      gtk_switch_set_active (row->toggle, *(const bool *) ((const char *) cfg + f->offset));
      break;
    case FIELD_DOUBLE:
      set_spin (row->spin[0], *(const double *) ((const char *) cfg + f->offset));
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
set_row_value (GtkLabel   *label,
               const char *text)
{
  gtk_label_set_label (label, text);
}

static void
sync_info (LlInspector *self)
{
  const nn_net *net = ll_document_get_net (self->document);
  const nn_layer_info *info = &net->info[self->index];
  gboolean computed = info->status == NN_OK;
  char in_buf[64], out_buf[64];
  g_autofree char *params = ll_format_count (info->n_params);
  g_autofree char *macs = ll_format_count (info->macs);

  nn_shape_to_batch_string (&info->in_shape, in_buf, sizeof in_buf);
  nn_shape_to_batch_string (&info->out_shape, out_buf, sizeof out_buf);
  set_row_value (self->in_label, info->status == NN_STATUS_ABORTED ? "—" : in_buf);
  set_row_value (self->out_label, computed ? out_buf : "—");
  set_row_value (self->params_label, computed ? params : "—");
  set_row_value (self->macs_label, computed ? macs : "—");
}

static void
ll_inspector_sync (LlInspector *self)
{
  const nn_layer *layer = current_layer (self);
  g_autofree char *repr = NULL;

  if (layer == NULL || self->group == NULL)
    return;
  self->syncing = TRUE;
  for (int i = 0; i < self->n_rows; i++)
    sync_row (&self->rows[i], layer);
  self->syncing = FALSE;
  repr = nn_layer_repr (ll_document_get_net (self->document), self->index);
  adw_preferences_group_set_description (self->group, repr);
  sync_info (self);
}

/* ------------------------------------------------------------ building rows */

static void
field_report (gpointer       data,
              GtkSpinButton *spin,
              const char    *message)
{
  LlInspector *self = data;

  /* a field typed right again clears only its own message */
  if (message == NULL && self->message_owner != spin)
    return;
  show_message (self, message);
  self->message_owner = message != NULL ? spin : NULL;
}

static GtkSpinButton *
make_spin (LlInspector *self,
           const Field *f)
{
  GtkAdjustment *adj = gtk_adjustment_new (f->min, f->min, f->max, f->step, f->step * 10, 0);
  GtkWidget *spin = gtk_spin_button_new (adj, f->step, f->digits);

  ll_number_field_guard (GTK_SPIN_BUTTON (spin), _(f->label), f->kind != FIELD_DOUBLE,
                         field_report, self);
  gtk_spin_button_set_update_policy (GTK_SPIN_BUTTON (spin), GTK_UPDATE_IF_VALID);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (spin, "value-changed", G_CALLBACK (commit), self);
  return GTK_SPIN_BUTTON (spin);
}

static GtkSwitch *
make_switch (LlInspector  *self,
             AdwActionRow *row)
{
  GtkWidget *sw = gtk_switch_new ();

  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (row, sw);
  adw_action_row_set_activatable_widget (row, sw);
  g_signal_connect_swapped (sw, "notify::active", G_CALLBACK (commit), self);
  return GTK_SWITCH (sw);
}

/* The chain button of a pair: pressed, one value serves height and width. */
static GtkToggleButton *
make_link_toggle (LlInspector *self)
{
  GtkWidget *button = gtk_toggle_button_new ();

  gtk_button_set_icon_name (GTK_BUTTON (button), "ll-linked-symbolic");
  /* Translators: a toggle beside a kernel size, stride, ... pair */
  gtk_widget_set_tooltip_text (button, _("Same for height and width"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Same for height and width"), -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (button, "toggled", G_CALLBACK (commit), self);
  return GTK_TOGGLE_BUTTON (button);
}

static AdwActionRow *
make_row (const char *title,
          const char *subtitle)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (row, subtitle);
  return row;
}

static void
add_field (LlInspector *self,
           const Field *f)
{
  FieldRow *fr = &self->rows[self->n_rows++];
  AdwActionRow *row = make_row (_(f->label), f->key);

  /* the slot may hold the widgets of the previous layer's rows (destroyed since) */
  *fr = (FieldRow) { .field = f };
  if (f->kind == FIELD_BOOL)
    fr->toggle = make_switch (self, row);
  else
    {
      fr->spin[0] = make_spin (self, f);
      if (f->kind == FIELD_PAIR)
        {
          fr->times = gtk_label_new ("×");
          fr->spin[1] = make_spin (self, f);
          fr->link = make_link_toggle (self);
          gtk_widget_set_tooltip_text (GTK_WIDGET (fr->spin[1]), _("Width"));
          adw_action_row_add_suffix (row, GTK_WIDGET (fr->spin[0]));
          adw_action_row_add_suffix (row, fr->times);
          adw_action_row_add_suffix (row, GTK_WIDGET (fr->spin[1]));
          adw_action_row_add_suffix (row, GTK_WIDGET (fr->link));
        }
      else
        adw_action_row_add_suffix (row, GTK_WIDGET (fr->spin[0]));
    }
  adw_preferences_group_add (self->group, GTK_WIDGET (row));
  if (f->kind == FIELD_LAZY)
    {
      /* Translators: a switch that makes a size (like in_features) follow the input */
      AdwActionRow *lazy_row = make_row (_("Infer from input"), NULL);

      fr->lazy = make_switch (self, lazy_row);
      adw_preferences_group_add (self->group, GTK_WIDGET (lazy_row));
    }
}

static void
rebuild (LlInspector *self)
{
  const nn_layer *layer = current_layer (self);
  g_autofree char *title = NULL;

  if (self->group != NULL)
    gtk_box_remove (self->box, GTK_WIDGET (self->group));
  self->group = NULL;
  self->n_rows = 0;
  self->built_index = layer ? self->index : -1;
  self->built_type = layer ? layer->cfg.type : NN_LAYER_N_TYPES;
  show_message (self, NULL);
  gtk_widget_set_visible (self->placeholder, layer == NULL);
  gtk_widget_set_visible (self->info_group, layer != NULL);
  if (layer == NULL)
    return;

  self->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  /* Translators: inspector heading, e.g. "Layer 3: Conv2d" */
  title = g_strdup_printf (_("Layer %d: %s"), self->index, nn_layer_type_name (layer->cfg.type));
  adw_preferences_group_set_title (self->group, title);
  for (guint i = 0; i < G_N_ELEMENTS (fields) && self->n_rows < MAX_ROWS; i++)
    if (fields[i].types & (1u << layer->cfg.type))
      add_field (self, &fields[i]);
  if (self->n_rows == 0)
    adw_preferences_group_add (self->group, GTK_WIDGET (make_row (_("No parameters"),
                                                                  _("This layer has nothing to set"))));
  gtk_box_insert_child_after (self->box, GTK_WIDGET (self->group), self->placeholder);
  ll_inspector_sync (self);
}

static void
refresh (LlInspector *self)
{
  const nn_layer *layer = current_layer (self);

  if (layer == NULL || layer->cfg.type != self->built_type || self->index != self->built_index)
    rebuild (self);
  else
    ll_inspector_sync (self);
}

/* ------------------------------------------------------------ public */

GtkWidget *
ll_inspector_new (void)
{
  return g_object_new (LL_TYPE_INSPECTOR, NULL);
}

void
ll_inspector_set_document (LlInspector *self,
                           LlDocument  *document)
{
  g_return_if_fail (LL_IS_INSPECTOR (self));
  g_return_if_fail (document == NULL || LL_IS_DOCUMENT (document));

  if (!ll_widget_follow_document (self, &self->document, document, G_CALLBACK (refresh)))
    return;
  self->built_type = NN_LAYER_N_TYPES;
  refresh (self);
}

void
ll_inspector_set_index (LlInspector *self,
                        int          index)
{
  g_return_if_fail (LL_IS_INSPECTOR (self));

  self->index = index;
  refresh (self);
}

int
ll_inspector_get_index (LlInspector *self)
{
  g_return_val_if_fail (LL_IS_INSPECTOR (self), -1);

  return self->index;
}

static FieldRow *
find_row (LlInspector *self,
          const char  *key)
{
  for (int i = 0; i < self->n_rows; i++)
    if (g_str_equal (self->rows[i].field->key, key))
      return &self->rows[i];
  return NULL;
}

GtkWidget *
ll_inspector_get_editor (LlInspector *self,
                         const char  *key,
                         int          part)
{
  FieldRow *row;

  g_return_val_if_fail (LL_IS_INSPECTOR (self), NULL);
  g_return_val_if_fail (part == 0 || part == 1, NULL);

  row = find_row (self, key);
  if (row == NULL)
    return NULL;
  if (row->toggle != NULL)
    return GTK_WIDGET (row->toggle);
  return row->spin[part] ? GTK_WIDGET (row->spin[part]) : NULL;
}

GtkWidget *
ll_inspector_get_link_toggle (LlInspector *self,
                              const char  *key)
{
  FieldRow *row;

  g_return_val_if_fail (LL_IS_INSPECTOR (self), NULL);

  row = find_row (self, key);
  return row && row->link ? GTK_WIDGET (row->link) : NULL;
}

GtkWidget *
ll_inspector_get_lazy_switch (LlInspector *self,
                              const char  *key)
{
  FieldRow *row;

  g_return_val_if_fail (LL_IS_INSPECTOR (self), NULL);

  row = find_row (self, key);
  return row && row->lazy ? GTK_WIDGET (row->lazy) : NULL;
}

/* ------------------------------------------------------------ GObject */

static void
ll_inspector_dispose (GObject *object)
{
  LlInspector *self = LL_INSPECTOR (object);

  ll_widget_unfollow_document (self, &self->document);
  self->group = NULL;
  self->n_rows = 0;
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_INSPECTOR);
  /* the template's unnamed root child */
  ll_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (ll_inspector_parent_class)->dispose (object);
}

static void
ll_inspector_class_init (LlInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_inspector_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-inspector.ui");
  gtk_widget_class_bind_template_child (widget_class, LlInspector, box);
  gtk_widget_class_bind_template_child (widget_class, LlInspector, placeholder);
  gtk_widget_class_bind_template_child (widget_class, LlInspector, info_group);
  gtk_widget_class_bind_template_child (widget_class, LlInspector, message_label);
  gtk_widget_class_bind_template_child (widget_class, LlInspector, in_label);
  gtk_widget_class_bind_template_child (widget_class, LlInspector, out_label);
  gtk_widget_class_bind_template_child (widget_class, LlInspector, params_label);
  gtk_widget_class_bind_template_child (widget_class, LlInspector, macs_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspector");
}

static void
ll_inspector_init (LlInspector *self)
{
  self->index = -1;
  self->built_index = -1;
  self->built_type = NN_LAYER_N_TYPES;
  gtk_widget_init_template (GTK_WIDGET (self));
}
