/* cmd-render.c - layerlab-cli render: the inspector's pictures without a window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws with the same code as the window (src/render), so a picture made here looks
 * like the one on screen.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"

static const char render_help[] =
  "Usage: layerlab-cli render VIEW MODEL --layer I -o OUT.png|OUT.svg [options]\n"
  "\n"
  "Draw what is inside a network, as the window's inspector does, into a PNG or SVG.\n"
  "\n"
  "Views:\n"
  "  kernels      the kernels of Conv2d layer I: rows are output channels, columns\n"
  "               input channels; with --mode rgb (3 input channels) one colour tile\n"
  "               per output channel\n"
  "  weights      layer I's weight as a heatmap: a Linear's [out, in] matrix, a Conv2d's\n"
  "               as [out, in*kH*kW]; a vector (--tensor bias) as bars\n"
  "  histogram    histogram of layer I's weight (or --tensor), with min/max/mean/std\n"
  "  activations  run the network on --input and draw layer I's output: one tile per\n"
  "               channel for [C, H, W], bars for [F] (the K largest with --top K)\n"
  "\n"
  "Options:\n"
  "  --layer I           the layer, counted from 0 as in PyTorch's print(network)\n"
  "  -o, --output FILE   the picture: .png or .svg\n"
  "  --weights W.h5      load this weights file (or .pt state_dict) into the model first\n"
  "  --input X.npy       activations: the input (default: random in [0, 1), --seed)\n"
  "  --seed N            seed of the random input (default 0)\n"
  "  --channel C         activations: draw only channel C\n"
  "  --tensor NAME       weights, histogram: weight (default), bias, running_mean or\n"
  "                      running_var\n"
  "  --scaling MODE      colours: global (default; symmetric around 0 for weights) or\n"
  "                      channel (each output channel, row or feature map on its own)\n"
  "  --mode MODE         kernels: grid (default) or rgb\n"
  "  --top K             activations of a vector: list the K largest values\n"
  "  --bins N            histogram: number of bins (default 50)\n"
  "  --zoom Z            cells Z times their default size (default 1, or less for\n"
  "                      pictures that would be over 8192 pixels a side)\n"
  "  --scale S           pixels (PNG) or points (SVG) per unit, e.g. 2 for HiDPI (default 1)\n"
  "  --title TEXT        title above the picture (default: the layer and the tensor)\n"
  "  --legend on|off     colour bar with the range (default on)\n"
  "  -h, --help          show this help\n";

typedef enum render_what {
  RENDER_KERNELS,
  RENDER_WEIGHTS,
  RENDER_HISTOGRAM,
  RENDER_ACTIVATIONS,
} render_what;

typedef struct render_args {
  const char *positional[2];
  const char *layer, *output, *weights, *input, *seed, *channel, *tensor, *scaling, *mode;
  const char *top, *bins, *zoom, *scale, *title, *legend;
  /* parsed */
  render_what what;
  LlRenderFormat format;
  long long layer_index, seed_value, channel_index, top_k, n_bins;
  double zoom_value, scale_value;
  bool rgb, per_channel, no_legend;
} render_args;

/* What is drawn: the view over a tensor that is either the model's or ours. */
typedef struct render_job {
  nn_net *net;
  nn_tensor flat;             /* a Conv2d weight seen as [out, in*kH*kW] */
  nn_run_result run;
  char title[512];
} render_job;

static int
parse_view (render_args *a)
{
  static const char *const names[] = { "kernels", "weights", "histogram", "activations" };

  if (a->positional[0] == NULL)
    return cli_usage_error ("render", "missing VIEW (kernels, weights, histogram or "
                            "activations)");
  for (int i = 0; i < 4; i++)
    if (strcmp (a->positional[0], names[i]) == 0)
      {
        a->what = (render_what) i;
        return -1;
      }
  return cli_usage_error ("render", "unknown view '%s' (kernels, weights, histogram or "
                          "activations)", a->positional[0]);
}

