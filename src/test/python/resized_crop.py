"""
torchvision's F.resized_crop (what RandomResizedCrop does once it has drawn its box): the box
TOP,LEFT,H,W of a PNG resized to N x N (bilinear, antialiased: PIL's resampling), written as
little-endian float32 [C, N, N] in [0, 1] beside the file (FILE.f32), for clconv's Photos to be
compared with.

  python3 resized_crop.py N FILE.png TOP,LEFT,H,W [FILE.png TOP,LEFT,H,W ...]
"""
import sys

import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image

n = int(sys.argv[1])
args = sys.argv[2:]
for f, box in zip(args[0::2], args[1::2]):
    top, left, h, w = (int(v) for v in box.split(","))
    crop = F.resized_crop(Image.open(f), top, left, h, w, [n, n], interpolation=T.InterpolationMode.BILINEAR)
    T.ToTensor()(crop).numpy().astype("<f4").tofile(f + ".f32")
print("ok")
