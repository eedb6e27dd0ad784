/* cmd-bench.c - layerlab-cli bench: time the forward pass
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"

#define BENCH_INPUT_SEED 20240601u
#define BENCH_MAX_REPEAT 100000

static const char bench_help[] =
  "Usage: layerlab-cli bench MODEL --batch N [--threads T] [--repeat R]\n"
  "       layerlab-cli bench MODEL --memory --batch N [--threads T]\n"
  "       layerlab-cli bench MODEL --open [--repeat R]\n"
  "       layerlab-cli bench MODEL --save FILE [--repeat R]\n"
  "\n"
  "Time the forward pass on a seeded random batch: one warm-up run, then R timed runs.\n"
  "Prints one JSON line:\n"
  "  {\"batch\":N,\"threads\":T,\"median_ms\":..,\"min_ms\":..,\"gflops\":..}\n"
  "where gflops = 2 * multiply-adds per sample * N / median time.\n"
  "\n"
  "--memory runs one forward pass instead and prints the process's peak resident size\n"
  "(\"peak_rss_bytes\": VmHWM, libraries and the model included; \"baseline_rss_bytes\"\n"
  "before the model was opened) beside\n"
  "\"bound_bytes\" = weights + two largest activations + largest im2col buffer.\n"
  "--open times opening (and validating) MODEL, --save times saving it to FILE; both\n"
  "print {\"median_ms\":..,\"min_ms\":..,\"bytes\":..} (bytes: parameter data).\n"
  "\n"
  "Options:\n"
  "  --batch N     samples per forward pass (1 or more)\n"
  "  --threads T   number of threads (default: the BLAS default)\n"
  "  --repeat R    timed runs (default 10)\n"
  "  --memory      measure peak memory of one forward pass\n"
  "  --open        time opening the model file\n"
  "  --save FILE   time saving the model to FILE (overwritten)\n"
  "  -h, --help    show this help\n";

typedef struct bench_args {
  const char *model;
  const char *save_path;
  long long batch, threads, repeat;
  bool memory, open;
} bench_args;

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec * 1e-6;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* [batch, C, H, W] (or [batch, F]) filled from a fixed seed, so runs are comparable. */
static nn_tensor *
make_input (const nn_net *net, long long batch, nn_error *err)
{
  int64_t shape[NN_MAX_DIMS] = { batch };
  nn_tensor *x;

  for (int i = 0; i < net->input.n_dims; i++)
    shape[i + 1] = net->input.d[i];
  x = nn_tensor_new (net->input.n_dims + 1, shape, err);
  if (x != NULL)
    nn_tensor_fill_uniform (x, BENCH_INPUT_SEED, -1.0f, 1.0f);
  return x;
}

/* Runs one warm-up pass, then fills times[0..repeat-1] with the time of each pass. */
static nn_status
time_runs (nn_net *net, const nn_tensor *x, const bench_args *args, double *times,
           nn_error *err)
{
  nn_run_opts opts = { .n_threads = (int) args->threads };

  for (long long i = -1; i < args->repeat; i++)
    {
      nn_run_result res = { 0 };
      double start = now_ms ();
      nn_status status = nn_net_forward (net, x, &opts, &res, err);
      double elapsed = now_ms () - start;

      nn_run_result_clear (&res);
      if (status != NN_OK)
        return status;
      if (i >= 0)
        times[i] = elapsed;
    }
  return NN_OK;
}

/* Sorts times[0..r-1] and returns their median. */
static double
median_of (double *times, long long r)
{
  qsort (times, (size_t) r, sizeof times[0], compare_doubles);
  return r % 2 ? times[r / 2] : 0.5 * (times[r / 2 - 1] + times[r / 2]);
}

static void
print_json (const nn_net *net, const bench_args *args, double *times)
{
  double median = median_of (times, args->repeat), flops;

  flops = 2.0 * (double) nn_net_total_macs (net) * (double) args->batch;
  printf ("{\"batch\":%lld,\"threads\":%lld,\"median_ms\":%.4f,\"min_ms\":%.4f,"
          "\"gflops\":%.3f}\n",
          args->batch, args->threads, median, times[0],
          median > 0 ? flops / (median * 1e6) : 0.0);
}

