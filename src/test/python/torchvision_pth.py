"""
A torchvision network with random weights and non-trivial batch-norm statistics, saved the way
people hold pretrained weights: torch.save(model.state_dict(), F.pth) (Debian's python3-torch
1.13 writes the zip format). Also writes a random input and the network's output in eval mode,
and two files clconv must refuse: the whole model pickled (torch.save(model)), and a state_dict
pickle that asks for os.system.

  python3 torchvision_pth.py ARCH CLASSES SIZE OUT_DIR
"""
import os
import sys
import zipfile

import numpy as np
import torch
import torchvision

import random_bn

arch, classes, size, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
torch.manual_seed(20261206)
torch.set_num_threads(1)
m = getattr(torchvision.models, arch)(num_classes=classes)
random_bn.randomize(m)
m.eval()
torch.save(m.state_dict(), os.path.join(out, arch + ".pth"))
x = torch.randn(2, 3, size, size)
with torch.no_grad():
    y = m(x)
x.numpy().astype("<f4").tofile(os.path.join(out, "x.f32"))
y.numpy().astype("<f4").tofile(os.path.join(out, "y.f32"))
torch.save(m, os.path.join(out, "whole.pth"))
# a zip with the layout torch.save writes, whose pickle calls os.system (protocol 2: GLOBAL, string, TUPLE1, REDUCE)
evil = b"\x80\x02cos\nsystem\nX\x0b\x00\x00\x00touch PWNEDq\x00\x85R."
with zipfile.ZipFile(os.path.join(out, "evil.pth"), "w") as z:
    z.writestr("evil/data.pkl", evil)
    z.writestr("evil/version", "3\n")
print("ok")
