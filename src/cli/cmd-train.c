/* cmd-train.c - layerlab-cli train; the data options it shares with eval
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char train_help[] =
  "Usage: layerlab-cli train MODEL --data DATA --epochs E --batch B -o OUT.h5\n"
  "                          [--val VAL] [--optimizer sgd|adam] [--lr LR] [--momentum M]\n"
  "                          [--weight-decay W] [--seed S] [--no-shuffle] [--threads T]\n"
  "                          [--fit crop|resize] [--normalize MEAN,STD]\n"
  "\n"
  "Train the network as a classifier (cross-entropy on its outputs) and save the trained\n"
  "model. A progress bar shows on a terminal; otherwise one line per epoch goes to stderr\n"
  "(epoch, training loss and accuracy, validation loss and accuracy, seconds).\n"
  "\n"
  "DATA is one of:\n"
  "  DIR          a folder with MNIST IDX files (train-images-idx3-ubyte(.gz), ...):\n"
  "               trains on the train split\n"
  "  DIR          a folder with one sub-folder of PNG/JPEG images per class (sorted names\n"
  "               are the classes), or with train/ and test/ folders of such sub-folders\n"
  "  X.npy:Y.npy  inputs [N, C, H, W], [N, H, W] or [N, F] and integer labels [N]\n"
  "Samples are converted to the model's input shape: IDX and images scaled to [0, 1],\n"
  "gray <-> RGB, then a centre crop or a resize to its height and width.\n"
  "\n"
  "Options:\n"
  "  --data DATA           the training data (see above)\n"
  "  --val VAL             validation data: a DATA spec (its test split), a fraction of\n"
  "                        the training data held out (0.1), or 'none'. Default: the test\n"
  "                        split of DATA when it has one (MNIST t10k files, test/ folder)\n"
  "  --epochs E            passes over the training data\n"
  "  --batch B             samples per optimizer step\n"
  "  --optimizer sgd|adam  default adam\n"
  "  --lr LR               learning rate (default: adam 0.001, sgd 0.01)\n"
  "  --momentum M          SGD momentum (default 0)\n"
  "  --weight-decay W      L2 penalty added to the gradients (default 0)\n"
  "  --seed S              seed of shuffling, the validation split and Dropout (default 0)\n"
  "  --no-shuffle          keep the data's order in every epoch\n"
  "  --threads T           number of threads (default: the BLAS default)\n"
  "  --fit crop|resize     how images of another size fit the input: centre crop (zero\n"
  "                        padding where smaller; default) or bilinear resize\n"
  "  --normalize MEAN,STD  (x - MEAN) / STD after scaling\n"
  "  -o, --output OUT.h5   where to write the trained model (HDF5)\n"
  "  -h, --help            show this help\n";

/* ---------------------------------------------------------------- data (shared with eval) */

int
cli_parse_data_opts (const char *cmd, const char *fit, const char *normalize,
                     nn_preprocess *pp)
{
  double mean, std;
  char buf[128];
  char *comma;

  memset (pp, 0, sizeof *pp);
  if (fit == NULL || strcmp (fit, "crop") == 0)
    pp->fit = NN_FIT_CENTER_CROP;
  else if (strcmp (fit, "resize") == 0)
    pp->fit = NN_FIT_RESIZE;
  else
    return cli_usage_error (cmd, "--fit takes crop or resize, not '%s'", fit);
  if (normalize == NULL)
    return -1;
  snprintf (buf, sizeof buf, "%s", normalize);
  comma = strchr (buf, ',');
  if (comma != NULL)
    *comma = '\0';
  if (comma == NULL || !cli_parse_double (buf, -1e6, 1e6, &mean) ||
      !cli_parse_double (comma + 1, 1e-12, 1e6, &std))
    return cli_usage_error (cmd, "--normalize takes MEAN,STD with STD > 0");
  pp->normalize = true;
  for (int i = 0; i < 3; i++)
    {
      pp->mean[i] = (float) mean;
      pp->std[i] = (float) std;
    }
  return -1;
}

