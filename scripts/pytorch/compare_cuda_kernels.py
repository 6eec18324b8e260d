"""Runs the CUDA backend's kernels (Sources/TensorCUDA/CUDAKernelSources.swift) on the CPU and
compares them with PyTorch's ops on the same inputs: their index arithmetic and formulas
(padding in three modes, pooling, upsampling, broadcasting, strided copies, axis sums, instance
norm forward and backward, unary functions and their gradients, Adam, the reductions).

No GPU needed: the CUDA C is compiled as C++ with a small prelude in which every block has one
thread (REDUCTION_THREADS 1) and blocks run one after another, so grid-stride loops cover every
element and the block reductions add in one thread. What this cannot check — the threads of a
block working together, shared memory, the GPU's own maths functions — `neural-style devices
--check` checks on a GPU. PyTorch is a measuring stick here, never a dependency of the tool.

    python scripts/pytorch/compare_cuda_kernels.py      # needs a C++ compiler, torch, numpy
"""
import ctypes as C
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts/cuda"))
from emulated_gpu import build  # noqa: E402  (our kernels as C++, one thread per block)


def kernels():
    library = Path(tempfile.mkdtemp(prefix="cuda-kernels-")) / "emulated_gpu.so"
    build(library)
    return C.CDLL(str(library))


LIB = kernels()


class Layout(C.Structure):
    _fields_ = [("v", C.c_longlong * 26)]


def layout(numbers):
    value = Layout()
    for i, n in enumerate(numbers):
        value.v[i] = n
    return value


def i32(v): return C.c_int(v)
def i64(v): return C.c_longlong(v)
def f32(v): return C.c_float(v)


def launch(name, blocks, *arguments):
    converted = [a.ctypes.data_as(C.c_void_p) if isinstance(a, np.ndarray) else C.c_void_p(0) if a is None else a
                 for a in arguments]
    for block in range(blocks):
        LIB.set_block(block, blocks)
        getattr(LIB, name)(*converted)


RESULTS = []
rng = np.random.default_rng(3)


