#!/usr/bin/env bash
# The checks a GPU machine runs, from the bundle scripts/cuda/prepare-device-check.sh packs here
# (a static neural-style, the Debian libraries it links, VGG-19's quantised weights, two pictures,
# Magenta's 26-style network):
#
#   scripts/cuda/device-check.sh gpu-bundle.tar.xz [OUT]     # on the GPU machine
#
# The machine needs the NVIDIA driver (libcuda.so.1) and CUDA 13 or 12's NVRTC, cuBLAS and
# cuDNN 9 where the dynamic loader finds them (pip's nvidia-* wheels are looked for too), or
# named by NEURAL_STYLE_LIBCUDA, NEURAL_STYLE_LIBNVRTC, NEURAL_STYLE_LIBCUBLAS,
# NEURAL_STYLE_LIBCUDNN. Steps: the devices, every kernel and every kind of op (values and
# gradients) against the CPU (`neural-style devices --check`); the same Gatys run and the same
# stylised picture on the CPU and the GPU, compared; then timings. OUT (default gpu-check/) gets
# five files: device-check.log (every step's output), both Gatys logs and both stylised
# pictures; exit 1 if any step failed.
set -uo pipefail
out="$(mkdir -p "${2:-gpu-check}" && cd "${2:-gpu-check}" && pwd)"
work="$(mktemp -d)"
tar xJf "${1:?usage: scripts/cuda/device-check.sh gpu-bundle.tar.xz [OUT]}" -C "$work" || exit 1
bin="$work/gpu-bundle"
export NEURAL_STYLE_CACHE="$work/cache"
mkdir -p "$NEURAL_STYLE_CACHE"
LD_LIBRARY_PATH="$bin/lib:${LD_LIBRARY_PATH:-}"
status=0

# Libraries that pip installs (PyTorch's wheels) where the loader does not look by itself.
for lib in $(python3 -c 'import nvidia, os; print(" ".join(os.path.join(p, d, "lib") for p in nvidia.__path__ for d in os.listdir(p)))' 2>/dev/null); do
    [ -d "$lib" ] && LD_LIBRARY_PATH="$lib:${LD_LIBRARY_PATH:-}"
done
export LD_LIBRARY_PATH

log="$out/device-check.log"
: > "$log"
step() {
    local name="$1"; shift
    echo "== $name: $*" | tee -a "$log"
    "$@" 2>&1 | tee -a "$log"
    local rc=${PIPESTATUS[0]}
    echo "== $name: exit $rc" | tee -a "$log"
    [ "$rc" -eq 0 ] || status=1
}

ns="$bin/neural-style"
pictures=(--content "$bin/building.jpg" --style "$bin/starry_night.jpg")
step nvidia-smi nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
step devices "$ns" devices --check
step weights "$ns" weights import --from "$bin/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"

# The same 10 L-BFGS iterations at 256 px on both devices (float32 on the GPU): the losses of the
# first evaluation within 1e-3, as the CUDA issue asks.
for device in cpu cuda; do
    step "gatys-$device" "$ns" "${pictures[@]}" --size 256 --iterations 10 --device $device --cuda-precision fp32 \
        --log "$out/gatys-$device.jsonl" --output "$work/gatys-$device.png"
done
step gatys-agreement python3 - "$out/gatys-cpu.jsonl" "$out/gatys-cuda.jsonl" <<'PY'
import json, sys
cpu, gpu = ([json.loads(line) for line in open(path)] for path in sys.argv[1:3])
worst = 0.0
for key in ("total", "content", "style", "tv"):
    a, b = cpu[0].get(key), gpu[0].get(key)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        difference = abs(a - b) / max(abs(a), 1e-12)
        worst = max(worst, difference)
        print(f"{key}: cpu {a:.6e} gpu {b:.6e} relative {difference:.2e}")
print(f"last total: cpu {cpu[-1]['total']:.6e} gpu {gpu[-1]['total']:.6e}")
print("PASS" if worst <= 1e-3 else "FAIL")
sys.exit(0 if worst <= 1e-3 else 1)
PY

# One stylised picture on both devices.
for device in cpu cuda; do
    step "stylize-$device" "$ns" stylize --model "$bin/magenta-26.safetensors" --style-index 7 --input "$bin/building.jpg" \
        --output "$out/stylize-$device.png" --device $device --cuda-precision fp32
done

# Timings (TF32): Gatys at 1024² for 100 iterations and 2048² for 50, end to end, each beside
# PyTorch's run of the same workload on the same GPU (bench/pytorch_gatys.py, cuDNN autotuned).
reference="$(cd "$(dirname "$0")/../.." && pwd)/bench/pytorch_gatys.py"
for run in "1024 100" "2048 50"; do
    set -- $run
    step "gatys-$1" bash -c "time '$ns' ${pictures[*]} --size $1 --iterations $2 --device cuda --output '$work/gatys-$1.png'"
    step "pytorch-gatys-$1" python3 "$reference" --device cuda --size "$1" --iterations "$2" \
        --bin "$bin/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin" ${pictures[*]}
done
rm -rf "$work"
exit $status
