"""
The mean area share and mean log aspect ratio of torchvision's RandomResizedCrop boxes
(get_params, scale (S, 1), ratio (3/4, 4/3)) over DRAWS draws for each H,W given, one line each:
"H W mean_share mean_log_ratio", for clconv's draws to be compared with.

  python3 crop_box_stats.py S DRAWS H,W [H,W ...]
"""
import math
import sys

import torch
import torchvision.transforms as T

torch.manual_seed(0)
s, draws = float(sys.argv[1]), int(sys.argv[2])
for hw in sys.argv[3:]:
    h, w = (int(v) for v in hw.split(","))
    img = torch.zeros(1, h, w)
    share = ratio = 0.0
    for _ in range(draws):
        i, j, ch, cw = T.RandomResizedCrop.get_params(img, [s, 1.0], [3 / 4, 4 / 3])
        share += ch * cw / (h * w)
        ratio += math.log(cw / ch)
    print(h, w, share / draws, ratio / draws)
