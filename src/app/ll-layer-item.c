/* ll-layer-item.c - a read-only view of one layer, for list rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LlDocument keeps one LlLayerItem per layer and refreshes it after every change, so a
 * row can bind to the properties and update without knowing the engine. Properties
 * notify only when their value really changes, so a row does not flicker on edits
 * elsewhere in the network.
 */
#define G_LOG_DOMAIN "ll-layer-item"

#include "config.h"

#include <glib/gi18n.h>

#include "ll-document-private.h"

struct _LlLayerItem {
  GObject parent_instance;
  int index;
  char *type_name;
  char *params_text;
  char *shape_text;
  gint64 n_params;
  gint64 macs;
  char *error;
  char *fix_label;
  gboolean not_computed;
};

G_DEFINE_FINAL_TYPE (LlLayerItem, ll_layer_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INDEX,
  PROP_TYPE_NAME,
  PROP_PARAMS_TEXT,
  PROP_SHAPE_TEXT,
  PROP_N_PARAMS,
  PROP_MACS,
  PROP_ERROR,
  PROP_FIX_LABEL,
  PROP_NOT_COMPUTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------ text */

/* "5×5", or "2" for (2, 2) when collapse is set */
static void
append_pair (GString *s, const int64_t v[2], gboolean collapse)
{
  if (collapse && v[0] == v[1])
    g_string_append_printf (s, "%" G_GINT64_FORMAT, (gint64) v[0]);
  else
    g_string_append_printf (s, "%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT, (gint64) v[0], (gint64) v[1]);
}

static void
append_window (GString *s, const nn_layer_config *cfg, gboolean always_stride)
{
  append_pair (s, cfg->kernel_size, FALSE);
  if (always_stride || cfg->stride[0] != 1 || cfg->stride[1] != 1)
    {
      g_string_append (s, " /");
      append_pair (s, cfg->stride, TRUE);
    }
  if (cfg->padding[0] != 0 || cfg->padding[1] != 0)
    {
      g_string_append_printf (s, " %s ", _("pad"));
      append_pair (s, cfg->padding, TRUE);
    }
  if (cfg->type != NN_LAYER_AVGPOOL2D && (cfg->dilation[0] != 1 || cfg->dilation[1] != 1))
    {
      g_string_append_printf (s, " %s ", _("dil"));
      append_pair (s, cfg->dilation, TRUE);
    }
}

/* A resolved size, the configured one, or "?" while a lazy size is unknown. */
static void
append_size (GString *s, int64_t resolved, int64_t configured)
{
  int64_t v = resolved > 0 ? resolved : configured;

  if (v > 0)
    g_string_append_printf (s, "%" G_GINT64_FORMAT, (gint64) v);
  else
    g_string_append (s, "?");
}

static void
append_float (GString *s, const char *name, double v)
{
  char buf[64];

  g_string_append_printf (s, "%s=%s", name, nn_format_float (v, buf, sizeof buf));
}

static char *
params_text (const nn_layer *layer)
{
  const nn_layer_config *cfg = &layer->cfg;
  GString *s = g_string_new (NULL);

  switch (cfg->type)
    {
    case NN_LAYER_CONV2D:
      g_string_append_printf (s, "%" G_GINT64_FORMAT ", ", (gint64) cfg->out_channels);
      append_window (s, cfg, FALSE);
      if (cfg->groups > 1)
        g_string_append_printf (s, " %s %" G_GINT64_FORMAT, _("groups"), (gint64) cfg->groups);
      break;
    case NN_LAYER_MAXPOOL2D:
    case NN_LAYER_AVGPOOL2D:
      append_window (s, cfg, TRUE);
      break;
    case NN_LAYER_LINEAR:
      append_size (s, layer->in_features, cfg->in_features);
      g_string_append_printf (s, " → %" G_GINT64_FORMAT, (gint64) cfg->out_features);
      break;
    case NN_LAYER_BATCHNORM2D:
      append_size (s, layer->num_features, cfg->num_features);
      break;
    case NN_LAYER_DROPOUT:
      append_float (s, "p", cfg->p);
      break;
    case NN_LAYER_LEAKYRELU:
      append_float (s, "slope", cfg->negative_slope);
      break;
    case NN_LAYER_SOFTMAX:
      g_string_append_printf (s, "dim=%" G_GINT64_FORMAT, (gint64) cfg->dim);
      break;
    case NN_LAYER_FLATTEN:
      if (cfg->start_dim != 1 || cfg->end_dim != -1)
        g_string_append_printf (s, "%" G_GINT64_FORMAT "…%" G_GINT64_FORMAT,
                                (gint64) cfg->start_dim, (gint64) cfg->end_dim);
      break;
    case NN_LAYER_RELU:
    case NN_LAYER_SIGMOID:
    case NN_LAYER_TANH:
    case NN_LAYER_N_TYPES:
    default:
      break;
    }
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------ updates */

static void
set_string (LlLayerItem *self, char **field, const char *value, int prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
take_string (LlLayerItem *self, char **field, char *value, int prop)
{
  set_string (self, field, value, prop);
  g_free (value);
}

static void
set_int64 (LlLayerItem *self, gint64 *field, gint64 value, int prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
update_status (LlLayerItem *self, const nn_layer_info *info)
{
  gboolean not_computed = info->status == NN_STATUS_ABORTED;
  gboolean failed = info->status != NN_OK && !not_computed;
  char buf[64];

  if (info->status == NN_OK)
    set_string (self, &self->shape_text, nn_shape_to_batch_string (&info->out_shape, buf, sizeof buf),
                PROP_SHAPE_TEXT);
  else
    set_string (self, &self->shape_text, "—", PROP_SHAPE_TEXT);
  set_string (self, &self->error, failed ? info->message : NULL, PROP_ERROR);
  set_string (self, &self->fix_label,
              failed && info->fix.kind != NN_FIX_NONE ? info->fix.label : NULL, PROP_FIX_LABEL);
  if (self->not_computed != not_computed)
    {
      self->not_computed = not_computed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOT_COMPUTED]);
    }
  set_int64 (self, &self->n_params, info->n_params, PROP_N_PARAMS);
  set_int64 (self, &self->macs, info->macs, PROP_MACS);
}

void
_ll_layer_item_update (LlLayerItem *self, const nn_net *net, int index)
{
  const nn_layer *layer;

  g_assert (LL_IS_LAYER_ITEM (self));
  g_assert (net != NULL && index >= 0 && index < net->n_layers);
  g_assert (net->info != NULL);

  layer = &net->layers[index];
  g_object_freeze_notify (G_OBJECT (self));
  if (self->index != index)
    {
      self->index = index;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEX]);
    }
  set_string (self, &self->type_name, nn_layer_type_name (layer->cfg.type), PROP_TYPE_NAME);
  take_string (self, &self->params_text, params_text (layer), PROP_PARAMS_TEXT);
  update_status (self, &net->info[index]);
  g_object_thaw_notify (G_OBJECT (self));
}

LlLayerItem *
_ll_layer_item_new (void)
{
  return g_object_new (LL_TYPE_LAYER_ITEM, NULL);
}

/* ------------------------------------------------------------------ getters */

int
ll_layer_item_get_index (LlLayerItem *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ITEM (self), -1);
  return self->index;
}

