/* ll-input-source.c - what the network is run on: random, zeros, ones, an image, a .npy,
 * a drawing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Files are read once, on the worker, and kept; every forward pass then only copies the
 * kept tensor. An image is converted for one input shape, so when the network's input
 * changes, make() asks for the image to be read again (G_IO_ERROR_PENDING).
 *
 * The drawing pad's canvas lives here, not in the pad, so that it survives switching
 * pages and kinds, and a forward pass copies it like any other input.
 */
#define G_LOG_DOMAIN "ll-input-source"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ll-input-source.h"
#include "ll-raster.h"
#include "ll-runner.h"

#ifdef LL_HAVE_DATASET
#include "dataset.h"
#endif

struct _LlInputSource {
  GObject parent_instance;

  LlInputKind kind;
  guint seed;
  GFile *file;
  nn_tensor *loaded;          /* the file's array (image: [1, C, H, W] for loaded_shape) */
  nn_shape loaded_shape;
  float *canvas;              /* the drawing: canvas_height × canvas_width */
  int canvas_height;
  int canvas_width;
};

G_DEFINE_FINAL_TYPE (LlInputSource, ll_input_source, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KIND,
  PROP_SEED,
  PROP_FILE,
  PROP_DESCRIPTION,
  N_PROPS
};

enum {
  CHANGED,
  CANVAS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

LlInputSource *
ll_input_source_new (void)
{
  return g_object_new (LL_TYPE_INPUT_SOURCE, NULL);
}

LlInputKind
ll_input_source_get_kind (LlInputSource *self)
{
  g_return_val_if_fail (LL_IS_INPUT_SOURCE (self), LL_INPUT_RANDOM);

  return self->kind;
}

static void
emit_changed (LlInputSource *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
ll_input_source_set_kind (LlInputSource *self,
                          LlInputKind    kind)
{
  g_return_if_fail (LL_IS_INPUT_SOURCE (self));
  g_return_if_fail (kind == LL_INPUT_RANDOM || kind == LL_INPUT_ZEROS || kind == LL_INPUT_ONES
                    || kind == LL_INPUT_DRAWING);

  if (kind == self->kind)
    return;
  self->kind = kind;
  g_clear_object (&self->file);
  g_clear_pointer (&self->loaded, nn_tensor_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  emit_changed (self);
}

guint
ll_input_source_get_seed (LlInputSource *self)
{
  g_return_val_if_fail (LL_IS_INPUT_SOURCE (self), 0);

  return self->seed;
}

void
ll_input_source_set_seed (LlInputSource *self,
                          guint          seed)
{
  g_return_if_fail (LL_IS_INPUT_SOURCE (self));

  if (seed == self->seed)
    return;
  self->seed = seed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED]);
  if (self->kind == LL_INPUT_RANDOM)
    emit_changed (self);
}

GFile *
ll_input_source_get_file (LlInputSource *self)
{
  g_return_val_if_fail (LL_IS_INPUT_SOURCE (self), NULL);

  return self->file;
}

char *
ll_input_source_dup_description (LlInputSource *self)
{
  g_return_val_if_fail (LL_IS_INPUT_SOURCE (self), NULL);

  switch (self->kind)
    {
    case LL_INPUT_RANDOM:
      /* Translators: the input the network runs on */
      return g_strdup_printf (_("Random (seed %u)"), self->seed);
    case LL_INPUT_ZEROS:
      return g_strdup (_("Zeros"));
    case LL_INPUT_ONES:
      return g_strdup (_("Ones"));
    case LL_INPUT_DRAWING:
      /* Translators: the input drawn on the drawing pad */
      return g_strdup (_("Drawing"));
    case LL_INPUT_IMAGE:
    case LL_INPUT_NPY:
    default:
      return self->file ? g_file_get_basename (self->file) : g_strdup ("");
    }
}

gboolean
ll_input_source_parse (const char   *spec,
                       LlInputKind  *kind,
                       char        **path)
{
  static const struct { const char *prefix; LlInputKind kind; gboolean file; } kinds[] = {
    { "random", LL_INPUT_RANDOM, FALSE }, { "zeros", LL_INPUT_ZEROS, FALSE },
    { "ones", LL_INPUT_ONES, FALSE }, { "drawing", LL_INPUT_DRAWING, FALSE },
    { "image:", LL_INPUT_IMAGE, TRUE },
    { "npy:", LL_INPUT_NPY, TRUE },
  };

  g_return_val_if_fail (spec != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      gboolean match = kinds[i].file ? g_str_has_prefix (spec, kinds[i].prefix)
                                     : g_str_equal (spec, kinds[i].prefix);

      if (!match || (kinds[i].file && spec[strlen (kinds[i].prefix)] == '\0'))
        continue;
      *kind = kinds[i].kind;
      *path = kinds[i].file ? g_strdup (spec + strlen (kinds[i].prefix)) : NULL;
      return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------ loading */

typedef struct {
  LlInputKind kind;
  char *path;
  nn_shape shape;
} LoadJob;

static void
load_job_free (gpointer p)
{
  LoadJob *job = p;

  g_free (job->path);
  g_free (job);
}

static nn_tensor *
read_image (const char      *path,
            const nn_shape  *shape,
            GError         **error)
{
#ifdef LL_HAVE_DATASET
  nn_error err = { 0 };
  nn_tensor *t = NULL;

  if (shape->n_dims != 3)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("An image input needs a network that takes images (C×H×W)"));
      return NULL;
    }
  if (nn_image_load (path, shape, NN_FIT_RESIZE, &t, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  return t;
#else
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               _("This build of Layerlab cannot read images; use a .npy array"));
  return NULL;
#endif
}

/* An array of shape or [N, shape] (sample 0 is used). */
static gboolean
npy_fits (const nn_tensor *t,
          const nn_shape  *shape)
{
  int skip = t->n_dims == shape->n_dims + 1 ? 1 : 0;

  if (t->n_dims != shape->n_dims + skip || (skip && t->shape[0] < 1))
    return FALSE;
  for (int i = 0; i < shape->n_dims; i++)
    if (t->shape[i + skip] != shape->d[i])
      return FALSE;
  return TRUE;
}

static gpointer
load_job (gpointer      p,
          GCancellable *cancellable,
          GError      **error)
{
  LoadJob *job = p;
  nn_error err = { 0 };
  nn_tensor *t = NULL;

  if (job->kind == LL_INPUT_IMAGE)
    return read_image (job->path, &job->shape, error);
  if (nn_npy_read (job->path, &t, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  if (!npy_fits (t, &job->shape))
    {
      g_autofree char *name = g_path_get_basename (job->path);
      char have[64], want[64];

      nn_shape_format (t->n_dims, t->shape, have, sizeof have);
      nn_shape_to_string (&job->shape, want, sizeof want);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” has shape %s, but the network takes %s"), name, have, want);
      nn_tensor_free (t);
      return NULL;
    }
  return t;
}

typedef struct {
  LlInputKind kind;
  GFile *file;
  nn_shape shape;
} LoadState;

static void
load_state_free (gpointer p)
{
  LoadState *state = p;

  g_clear_object (&state->file);
  g_free (state);
}

static void
load_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LlInputSource *self = g_task_get_source_object (task);
  LoadState *state = g_task_get_task_data (task);
  GError *error = NULL;
  nn_tensor *t = ll_worker_run_finish (result, &error);

  if (t == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_pointer (&self->loaded, nn_tensor_free);
  self->loaded = t;
  self->loaded_shape = state->shape;
  self->kind = state->kind;
  g_set_object (&self->file, state->file);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  emit_changed (self);
  g_task_return_boolean (task, TRUE);
}

void
ll_input_source_load_async (LlInputSource       *self,
                            LlInputKind          kind,
                            GFile               *file,
                            const nn_shape      *shape,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  cb,
                            gpointer             user_data)
{
  GTask *task;
  LoadState *state;
  LoadJob *job;

  g_return_if_fail (LL_IS_INPUT_SOURCE (self));
  g_return_if_fail (kind == LL_INPUT_IMAGE || kind == LL_INPUT_NPY);
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (shape != NULL);

  task = g_task_new (self, cancellable, cb, user_data);
  g_task_set_source_tag (task, ll_input_source_load_async);
  state = g_new0 (LoadState, 1);
  state->kind = kind;
  state->file = g_object_ref (file);
  state->shape = *shape;
  g_task_set_task_data (task, state, load_state_free);

  job = g_new0 (LoadJob, 1);
  job->kind = kind;
  job->path = g_file_get_path (file);
  job->shape = *shape;
  if (job->path == NULL)
    {
      load_job_free (job);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only local files can be used as input"));
      g_object_unref (task);
      return;
    }
  ll_worker_run_full_async (load_job, job, load_job_free, (GDestroyNotify) nn_tensor_free,
                            cancellable, load_done_cb, task);
}

gboolean
ll_input_source_load_finish (LlInputSource  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------ making inputs */

static nn_tensor *
new_input (const nn_shape *shape)
{
  int64_t dims[NN_MAX_DIMS] = { 1 };

  for (int i = 0; i < shape->n_dims; i++)
    dims[i + 1] = shape->d[i];
  return nn_tensor_new (shape->n_dims + 1, dims, NULL);
}

static nn_tensor *
make_from_file (LlInputSource   *self,
                const nn_shape  *shape,
                GError         **error)
{
  g_autofree char *name = g_file_get_basename (self->file);
  char have[64], want[64];
  nn_tensor *input;

  if (self->kind == LL_INPUT_IMAGE && !nn_shape_equal (&self->loaded_shape, shape))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PENDING, _("Reading “%s” again"), name);
      return NULL;
    }
  if (!npy_fits (self->loaded, shape))
    {
      nn_shape_format (self->loaded->n_dims, self->loaded->shape, have, sizeof have);
      nn_shape_to_string (shape, want, sizeof want);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” has shape %s, but the network takes %s"), name, have, want);
      return NULL;
    }
  input = new_input (shape);
  if (input != NULL)
    memcpy (input->data, self->loaded->data, sizeof (float) * nn_tensor_numel (input));
  return input;
}

/* The canvas in every channel of a C×H×W input. */
static nn_tensor *
make_from_canvas (LlInputSource   *self,
                  const nn_shape  *shape,
                  GError         **error)
{
  size_t plane;
  nn_tensor *input;

  if (shape->n_dims != 3)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A drawing needs a network that takes images (C×H×W)"));
      return NULL;
    }
  if (shape->d[1] > 4096 || shape->d[2] > 4096)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The input is too large to draw on"));
      return NULL;
    }
  ll_input_source_set_canvas_size (self, (int) shape->d[1], (int) shape->d[2]);
  if (!(input = new_input (shape)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("The input is too large"));
      return NULL;
    }
  plane = (size_t) self->canvas_height * (size_t) self->canvas_width;
  for (int64_t c = 0; c < shape->d[0]; c++)
    memcpy (input->data + c * plane, self->canvas, sizeof (float) * plane);
  return input;
}

nn_tensor *
ll_input_source_make (LlInputSource   *self,
                      const nn_shape  *shape,
                      GError         **error)
{
  nn_tensor *input;

  g_return_val_if_fail (LL_IS_INPUT_SOURCE (self), NULL);
  g_return_val_if_fail (shape != NULL, NULL);

  if (self->loaded != NULL)
    return make_from_file (self, shape, error);
  if (self->kind == LL_INPUT_DRAWING)
    return make_from_canvas (self, shape, error);
  input = new_input (shape);
  if (input == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("The input is too large"));
      return NULL;
    }
  if (self->kind == LL_INPUT_RANDOM)
    nn_tensor_fill_uniform (input, self->seed, 0.0f, 1.0f);
  else if (self->kind == LL_INPUT_ONES)
    nn_tensor_fill (input, 1.0f);
  return input;
}

