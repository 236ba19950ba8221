"""
Loads a clconv checkpoint into torchvision's network of that name with load_state_dict(strict=True)
and prints its outputs' shape for a random input: what a user shipping a fine-tuned clconv model
to PyTorch does.

  python3 torchvision_load.py ARCH CLASSES SIZE F.safetensors
"""
import sys

import torch
import torchvision

from resnet20 import load_safetensors

arch, classes, size, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
m = getattr(torchvision.models, arch)(num_classes=classes)
state, _ = load_safetensors(path)
m.load_state_dict(state, strict=True)
m.eval()
with torch.no_grad():
    print("ok", tuple(m(torch.randn(1, 3, size, size)).shape))
