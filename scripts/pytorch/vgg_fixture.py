"""Writes Tests/ModelsTests/Fixtures/vgg19_features.json: per-layer statistics and sample
values of VGG-19 features for a synthetic picture, computed once with PyTorch.

    python scripts/pytorch/vgg_fixture.py PATH/TO/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin
"""
import json
import math
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from reference import VGG19, layer_names, preprocess  # noqa: E402

WIDTH, HEIGHT = 56, 40


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
    vgg = VGG19(sys.argv[1], pooling="max")
    names = layer_names()
    with torch.no_grad():
        feats = vgg(preprocess(synthetic_rgb()), set(names))
    layers = {}
    for name in names:
        f = feats[name].double().flatten()
        n = f.numel()
        idx = [(i * 7919) % n for i in range(16)]
        layers[name] = {"shape": list(feats[name].shape), "mean": float(f.mean()),
                        "rms": float(f.pow(2).mean().sqrt()), "indices": idx,
                        "values": [float(f[i]) for i in idx]}
    out = Path(__file__).parents[2] / "Tests/ModelsTests/Fixtures/vgg19_features.json"
    out.write_text(json.dumps({"width": WIDTH, "height": HEIGHT, "torch": torch.__version__,
                               "layers": layers}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