/* ---------------------------------------------------------------- --memory */

/* Peak resident size of this process image: VmHWM from /proc/self/status, which
 * starts afresh at exec (getrusage's ru_maxrss keeps the parent's peak across fork and
 * exec, so a large parent such as a Python benchmark would show through). */
static long long
peak_rss_bytes (void)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  long long kib = -1;
  struct rusage ru;

  while (f != NULL && fgets (line, sizeof line, f) != NULL)
    if (sscanf (line, "VmHWM: %lld kB", &kib) == 1)
      break;
  if (f != NULL)
    fclose (f);
  if (kib < 0 && getrusage (RUSAGE_SELF, &ru) == 0)
    kib = ru.ru_maxrss;   /* in KiB on Linux */
  return kib >= 0 ? kib * 1024 : -1;
}

/* The bound: weights + the two largest activations + one im2col buffer (the
 * largest a single image needs), all in bytes for the given batch. */
static void
memory_bound (const nn_net *net, long long batch, double *weights, double *acts,
              double *col)
{
  double a1 = (double) nn_shape_numel (&net->input) * (double) batch, a2 = 0.0;

  *weights = 4.0 * (double) nn_net_total_params (net);
  *col = 0.0;
  for (int i = 0; i < net->n_layers; i++)
    {
      const nn_layer_info *info = &net->info[i];
      const nn_layer *l = &net->layers[i];
      double a = (double) nn_shape_numel (&info->out_shape) * (double) batch;

      if (a > a1)
        a2 = a1, a1 = a;
      else if (a > a2)
        a2 = a;
      if (l->cfg.type == NN_LAYER_CONV2D && info->out_shape.n_dims == 3)
        {
          double k = (double) (l->in_channels / l->cfg.groups) * (double) l->cfg.kernel_size[0]
                     * (double) l->cfg.kernel_size[1];
          double c = 4.0 * k * (double) info->out_shape.d[1] * (double) info->out_shape.d[2];

          *col = c > *col ? c : *col;
        }
    }
  *acts = 4.0 * (a1 + a2);
}

