/* pyexport.c - export a network as a PyTorch script
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The script builds the same torch.nn.Sequential, one layer a line with PyTorch's
 * argument names (the layers' reprs are valid constructor calls), and loads the
 * weights from the HDF5 model file with h5py, exactly as the file format documents.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-private.h"

typedef struct {
  char *buf;
  size_t len, cap;
  bool failed;
} strbuf;

static void
sb_printf (strbuf *sb, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
sb_printf (strbuf *sb, const char *fmt, ...)
{
  va_list ap;
  if (sb->failed)
    return;
  va_start (ap, fmt);
  int n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  if (n < 0)
    {
      sb->failed = true;
      return;
    }
  if (sb->len + (size_t) n + 1 > sb->cap)
    {
      size_t cap = sb->cap ? sb->cap : 1024;
      while (cap < sb->len + (size_t) n + 1)
        cap *= 2;
      char *b = realloc (sb->buf, cap);
      if (b == NULL)
        {
          sb->failed = true;
          return;
        }
      sb->buf = b;
      sb->cap = cap;
    }
  va_start (ap, fmt);
  vsnprintf (sb->buf + sb->len, (size_t) n + 1, fmt, ap);
  va_end (ap);
  sb->len += (size_t) n;
}

/* Python string literal of s (paths may hold quotes or backslashes). */
static void
sb_pystr (strbuf *sb, const char *s)
{
  sb_printf (sb, "\"");
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        sb_printf (sb, "\\%c", *s);
      else if ((unsigned char) *s < 0x20)
        sb_printf (sb, "\\x%02x", (unsigned char) *s);
      else
        sb_printf (sb, "%c", *s);
    }
  sb_printf (sb, "\"");
}

static void
sb_layer (strbuf *sb, const nn_net *net, int i)
{
  const nn_layer_config *cfg = &net->layers[i].cfg;
  char *repr = nn_layer_repr (net, i);
  if (repr == NULL)
    {
      sb->failed = true;
      return;
    }
  if (cfg->type == NN_LAYER_AVGPOOL2D && (cfg->ceil_mode || !cfg->count_include_pad))
    {
      /* AvgPool2d's repr leaves out ceil_mode and count_include_pad */
      size_t n = strlen (repr);
      if (n > 0 && repr[n - 1] == ')')
        repr[n - 1] = '\0';
      sb_printf (sb, "    nn.%s, ceil_mode=%s, count_include_pad=%s),\n", repr,
                 cfg->ceil_mode ? "True" : "False", cfg->count_include_pad ? "True" : "False");
    }
  else
    sb_printf (sb, "    nn.%s,\n", repr);
  free (repr);
}

char *
nn_net_export_pytorch (const nn_net *net, const char *h5_path)
{
  strbuf sb = { 0 };
  const char *base = strrchr (h5_path, '/');
  base = base ? base + 1 : h5_path;

  sb_printf (&sb, "#!/usr/bin/env python3\n");
  sb_printf (&sb, "\"\"\"The network of %s as a torch.nn.Sequential (exported by Layerlab %s).\n\n",
             base, NN_VERSION_STRING);
  sb_printf (&sb, "Usage: python3 this.py [MODEL.h5] [INPUT.npy [OUTPUT.npy]]\n");
  sb_printf (&sb, "Prints the network; with an input array, runs it and prints or saves the output.\n\"\"\"\n");
  sb_printf (&sb, "import sys\n\nimport h5py\nimport numpy as np\nimport torch\nfrom torch import nn\n\n");
  if (net->input.n_dims == 1)
    sb_printf (&sb, "INPUT_SHAPE = (%lld,)  # features of one sample\n\n", (long long) net->input.d[0]);
  else
    {
      sb_printf (&sb, "INPUT_SHAPE = (");
      for (int d = 0; d < net->input.n_dims; d++)
        sb_printf (&sb, "%s%lld", d ? ", " : "", (long long) net->input.d[d]);
      sb_printf (&sb, ")  # one sample\n\n");
    }
  sb_printf (&sb, "network = nn.Sequential(\n");
  for (int i = 0; i < net->n_layers; i++)
    sb_layer (&sb, net, i);
  sb_printf (&sb, ")\n\n");
  sb_printf (&sb, "model_path = sys.argv[1] if len(sys.argv) > 1 else ");
  sb_pystr (&sb, h5_path);
  sb_printf (&sb, "\nwith h5py.File(model_path, \"r\") as f:\n");
  sb_printf (&sb, "    state = {k: torch.from_numpy(np.asarray(v[()])) for k, v in f[\"state_dict\"].items()}\n");
  sb_printf (&sb, "network.load_state_dict(state)\nnetwork.eval()\n\n");
  sb_printf (&sb, "if __name__ == \"__main__\":\n");
  sb_printf (&sb, "    print(network)\n");
  sb_printf (&sb, "    if len(sys.argv) > 2:\n");
  sb_printf (&sb, "        x = torch.from_numpy(np.load(sys.argv[2]).astype(np.float32))\n");
  sb_printf (&sb, "        if x.dim() == len(INPUT_SHAPE):\n");
  sb_printf (&sb, "            x = x.unsqueeze(0)\n");
  sb_printf (&sb, "        with torch.no_grad():\n");
  sb_printf (&sb, "            y = network(x)\n");
  sb_printf (&sb, "        if len(sys.argv) > 3:\n");
  sb_printf (&sb, "            np.save(sys.argv[3], y.numpy())\n");
  sb_printf (&sb, "        else:\n");
  sb_printf (&sb, "            print(y)\n");
  if (sb.failed)
    {
      free (sb.buf);
      return NULL;
    }
  return sb.buf;
}