static int
parse_words (render_args *a)
{
  if (a->scaling != NULL && strcmp (a->scaling, "global") != 0
      && strcmp (a->scaling, "channel") != 0)
    return cli_usage_error ("render", "--scaling is global or channel, not '%s'", a->scaling);
  a->per_channel = a->scaling != NULL && strcmp (a->scaling, "channel") == 0;
  if (a->mode != NULL && strcmp (a->mode, "grid") != 0 && strcmp (a->mode, "rgb") != 0)
    return cli_usage_error ("render", "--mode is grid or rgb, not '%s'", a->mode);
  a->rgb = a->mode != NULL && strcmp (a->mode, "rgb") == 0;
  if (a->legend != NULL && strcmp (a->legend, "on") != 0 && strcmp (a->legend, "off") != 0)
    return cli_usage_error ("render", "--legend is on or off, not '%s'", a->legend);
  a->no_legend = a->legend != NULL && strcmp (a->legend, "off") == 0;
  if (a->tensor != NULL && strcmp (a->tensor, "weight") != 0 && strcmp (a->tensor, "bias") != 0
      && strcmp (a->tensor, "running_mean") != 0 && strcmp (a->tensor, "running_var") != 0)
    return cli_usage_error ("render", "--tensor is weight, bias, running_mean or running_var, "
                            "not '%s'", a->tensor);
  return -1;
}

static int
parse_numbers (render_args *a)
{
  if (!cli_parse_int (a->layer, 0, 1000000, &a->layer_index))
    return cli_usage_error ("render", "--layer needs a layer index (0 or more), not '%s'",
                            a->layer);
  if (a->seed != NULL && !cli_parse_int (a->seed, 0, INT64_MAX, &a->seed_value))
    return cli_usage_error ("render", "--seed needs a whole number >= 0, not '%s'", a->seed);
  if (a->channel != NULL && !cli_parse_int (a->channel, 0, INT64_MAX, &a->channel_index))
    return cli_usage_error ("render", "--channel needs a channel index (0 or more), not '%s'",
                            a->channel);
  if (a->top != NULL && !cli_parse_int (a->top, 1, 1000, &a->top_k))
    return cli_usage_error ("render", "--top needs a whole number from 1 to 1000, not '%s'",
                            a->top);
  if (a->bins != NULL && !cli_parse_int (a->bins, 1, 100000, &a->n_bins))
    return cli_usage_error ("render", "--bins needs a whole number from 1 to 100000, not '%s'",
                            a->bins);
  if (a->zoom != NULL && !cli_parse_double (a->zoom, 0.01, 64.0, &a->zoom_value))
    return cli_usage_error ("render", "--zoom needs a number from 0.01 to 64, not '%s'",
                            a->zoom);
  if (a->scale != NULL && !cli_parse_double (a->scale, 0.1, 16.0, &a->scale_value))
    return cli_usage_error ("render", "--scale needs a number from 0.1 to 16, not '%s'",
                            a->scale);
  return -1;
}

static int
parse_render_args (render_args *a)
{
  int ret = parse_view (a);

  if (ret >= 0)
    return ret;
  if (a->positional[1] == NULL)
    return cli_usage_error ("render", "missing MODEL");
  if (a->layer == NULL)
    return cli_usage_error ("render", "missing --layer I");
  if (a->output == NULL)
    return cli_usage_error ("render", "missing -o OUT.png or OUT.svg");
  if (!ll_render_format_from_path (a->output, &a->format))
    return cli_usage_error ("render", "the output must end in .png or .svg, not '%s'",
                            a->output);
  ret = parse_words (a);
  if (ret >= 0)
    return ret;
  return parse_numbers (a);
}

/* ---------------------------------------------------------------- tensors */

static void
job_title (render_job *job, const render_args *a, const char *what, const nn_tensor *t)
{
  char *repr = nn_layer_repr (job->net, (int) a->layer_index);
  char shape[96];

  nn_shape_format (t->n_dims, t->shape, shape, sizeof shape);
  snprintf (job->title, sizeof job->title, "%lld: %s \xc2\xb7 %s %s", a->layer_index,
            repr != NULL ? repr : "?", what, shape);
  free (repr);
}

/* Layer I's parameter named by --tensor (weight by default). */
static nn_tensor *
find_param (render_job *job, const render_args *a)
{
  const char *name = a->tensor != NULL ? a->tensor : "weight";
  const nn_layer *layer = &job->net->layers[a->layer_index];
  nn_tensor *t;
  char key[64];

  snprintf (key, sizeof key, "%lld.%s", a->layer_index, name);
  t = nn_net_find_param (job->net, key);
  if (t == NULL)
    cli_error ("layer %lld (%s) has no %s", a->layer_index,
               nn_layer_type_name (layer->cfg.type), name);
  return t;
}

