#!/usr/bin/python3
"""TAP test: the graph engine's operators against PyTorch.

argv[1] is tests/test-graph-ops. Writes the PyTorch fixtures (make-graph-fixtures.py)
into a temporary directory under the build tree, then runs the C test on them, whose TAP
output becomes this test's. Where python3-torch is missing, reports a skip.
"""
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy  # noqa: F401
    import torch  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the machine
    print("1..1")
    print("ok 1 # SKIP python3-torch not installed (%s)" % e)
    sys.exit(0)

here = os.path.dirname(os.path.abspath(__file__))
base = os.environ.get("G_TEST_BUILDDIR") or None
tmp = tempfile.mkdtemp(prefix="graph-fixtures-", dir=base)
try:
    gen = subprocess.run([sys.executable, os.path.join(here, "make-graph-fixtures.py"), tmp],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if gen.returncode != 0:
        print("1..1")
        print("not ok 1 - make-graph-fixtures.py failed")
        for line in gen.stdout.splitlines():
            print("# " + line)
        sys.exit(1)
    env = dict(os.environ, LAYERLAB_GRAPH_FIXTURES=tmp)
    sys.stdout.flush()
    rc = subprocess.run([sys.argv[1], "--tap", "-k"] + sys.argv[2:], env=env).returncode
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(rc)