static int
bench_memory (nn_net *net, const bench_args *args, long long baseline)
{
  nn_run_opts opts = { .n_threads = (int) args->threads };
  nn_run_result res = { 0 };
  nn_error err = { 0 };
  double weights, acts, col;
  nn_tensor *x;
  nn_status status;

  x = make_input (net, args->batch, &err);
  if (x == NULL)
    return cli_nn_error (&err);
  status = nn_net_forward (net, x, &opts, &res, &err);
  nn_run_result_clear (&res);
  nn_tensor_free (x);
  if (status != NN_OK)
    return cli_nn_error (&err);
  memory_bound (net, args->batch, &weights, &acts, &col);
  printf ("{\"batch\":%lld,\"threads\":%lld,\"peak_rss_bytes\":%lld,"
          "\"baseline_rss_bytes\":%lld,\"bound_bytes\":%.0f,\"weights_bytes\":%.0f,"
          "\"activations_bytes\":%.0f,\"im2col_bytes\":%.0f}\n",
          args->batch, args->threads, peak_rss_bytes (), baseline,
          weights + acts + col, weights, acts, col);
  return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- --open, --save */

/* One open or save of the model; net is the opened model (for --save) */
static nn_status
io_once (const bench_args *args, const nn_net *net, nn_error *err)
{
  nn_net *opened = NULL;
  nn_status status;

  if (args->save_path != NULL)
    return nn_model_save (args->save_path, net, err);
  status = nn_model_open (args->model, &opened, err);
  nn_net_free (opened);
  return status;
}

static int
bench_io (const nn_net *net, const bench_args *args)
{
  nn_error err = { 0 };
  double *times = malloc ((size_t) args->repeat * sizeof *times);
  int ret = CLI_EXIT_OK;

  if (times == NULL)
    return cli_error ("out of memory");
  for (long long i = -1; i < args->repeat && ret == CLI_EXIT_OK; i++)
    {
      double start = now_ms ();

      if (io_once (args, net, &err) != NN_OK)
        ret = cli_nn_error (&err);
      else if (i >= 0)
        times[i] = now_ms () - start;
    }
  if (ret == CLI_EXIT_OK)
    {
      double median = median_of (times, args->repeat);

      printf ("{\"median_ms\":%.3f,\"min_ms\":%.3f,\"bytes\":%.0f}\n", median, times[0],
              4.0 * (double) nn_net_total_params (net));
    }
  free (times);
  return ret;
}

static int
bench_net (nn_net *net, const bench_args *args)
{
  nn_error err = { 0 };
  nn_tensor *x;
  double *times;
  int ret = CLI_EXIT_OK;

  x = make_input (net, args->batch, &err);
  if (x == NULL)
    return cli_nn_error (&err);
  times = malloc ((size_t) args->repeat * sizeof *times);
  if (times == NULL)
    ret = cli_error ("out of memory");
  else if (time_runs (net, x, args, times, &err) != NN_OK)
    ret = cli_nn_error (&err);
  else
    print_json (net, args, times);
  free (times);
  nn_tensor_free (x);
  return ret;
}

static int
parse_numbers (bench_args *args, const char *batch, const char *threads, const char *repeat)
{
  if (args->open && args->save_path != NULL)
    return cli_usage_error ("bench", "--open and --save cannot be combined");
  if ((args->open || args->save_path != NULL) && (batch != NULL || args->memory))
    return cli_usage_error ("bench", "--open and --save take no --batch or --memory");
  if (batch == NULL && !args->open && args->save_path == NULL)
    return cli_usage_error ("bench", "missing --batch N");
  if (batch != NULL && !cli_parse_int (batch, 1, 1000000, &args->batch))
    return cli_usage_error ("bench", "--batch needs a whole number from 1 to 1000000, not '%s'",
                            batch);
  if (threads != NULL && !cli_parse_int (threads, 1, 1024, &args->threads))
    return cli_usage_error ("bench", "--threads needs a whole number from 1 to 1024, not '%s'",
                            threads);
  if (repeat != NULL && !cli_parse_int (repeat, 1, BENCH_MAX_REPEAT, &args->repeat))
    return cli_usage_error ("bench", "--repeat needs a whole number from 1 to %d, not '%s'",
                            BENCH_MAX_REPEAT, repeat);
  return -1;
}

/* Runs the mode args asks for on the opened net */
static int
bench_mode (nn_net *net, bench_args *args, long long baseline)
{
  if (args->open || args->save_path != NULL)
    return bench_io (net, args);
  if (args->threads > 0)
    nn_set_num_threads ((int) args->threads);
  else
    args->threads = nn_get_num_threads ();
  if (args->memory)
    return bench_memory (net, args, baseline);
  return bench_net (net, args);
}

int
cli_cmd_bench (int argc, char **argv)
{
  bench_args args = { .repeat = 10 };
  const char *batch = NULL, *threads = NULL, *repeat = NULL;
  const cli_option options[] = {
    { "batch", '\0', &batch },
    { "threads", '\0', &threads },
    { "repeat", '\0', &repeat },
    { "memory", '\0', NULL, &args.memory },
    { "open", '\0', NULL, &args.open },
    { "save", '\0', &args.save_path },
    { NULL },
  };
  cli_command cmd = {
    .name = "bench", .help = bench_help, .options = options,
    .positional = &args.model, .max_positional = 1,
  };
  nn_error err = { 0 };
  nn_net *net = NULL;
  long long baseline;
  int ret;

  ret = cli_parse_args (&cmd, argc, argv);
  if (ret >= 0)
    return ret;
  if (args.model == NULL)
    return cli_usage_error ("bench", "missing MODEL");
  ret = parse_numbers (&args, batch, threads, repeat);
  if (ret >= 0)
    return ret;

  baseline = peak_rss_bytes ();
  if (cli_open_model (args.model, &net, &err) != NN_OK)
    return cli_nn_error (&err);
  ret = cli_check_net (net, args.model);
  if (ret == CLI_EXIT_OK)
    ret = bench_mode (net, &args, baseline);
  nn_net_free (net);
  return ret;
}
