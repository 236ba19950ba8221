#!/usr/bin/env python3
"""bench/pytorch_lenet.py — Caffe's LeNet on Fashion-MNIST with PyTorch from Python (Debian's
python3-torch, 1.13), the settings of `clconv bench`: batch 64, SGD lr 0.01 momentum 0.9, one
epoch, data preloaded; inference at batch 256 (median of 5 passes). Two PyTorch threads and
OpenBLAS held at one, because letting both use two threads overloads two cores. Prints one
JSON line with the field names of `clconv bench`.

    OPENBLAS_NUM_THREADS=1 python3 bench/pytorch_lenet.py [DATA_DIR]
"""
import gzip
import json
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
from torch import nn  # noqa: E402


def idx(path, rank):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic != 0x800 | rank:
        sys.exit(f"{path}: not an IDX file of rank {rank}")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    # torch.frombuffer rather than numpy: Debian's torch 1.13 breaks with a pip-installed numpy 2
    return torch.frombuffer(bytearray(data), dtype=torch.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    torch.set_num_threads(2)
    torch.manual_seed(42)
    load = lambda name, rank: idx(os.path.join(folder, name), rank)
    train_x = (load("train-images-idx3-ubyte.gz", 3).float() / 255).unsqueeze(1)
    train_y = load("train-labels-idx1-ubyte.gz", 1).long()
    test_x = (load("t10k-images-idx3-ubyte.gz", 3).float() / 255).unsqueeze(1)
    test_y = load("t10k-labels-idx1-ubyte.gz", 1).long()

    net = nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(train_y))
    xs, ys = train_x[order].contiguous(), train_y[order].contiguous()
    batch, steps = 64, len(train_y) // 64

    net.train()
    t0 = time.perf_counter()
    for s in range(steps):
        bx, by = xs[s * batch:(s + 1) * batch], ys[s * batch:(s + 1) * batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(bx), by)
        loss.backward()
        opt.step()
    train_secs = time.perf_counter() - t0

    net.eval()
    rates, accuracy = [], 0.0
    with torch.no_grad():
        for r in range(6):  # the first pass warms up
            t = time.perf_counter()
            correct = 0
            for start in range(0, len(test_y), 256):
                pred = net(test_x[start:start + 256]).argmax(1)
                correct += int((pred == test_y[start:start + 256]).sum())
            if r > 0:
                rates.append(len(test_y) / (time.perf_counter() - t))
            accuracy = correct / len(test_y)
    print(json.dumps({"framework": f"PyTorch {torch.__version__} (Python)",
                      "train_images_per_sec": round(steps * batch / train_secs, 1),
                      "infer_images_per_sec": round(statistics.median(rates), 1),
                      "test_accuracy": round(accuracy, 4), "train_seconds": round(train_secs, 2)}))


if __name__ == "__main__":
    main()
