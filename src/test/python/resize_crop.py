"""
torchvision's evaluation transform, Resize(S) (bilinear, antialiased: PIL's resampling) then
CenterCrop(N), on the PNG files given, written as little-endian float32 [C, N, N] in [0, 1]
beside each (FILE.f32), for clconv's ImageTransform to be compared with.

  python3 resize_crop.py S N FILE.png...
"""
import sys

import numpy as np
import torchvision.transforms as T
from PIL import Image

s, n = int(sys.argv[1]), int(sys.argv[2])
t = T.Compose([T.Resize(s, interpolation=T.InterpolationMode.BILINEAR), T.CenterCrop(n), T.ToTensor()])
for f in sys.argv[3:]:
    t(Image.open(f)).numpy().astype("<f4").tofile(f + ".f32")
print("ok")
