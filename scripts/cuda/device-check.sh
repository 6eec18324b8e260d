#!/usr/bin/env bash
# The checks a GPU machine runs, with static binaries built elsewhere:
#
#   swift build -c release --static-swift-stdlib --product neural-style
#   swift build -c release --static-swift-stdlib --product neural-style-bench
#   mkdir -p gpu-bin && cp .build/release/neural-style .build/release/neural-style-bench gpu-bin/
#   scripts/cuda/device-check.sh gpu-bin [OUT]     # on the GPU machine
#
# The machine needs the NVIDIA driver (libcuda.so.1) and CUDA 13 or 12's NVRTC, cuBLAS and
# cuDNN 9 where the dynamic loader finds them (or named by NEURAL_STYLE_LIBCUDA,
# NEURAL_STYLE_LIBNVRTC, NEURAL_STYLE_LIBCUBLAS, NEURAL_STYLE_LIBCUDNN); nothing else of ours.
# Writes each step's output to OUT (default: gpu-check/) and exits non-zero if any step failed.
set -uo pipefail
bin="${1:?usage: scripts/cuda/device-check.sh BINARIES_FOLDER [OUT]}"
out="${2:-gpu-check}"
mkdir -p "$out"
status=0

# Libraries that pip installs (PyTorch's wheels) where the loader does not look by itself.
for lib in $(python3 -c 'import nvidia, os; print(" ".join(os.path.join(p, d, "lib") for p in nvidia.__path__ for d in os.listdir(p)))' 2>/dev/null); do
    [ -d "$lib" ] && LD_LIBRARY_PATH="$lib:${LD_LIBRARY_PATH:-}"
done
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"

step() {
    local name="$1"; shift
    echo "== $name: $*" | tee "$out/$name.txt"
    "$@" 2>&1 | tee -a "$out/$name.txt"
    local rc=${PIPESTATUS[0]}
    echo "== $name: exit $rc" | tee -a "$out/$name.txt"
    [ "$rc" -eq 0 ] || status=1
}

step nvidia-smi nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
step devices "$bin/neural-style" devices
step kernels "$bin/neural-style-bench" cuda-kernels
exit $status
