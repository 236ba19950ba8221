"""
A network exported the way people export to ONNX: torch.onnx.export in eval mode (batch norms
folded into the convolutions, as the exporter does by default), only the batch dynamic. ARCH is
a torchvision model with random weights and non-trivial batch-norm statistics, or "viewnet", a
small net that flattens with x.view(x.size(0), -1) (the Shape/Gather/Unsqueeze/Concat/Reshape
arithmetic exporters emit) and ends in a softmax. Writes ARCH.onnx, an input x.f32 and the
network's scores y.f32 (before viewnet's softmax, which clconv's import leaves to its loss).

  python3 torchvision_onnx.py ARCH CLASSES SIZE OPSET OUT_DIR
"""
import os
import sys

import torch
import torchvision

import random_bn

arch, classes, size, opset, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.manual_seed(20261206)
torch.set_num_threads(1)


class ViewNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 6, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(6)
        self.pool = torch.nn.MaxPool2d(2)
        self.conv2 = torch.nn.Conv2d(6, 4, 3, stride=2, padding=1, bias=False)
        self.fc = torch.nn.Linear(4 * ((size // 2 + 1) // 2) ** 2, classes)
        self.softmax = False

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = torch.nn.functional.hardtanh(self.conv2(x), 0.0, 6.0)
        x = self.fc(x.view(x.size(0), -1))
        return torch.softmax(x, 1) if self.softmax else x


m = ViewNet() if arch == "viewnet" else getattr(torchvision.models, arch)(num_classes=classes)
random_bn.randomize(m)
m.eval()
x = torch.randn(2, 3, size, size)
with torch.no_grad():
    y = m(x)
x.numpy().astype("<f4").tofile(os.path.join(out, "x.f32"))
y.numpy().astype("<f4").tofile(os.path.join(out, "y.f32"))
if arch == "viewnet":
    m.softmax = True
torch.onnx.export(m, x, os.path.join(out, arch + ".onnx"), opset_version=opset, input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
print("ok")
