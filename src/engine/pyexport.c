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

#include "core/strbuf.h"
#include "nn-private.h"

static void
sb_layer (nn_strbuf *sb, const nn_net *net, int i)
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
      nn_strbuf_printf (sb, "    nn.%s, ceil_mode=%s, count_include_pad=%s),\n", repr,
                 cfg->ceil_mode ? "True" : "False", cfg->count_include_pad ? "True" : "False");
    }
  else
    nn_strbuf_printf (sb, "    nn.%s,\n", repr);
  free (repr);
}

char *
nn_net_export_pytorch (const nn_net *net, const char *h5_path)
{
  nn_strbuf sb = { 0 };
  const char *base = strrchr (h5_path, '/');
  base = base ? base + 1 : h5_path;

  nn_strbuf_printf (&sb, "#!/usr/bin/env python3\n");
  nn_strbuf_printf (&sb, "\"\"\"The network of %s as a torch.nn.Sequential (exported by Layerlab %s).\n\n",
             base, NN_VERSION_STRING);
  nn_strbuf_printf (&sb, "Usage: python3 this.py [MODEL.h5] [INPUT.npy [OUTPUT.npy]]\n");
  nn_strbuf_printf (&sb, "Prints the network; with an input array, runs it and prints or saves the output.\n\"\"\"\n");
  nn_strbuf_printf (&sb, "import sys\n\nimport h5py\nimport numpy as np\nimport torch\nfrom torch import nn\n\n");
  if (net->input.n_dims == 1)
    nn_strbuf_printf (&sb, "INPUT_SHAPE = (%lld,)  # features of one sample\n\n", (long long) net->input.d[0]);
  else
    {
      nn_strbuf_printf (&sb, "INPUT_SHAPE = (");
      for (int d = 0; d < net->input.n_dims; d++)
        nn_strbuf_printf (&sb, "%s%lld", d ? ", " : "", (long long) net->input.d[d]);
      nn_strbuf_printf (&sb, ")  # one sample\n\n");
    }
  nn_strbuf_printf (&sb, "network = nn.Sequential(\n");
  for (int i = 0; i < net->n_layers; i++)
    sb_layer (&sb, net, i);
  nn_strbuf_printf (&sb, ")\n\n");
  nn_strbuf_printf (&sb, "model_path = sys.argv[1] if len(sys.argv) > 1 else ");
  nn_strbuf_pystr (&sb, h5_path);
  nn_strbuf_printf (&sb, "\nwith h5py.File(model_path, \"r\") as f:\n");
  nn_strbuf_printf (&sb, "    state = {k: torch.from_numpy(np.asarray(v[()])) for k, v in f[\"state_dict\"].items()}\n");
  nn_strbuf_printf (&sb, "network.load_state_dict(state)\nnetwork.eval()\n\n");
  nn_strbuf_printf (&sb, "if __name__ == \"__main__\":\n");
  nn_strbuf_printf (&sb, "    print(network)\n");
  nn_strbuf_printf (&sb, "    if len(sys.argv) > 2:\n");
  nn_strbuf_printf (&sb, "        x = torch.from_numpy(np.load(sys.argv[2]).astype(np.float32))\n");
  nn_strbuf_printf (&sb, "        if x.dim() == len(INPUT_SHAPE):\n");
  nn_strbuf_printf (&sb, "            x = x.unsqueeze(0)\n");
  nn_strbuf_printf (&sb, "        with torch.no_grad():\n");
  nn_strbuf_printf (&sb, "            y = network(x)\n");
  nn_strbuf_printf (&sb, "        if len(sys.argv) > 3:\n");
  nn_strbuf_printf (&sb, "            np.save(sys.argv[3], y.numpy())\n");
  nn_strbuf_printf (&sb, "        else:\n");
  nn_strbuf_printf (&sb, "            print(y)\n");
  return nn_strbuf_finish (&sb);
}
