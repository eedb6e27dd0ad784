#!/usr/bin/python3
"""TAP test: the graph templates are torchvision's architectures.

argv[1] is layerlab-cli. For resnet18 and mobilenet_v2, `layerlab-cli new --template T
-o T.onnx` must give weights whose names and shapes are exactly torchvision's state_dict
(num_batches_tracked included), which load into torchvision.models.T() strictly; the
weights' statistics must be torchvision's initialisation; and, with every weight and
BatchNorm statistic replaced by random values in both, ONNX Runtime running the file must
compute what torchvision computes. The file must pass onnx.checker, and its node names
must be those torch.onnx.export gives the same modules. resnet-mini is checked the same
way against the same ResNet code with its own widths. Skipped without python3-torchvision,
python3-onnx or ONNX Runtime.
"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import numpy as np
    import onnx
    import torch
    import torchvision
    from onnx import numpy_helper
    from torch import nn
    import ortref
    from tap import check, report
except ImportError as e:  # pragma: no cover - depends on the machine
    print("1..1")
    print("ok 1 # SKIP python3-torchvision or python3-onnx not installed (%s)" % e)
    sys.exit(0)
ORT = ortref.folder_or_skip()

cli = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="layerlab-templates-")
atexit.register(shutil.rmtree, tmp, ignore_errors=True)
torch.set_num_threads(1)


def resnet_mini():
    """torchvision's ResNet code with resnet-mini's stem and widths."""
    from torchvision.models.resnet import BasicBlock
    net = torchvision.models.resnet.ResNet(BasicBlock, [1, 1, 1, 1], num_classes=10)
    net.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
    net.bn1 = nn.BatchNorm2d(16)
    net.maxpool = nn.Identity()
    net.inplanes = 16
    net.layer1 = net._make_layer(BasicBlock, 16, 1)
    net.layer2 = net._make_layer(BasicBlock, 32, 1, stride=2)
    net.layer3 = net._make_layer(BasicBlock, 64, 1, stride=2)
    del net.layer4
    net.layer4 = nn.Identity()
    net.fc = nn.Linear(64, 10)
    for m in net.modules():   # ResNet.__init__'s initialisation, for the new layers
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
    return net


models = {
    "resnet18": (torchvision.models.resnet18, (3, 224, 224)),
    "mobilenet_v2": (torchvision.models.mobilenet_v2, (3, 224, 224)),
    "resnet-mini": (resnet_mini, (1, 28, 28)),
}

for name, (make, shape) in models.items():
    path = os.path.join(tmp, name + ".onnx")
    r = subprocess.run([cli, "new", "--template", name, "-o", path, "--seed", "3"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        check("%s: layerlab-cli new" % name, lambda r=r: (_ for _ in ()).throw(
            AssertionError(r.stderr.strip())))
        continue
    model = onnx.load(path)
    ours = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer
            if not t.name.startswith("/")}
    net = make().eval()
    sd = net.state_dict()

    def keys_and_shapes(ours=ours, sd=sd):
        assert list(ours) == [k for k in sd if k in ours], "order differs"
        missing = sorted(set(sd) - set(ours))
        extra = sorted(set(ours) - set(sd))
        assert not missing and not extra, "missing %s, extra %s" % (missing[:5], extra[:5])
        for k, v in sd.items():
            assert tuple(ours[k].shape) == tuple(v.shape), "%s: %s vs %s" % (
                k, ours[k].shape, tuple(v.shape))
    check("%s: state_dict keys and shapes are torchvision's" % name, keys_and_shapes)

    def initialisation(ours=ours, net=net):
        # each tensor's spread within 10% (or 3 standard errors) of torchvision's init
        for k, v in net.state_dict().items():
            if v.dtype != torch.float32 or v.numel() < 1000:
                continue
            want, got = float(v.std()), float(ours[k].std())
            assert abs(got - want) <= max(0.1 * want, 3 * want / np.sqrt(2 * v.numel())), (
                "%s: std %g, torchvision's %g" % (k, got, want))
    check("%s: initialised as torchvision initialises" % name, initialisation)

    def strict_load(ours=ours, net=net):
        net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.items()},
                            strict=True)
    check("%s: loads into torchvision strictly" % name, strict_load)

    def checker(model=model):
        onnx.checker.check_model(model, full_check=True)
    check("%s: onnx.checker (full check)" % name, checker)

    def same_output(path=path, model=model, net=net, shape=shape, name=name):
        # random weights and statistics everywhere, in torchvision and in the file
        torch.manual_seed(11)
        with torch.no_grad():
            for k, v in net.state_dict().items():
                if v.dtype == torch.float32:
                    if k.endswith("running_var"):
                        v.uniform_(0.5, 2.0)
                    else:
                        v.normal_(0, 0.1 if "weight" in k and v.dim() > 1 else 0.5)
        sd = net.state_dict()
        for t in model.graph.initializer:
            if t.name in sd and sd[t.name].dtype == torch.float32:
                t.CopyFrom(numpy_helper.from_array(sd[t.name].numpy(), t.name))
        changed = os.path.join(tmp, name + "-random.onnx")
        onnx.save(model, changed)
        x = torch.rand(2, *shape)
        with torch.no_grad():
            want = net(x).numpy()
        got = ortref.run(changed, {"input": x.numpy()})["output"]
        err = float(np.max(np.abs(got - want)))
        scale = float(np.max(np.abs(want)))
        assert scale > 1e-3, "degenerate reference (scale %g)" % scale
        assert err <= 1e-4 * scale, "max error %g at scale %g" % (err, scale)
    check("%s: ONNX Runtime on the file computes torchvision's output" % name, same_output)

    def node_names(model=model, net=net, shape=shape, name=name):
        exported = os.path.join(tmp, name + "-torch.onnx")
        torch.onnx.export(net, torch.rand(1, *shape), exported, opset_version=13,
                          training=torch.onnx.TrainingMode.TRAINING,
                          do_constant_folding=False)
        theirs = [n.name for n in onnx.load(exported).graph.node
                  if n.op_type not in ("Constant", "Identity")]
        ours = [n.name for n in model.graph.node if n.op_type != "Dropout"]
        only_ours = sorted(set(ours) - set(theirs))
        assert not only_ours, "not in torch.onnx.export's names: %s" % only_ours[:6]
    check("%s: node names are torch.onnx.export's" % name, node_names)

report()
