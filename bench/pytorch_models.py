#!/usr/bin/env python3
"""bench/pytorch_models.py — the models and convolution layers of `clconv bench` (b) and
--models, with PyTorch from Python (Debian's python3-torch 1.13; two PyTorch threads,
OpenBLAS at one, oneDNN convolutions): training images/s at batch 64 (SGD momentum, as
clconv bench) of lenet-bn and resnet20 on 28x28 grey images, forward + backward
milliseconds per convolution layer (median of 5), and torchvision's resnet18 and mobilenet_v2
at 3x224x224 as `clconv bench --models resnet18,mobilenet_v2 --batch 16` times them (training
and inference images/s at batch 16, batch-1 latency; when torchvision is installed). One JSON line.

    OPENBLAS_NUM_THREADS=1 python3 bench/pytorch_models.py
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "python"))
from resnet20 import ResNet20  # noqa: E402

# N, C, H, W, K, R, S, stride, pad: ConvBench.LAYERS
LAYERS = [(64, 1, 28, 28, 20, 5, 5, 1, 0), (64, 20, 12, 12, 50, 5, 5, 1, 0), (32, 64, 56, 56, 64, 3, 3, 1, 1),
          (32, 128, 28, 28, 128, 3, 3, 1, 1), (64, 16, 28, 28, 16, 3, 3, 1, 1), (64, 32, 14, 14, 32, 3, 3, 1, 1),
          (64, 64, 7, 7, 64, 3, 3, 1, 1)]


def lenet_bn():
    def block(i, o):
        return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]
    return nn.Sequential(*block(1, 32), *block(32, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 10))


def train_rate(net, images=3200, runs=3):
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.rand(images, 1, 28, 28), torch.randint(0, 10, (images,))
    net.train()

    def epoch():
        for s in range(images // 64):
            opt.zero_grad()
            loss_fn(net(x[s * 64:(s + 1) * 64]), y[s * 64:(s + 1) * 64]).backward()
            opt.step()
    epoch()
    rates = []
    for _ in range(runs):
        t = time.perf_counter()
        epoch()
        rates.append(images // 64 * 64 / (time.perf_counter() - t))
    return statistics.median(rates)


def conv_ms(n, c, h, w, k, r, s, stride, pad, runs=5):
    conv = nn.Conv2d(c, k, (r, s), stride, pad)
    x = torch.randn(n, c, h, w, requires_grad=True)
    dy = torch.randn(conv(x).shape)
    times = []
    for i in range(runs + 1):
        t = time.perf_counter()
        y = conv(x)
        y.backward(dy)
        dt = time.perf_counter() - t
        if i:
            times.append(dt * 1e3)
    return statistics.median(times)


def sized(name, batch=16, steps=3, runs=3):
    import torchvision
    net = getattr(torchvision.models, name)(num_classes=1000)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.randn(batch * steps, 3, 224, 224), torch.randint(0, 1000, (batch * steps,))

    def epoch():
        net.train()
        for s in range(steps):
            opt.zero_grad()
            loss_fn(net(x[s * batch:(s + 1) * batch]), y[s * batch:(s + 1) * batch]).backward()
            opt.step()

    def infer():
        net.eval()
        with torch.no_grad():
            for s in range(steps):
                net(x[s * batch:(s + 1) * batch])

    def rate(f):
        f()
        rates = []
        for _ in range(runs):
            t = time.perf_counter()
            f()
            rates.append(batch * steps / (time.perf_counter() - t))
        return statistics.median(rates)
    train, inference = rate(epoch), rate(infer)
    one, ms = x[:1], []
    with torch.no_grad():
        for i in range(max(5, 2 * runs) + 2):
            t = time.perf_counter()
            net(one)
            if i >= 2:
                ms.append((time.perf_counter() - t) * 1e3)
    return {"train_images_per_sec": train, "infer_images_per_sec": inference, "latency_ms": statistics.median(ms), "batch": batch}


def main():
    torch.set_num_threads(2)
    torch.manual_seed(1)
    models = {"lenet-bn": train_rate(lenet_bn()), "resnet20": train_rate(ResNet20(1, 10))}
    conv = [{"shape": ",".join(map(str, g)), "forward_backward_ms": conv_ms(*g)} for g in LAYERS]
    try:
        big = {name: sized(name) for name in ("resnet18", "mobilenet_v2")}
    except ImportError:
        big = {}
    print(json.dumps({"framework": "pytorch-python " + torch.__version__, "models": models, "conv": conv, "sized": big}))


if __name__ == "__main__":
    main()
