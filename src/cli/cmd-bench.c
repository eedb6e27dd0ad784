/* cmd-bench.c - layerlab-cli bench: time the forward pass
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"

#define BENCH_INPUT_SEED 20240601u
#define BENCH_MAX_REPEAT 100000

static const char bench_help[] =
  "Usage: layerlab-cli bench MODEL --batch N [--threads T] [--repeat R]\n"
  "\n"
  "Time the forward pass on a seeded random batch: one warm-up run, then R timed runs.\n"
  "Prints one JSON line:\n"
  "  {\"batch\":N,\"threads\":T,\"median_ms\":..,\"min_ms\":..,\"gflops\":..}\n"
  "where gflops = 2 * multiply-adds per sample * N / median time.\n"
  "\n"
  "Options:\n"
  "  --batch N     samples per forward pass (1 or more)\n"
  "  --threads T   number of threads (default: the BLAS default)\n"
  "  --repeat R    timed runs (default 10)\n"
  "  -h, --help    show this help\n";

typedef struct bench_args {
  const char *model;
  long long batch, threads, repeat;
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

static void
print_json (const nn_net *net, const bench_args *args, double *times)
{
  double median, flops;
  long long r = args->repeat;

  qsort (times, (size_t) r, sizeof times[0], compare_doubles);
  median = r % 2 ? times[r / 2] : 0.5 * (times[r / 2 - 1] + times[r / 2]);
  flops = 2.0 * (double) nn_net_total_macs (net) * (double) args->batch;
  printf ("{\"batch\":%lld,\"threads\":%lld,\"median_ms\":%.4f,\"min_ms\":%.4f,"
          "\"gflops\":%.3f}\n",
          args->batch, args->threads, median, times[0],
          median > 0 ? flops / (median * 1e6) : 0.0);
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
  if (batch == NULL)
    return cli_usage_error ("bench", "missing --batch N");
  if (!cli_parse_int (batch, 1, 1000000, &args->batch))
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

int
cli_cmd_bench (int argc, char **argv)
{
  bench_args args = { .repeat = 10 };
  const char *batch = NULL, *threads = NULL, *repeat = NULL;
  const cli_option options[] = {
    { "batch", '\0', &batch },
    { "threads", '\0', &threads },
    { "repeat", '\0', &repeat },
    { NULL },
  };
  cli_command cmd = {
    .name = "bench", .help = bench_help, .options = options,
    .positional = &args.model, .max_positional = 1,
  };
  nn_error err = { 0 };
  nn_net *net = NULL;
  int ret;

  ret = cli_parse_args (&cmd, argc, argv);
  if (ret >= 0)
    return ret;
  if (args.model == NULL)
    return cli_usage_error ("bench", "missing MODEL");
  ret = parse_numbers (&args, batch, threads, repeat);
  if (ret >= 0)
    return ret;

  if (cli_open_model (args.model, &net, &err) != NN_OK)
    return cli_nn_error (&err);
  ret = cli_check_net (net, args.model);
  if (ret == CLI_EXIT_OK)
    {
      if (args.threads > 0)
        nn_set_num_threads ((int) args.threads);
      else
        args.threads = nn_get_num_threads ();
      ret = bench_net (net, &args);
    }
  nn_net_free (net);
  return ret;
}
