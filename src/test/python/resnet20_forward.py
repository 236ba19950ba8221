"""Inference of ResNet20 (resnet20.py, beside this file) from a safetensors state_dict, for clconv's tests.

  python3 resnet20_forward.py WEIGHTS.safetensors CHANNELS CLASSES N H W IN.f32 OUT.f32

loads WEIGHTS with load_state_dict(strict=True), reads N x CHANNELS x H x W little-endian
float32 values from IN.f32, and writes the eval-mode logits (N x CLASSES) to OUT.f32.
"""
import sys
import numpy as np
import torch
from resnet20 import ResNet20, load_safetensors

weights, ch, classes, n, h, w, src, dst = sys.argv[1], *map(int, sys.argv[2:7]), sys.argv[7], sys.argv[8]
torch.set_num_threads(2)
model = ResNet20(ch, classes)
state, _ = load_safetensors(weights)
model.load_state_dict(state, strict=True)
model.eval()
x = torch.from_numpy(np.fromfile(src, dtype="<f4").reshape(n, ch, h, w).astype(np.float32))
with torch.no_grad():
    y = model(x)
y.numpy().astype("<f4").tofile(dst)
