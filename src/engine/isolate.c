/* isolate.c - checking an untrusted model file in a child process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Debian's libhdf5 1.10.8 predates fixes for several crafted-file bugs: a few corrupt
 * files crash inside the library (H5HG_read on a bad global-heap reference, an attribute
 * message overflow under H5Aexists) before any of our checks can run. Opening the file
 * once in a child process turns such a crash into an error message for the parent: the
 * child runs nn_model_open() (or the weights load, or their header checks) and reports
 * its status and message through a pipe; a child killed by a signal (or stuck past the
 * time limit) means the file is not safe to open.
 *
 * The child is a program of its own, layerlab-check (src/checker/), started with
 * posix_spawn: a fresh process, unlike a fork of the app, which copies every other
 * thread's locks in whatever state they are (GCC 12's libasan deadlocked that way in
 * CI, see tests/app/test-stress.c). The weights checks need the network the file is
 * checked against: the checker reads its input shape and layer configurations on stdin
 * and builds the same network, parameters allocated but not initialised. Where the
 * checker is not found (a program using the engine without installing Layerlab, the
 * fuzzers), the child is forked as before.
 */
/* pipe2: close-on-exec from the start, other threads may start processes too */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn-graph.h"
#include "nn-private.h"

/* A valid model opens in milliseconds; a child that takes this long is looping. */
#define NN_ISOLATE_TIMEOUT_S 60

/* What the child runs: nn_model_open() or nn_weights_load() into net, or with
 * headers_only their cheap checks (everything but the contiguous weight data). */
typedef struct isolate_job {
  const char *path;
  nn_net *net;
  bool headers_only;
  bool onnx;              /* an ONNX model: read and converted to a graph */
} isolate_job;

static nn_status
isolate_run (const isolate_job *job, nn_error *err)
{
  nn_net *opened = NULL;

  if (job->onnx)
    {
      nn_graph *g = NULL;
      nn_status st = nn_graph_open_onnx (job->path, &g, err);

      nn_graph_free (g);
      return st;
    }
  if (job->headers_only)
    return job->net != NULL ? nn_weights_check_headers (job->path, job->net, err)
                            : nn_model_check_headers (job->path, err);
  if (job->net != NULL)
    return nn_weights_load (job->path, job->net, err);
  return nn_model_open (job->path, &opened, err);
}

/* All of buf, or false. To a socket with send(): a reader that died early (a crashed
 * checker) gives EPIPE there, where write() would raise SIGPIPE in the caller. */
static bool
write_all (int fd, const void *buf, size_t size, bool socket)
{
  size_t done = 0;

  while (done < size)
    {
      const char *p = (const char *) buf + done;
      ssize_t n = socket ? send (fd, p, size - done, MSG_NOSIGNAL) : write (fd, p, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      done += (size_t) n;
    }
  return true;
}

/* The child: run the job, send the error, exit with the status. Never returns. The net
 * it loads into is its own (a forked child's copy-on-write copy, or the one the checker
 * built): the parent's stays untouched. */
static void
isolate_child (const isolate_job *job, int fd)
{
  static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
  struct rlimit no_core = { 0, 0 };
  nn_error err;
  nn_status s;

  /* A crash here is expected from crafted files: no core dump (slow, and litter), and
   * none of the parent's crash handlers (an app's emergency autosave must not run in a
   * copy of the app). */
  setrlimit (RLIMIT_CORE, &no_core);
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
    signal (fatal[i], SIG_DFL);
  signal (SIGALRM, SIG_DFL);
  alarm (NN_ISOLATE_TIMEOUT_S);
  /* all of it goes through the pipe: no uninitialised bytes after the message */
  memset (&err, 0, sizeof err);
  nn_error_clear (&err);
  s = isolate_run (job, &err);
  err.status = s;
  write_all (fd, &err, sizeof err, false);
  /* _exit: no atexit handlers, no flushing of stdio buffers the parent owns. Nothing is
   * freed: the whole process goes. */
  _exit (s == NN_OK ? 0 : 1);
}

static size_t
read_all (int fd, void *buf, size_t size)
{
  size_t done = 0;

  while (done < size)
    {
      ssize_t n = read (fd, (char *) buf + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (size_t) n;
    }
  return done;
}

/* Maps the child's end to a status: its own error, or a crash. */
static nn_status
isolate_result (const char *path, int wstatus, const nn_error *child, size_t got,
                nn_error *err)
{
  if (WIFSIGNALED (wstatus) && WTERMSIG (wstatus) == SIGALRM)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: checking the file took more than "
                         "%d seconds: it is corrupt or crafted", path, NN_ISOLATE_TIMEOUT_S);
  if (WIFSIGNALED (wstatus) || !WIFEXITED (wstatus) || got != sizeof *child)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: the file crashed the HDF5 library "
                         "while being checked: it is corrupt or crafted", path);
  if (WEXITSTATUS (wstatus) == 0 && child->status == NN_OK)
    return NN_OK;
  if (child->status == NN_OK)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: checking the file failed", path);
  if (err != NULL)
    {
      *err = *child;
      err->message[sizeof err->message - 1] = '\0';
    }
  return child->status;
}

