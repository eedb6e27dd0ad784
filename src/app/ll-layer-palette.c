/* ll-layer-palette.c - a button for every engine layer type (win.add-layer::TYPE)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The buttons only name an action: the window inserts the layer after the selection with
 * nn_layer_config_init() defaults, whose lazy sizes make a new layer fit where it lands.
 */
#define G_LOG_DOMAIN "ll-layer-palette"

#include "config.h"

#include <glib/gi18n.h>

#include "nn.h"
#include "ll-format.h"
#include "ll-layer-palette.h"

struct _LlLayerPalette {
  GtkWidget parent_instance;
  GtkBox *box;
};

G_DEFINE_FINAL_TYPE (LlLayerPalette, ll_layer_palette, GTK_TYPE_WIDGET)

typedef struct {
  const char *heading;
  nn_layer_type types[6];
  int n_types;
} Group;

static const Group groups[] = {
  { N_("Spatial"), { NN_LAYER_CONV2D, NN_LAYER_MAXPOOL2D, NN_LAYER_AVGPOOL2D,
                     NN_LAYER_BATCHNORM2D }, 4 },
  { N_("Activation"), { NN_LAYER_RELU, NN_LAYER_LEAKYRELU, NN_LAYER_SIGMOID,
                        NN_LAYER_TANH, NN_LAYER_SOFTMAX }, 5 },
  { N_("Dense"), { NN_LAYER_FLATTEN, NN_LAYER_LINEAR, NN_LAYER_DROPOUT }, 3 },
};

static const char *
describe (nn_layer_type type)
{
  switch (type)
    {
    case NN_LAYER_CONV2D:      return _("2-D convolution: 32 filters of 3×3, input channels inferred");
    case NN_LAYER_RELU:        return _("Rectified linear unit: max(0, x)");
    case NN_LAYER_MAXPOOL2D:   return _("Maximum over 2×2 windows");
    case NN_LAYER_AVGPOOL2D:   return _("Average over 2×2 windows");
    case NN_LAYER_FLATTEN:     return _("Flattens C×H×W into one feature vector");
    case NN_LAYER_LINEAR:      return _("Fully connected: 10 outputs, input features inferred");
    case NN_LAYER_BATCHNORM2D: return _("Batch normalization per channel, channels inferred");
    case NN_LAYER_DROPOUT:     return _("Dropout (identity when running the network)");
    case NN_LAYER_LEAKYRELU:   return _("Leaky rectifier: x, or slope × x below zero");
    case NN_LAYER_SIGMOID:     return _("Logistic function 1 / (1 + e⁻ˣ)");
    case NN_LAYER_TANH:        return _("Hyperbolic tangent");
    case NN_LAYER_SOFTMAX:     return _("Softmax over the features");
    case NN_LAYER_N_TYPES:
    default:                   return NULL;
    }
}

static GtkWidget *
make_button (nn_layer_type type)
{
  const char *name = nn_layer_type_name (type);
  GtkWidget *button = gtk_button_new ();
  GtkWidget *label = gtk_label_new (name);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_button_set_child (GTK_BUTTON (button), label);
  gtk_widget_set_tooltip_text (button, describe (type));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.add-layer");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", name);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
fill (LlLayerPalette *self)
{
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      GtkWidget *heading = gtk_label_new (_(groups[g].heading));

      gtk_label_set_xalign (GTK_LABEL (heading), 0.0f);
      gtk_widget_add_css_class (heading, "palette-heading");
      gtk_widget_add_css_class (heading, "dim-label");
      gtk_widget_add_css_class (heading, "caption-heading");
      gtk_box_append (self->box, heading);
      for (int i = 0; i < groups[g].n_types; i++)
        gtk_box_append (self->box, make_button (groups[g].types[i]));
    }
}

GtkWidget *
ll_layer_palette_new (void)
{
  return g_object_new (LL_TYPE_LAYER_PALETTE, NULL);
}

static void
ll_layer_palette_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LL_TYPE_LAYER_PALETTE);
  /* the template's unnamed root child */
  ll_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (ll_layer_palette_parent_class)->dispose (object);
}

static void
ll_layer_palette_class_init (LlLayerPaletteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_layer_palette_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-layer-palette.ui");
  gtk_widget_class_bind_template_child (widget_class, LlLayerPalette, box);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "layerpalette");
}

static void
ll_layer_palette_init (LlLayerPalette *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  fill (self);
}