int
cli_load_data (const char *spec, const char *split, const nn_net *net, const nn_preprocess *pp,
               nn_dataset **out)
{
  nn_error err = { 0 };

  if (nn_dataset_load_for_net (spec, split, net, pp, out, &err) != NN_OK)
    return cli_nn_error (&err);
  return CLI_EXIT_OK;
}

int
cli_evaluate (nn_net *net, const nn_dataset *ds, int64_t batch, int threads, double *loss,
              int64_t *correct, int64_t *confusion)
{
  nn_error err = { 0 };
  nn_run_opts opts = { .n_threads = threads };

  if (nn_dataset_evaluate (net, ds, NN_LOSS_CROSS_ENTROPY, batch, &opts, loss, correct,
                           confusion, &err) != NN_OK)
    return cli_nn_error (&err);
  return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- train */

typedef struct train_args {
  const char *model, *data, *val, *output;
  int64_t epochs, batch;
  nn_optim_config optim;
  uint64_t seed;
  bool no_shuffle;
  int threads;
  nn_preprocess pp;
} train_args;

typedef struct train_state {
  const train_args *args;
  nn_net *net;
  nn_dataset *train, *val;
  nn_trainer *tr;
  nn_batcher batcher;
  bool tty;
} train_state;

static double
now_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
draw_bar (const train_state *s, int64_t epoch, int64_t done, int64_t total, double loss,
          int64_t hits, int64_t seen, double elapsed)
{
  char bar[31];
  int filled = (int) (30 * done / total);
  double left = done > 0 ? elapsed * (double) (total - done) / (double) done : 0.0;

  memset (bar, '#', (size_t) filled);
  memset (bar + filled, '.', (size_t) (30 - filled));
  bar[30] = '\0';
  fprintf (stderr, "\r\033[Kepoch %" PRId64 "/%" PRId64 " [%s] %" PRId64 "/%" PRId64
           "  loss %.4f  acc %.2f%%  %.0fs left", epoch + 1, s->args->epochs, bar, done,
           total, loss / (double) seen, 100.0 * (double) hits / (double) seen, left);
  fflush (stderr);
}

/* One optimizer step on samples perm[start .. start + count) */
static int
train_batch (train_state *s, const int64_t *perm, int64_t count, double *loss_sum,
             int64_t *hits)
{
  nn_error err = { 0 };
  nn_run_opts opts = { .n_threads = s->args->threads };
  nn_batch b;
  double loss = 0.0;
  int64_t correct = 0;

  nn_batcher_fill (&s->batcher, s->train, perm, count, &b);
  if (nn_trainer_step (s->tr, &b, &opts, &loss, &correct, &err) != NN_OK)
    return cli_nn_error (&err);
  if (!isfinite (loss))
    return cli_error ("training diverged (the loss is %g); try a smaller --lr", loss);
  *loss_sum += loss * (double) count;
  *hits += correct;
  return CLI_EXIT_OK;
}

/* ---- the training record saved with the model (/training, docs/model-file-format.md) */

static void
describe_preprocessing (const nn_preprocess *pp, char *buf, size_t size)
{
  int n = snprintf (buf, size, "fit=%s, scale [0, 1]",
                    pp->fit == NN_FIT_RESIZE ? "resize" : "centre crop");

  if (pp->normalize && n > 0 && (size_t) n < size)
    snprintf (buf + n, size - (size_t) n, ", normalize (x - %g) / %g", (double) pp->mean[0],
              (double) pp->std[0]);
}

/* The record describes this run: it replaces any record the model came with. */
static int
start_record (train_state *s)
{
  const train_args *a = s->args;
  nn_training_record *r = nn_training_record_new ();
  double fraction;

  if (r == NULL)
    return cli_error ("out of memory");
  snprintf (r->data, sizeof r->data, "%s", a->data);
  if (a->val != NULL && strcmp (a->val, "none") != 0
      && cli_parse_double (a->val, 0.0, 1.0, &fraction))
    r->validation_fraction = fraction;
  else if (a->val != NULL && strcmp (a->val, "none") != 0)
    snprintf (r->validation_data, sizeof r->validation_data, "%s", a->val);
  else if (a->val == NULL && s->val != NULL)
    snprintf (r->validation_data, sizeof r->validation_data, "%s (test split)", a->data);
  describe_preprocessing (&a->pp, r->preprocessing, sizeof r->preprocessing);
  r->loss = NN_LOSS_CROSS_ENTROPY;
  r->optim = a->optim;
  r->epochs = a->epochs;
  r->batch_size = a->batch;
  r->seed = a->seed;
  r->shuffle = !a->no_shuffle;
  nn_training_record_free (s->net->training);
  s->net->training = r;
  return CLI_EXIT_OK;
}

static int
record_epoch (train_state *s, double loss, int64_t hits, double val_loss, int64_t val_hits,
              double seconds)
{
  nn_error err = { 0 };
  double n = (double) s->train->n;
  nn_training_epoch e = {
    .train_loss = loss / n, .train_accuracy = (double) hits / n,
    .val_loss = s->val != NULL ? val_loss : NAN,
    .val_accuracy = s->val != NULL ? (double) val_hits / (double) s->val->n : NAN,
    .seconds = seconds,
  };

  if (nn_training_record_add_epoch (s->net->training, &e, &err) != NN_OK)
    return cli_nn_error (&err);
  return CLI_EXIT_OK;
}

static int
report_epoch (train_state *s, int64_t epoch, double loss, int64_t hits, double seconds)
{
  int64_t n = s->train->n;
  double val_loss = 0.0;
  int64_t val_hits = 0;
  int ret;

  if (s->tty)
    fputs ("\r\033[K", stderr);
  fprintf (stderr, "epoch %" PRId64 "/%" PRId64 "  train loss %.4f acc %.2f%%", epoch + 1,
           s->args->epochs, loss / (double) n, 100.0 * (double) hits / (double) n);
  if (s->val != NULL)
    {
      ret = cli_evaluate (s->net, s->val, s->args->batch, s->args->threads, &val_loss,
                          &val_hits, NULL);
      if (ret != CLI_EXIT_OK)
        return ret;
      fprintf (stderr, "  val loss %.4f acc %.2f%%", val_loss,
               100.0 * (double) val_hits / (double) s->val->n);
    }
  fprintf (stderr, "  time %.1fs\n", seconds);
  return record_epoch (s, loss, hits, val_loss, val_hits, seconds);
}

static int
train_epoch (train_state *s, int64_t epoch, double *loss_sum, int64_t *hits)
{
  int64_t n = s->train->n, batch = s->args->batch;
  int64_t n_batches = (n + batch - 1) / batch;
  int64_t *perm = nn_dataset_epoch_order (n, !s->args->no_shuffle, s->args->seed, epoch);
  double start = now_seconds (), last_draw = 0.0;
  int ret = perm != NULL ? CLI_EXIT_OK : cli_error ("out of memory");

  *loss_sum = 0.0;
  *hits = 0;
  for (int64_t b = 0; ret == CLI_EXIT_OK && b < n_batches; b++)
    {
      int64_t first = b * batch, count = n - first < batch ? n - first : batch;
      double t;

      ret = train_batch (s, perm + first, count, loss_sum, hits);
      t = now_seconds ();
      if (ret == CLI_EXIT_OK && s->tty && (t - last_draw > 0.1 || b + 1 == n_batches))
        {
          draw_bar (s, epoch, b + 1, n_batches, *loss_sum, *hits, first + count, t - start);
          last_draw = t;
        }
    }
  free (perm);
  if (ret == CLI_EXIT_OK)
    ret = report_epoch (s, epoch, *loss_sum, *hits, now_seconds () - start);
  return ret;
}

static int
train_loop (train_state *s)
{
  double loss = 0.0, val_loss = 0.0;
  int64_t hits = 0, val_hits = 0;
  int ret = CLI_EXIT_OK;

  for (int64_t e = 0; ret == CLI_EXIT_OK && e < s->args->epochs; e++)
    ret = train_epoch (s, e, &loss, &hits);
  if (ret != CLI_EXIT_OK)
    return ret;
  printf ("trained %" PRId64 " epochs on %" PRId64 " samples\n", s->args->epochs, s->train->n);
  printf ("train loss %.4f accuracy %.2f%%\n", loss / (double) s->train->n,
          100.0 * (double) hits / (double) s->train->n);
  if (s->val != NULL)
    {
      ret = cli_evaluate (s->net, s->val, s->args->batch, s->args->threads, &val_loss,
                          &val_hits, NULL);
      if (ret != CLI_EXIT_OK)
        return ret;
      printf ("validation loss %.4f accuracy %.2f%% (%" PRId64 "/%" PRId64 ")\n", val_loss,
              100.0 * (double) val_hits / (double) s->val->n, val_hits, s->val->n);
    }
  return CLI_EXIT_OK;
}

/* --val: a fraction of the training data, "none", a spec, or by default the test split */
static int
load_validation (train_state *s)
{
  const train_args *a = s->args;
  nn_error err = { 0 };
  double fraction;

  if (a->val != NULL && strcmp (a->val, "none") == 0)
    return CLI_EXIT_OK;
  if (a->val != NULL && cli_parse_double (a->val, 0.0, 1.0, &fraction))
    {
      if (nn_dataset_split (s->train, fraction, a->seed, &s->val, &err) != NN_OK)
        return cli_nn_error (&err);
      return CLI_EXIT_OK;
    }
  if (a->val != NULL)
    return cli_load_data (a->val, "test", s->net, &a->pp, &s->val);
  if (nn_dataset_has_split (a->data, "test"))
    return cli_load_data (a->data, "test", s->net, &a->pp, &s->val);
  return CLI_EXIT_OK;
}

static int
prepare (train_state *s)
{
  const train_args *a = s->args;
  nn_error err = { 0 };
  int ret;

  if (cli_open_model (a->model, &s->net, &err) != NN_OK)
    return cli_nn_error (&err);
  if (cli_check_net (s->net, a->model) != CLI_EXIT_OK)
    return CLI_EXIT_ERROR;
  ret = cli_load_data (a->data, "train", s->net, &a->pp, &s->train);
  if (ret == CLI_EXIT_OK)
    ret = load_validation (s);
  if (ret != CLI_EXIT_OK)
    return ret;
  s->tr = nn_trainer_new (s->net, NN_LOSS_CROSS_ENTROPY, &a->optim, a->seed, &err);
  if (s->tr == NULL)
    return cli_nn_error (&err);
  if (nn_batcher_init (&s->batcher, s->train, a->batch, 0, &err) != NN_OK)
    return cli_nn_error (&err);
  return start_record (s);
}

static int
run_training (const train_args *args)
{
  train_state s = { .args = args, .tty = isatty (STDERR_FILENO) };
  nn_error err = { 0 };
  int ret;

  if (args->threads > 0)
    nn_set_num_threads (args->threads);
  ret = prepare (&s);
  if (ret == CLI_EXIT_OK)
    ret = train_loop (&s);
  if (ret == CLI_EXIT_OK && nn_model_save (args->output, s.net, &err) != NN_OK)
    ret = cli_nn_error (&err);
  if (ret == CLI_EXIT_OK)
    printf ("saved %s\n", args->output);
  nn_trainer_free (s.tr);
  nn_batcher_clear (&s.batcher);
  nn_dataset_free (s.train);
  nn_dataset_free (s.val);
  nn_net_free (s.net);
  return ret;
}

typedef struct train_strings {
  const char *epochs, *batch, *optimizer, *lr, *momentum, *weight_decay, *seed, *threads;
  const char *fit, *normalize;
} train_strings;

static int
parse_optimizer (const train_strings *t, train_args *a)
{
  double v;

  if (t->optimizer == NULL || strcmp (t->optimizer, "adam") == 0)
    nn_optim_config_init (&a->optim, NN_OPTIM_ADAM);
  else if (strcmp (t->optimizer, "sgd") == 0)
    nn_optim_config_init (&a->optim, NN_OPTIM_SGD);
  else
    return cli_usage_error ("train", "--optimizer takes sgd or adam, not '%s'", t->optimizer);
  if (t->lr != NULL && !cli_parse_double (t->lr, 1e-12, 1e3, &a->optim.lr))
    return cli_usage_error ("train", "--lr needs a number above 0, not '%s'", t->lr);
  if (t->momentum != NULL && a->optim.kind != NN_OPTIM_SGD)
    return cli_usage_error ("train", "--momentum is for --optimizer sgd");
  if (t->momentum != NULL && !cli_parse_double (t->momentum, 0.0, 1.0, &a->optim.momentum))
    return cli_usage_error ("train", "--momentum needs a number from 0 to 1, not '%s'",
                            t->momentum);
  if (t->weight_decay != NULL && !cli_parse_double (t->weight_decay, 0.0, 1e3, &v))
    return cli_usage_error ("train", "--weight-decay needs a number >= 0, not '%s'",
                            t->weight_decay);
  if (t->weight_decay != NULL)
    a->optim.weight_decay = v;
  return -1;
}

static int
parse_numbers (const train_strings *t, train_args *a)
{
  long long n;

  if (!cli_parse_int (t->epochs, 1, 1000000, &n))
    return cli_usage_error ("train", "--epochs needs a whole number from 1, not '%s'", t->epochs);
  a->epochs = n;
  if (!cli_parse_int (t->batch, 1, 1 << 24, &n))
    return cli_usage_error ("train", "--batch needs a whole number from 1, not '%s'", t->batch);
  a->batch = n;
  if (t->seed != NULL && !cli_parse_int (t->seed, 0, INT64_MAX, &n))
    return cli_usage_error ("train", "--seed needs a whole number >= 0, not '%s'", t->seed);
  a->seed = t->seed != NULL ? (uint64_t) n : 0;
  if (t->threads != NULL && !cli_parse_int (t->threads, 1, 1024, &n))
    return cli_usage_error ("train", "--threads needs a whole number from 1 to 1024, not '%s'",
                            t->threads);
  a->threads = t->threads != NULL ? (int) n : 0;
  return -1;
}

static int
check_required (const train_args *a, const train_strings *t)
{
  if (a->model == NULL)
    return cli_usage_error ("train", "missing MODEL");
  if (a->data == NULL)
    return cli_usage_error ("train", "missing --data");
  if (t->epochs == NULL)
    return cli_usage_error ("train", "missing --epochs E");
  if (t->batch == NULL)
    return cli_usage_error ("train", "missing --batch B");
  if (a->output == NULL)
    return cli_usage_error ("train", "missing --output OUT.h5");
  return -1;
}

int
cli_cmd_train (int argc, char **argv)
{
  train_args args = { 0 };
  train_strings t = { 0 };
  const cli_option options[] = {
    { "data", '\0', &args.data }, { "val", '\0', &args.val },
    { "epochs", '\0', &t.epochs }, { "batch", '\0', &t.batch },
    { "optimizer", '\0', &t.optimizer }, { "lr", '\0', &t.lr },
    { "momentum", '\0', &t.momentum }, { "weight-decay", '\0', &t.weight_decay },
    { "seed", '\0', &t.seed }, { "no-shuffle", '\0', NULL, &args.no_shuffle },
    { "threads", '\0', &t.threads }, { "fit", '\0', &t.fit },
    { "normalize", '\0', &t.normalize }, { "output", 'o', &args.output },
    { NULL },
  };
  cli_command cmd = {
    .name = "train", .help = train_help, .options = options,
    .positional = &args.model, .max_positional = 1,
  };
  int ret;

  if ((ret = cli_parse_args (&cmd, argc, argv)) >= 0 ||
      (ret = check_required (&args, &t)) >= 0 ||
      (ret = parse_numbers (&t, &args)) >= 0 ||
      (ret = parse_optimizer (&t, &args)) >= 0 ||
      (ret = cli_parse_data_opts ("train", t.fit, t.normalize, &args.pp)) >= 0)
    return ret;
  return run_training (&args);
}