const char *
ll_layer_item_get_type_name (LlLayerItem *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ITEM (self), NULL);
  return self->type_name;
}

const char *
ll_layer_item_get_params_text (LlLayerItem *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ITEM (self), NULL);
  return self->params_text;
}

const char *
ll_layer_item_get_shape_text (LlLayerItem *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ITEM (self), NULL);
  return self->shape_text;
}

gint64
ll_layer_item_get_n_params (LlLayerItem *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ITEM (self), 0);
  return self->n_params;
}

gint64
ll_layer_item_get_macs (LlLayerItem *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ITEM (self), 0);
  return self->macs;
}

const char *
ll_layer_item_get_error (LlLayerItem *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ITEM (self), NULL);
  return self->error;
}

const char *
ll_layer_item_get_fix_label (LlLayerItem *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ITEM (self), NULL);
  return self->fix_label;
}

gboolean
ll_layer_item_get_not_computed (LlLayerItem *self)
{
  g_return_val_if_fail (LL_IS_LAYER_ITEM (self), FALSE);
  return self->not_computed;
}

/* ------------------------------------------------------------------ GObject */

static void
ll_layer_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LlLayerItem *self = LL_LAYER_ITEM (object);

  switch (prop_id)
    {
    case PROP_INDEX:        g_value_set_int (value, self->index); break;
    case PROP_TYPE_NAME:    g_value_set_string (value, self->type_name); break;
    case PROP_PARAMS_TEXT:  g_value_set_string (value, self->params_text); break;
    case PROP_SHAPE_TEXT:   g_value_set_string (value, self->shape_text); break;
    case PROP_N_PARAMS:     g_value_set_int64 (value, self->n_params); break;
    case PROP_MACS:         g_value_set_int64 (value, self->macs); break;
    case PROP_ERROR:        g_value_set_string (value, self->error); break;
    case PROP_FIX_LABEL:    g_value_set_string (value, self->fix_label); break;
    case PROP_NOT_COMPUTED: g_value_set_boolean (value, self->not_computed); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_layer_item_finalize (GObject *object)
{
  LlLayerItem *self = LL_LAYER_ITEM (object);

  g_free (self->type_name);
  g_free (self->params_text);
  g_free (self->shape_text);
  g_free (self->error);
  g_free (self->fix_label);
  G_OBJECT_CLASS (ll_layer_item_parent_class)->finalize (object);
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
int64_property (const char *name)
{
  return g_param_spec_int64 (name, NULL, NULL, 0, G_MAXINT64, 0,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static void
ll_layer_item_class_init (LlLayerItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = ll_layer_item_get_property;
  object_class->finalize = ll_layer_item_finalize;

  properties[PROP_INDEX] = g_param_spec_int ("index", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_TYPE_NAME] = string_property ("type-name");
  properties[PROP_PARAMS_TEXT] = string_property ("params-text");
  properties[PROP_SHAPE_TEXT] = string_property ("shape-text");
  properties[PROP_N_PARAMS] = int64_property ("n-params");
  properties[PROP_MACS] = int64_property ("macs");
  properties[PROP_ERROR] = string_property ("error");
  properties[PROP_FIX_LABEL] = string_property ("fix-label");
  properties[PROP_NOT_COMPUTED] = g_param_spec_boolean ("not-computed", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ll_layer_item_init (LlLayerItem *self)
{
  self->index = -1;
}
