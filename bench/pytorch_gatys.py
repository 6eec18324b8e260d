"""PyTorch side of bench/compare-pytorch: the identical Gatys workload (VGG-19 to relu5_1,
default losses, L-BFGS) on the same pictures; prints one JSON line like neural-style-bench,
with the number of objective evaluations and the first and last losses. On a GPU machine
(`--device cuda`, cuDNN autotuning on) it is the reference for the CUDA backend's timings;
`--size` resizes both pictures to that longest side first."""
import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts/pytorch"))
from reference import VGG19, GatysLoss, preprocess  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--content", required=True)
    p.add_argument("--style", required=True)
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--size", type=int, help="resize both pictures to this longest side first")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    torch.backends.cudnn.benchmark = device.type == "cuda"

    def load(path):
        picture = Image.open(path).convert("RGB")
        if a.size:
            scale = a.size / max(picture.size)
            picture = picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.BICUBIC)
        return preprocess(torch.from_numpy(np.asarray(picture, dtype=np.float32))).to(device)

    started = time.perf_counter()
    content, style = load(a.content), load(a.style)
    loss_fn = GatysLoss(VGG19(a.bin).to(device), content, [style])
    x = content.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([x], lr=1, max_iter=a.iterations, max_eval=10 * a.iterations,
                                  tolerance_grad=-1, tolerance_change=-1, history_size=100)
    stamps, losses = [], []

    def closure():
        stamps.append(time.perf_counter())
        optimizer.zero_grad()
        total, _ = loss_fn(x)
        total.backward()
        losses.append(float(total.detach()))
        return total

    optimizer.step(closure)
    if device.type == "cuda":
        torch.cuda.synchronize()
    whole = time.perf_counter() - started
    seconds = sorted(b - a for a, b in zip(stamps, stamps[1:]))
    print(json.dumps({"implementation": "pytorch " + torch.__version__, "width": content.shape[3],
                      "height": content.shape[2], "iterations": len(seconds),
                      "median_s": seconds[len(seconds) // 2], "min_s": seconds[0], "max_s": seconds[-1],
                      "evaluations": len(losses), "first_loss": losses[0], "last_loss": losses[-1],
                      "gradient_precision": "float32" if x.dtype == torch.float32 else str(x.dtype),
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "whole_run_s": whole, "device": a.device,
                      "peak_gpu_mib": torch.cuda.max_memory_allocated() / 1048576 if device.type == "cuda" else 0},
                     sort_keys=True))


if __name__ == "__main__":
    main()