static int
kernels_view (render_job *job, const render_args *a, LlRenderView *view, nn_error *err)
{
  const nn_layer *layer = &job->net->layers[a->layer_index];
  LlRenderKind kind = a->rgb ? LL_RENDER_KERNELS_RGB : LL_RENDER_KERNELS;

  if (layer->cfg.type != NN_LAYER_CONV2D || layer->weight == NULL)
    return cli_error ("layer %lld is a %s, not a Conv2d: it has no kernels (try 'weights' or "
                      "'histogram')", a->layer_index, nn_layer_type_name (layer->cfg.type));
  if (a->rgb && layer->weight->shape[1] != 3)
    return cli_error ("--mode rgb needs kernels over 3 input channels; layer %lld's have "
                      "%lld", a->layer_index, (long long) layer->weight->shape[1]);
  job_title (job, a, "weight", layer->weight);
  if (ll_render_view_init (view, kind, layer->weight, err) != NN_OK)
    return cli_nn_error (err);
  return -1;
}

static int
weights_view (render_job *job, const render_args *a, LlRenderView *view, nn_error *err)
{
  const nn_tensor *t = find_param (job, a);
  LlRenderKind kind = LL_RENDER_MATRIX;

  if (t == NULL)
    return CLI_EXIT_ERROR;
  job_title (job, a, a->tensor != NULL ? a->tensor : "weight", t);
  if (t->n_dims == 4)
    {
      job->flat = (nn_tensor) { .n_dims = 2, .shape = { t->shape[0], t->shape[1] * t->shape[2]
                                                                     * t->shape[3] },
                                .data = t->data };
      t = &job->flat;
    }
  else if (t->n_dims == 1)
    {
      kind = LL_RENDER_BARS;
    }
  if (ll_render_view_init (view, kind, t, err) != NN_OK)
    return cli_nn_error (err);
  view->options.map = LL_RENDER_MAP_DIVERGING;
  return -1;
}

static int
histogram_view (render_job *job, const render_args *a, LlRenderView *view, nn_error *err)
{
  const nn_tensor *t = find_param (job, a);

  if (t == NULL)
    return CLI_EXIT_ERROR;
  job_title (job, a, a->tensor != NULL ? a->tensor : "weight", t);
  if (ll_render_view_init (view, LL_RENDER_HISTOGRAM, t, err) != NN_OK)
    return cli_nn_error (err);
  if (a->bins != NULL)
    view->options.bins = (int) a->n_bins;
  return -1;
}

/* --input, or [1, input shape] uniform in [0, 1) from --seed */
static nn_tensor *
make_input (const nn_net *net, const render_args *a, nn_error *err)
{
  int64_t shape[NN_MAX_DIMS] = { 1 };
  nn_tensor *x;

  if (a->input != NULL)
    return nn_npy_read (a->input, &x, err) == NN_OK ? x : NULL;
  for (int i = 0; i < net->input.n_dims; i++)
    shape[i + 1] = net->input.d[i];
  x = nn_tensor_new (net->input.n_dims + 1, shape, err);
  if (x != NULL)
    nn_tensor_fill_uniform (x, (uint64_t) a->seed_value, 0.0f, 1.0f);
  return x;
}

static int
activations_kind (const nn_tensor *act, const render_args *a, LlRenderKind *kind)
{
  char shape[96];

  *kind = act->n_dims >= 3 ? LL_RENDER_FEATURE_MAPS : a->top != NULL ? LL_RENDER_TOPK
                                                                      : LL_RENDER_BARS;
  if (a->channel != NULL && (*kind != LL_RENDER_FEATURE_MAPS
                             || a->channel_index >= act->shape[act->n_dims - 3]))
    return cli_error ("--channel %lld: layer %lld's output %s has no such channel",
                      a->channel_index, a->layer_index,
                      nn_shape_format (act->n_dims, act->shape, shape, sizeof shape));
  if (a->top != NULL && *kind != LL_RENDER_TOPK)
    return cli_error ("--top needs a vector output; layer %lld's is %s", a->layer_index,
                      nn_shape_format (act->n_dims, act->shape, shape, sizeof shape));
  return -1;
}

static int
activations_view (render_job *job, const render_args *a, LlRenderView *view, nn_error *err)
{
  nn_run_opts opts = { .keep_activations = true };
  nn_tensor *x = make_input (job->net, a, err), *act;
  LlRenderKind kind;
  int ret;

  if (x == NULL)
    return cli_nn_error (err);
  ret = nn_net_forward (job->net, x, &opts, &job->run, err) == NN_OK ? -1 : cli_nn_error (err);
  nn_tensor_free (x);
  if (ret >= 0)
    return ret;
  act = job->run.acts[a->layer_index + 1];
  ret = activations_kind (act, a, &kind);
  if (ret >= 0)
    return ret;
  job_title (job, a, "output", act);
  if (ll_render_view_init (view, kind, act, err) != NN_OK)
    return cli_nn_error (err);
  if (a->channel != NULL)
    view->options.channel = a->channel_index;
  if (a->top != NULL)
    view->options.k = (int) a->top_k;
  return -1;
}

