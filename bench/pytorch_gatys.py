"""PyTorch side of bench/compare-pytorch: the identical Gatys workload (VGG-19 to relu5_1,
default losses, L-BFGS) on the same pictures; prints one JSON line like neural-style-bench,
with the number of objective evaluations and the first and last losses."""
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
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    load = lambda path: preprocess(torch.from_numpy(np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)))
    content, style = load(a.content), load(a.style)
    loss_fn = GatysLoss(VGG19(a.bin), content, [style])
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
    seconds = sorted(b - a for a, b in zip(stamps, stamps[1:]))
    print(json.dumps({"implementation": "pytorch " + torch.__version__, "width": content.shape[3],
                      "height": content.shape[2], "iterations": len(seconds),
                      "median_s": seconds[len(seconds) // 2], "min_s": seconds[0], "max_s": seconds[-1],
                      "evaluations": len(losses), "first_loss": losses[0], "last_loss": losses[-1],
                      "gradient_precision": "float32" if x.dtype == torch.float32 else str(x.dtype),
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, sort_keys=True))


if __name__ == "__main__":
    main()