static nn_status
spawn_error (const char *path, int e, nn_error *err)
{
  return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot check the file in a separate "
                       "process: %s", path, strerror (e));
}

/* Reads the child's nn_error from fd (and closes it), reaps the child, and says what
 * became of the check */
static nn_status
collect_child (const char *path, pid_t pid, int fd, nn_error *err)
{
  nn_error child = { 0 };
  int wstatus = 0;
  size_t got = read_all (fd, &child, sizeof child);

  close (fd);
  while (waitpid (pid, &wstatus, 0) < 0)
    if (errno != EINTR)
      return nn_error_set (err, NN_STATUS_IO, -1, "%s: lost the process checking the file: "
                           "%s", path, strerror (errno));
  return isolate_result (path, wstatus, &child, got, err);
}

static nn_status
isolate_fork (const isolate_job *job, nn_error *err)
{
  const char *path = job->path;
  int fds[2];
  pid_t pid;

  if (pipe (fds) != 0)
    return spawn_error (path, errno, err);
  pid = fork ();
  if (pid < 0)
    {
      int e = errno;

      close (fds[0]);
      close (fds[1]);
      return spawn_error (path, e, err);
    }
  if (pid == 0)
    {
      close (fds[0]);
      isolate_child (job, fds[1]);
    }
  close (fds[1]);
  return collect_child (path, pid, fds[0], err);
}

/* ---------------------------------------------------------------- the checker program */

extern char **environ;

/* What the weights modes send on the checker's stdin: the network's input shape and
 * layer configurations, as plain structs (both ends are the same build, which the
 * config size and the magic check), then n_layers nn_layer_config. */
typedef struct net_header {
  char magic[8];
  uint64_t config_size;
  int64_t n_layers;
  nn_shape input;
} net_header;

#define NET_MAGIC "llnet01"

static const char *const mode_names[5] = { "model", "model-headers", "weights",
                                           "weights-headers", "onnx" };

static int
job_mode (const isolate_job *job)
{
  if (job->onnx)
    return 4;
  return (job->net != NULL ? 2 : 0) + (job->headers_only ? 1 : 0);
}

/* NULL: default lookup; "": none */
static _Atomic (const char *) checker_override;

void
nn_isolate_set_checker (const char *path)
{
  atomic_store (&checker_override, path);
}

/* The checker to start, or NULL to fork: nn_isolate_set_checker's, LAYERLAB_CHECKER
 * (uninstalled builds and tests set it), else the installed one, if executable */
static const char *
checker_path (void)
{
  const char *path = atomic_load (&checker_override);

  if (path == NULL)
    path = getenv ("LAYERLAB_CHECKER");
  if (path == NULL)
    path = LIBEXECDIR "/layerlab-check";
  return path[0] != '\0' && access (path, X_OK) == 0 ? path : NULL;
}

/* The network for the weights modes; a checker that stops reading (it crashed) is
 * found out from its exit status, so a failed write is not an error of its own */
static void
send_net (int fd, const nn_net *net)
{
  net_header h = { NET_MAGIC, sizeof (nn_layer_config), net->n_layers, net->input };

  if (write_all (fd, &h, sizeof h, true))
    for (int i = 0; i < net->n_layers; i++)
      if (!write_all (fd, &net->layers[i].cfg, sizeof net->layers[i].cfg, true))
        break;
}

