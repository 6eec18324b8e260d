"""Writes the fixture of a 2017-style pytorch/examples checkpoint: a tiny TransformerNet
(width 2) saved by torch.save in the zip format with the `in*.running_mean/var` entries that
checkpoints trained before PyTorch 0.4 carry, plus PyTorch's own output for a fixed 12x8 input.

    python scripts/pytorch/transformer_pth_fixture.py Tests/ModelsTests/Fixtures/torch-zip
"""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feedforward_reference import TransformerNet  # noqa: E402

out = Path(sys.argv[1])
torch.manual_seed(2017)
net = TransformerNet(channels=2).eval()
with torch.no_grad():
    for name, p in net.named_parameters():
        if name.startswith("in") or ".in" in name:
            p.copy_(torch.rand_like(p) + 0.5 if name.endswith("weight") else torch.randn_like(p) * 0.2)
    net.deconv3.conv2d.weight.mul_(40)
    net.deconv3.conv2d.bias.add_(120)
state = net.state_dict()
for key in [k for k in state if k.endswith(".weight") and k.split(".")[-2].startswith("in")]:
    prefix = key[: -len("weight")]
    state[prefix + "running_mean"] = torch.zeros_like(state[key])
    state[prefix + "running_var"] = torch.ones_like(state[key])
torch.save(state, out / "transformer_net_2017.pth")
x = torch.arange(3 * 12 * 8, dtype=torch.float32).reshape(1, 3, 12, 8) * 255 / (3 * 12 * 8)
with torch.no_grad():
    y = net(x)
(out / "transformer_net_2017.json").write_text(json.dumps({
    "input_shape": list(x.shape), "output_shape": list(y.shape),
    "output": [round(v, 5) for v in y.flatten().tolist()],
}))
print("wrote", out / "transformer_net_2017.pth", "with", len(state), "entries; output", list(y.shape))