def gaussian(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def check(name, got, expected, tolerance=1e-5):
    expected = np.asarray(expected, dtype=np.float64)
    difference = np.max(np.abs(np.asarray(got, dtype=np.float64) - expected)) / max(1.0, np.max(np.abs(expected)))
    RESULTS.append(difference <= tolerance)
    print(f"{'ok  ' if difference <= tolerance else 'FAIL'} {name}: {difference:.2e} <= {tolerance:g}")


def strides(shape):
    result = [1] * len(shape)
    for axis in range(len(shape) - 2, -1, -1):
        result[axis] = result[axis + 1] * shape[axis + 1]
    return result


def element_wise():
    n = 1001
    a, b = gaussian(n), gaussian(n)
    y = np.zeros(n, np.float32)
    for code, op in enumerate([np.add, np.subtract, np.multiply, np.divide]):
        launch("binary_same_shape", 3, i32(code), a, b, y, i64(n))
        check(f"binary_same_shape {op.__name__}", y, op(a, b), 0)
    launch("affine", 3, a, y, f32(-1.5), f32(0.25), i64(n))
    check("affine", y, a * np.float32(-1.5) + np.float32(0.25), 1e-6)
    total = b.copy()
    launch("axpy", 3, f32(0.75), a, total, i64(n))
    check("axpy", total, b + np.float32(0.75) * a, 1e-6)
    launch("relu", 3, a, y, i64(n))
    check("relu", y, F.relu(torch.tensor(a)).numpy(), 0)
    unaries = [(torch.tanh, 0, 0, 0, 0), (torch.sigmoid, 0, 0, 0, 0), (torch.sqrt, 0, 0, 0, 0), (torch.square, 0, 0, 0, 0),
               (lambda t: torch.clamp(t, -0.5, 0.5), -0.5, 0.5, 0, 0),
               (lambda t: torch.fake_quantize_per_tensor_affine(t, 0.05, 3, -128, 127), 0.05, 3, -128, 127)]
    positive = np.abs(a) + 0.1
    for code, (fn, p, q, r, s) in enumerate(unaries):
        x = positive if code == 2 else a
        launch("unary", 3, i32(code), x, y, f32(p), f32(q), f32(r), f32(s), i64(n))
        check(f"unary {code}", y, fn(torch.tensor(x)).numpy(), 1e-6)
        if code == 5:
            continue  # the fake quantisation's gradient: checked below with the clamp's
        tx = torch.tensor(x, requires_grad=True)
        ty = fn(tx)
        ty.backward(torch.tensor(b))
        dx = np.zeros(n, np.float32)
        launch("unary_backward", 3, i32(code), b, x, ty.detach().numpy().copy(), dx, f32(p), f32(q), f32(r), f32(s), i64(n))
        check(f"unary_backward {code}", dx, tx.grad.numpy(), 1e-5)
    # Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − step · m / (sqrt(v / c₂) + ε).
    p, g, m, v = a.copy(), b.copy(), gaussian(n), np.square(gaussian(n))
    m1 = np.float32(0.9) * m + np.float32(0.1) * g
    v1 = np.float32(0.999) * v + np.float32(1 - 0.999) * g * g
    p1 = p - np.float32(0.01) * m1 / (np.sqrt(v1 / np.float32(0.3)) + np.float32(1e-8))
    launch("adam_update", 3, p, g, m, v, f32(0.9), f32(0.999), f32(0.01), f32(0.3), f32(1e-8), i64(n))
    check("adam_update", np.concatenate([p, m, v]), np.concatenate([p1, m1, v1]), 1e-5)
    partials, out = np.zeros(5, np.float64), np.zeros(1, np.float32)
    for name, expected, inputs in [("dot_partials", np.dot(a.astype(np.float64), b), (a, b)),
                                   ("absolute_sum_partials", np.abs(a.astype(np.float64)).sum(), (a,)),
                                   ("sum_all_partials", a.astype(np.float64).sum(), (a,))]:
        launch(name, 5, *inputs, partials, i64(n))
        launch("sum_partials", 1, partials, out, i64(5))
        check(name.replace("_partials", ""), out, [expected], 1e-6)


def images():
    n, c, h, w = 2, 3, 6, 7
    top, bottom, left, right = 2, 1, 1, 3
    x = gaussian(n, c, h, w)
    oh, ow = h + top + bottom, w + left + right
    for mode, name in enumerate(["constant", "reflect", "replicate"]):
        y = np.zeros((n, c, oh, ow), np.float32)
        geometry = (i64(n * c), i32(h), i32(w), i32(top), i32(left), i32(oh), i32(ow), i32(mode))
        launch("pad", 3, x, y, *geometry)
        tx = torch.tensor(x, requires_grad=True)
        ty = F.pad(tx, (left, right, top, bottom), mode=name)
        check(f"pad {name}", y, ty.detach().numpy(), 0)
        dy = gaussian(n, c, oh, ow)
        ty.backward(torch.tensor(dy))
        dx = np.zeros_like(x)
        launch("pad_backward", 3, dy, dx, *geometry)
        check(f"pad_backward {name}", dx, tx.grad.numpy())
    for kernel, stride, padding in [(3, 2, 1), (2, 2, 0)]:
        x = gaussian(n, c, 9, 11)
        oh, ow = (9 + 2 * padding - kernel) // stride + 1, (11 + 2 * padding - kernel) // stride + 1
        for kind, name in enumerate(["max", "average"]):
            y, winners = np.zeros((n, c, oh, ow), np.float32), np.zeros((n, c, oh, ow), np.int32)
            geometry = (i32(kind), i64(n * c), i32(9), i32(11), i32(oh), i32(ow), i32(kernel), i32(kernel), i32(stride),
                        i32(padding), i32(padding))
            launch("pool", 2, x, y, winners, *geometry)
            tx = torch.tensor(x, requires_grad=True)
            ty = (F.max_pool2d(tx, kernel, stride, padding) if kind == 0
                  else F.avg_pool2d(tx, kernel, stride, padding, count_include_pad=False))
            check(f"pool {name} {kernel}/{stride}/{padding}", y, ty.detach().numpy())
            dy = gaussian(*y.shape)
            ty.backward(torch.tensor(dy))
            dx = np.zeros_like(x)
            launch("pool_backward", 2, dy, winners, dx, *geometry)
            check(f"pool_backward {name} {kernel}/{stride}/{padding}", dx, tx.grad.numpy())
    x = gaussian(n, c, 5, 6)
    y = np.zeros((n, c, 10, 12), np.float32)
    launch("upsample_nearest", 2, x, y, i64(n * c), i32(5), i32(6), i32(2))
    tx = torch.tensor(x, requires_grad=True)
    ty = F.interpolate(tx, scale_factor=2, mode="nearest")
    check("upsample_nearest", y, ty.detach().numpy(), 0)
    dy = gaussian(*y.shape)
    ty.backward(torch.tensor(dy))
    dx = np.zeros_like(x)
    launch("upsample_nearest_backward", 2, dy, dx, i64(n * c), i32(5), i32(6), i32(2))
    check("upsample_nearest_backward", dx, tx.grad.numpy())


def shapes():
    a, b = gaussian(2, 3, 5, 6), gaussian(1, 3, 1, 6)
    shape = [2, 3, 5, 6]
    broadcast = [0 if d == 1 else s for s, d in zip(strides(b.shape), b.shape)]
    y = np.zeros(shape, np.float32)
    for code, op in enumerate([np.add, np.subtract, np.multiply, np.divide]):
        launch("binary_broadcast", 3, i32(code), a, b, y, i32(4), layout(shape + strides(shape) + broadcast), i64(y.size))
        check(f"binary_broadcast {op.__name__}", y, op(a, b), 0)
    x = gaussian(2, 5, 4, 6)
    piece = np.zeros((2, 5, 4, 3), np.float32)
    launch("strided_copy", 2, x, piece, i32(4), layout(list(piece.shape) + strides(x.shape) + strides(piece.shape) + [1, 0]),
           i64(piece.size))
    check("strided_copy (a slice)", piece, x[..., 1:4], 0)
    target = [1, 5, 1, 6]
    reduced = [d if t == 1 else 1 for d, t in zip(x.shape, target)]
    y = np.zeros(target, np.float32)
    launch("reduce_sum", int(np.prod(target)), x, y, i32(4), layout(target + reduced + strides(x.shape)),
           i64(int(np.prod(reduced))))
    check("reduce_sum", y, x.sum(axis=(0, 2), keepdims=True))
    dy, sums = gaussian(2, 4, 3, 5), np.zeros(4, np.float32)
    launch("channel_sums", 4, dy, sums, i32(2), i32(4), i64(15))
    check("channel_sums", sums, dy.sum(axis=(0, 2, 3)))
    g, s = gaussian(2, 4, 4), np.zeros((2, 4, 4), np.float32)
    launch("symmetrize", 2, g, s, i64(4), i64(g.size))
    check("symmetrize", s, g + g.transpose(0, 2, 1), 0)
    y, bias = gaussian(2, 4, 3, 5), gaussian(4)
    expected = np.maximum(y + bias.reshape(1, 4, 1, 1), 0)
    launch("add_channel_bias", 3, y, bias, i32(4), i64(15), i32(1), i64(y.size))
    check("add_channel_bias with ReLU", y, expected, 0)


def instance_norm():
    n, c, h, w = 2, 3, 7, 9
    planes, size = n * c, h * w
    for per_sample in (0, 1):
        x = gaussian(n, c, h, w)
        gamma, beta = (gaussian(n, c), gaussian(n, c)) if per_sample else (gaussian(c), gaussian(c))
        mean, inverse = np.zeros(planes, np.float32), np.zeros(planes, np.float32)
        launch("instance_norm_statistics", planes, x, mean, inverse, i64(size), f32(1e-5))
        y, normalized = np.zeros_like(x), np.zeros_like(x)
        launch("instance_norm_apply", 3, x, y, mean, inverse, gamma, beta, i32(c), i32(per_sample), i64(size),
               i64(planes), i32(1))
        launch("instance_norm_apply", 3, x, normalized, mean, inverse, None, None, i32(c), i32(0), i64(size),
               i64(planes), i32(0))
        tx, tg, tb = (torch.tensor(v, requires_grad=True) for v in (x, gamma, beta))
        shape = (n, c, 1, 1) if per_sample else (1, c, 1, 1)
        ty = F.relu(F.instance_norm(tx, eps=1e-5) * tg.reshape(shape) + tb.reshape(shape))
        what = "per sample" if per_sample else "per channel"
        check(f"instance norm, γ β {what}, ReLU", y, ty.detach().numpy())
        dy = gaussian(*x.shape)
        ty.backward(torch.tensor(dy))
        sums, products, dx = np.zeros(planes, np.float32), np.zeros(planes, np.float32), np.zeros_like(x)
        launch("instance_norm_backward_sums", planes, dy, normalized, gamma, beta, i32(c), i32(per_sample), i32(1),
               i64(size), sums, products)
        launch("instance_norm_backward", 3, dy, normalized, gamma, beta, inverse, sums, products, i32(c),
               i32(per_sample), i32(1), i64(size), i64(planes), dx)
        check(f"instance norm backward, {what}: dx", dx, tx.grad.numpy(), 1e-4)
        fold = (lambda v: v.reshape(n, c)) if per_sample else (lambda v: v.reshape(n, c).sum(0))
        check(f"instance norm backward, {what}: dγ", fold(products), tg.grad.numpy(), 1e-4)
        check(f"instance norm backward, {what}: dβ", fold(sums), tb.grad.numpy(), 1e-4)


def main():
    element_wise()
    images()
    shapes()
    instance_norm()
    passed = all(RESULTS)
    print(f"{'PASS' if passed else 'FAIL'}: {sum(RESULTS)} of {len(RESULTS)} cases")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