/* ------------------------------------------------------------ the drawing */

const float *
ll_input_source_get_canvas (LlInputSource *self,
                            int           *height,
                            int           *width)
{
  g_return_val_if_fail (LL_IS_INPUT_SOURCE (self), NULL);

  if (height != NULL)
    *height = self->canvas_height;
  if (width != NULL)
    *width = self->canvas_width;
  return self->canvas;
}

static void
canvas_changed (LlInputSource *self)
{
  g_signal_emit (self, signals[CANVAS_CHANGED], 0);
  if (self->kind == LL_INPUT_DRAWING)
    emit_changed (self);
}

void
ll_input_source_set_canvas_size (LlInputSource *self,
                                 int            height,
                                 int            width)
{
  g_return_if_fail (LL_IS_INPUT_SOURCE (self));
  g_return_if_fail (height > 0 && width > 0);

  if (height == self->canvas_height && width == self->canvas_width)
    return;
  g_free (self->canvas);
  self->canvas = g_new0 (float, (gsize) height * (gsize) width);
  self->canvas_height = height;
  self->canvas_width = width;
  g_signal_emit (self, signals[CANVAS_CHANGED], 0);
}

void
ll_input_source_draw_stroke (LlInputSource *self,
                             double         x0,
                             double         y0,
                             double         x1,
                             double         y1,
                             double         stroke_width)
{
  g_return_if_fail (LL_IS_INPUT_SOURCE (self));

  if (self->canvas == NULL)
    return;
  ll_raster_stroke (self->canvas, self->canvas_height, self->canvas_width,
                    x0, y0, x1, y1, stroke_width);
  canvas_changed (self);
}