/* ---------------------------------------------------------------- drawing */

/* Without --zoom, a picture that would be too large to open comfortably (VGG's
 * 512 x 512 kernels) is zoomed out to at most FIT_SIDE pixels a side. */
#define FIT_SIDE 8192.0

static void
fit_zoom (LlRenderView *view, double scale)
{
  LlRenderLayout layout;
  double side;

  ll_render_view_measure (view, &layout);
  side = (layout.width > layout.height ? layout.width : layout.height) * scale;
  if (side > FIT_SIDE)
    view->options.zoom *= FIT_SIDE / side;
}

static int
draw (render_job *job, const render_args *a)
{
  LlRenderView view = { 0 };
  nn_error err = { 0 };
  int ret;

  switch (a->what)
    {
    case RENDER_KERNELS:
      ret = kernels_view (job, a, &view, &err);
      break;
    case RENDER_WEIGHTS:
      ret = weights_view (job, a, &view, &err);
      break;
    case RENDER_HISTOGRAM:
      ret = histogram_view (job, a, &view, &err);
      break;
    case RENDER_ACTIVATIONS:
    default:
      ret = activations_view (job, a, &view, &err);
      break;
    }
  if (ret >= 0)
    return ret;
  view.options.title = a->title != NULL ? a->title : job->title;
  view.options.scale = a->per_channel ? LL_RENDER_SCALE_PER_CHANNEL : LL_RENDER_SCALE_GLOBAL;
  view.options.legend = !a->no_legend;
  if (a->zoom != NULL)
    view.options.zoom = a->zoom_value;
  if (ll_render_view_prepare (&view, &err) != NN_OK)
    {
      ll_render_view_clear (&view);
      return cli_nn_error (&err);
    }
  if (a->zoom == NULL)
    fit_zoom (&view, a->scale_value);
  if (ll_render_view_export (&view, a->output, a->format, a->scale_value, &err) != NN_OK)
    ret = cli_nn_error (&err);
  else
    ret = CLI_EXIT_OK;
  ll_render_view_clear (&view);
  return ret;
}

static int
render_model (const render_args *a)
{
  render_job job = { 0 };
  nn_error err = { 0 };
  const char *path = a->positional[1];
  int ret;

  if (cli_open_model (path, &job.net, &err) != NN_OK)
    return cli_nn_error (&err);
  if (a->weights != NULL && cli_load_weights (a->weights, job.net, &err) != NN_OK)
    ret = cli_nn_error (&err);
  else
    ret = cli_check_net (job.net, path);
  if (ret == CLI_EXIT_OK && a->layer_index >= job.net->n_layers)
    ret = cli_error ("%s has %d layers (0 to %d); there is no layer %lld", path,
                     job.net->n_layers, job.net->n_layers - 1, a->layer_index);
  if (ret == CLI_EXIT_OK)
    ret = draw (&job, a);
  nn_run_result_clear (&job.run);
  nn_net_free (job.net);
  return ret;
}

int
cli_cmd_render (int argc, char **argv)
{
  render_args a = { .scale_value = 1.0 };
  const cli_option options[] = {
    { "layer", '\0', &a.layer },
    { "output", 'o', &a.output },
    { "weights", '\0', &a.weights },
    { "input", '\0', &a.input },
    { "seed", '\0', &a.seed },
    { "channel", '\0', &a.channel },
    { "tensor", '\0', &a.tensor },
    { "scaling", '\0', &a.scaling },
    { "mode", '\0', &a.mode },
    { "top", '\0', &a.top },
    { "bins", '\0', &a.bins },
    { "zoom", '\0', &a.zoom },
    { "scale", '\0', &a.scale },
    { "title", '\0', &a.title },
    { "legend", '\0', &a.legend },
    { NULL },
  };
  cli_command cmd = {
    .name = "render", .help = render_help, .options = options,
    .positional = a.positional, .max_positional = 2,
  };
  int ret;

  ret = cli_parse_args (&cmd, argc, argv);
  if (ret >= 0)
    return ret;
  ret = parse_render_args (&a);
  if (ret >= 0)
    return ret;
  return render_model (&a);
}
