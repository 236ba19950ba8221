"""
One SGD step (lr 0.1, no momentum, train mode: batch statistics, running statistics updated)
of torchvision's ARCH from the weights torchvision_pth.py saved in OUT_DIR, on its x.f32 with
labels i % CLASSES; writes the state_dict after the step as OUT_DIR/stepped.safetensors. With
double, in float64: deep networks in training mode at batch 2 are ill-conditioned enough that
float32 and float64 steps of resnet50 differ by 3% in its first layers, so clconv's float64
reference is compared with a float64 step.

  python3 torchvision_step.py ARCH CLASSES SIZE OUT_DIR [double]
"""
import os
import sys

import numpy as np
import torch
import torchvision

from resnet20 import save_safetensors

arch, classes, size, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
double = len(sys.argv) > 5 and sys.argv[5] == "double"
torch.set_num_threads(1)
m = getattr(torchvision.models, arch)(num_classes=classes)
m.load_state_dict(torch.load(os.path.join(out, arch + ".pth")), strict=True)
if double:
    m = m.double()
m.train()
for mod in m.modules():
    if isinstance(mod, torch.nn.Dropout):
        mod.p = 0.0  # clconv's dropout draws its own masks: compare without it
x = torch.from_numpy(np.fromfile(os.path.join(out, "x.f32"), dtype="<f4").reshape(2, 3, size, size).copy())
if double:
    x = x.double()
t = torch.arange(2) % classes
opt = torch.optim.SGD(m.parameters(), lr=0.1)
opt.zero_grad()
torch.nn.functional.cross_entropy(m(x), t).backward()
opt.step()
save_safetensors(os.path.join(out, "stepped.safetensors"), {k: v.float() for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")})
print("ok")