void
ll_input_source_clear_canvas (LlInputSource *self)
{
  g_return_if_fail (LL_IS_INPUT_SOURCE (self));

  if (self->canvas == NULL)
    return;
  memset (self->canvas, 0, sizeof (float) * (gsize) self->canvas_height * self->canvas_width);
  canvas_changed (self);
}

/* ------------------------------------------------------------ GObject */

static void
ll_input_source_finalize (GObject *object)
{
  LlInputSource *self = LL_INPUT_SOURCE (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->loaded, nn_tensor_free);
  g_free (self->canvas);
  G_OBJECT_CLASS (ll_input_source_parent_class)->finalize (object);
}

static void
ll_input_source_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  LlInputSource *self = LL_INPUT_SOURCE (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_SEED:
      g_value_set_uint (value, self->seed);
      break;
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_DESCRIPTION:
      g_value_take_string (value, ll_input_source_dup_description (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_input_source_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  LlInputSource *self = LL_INPUT_SOURCE (object);

  switch (prop_id)
    {
    case PROP_SEED:
      ll_input_source_set_seed (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_input_source_class_init (LlInputSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ll_input_source_finalize;
  object_class->get_property = ll_input_source_get_property;
  object_class->set_property = ll_input_source_set_property;

  properties[PROP_KIND] =
    g_param_spec_int ("kind", NULL, NULL, LL_INPUT_RANDOM, LL_INPUT_DRAWING, LL_INPUT_RANDOM,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEED] =
    g_param_spec_uint ("seed", NULL, NULL, 0, G_MAXUINT, 1,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CANVAS_CHANGED] = g_signal_new ("canvas-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
ll_input_source_init (LlInputSource *self)
{
  /* seed 1: the same random input the window used before it had a chooser */
  self->seed = 1;
}
