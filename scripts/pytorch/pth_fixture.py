"""Writes the torch.save zip fixtures of Tests/ModelsTests/Fixtures/torch-zip/: a small state
dict as PyTorch itself writes it (with its expected values in JSON), and damaged variants the
Swift reader must refuse.

    python scripts/pytorch/pth_fixture.py
"""
import json
import zipfile
from pathlib import Path

import torch
import torch.nn as nn

OUT = Path(__file__).parents[2] / "Tests/ModelsTests/Fixtures/torch-zip"


def state_dict():
    """A conv and an InstanceNorm with running statistics (an int64 num_batches_tracked
    scalar among them), a float scalar, and two views of one storage, one at offset 4."""
    torch.manual_seed(0)
    model = nn.Module()
    model.conv = nn.Conv2d(3, 2, (1, 2))
    model.in1 = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    model.in1.running_mean.copy_(torch.tensor([0.5, -1.25, 3.0]))
    model.in1.running_var.copy_(torch.tensor([1.5, 0.25, 2.0]))
    state = model.state_dict()
    shared = torch.arange(12, dtype=torch.float32).mul(0.5).view(3, 4)
    state["shared.all"] = shared
    state["shared.rows"] = shared[1:]  # storage offset 4, still contiguous
    state["scale"] = torch.tensor(2.5)
    return state


def rewrite(source, target, replace=None, compression=zipfile.ZIP_STORED):
    """Copies the zip `source` to `target`, entries optionally replaced or compressed."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            name = info.filename.replace(source.stem + "/", target.stem + "/")
            if replace is not None:
                data = replace(info.filename, data)
                if data is None:
                    continue
            dst.writestr(name, data)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    state = state_dict()
    good = OUT / "state_dict.pth"
    torch.save(state, good)
    expected = {name: {"shape": list(t.shape), "values": [float(v) for v in t.flatten()]}
                for name, t in state.items() if t.dtype == torch.float32}
    skipped = [name for name, t in state.items() if t.dtype != torch.float32]
    (OUT / "state_dict.json").write_text(json.dumps(
        {"torch": torch.__version__, "tensors": expected, "skipped": skipped}, indent=1) + "\n")

    torch.save({"t": torch.arange(6, dtype=torch.float32).view(2, 3).t()}, OUT / "transposed.pth")
    # A protocol-2 pickle of os.system("true"), written by hand so that nothing runs here either.
    foreign = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."
    rewrite(good, OUT / "foreign_global.pth", lambda name, data: foreign if name.endswith("/data.pkl") else data)
    rewrite(good, OUT / "no_pickle.pth", lambda name, data: None if name.endswith("/data.pkl") else data)
    rewrite(good, OUT / "compressed.pth", compression=zipfile.ZIP_DEFLATED)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
