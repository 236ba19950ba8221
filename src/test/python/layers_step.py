"""
The textbook layers clconv added (GroupNorm, InstanceNorm2d, PReLU, LayerNorm, ReLU6, Mish, SiLU,
Softplus) as a PyTorch module with the names of the clconv spec

    conv(4,3,p=1)-gn(2)-mish-conv(6,3,p=1)-in-prelu-ln-relu6-silu-softplus-flatten-linear(3)

on 1x6x5 inputs. It loads clconv's checkpoint with strict=True, writes the module's output on x,
then takes one SGD step (lr 0.1, no momentum) on the mean cross-entropy for the labels and
writes the state_dict after it.

  python3 layers_step.py WEIGHTS.safetensors X.f32 N LABELS.i32 Y_OUT.f32 STEPPED_OUT.safetensors
"""
import sys

import numpy as np
import torch
import torch.nn as nn

from resnet20 import load_safetensors, save_safetensors


def module():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.GroupNorm(2, 4), nn.Mish(),
        nn.Conv2d(4, 6, 3, padding=1), nn.InstanceNorm2d(6, affine=True), nn.PReLU(6),
        nn.LayerNorm([6, 6, 5]), nn.ReLU6(), nn.SiLU(), nn.Softplus(), nn.Flatten(), nn.Linear(180, 3))


if __name__ == "__main__":
    weights, xs, n, labels, y_out, stepped = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
    torch.set_num_threads(1)
    m = module()
    state, _ = load_safetensors(weights)
    m.load_state_dict(state, strict=True)
    x = torch.from_numpy(np.fromfile(xs, dtype="<f4").reshape(n, 1, 6, 5).copy())
    t = torch.from_numpy(np.fromfile(labels, dtype="<i4").astype(np.int64))
    m.train()
    y = m(x)
    y.detach().numpy().astype("<f4").tofile(y_out)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    opt.zero_grad()
    nn.functional.cross_entropy(y, t).backward()
    opt.step()
    save_safetensors(stepped, m.state_dict())
