"""ONNX Runtime as a reference, for the interop tests and the benchmarks.

ONNX Runtime is not in Debian; its CPU build comes from the npm registry
(`npm install --ignore-scripts onnxruntime-node`: the skipped install script only fetches
GPU extras). folder() installs it once into the user's cache (under a lock, as tests run
in parallel) and run() executes a model through ort-run.js. Needs node and npm on PATH.
"""
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

# pinned, so that every run here and in the benchmarks measures the same build
PACKAGE = "onnxruntime-node@1.31.1"
MODULE = "onnxruntime-node"
HERE = os.path.dirname(os.path.abspath(__file__))


class Missing(Exception):
    """ONNX Runtime cannot be had here (no node or npm, or the install failed)."""


def folder(cache=None):
    """The folder whose node_modules holds onnxruntime-node, installed on first use."""
    cache = cache or os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    where = os.path.join(cache, "layerlab-ort")
    module = os.path.join(where, "node_modules", MODULE)
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise Missing("%s is not on PATH" % tool)
    os.makedirs(where, exist_ok=True)
    with open(os.path.join(where, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isdir(module):
            run = subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit",
                                  "--no-fund", "--prefix", where, PACKAGE],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if run.returncode != 0 or not os.path.isdir(module):
                raise Missing("npm install %s failed: %s" % (PACKAGE, run.stdout[-500:]))
    return where


def folder_or_skip():
    """folder(), or a TAP skip of the whole test (and exit) when ONNX Runtime cannot be
    had here."""
    try:
        return folder()
    except Missing as e:  # pragma: no cover - depends on the machine
        print("1..1")
        print("ok 1 # SKIP ONNX Runtime is not available (%s)" % e)
        sys.exit(0)


def version(where):
    with open(os.path.join(where, "node_modules", MODULE, "package.json")) as f:
        return json.load(f)["version"]


def run(model, feeds, threads=1, where=None):
    """{output name: array} of ONNX Runtime running model on feeds ({name: array})."""
    where = where or folder()
    tmp = tempfile.mkdtemp(prefix="ort-run-")
    try:
        inputs = []
        for i, (name, array) in enumerate(feeds.items()):
            array = np.ascontiguousarray(array)
            dtype = "bool" if array.dtype == np.bool_ else str(array.dtype)
            raw = os.path.join(tmp, "in%d.bin" % i)
            array.tofile(raw)
            inputs.append({"name": name, "dtype": dtype, "dims": list(array.shape),
                           "file": raw})
        spec = os.path.join(tmp, "spec.json")
        with open(spec, "w") as f:
            json.dump({"model": os.path.abspath(model), "threads": threads, "outdir": tmp,
                       "inputs": inputs}, f)
        env = dict(os.environ, NODE_PATH=os.path.join(where, "node_modules"))
        out = subprocess.run(["node", os.path.join(HERE, "ort-run.js"), spec],
                             capture_output=True, text=True, env=env)
        if out.returncode != 0:
            raise RuntimeError("ONNX Runtime: " + out.stderr.strip())
        dtypes = {"float32": np.float32, "int64": np.int64, "int32": np.int32, "bool": np.bool_}
        return {o["name"]: np.fromfile(o["file"], dtype=dtypes[o["dtype"]]).reshape(o["dims"])
                for o in json.loads(out.stdout)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
