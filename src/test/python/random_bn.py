"""Batch norms with statistics and affine values far from PyTorch's initial 0 and 1, so that a
dropped, misplaced or misfolded batch norm shows in the outputs."""
import torch


def randomize(model):
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.normal_(0, 0.1)
                mod.running_var.uniform_(0.5, 2.0)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.normal_(0, 0.1)