static nn_status
isolate_exec (const isolate_job *job, const char *checker, nn_error *err)
{
  const char *path = job->path;
  char budget[32];
  char *argv[] = { (char *) "layerlab-check", (char *) mode_names[job_mode (job)],
                   (char *) path, budget, NULL };
  posix_spawn_file_actions_t fa;
  int res[2], in[2] = { -1, -1 }, e;
  pid_t pid;

  /* the one setting of this process that changes what an open does */
  snprintf (budget, sizeof budget, "%llu", (unsigned long long) nn_memory_budget ());
  if (pipe2 (res, O_CLOEXEC) != 0)
    return spawn_error (path, errno, err);
  if (job->net != NULL && socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
    {
      e = errno;
      close (res[0]);
      close (res[1]);
      return spawn_error (path, e, err);
    }
  /* dup2 onto 0 and 1 clears close-on-exec there; everything else of ours is closed */
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, res[1], 1);
  if (in[0] >= 0)
    posix_spawn_file_actions_adddup2 (&fa, in[0], 0);
  else
    posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
  e = posix_spawn (&pid, checker, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (res[1]);
  if (in[0] >= 0)
    close (in[0]);
  if (e != 0)
    {
      close (res[0]);
      if (in[1] >= 0)
        close (in[1]);
      return spawn_error (path, e, err);
    }
  if (in[1] >= 0)
    {
      send_net (in[1], job->net);
      close (in[1]);
    }
  return collect_child (path, pid, res[0], err);
}

static nn_status
isolate (const isolate_job *job, nn_error *err)
{
  const char *checker = checker_path ();

  return checker != NULL ? isolate_exec (job, checker, err) : isolate_fork (job, err);
}

static bool
read_exact (int fd, void *buf, size_t size)
{
  return read_all (fd, buf, size) == size;
}

/* The checker's side of send_net: sizes checked before anything is allocated */
static nn_status
receive_net (int fd, nn_net **out, nn_error *err)
{
  net_header h;
  nn_layer_config *cfgs;
  nn_status s;

  *out = NULL;
  if (!read_exact (fd, &h, sizeof h) || memcmp (h.magic, NET_MAGIC, sizeof h.magic) != 0
      || h.config_size != sizeof (nn_layer_config))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "layerlab-check: no network on "
                         "standard input (or one from another build)");
  if (h.n_layers < 0 || h.n_layers > NN_MAX_FILE_LAYERS)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "layerlab-check: %lld layers",
                         (long long) h.n_layers);
  cfgs = calloc (h.n_layers > 0 ? (size_t) h.n_layers : 1, sizeof *cfgs);
  if (cfgs == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "layerlab-check: out of memory");
  if (!read_exact (fd, cfgs, (size_t) h.n_layers * sizeof *cfgs))
    s = nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "layerlab-check: the network on "
                      "standard input is cut short");
  else
    s = nn_net_from_configs (&h.input, cfgs, (int) h.n_layers, out, err);
  free (cfgs);
  return s;
}

int
nn_isolated_check_main (int argc, char **argv)
{
  isolate_job job = { NULL, NULL, false, false };
  unsigned long long budget = 0;
  char *end = NULL;
  int mode = -1;

  for (int m = 0; argc == 4 && m < 5; m++)
    if (strcmp (argv[1], mode_names[m]) == 0)
      mode = m;
  if (mode >= 0)
    {
      errno = 0;
      budget = strtoull (argv[3], &end, 10);
    }
  if (mode < 0 || errno != 0 || end == argv[3] || *end != '\0' || budget == 0)
    {
      fputs ("usage: layerlab-check model|model-headers|weights|weights-headers|onnx FILE "
             "MEMORY-BUDGET\n"
             "Checks a file for Layerlab in a process of its own; the network for the "
             "weights modes comes on standard input. Not meant to be run by hand.\n", stderr);
      return 2;
    }
  nn_set_memory_budget ((uint64_t) budget);
  job.path = argv[2];
  job.headers_only = mode == 1 || mode == 3;
  job.onnx = mode == 4;
  if (mode == 2 || mode == 3)
    {
      nn_error e;

      memset (&e, 0, sizeof e);
      nn_error_clear (&e);
      if (receive_net (0, &job.net, &e) != NN_OK)
        {
          write_all (1, &e, sizeof e, false);
          return 1;
        }
    }
  isolate_child (&job, 1);   /* never returns */
  return 1;
}

nn_status
nn_onnx_validate_isolated (const char *path, nn_error *err)
{
  isolate_job job = { path, NULL, false, true };

  return isolate (&job, err);
}

nn_status
nn_model_validate_isolated (const char *path, nn_error *err)
{
  isolate_job job = { path, NULL, false };

  return isolate (&job, err);
}

nn_status
nn_weights_validate_isolated (const char *path, const nn_net *net, nn_error *err)
{
  /* The child loads into its own copy of net (fork duplicates the address space), so
   * the cast never lets the parent's net change. */
  isolate_job job = { path, (nn_net *) net, false };

  return isolate (&job, err);
}

nn_status
nn_model_check_headers_isolated (const char *path, nn_error *err)
{
  isolate_job job = { path, NULL, true };

  return isolate (&job, err);
}

nn_status
nn_weights_check_headers_isolated (const char *path, const nn_net *net, nn_error *err)
{
  isolate_job job = { path, (nn_net *) net, true };

  return isolate (&job, err);
}

/* ---------------------------------------------------------------- on or off */

/* -1: not decided yet, read LAYERLAB_NO_ISOLATE on first use */
static _Atomic int isolated_checks = -1;

void
nn_set_isolated_checks (bool on)
{
  isolated_checks = on ? 1 : 0;
}

bool
nn_get_isolated_checks (void)
{
  int v = isolated_checks;

  if (v < 0)
    {
      const char *env = getenv ("LAYERLAB_NO_ISOLATE");

      v = env != NULL && env[0] != '\0' && strcmp (env, "0") != 0 ? 0 : 1;
      isolated_checks = v;
    }
  return v == 1;
}
