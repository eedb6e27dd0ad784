/* isolate.c - checking an untrusted model file in a child process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Debian's libhdf5 1.10.8 predates fixes for several crafted-file bugs: a few corrupt
 * files crash inside the library (H5HG_read on a bad global-heap reference, an attribute
 * message overflow under H5Aexists) before any of our checks can run. Opening the file
 * once in a forked child turns such a crash into an error message for the parent: the
 * child runs nn_model_open() and reports its status and message through a pipe; a child
 * killed by a signal (or stuck past the time limit) means the file is not safe to open.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn-private.h"

/* A valid model opens in milliseconds; a child that takes this long is looping. */
#define NN_ISOLATE_TIMEOUT_S 60

/* What the child runs: nn_model_open() or nn_weights_load() into net, or with
 * headers_only their cheap checks (everything but the contiguous weight data). */
typedef struct isolate_job {
  const char *path;
  nn_net *net;
  bool headers_only;
} isolate_job;

static nn_status
isolate_run (const isolate_job *job, nn_error *err)
{
  nn_net *opened = NULL;

  if (job->headers_only)
    return job->net != NULL ? nn_weights_check_headers (job->path, job->net, err)
                            : nn_model_check_headers (job->path, err);
  if (job->net != NULL)
    return nn_weights_load (job->path, job->net, err);
  return nn_model_open (job->path, &opened, err);
}

/* The child: run the job, send the error, exit with the status. Never returns. The net
 * it loads into is the child's copy-on-write copy: the parent's stays untouched. */
static void
isolate_child (const isolate_job *job, int fd)
{
  static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
  struct rlimit no_core = { 0, 0 };
  nn_error err;
  nn_status s;
  size_t done = 0;

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
  while (done < sizeof err)
    {
      ssize_t n = write (fd, (const char *) &err + done, sizeof err - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (size_t) n;
    }
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
isolate (const isolate_job *job, nn_error *err)
{
  const char *path = job->path;
  nn_error child = { 0 };
  int fds[2], wstatus = 0;
  size_t got;
  pid_t pid;

  if (pipe (fds) != 0)
    return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot check the file in a separate "
                         "process: %s", path, strerror (errno));
  pid = fork ();
  if (pid < 0)
    {
      int e = errno;

      close (fds[0]);
      close (fds[1]);
      return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot check the file in a separate "
                           "process: %s", path, strerror (e));
    }
  if (pid == 0)
    {
      close (fds[0]);
      isolate_child (job, fds[1]);
    }
  close (fds[1]);
  got = read_all (fds[0], &child, sizeof child);
  close (fds[0]);
  while (waitpid (pid, &wstatus, 0) < 0)
    if (errno != EINTR)
      return nn_error_set (err, NN_STATUS_IO, -1, "%s: lost the process checking the file: "
                           "%s", path, strerror (errno));
  return isolate_result (path, wstatus, &child, got, err);
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
