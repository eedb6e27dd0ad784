/* cmd-eval.c - layerlab-cli eval: loss, accuracy and confusion matrix on a data set
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char eval_help[] =
  "Usage: layerlab-cli eval MODEL --data DATA [--batch B] [--threads T]\n"
  "                         [--fit crop|resize] [--normalize MEAN,STD]\n"
  "\n"
  "Run the network (inference mode) on a labelled data set and print the mean\n"
  "cross-entropy loss, the accuracy and the confusion matrix (rows: true class,\n"
  "columns: predicted class).\n"
  "\n"
  "DATA is a folder with MNIST IDX files (its test split, t10k-*), a folder with one\n"
  "sub-folder of PNG/JPEG images per class (its test/ folder if there is one), or\n"
  "X.npy:Y.npy (inputs and integer labels). Samples are converted to the model's input\n"
  "shape as by 'layerlab-cli train'.\n"
  "\n"
  "Options:\n"
  "  --data DATA           the data set\n"
  "  --batch B             samples per forward pass (default 256)\n"
  "  --threads T           number of threads (default: the BLAS default)\n"
  "  --fit crop|resize     centre crop (default) or bilinear resize to the input size\n"
  "  --normalize MEAN,STD  (x - MEAN) / STD after scaling\n"
  "  -h, --help            show this help\n";

static int
count_width (const int64_t *confusion, int64_t k)
{
  int64_t max = 0;
  int width = 1;

  for (int64_t i = 0; i < k * k; i++)
    if (confusion[i] > max)
      max = confusion[i];
  for (; max >= 10; max /= 10)
    width++;
  return width;
}

/* Rows "k name" when the data set names its classes other than by number */
static void
print_confusion (const nn_dataset *ds, const int64_t *confusion, int64_t k)
{
  int w = count_width (confusion, k), label_w = 4;
  char index[24];

  snprintf (index, sizeof index, "%" PRId64, k - 1);
  if ((int) strlen (index) > w)
    w = (int) strlen (index);
  printf ("confusion matrix (rows: true class, columns: predicted class):\n%*s", label_w, "");
  for (int64_t j = 0; j < k; j++)
    printf (" %*" PRId64, w, j);
  putchar ('\n');
  for (int64_t i = 0; i < k; i++)
    {
      printf ("%*" PRId64, label_w, i);
      for (int64_t j = 0; j < k; j++)
        printf (" %*" PRId64, w, confusion[i * k + j]);
      snprintf (index, sizeof index, "%" PRId64, i);
      if (ds->class_names != NULL && i < ds->n_classes && strcmp (ds->class_names[i], index) != 0)
        printf ("  %s", ds->class_names[i]);
      putchar ('\n');
    }
}

static int
evaluate_and_print (nn_net *net, const nn_dataset *ds, int64_t batch, int threads)
{
  int64_t k = nn_net_output_shape (net).d[0];
  int64_t *confusion = calloc ((size_t) (k * k), sizeof *confusion);
  int64_t correct = 0;
  double loss = 0.0;
  int ret;

  if (confusion == NULL)
    return cli_error ("out of memory for a %" PRId64 "×%" PRId64 " confusion matrix", k, k);
  ret = cli_evaluate (net, ds, batch, threads, &loss, &correct, confusion);
  if (ret == CLI_EXIT_OK)
    {
      printf ("samples: %" PRId64 "\n", ds->n);
      printf ("loss: %.4f\n", loss);
      printf ("accuracy: %.2f%% (%" PRId64 "/%" PRId64 ")\n",
              100.0 * (double) correct / (double) ds->n, correct, ds->n);
      print_confusion (ds, confusion, k);
    }
  free (confusion);
  return ret;
}

static int
run_eval (const char *model, const char *data, int64_t batch, int threads,
          const nn_preprocess *pp)
{
  nn_error err = { 0 };
  nn_net *net = NULL;
  nn_dataset *ds = NULL;
  int ret;

  if (threads > 0)
    nn_set_num_threads (threads);
  if (cli_open_model (model, &net, &err) != NN_OK)
    return cli_nn_error (&err);
  ret = cli_check_net (net, model);
  if (ret == CLI_EXIT_OK)
    ret = cli_load_data (data, "test", net, pp, &ds);
  if (ret == CLI_EXIT_OK)
    ret = evaluate_and_print (net, ds, batch, threads);
  nn_dataset_free (ds);
  nn_net_free (net);
  return ret;
}

int
cli_cmd_eval (int argc, char **argv)
{
  const char *model = NULL, *data = NULL, *batch = NULL, *threads = NULL;
  const char *fit = NULL, *normalize = NULL;
  const cli_option options[] = {
    { "data", '\0', &data }, { "batch", '\0', &batch }, { "threads", '\0', &threads },
    { "fit", '\0', &fit }, { "normalize", '\0', &normalize },
    { NULL },
  };
  cli_command cmd = {
    .name = "eval", .help = eval_help, .options = options,
    .positional = &model, .max_positional = 1,
  };
  nn_preprocess pp;
  long long b = 256, t = 0;
  int ret;

  if ((ret = cli_parse_args (&cmd, argc, argv)) >= 0)
    return ret;
  if (model == NULL)
    return cli_usage_error ("eval", "missing MODEL");
  if (data == NULL)
    return cli_usage_error ("eval", "missing --data");
  if (batch != NULL && !cli_parse_int (batch, 1, 1 << 24, &b))
    return cli_usage_error ("eval", "--batch needs a whole number from 1, not '%s'", batch);
  if (threads != NULL && !cli_parse_int (threads, 1, 1024, &t))
    return cli_usage_error ("eval", "--threads needs a whole number from 1 to 1024, not '%s'",
                            threads);
  if ((ret = cli_parse_data_opts ("eval", fit, normalize, &pp)) >= 0)
    return ret;
  return run_eval (model, data, b, (int) t, &pp);
}
