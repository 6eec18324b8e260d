"""An emulated GPU for checking the CUDA backend without one: a shared library that answers to
the CUDA driver, cuBLAS and cuDNN calls the backend makes (the same C names and signatures) and
runs everything on the CPU — our kernels compiled as C++ (one thread per block, blocks in turn),
a plain batched matrix product, plain convolution loops. Pointed at by NEURAL_STYLE_LIBCUDA,
NEURAL_STYLE_LIBCUBLAS and NEURAL_STYLE_LIBCUDNN, it lets the whole backend — its Swift glue,
argument orders, shapes and algorithms — run here (NVRTC still compiles the kernels for real;
the machine code is not used).

    python3 scripts/cuda/emulated_gpu.py OUT.so                  # build the library
    python3 scripts/cuda/emulated_gpu.py OUT.so -- COMMAND ...   # and run COMMAND with it

What it cannot check: the threads of a block working together, shared memory and the GPU's own
maths functions; `neural-style devices --check` on a real GPU does.
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RUNTIME = r"""
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <string>
using std::isnan; using std::max; using std::min;
struct dim3 { unsigned x, y, z; };
static dim3 blockIdx = {0, 0, 0}, threadIdx = {0, 0, 0}, blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
#define __global__
#define __device__ static
#define __shared__ static
#define __syncthreads()
// For calling a kernel directly (scripts/pytorch/compare_cuda_kernels.py): block `block` of `blocks`.
extern "C" void set_block(unsigned block, unsigned blocks) { blockIdx.x = block; gridDim.x = blocks; }
typedef void (*Wrapper)(void **);
struct Function { const char *name; Wrapper run; };
"""

DRIVER = r"""
extern "C" {
int cuInit(unsigned) { return 0; }
int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
int cuDeviceGetCount(int *n) { *n = 1; return 0; }
int cuDeviceGet(int *d, int ordinal) { if (ordinal != 0) return 101; *d = 0; return 0; }
int cuDeviceGetName(char *name, int length, int) { strncpy(name, "Emulated GPU (CPU)", length); return 0; }
int cuDeviceTotalMem_v2(size_t *bytes, int) { *bytes = (size_t)4 << 30; return 0; }
int cuDeviceGetAttribute(int *value, int attribute, int) { *value = attribute == 75 ? 9 : 0; return 0; }
int cuDevicePrimaryCtxRetain(void **context, int) { *context = (void *)1; return 0; }
int cuCtxSetCurrent(void *) { return 0; }
int cuMemAlloc_v2(unsigned long long *address, size_t bytes) {
    void *p = aligned_alloc(256, (bytes + 255) / 256 * 256); if (!p) return 2;
    *address = (unsigned long long)p; return 0;
}
int cuMemFree_v2(unsigned long long address) { free((void *)address); return 0; }
int cuMemcpyHtoD_v2(unsigned long long d, const void *h, size_t n) { memcpy((void *)d, h, n); return 0; }
int cuMemcpyDtoH_v2(void *h, unsigned long long d, size_t n) { memcpy(h, (void *)d, n); return 0; }
int cuMemcpyDtoD_v2(unsigned long long d, unsigned long long s, size_t n) { memmove((void *)d, (void *)s, n); return 0; }
int cuModuleLoadData(void **module, const void *) { *module = (void *)FUNCTIONS; return 0; }
int cuModuleGetFunction(void **function, void *, const char *name) {
    for (Function *f = FUNCTIONS; f->name; f++) if (!strcmp(f->name, name)) { *function = (void *)f; return 0; }
    return 500;
}
int cuLaunchKernel(void *function, unsigned gx, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                   void *, void **parameters, void **) {
    for (unsigned b = 0; b < gx; b++) { blockIdx.x = b; gridDim.x = gx; ((Function *)function)->run(parameters); }
    return 0;
}
int cuCtxSynchronize() { return 0; }
int cuGetErrorName(int, const char **name) { *name = "CUDA_ERROR_EMULATED"; return 0; }

// cuBLAS: column-major C = alpha·op(A)·op(B) + beta·C, batched by strides.
int cublasCreate_v2(void **handle) { *handle = (void *)1; return 0; }
int cublasSetMathMode(void *, int) { return 0; }
int cublasGetProperty(int kind, int *value) { *value = kind == 0 ? 13 : 0; return 0; }
int cublasSgemmStridedBatched(void *, int ta, int tb, int m, int n, int k, const float *alpha, const float *A, int lda,
                              long long sa, const float *B, int ldb, long long sb, const float *beta, float *C, int ldc,
                              long long sc, int batch) {
    for (int e = 0; e < batch; e++)
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) {
                double total = 0;
                for (int p = 0; p < k; p++) {
                    float a = ta ? A[e * sa + p + (long long)i * lda] : A[e * sa + i + (long long)p * lda];
                    float b = tb ? B[e * sb + j + (long long)p * ldb] : B[e * sb + p + (long long)j * ldb];
                    total += (double)a * b;
                }
                float *c = &C[e * sc + i + (long long)j * ldc];
                *c = (float)(*alpha * total + (*beta != 0 ? *beta * *c : 0));
            }
    return 0;
}

// cuDNN: descriptors hold sizes; Find answers one algorithm; the three directions are plain loops.
struct Tensor4 { int n, c, h, w; };
struct Conv { int ph, pw, stride, groups; };
int cudnnCreate(void **handle) { *handle = (void *)1; return 0; }
size_t cudnnGetVersion() { return 91000; }
const char *cudnnGetErrorString(int) { return "CUDNN_STATUS_EMULATED"; }
int cudnnCreateTensorDescriptor(void **d) { *d = calloc(1, sizeof(Tensor4)); return 0; }
int cudnnCreateFilterDescriptor(void **d) { *d = calloc(1, sizeof(Tensor4)); return 0; }
int cudnnCreateConvolutionDescriptor(void **d) { *d = calloc(1, sizeof(Conv)); return 0; }
int cudnnSetTensor4dDescriptor(void *d, int, int, int n, int c, int h, int w) { *(Tensor4 *)d = {n, c, h, w}; return 0; }
int cudnnSetFilter4dDescriptor(void *d, int, int, int k, int c, int h, int w) { *(Tensor4 *)d = {k, c, h, w}; return 0; }
int cudnnSetConvolution2dDescriptor(void *d, int ph, int pw, int u, int, int, int, int, int) {
    Conv *c = (Conv *)d; c->ph = ph; c->pw = pw; c->stride = u; if (!c->groups) c->groups = 1; return 0;
}
int cudnnSetConvolutionGroupCount(void *d, int g) { ((Conv *)d)->groups = g; return 0; }
int cudnnSetConvolutionMathType(void *, int) { return 0; }
static int find(int *returned, void *results) {
    memset(results, 0, 48); ((int *)results)[7] = 3; *returned = 1; return 0;  // algo 0, success, FMA math
}
int cudnnFindConvolutionForwardAlgorithm(void *, void *, void *, void *, void *, int, int *r, void *p) { return find(r, p); }
int cudnnFindConvolutionBackwardDataAlgorithm(void *, void *, void *, void *, void *, int, int *r, void *p) { return find(r, p); }
int cudnnFindConvolutionBackwardFilterAlgorithm(void *, void *, void *, void *, void *, int, int *r, void *p) { return find(r, p); }
}
// Calls `visit(x index, w index, y index)` for every tap of the convolution.
template <class F> static void taps(const Tensor4 &x, const Tensor4 &w, const Tensor4 &y, const Conv &c, F visit) {
    const int kg = w.n / c.groups, cg = w.c;
    for (int n = 0; n < y.n; n++) for (int k = 0; k < y.c; k++) for (int i = 0; i < y.h; i++) for (int j = 0; j < y.w; j++)
        for (int ci = 0; ci < cg; ci++) for (int r = 0; r < w.h; r++) for (int s = 0; s < w.w; s++) {
            const int row = i * c.stride - c.ph + r, column = j * c.stride - c.pw + s;
            if (row < 0 || row >= x.h || column < 0 || column >= x.w) continue;
            const int channel = (k / kg) * cg + ci;
            visit(((long long)(n * x.c + channel) * x.h + row) * x.w + column, ((long long)(k * cg + ci) * w.h + r) * w.w + s,
                  ((long long)(n * y.c + k) * y.h + i) * y.w + j);
        }
}
static long long count(const Tensor4 &t) { return (long long)t.n * t.c * t.h * t.w; }
// out = alpha·sum + beta·out for the `n` sums, which it frees.
static int store(float *out, double *sum, long long n, const float *alpha, const float *beta) {
    for (long long i = 0; i < n; i++) out[i] = (float)(*alpha * sum[i] + (*beta != 0 ? *beta * out[i] : 0));
    free(sum);
    return 0;
}
extern "C" {
int cudnnConvolutionForward(void *, const float *alpha, void *xd, const float *x, void *wd, const float *w, void *cd, int,
                            void *, size_t, const float *beta, void *yd, float *y) {
    Tensor4 X = *(Tensor4 *)xd, W = *(Tensor4 *)wd, Y = *(Tensor4 *)yd;
    double *sum = (double *)calloc(count(Y), sizeof(double));
    taps(X, W, Y, *(Conv *)cd, [&](long long xi, long long wi, long long yi) { sum[yi] += (double)x[xi] * w[wi]; });
    return store(y, sum, count(Y), alpha, beta);
}
int cudnnConvolutionBackwardData(void *, const float *alpha, void *wd, const float *w, void *dyd, const float *dy, void *cd,
                                 int, void *, size_t, const float *beta, void *dxd, float *dx) {
    Tensor4 W = *(Tensor4 *)wd, DY = *(Tensor4 *)dyd, DX = *(Tensor4 *)dxd;
    double *sum = (double *)calloc(count(DX), sizeof(double));
    taps(DX, W, DY, *(Conv *)cd, [&](long long xi, long long wi, long long yi) { sum[xi] += (double)dy[yi] * w[wi]; });
    return store(dx, sum, count(DX), alpha, beta);
}
int cudnnConvolutionBackwardFilter(void *, const float *alpha, void *xd, const float *x, void *dyd, const float *dy, void *cd,
                                   int, void *, size_t, const float *beta, void *dwd, float *dw) {
    Tensor4 X = *(Tensor4 *)xd, DY = *(Tensor4 *)dyd, DW = *(Tensor4 *)dwd;
    double *sum = (double *)calloc(count(DW), sizeof(double));
    taps(X, DW, DY, *(Conv *)cd, [&](long long xi, long long wi, long long yi) { sum[wi] += (double)dy[yi] * x[xi]; });
    return store(dw, sum, count(DW), alpha, beta);
}
}
"""


def kernel_source():
    swift = (ROOT / "Sources/TensorCUDA/CUDAKernelSources.swift").read_text()
    source = swift.split('source = #"""', 1)[1].split('"""#', 1)[0]
    source = "\n".join(line[4:] if line.startswith("    ") else line for line in source.split("\n"))
    return re.sub(r"#define REDUCTION_THREADS \d+", "#define REDUCTION_THREADS 1", source)


def wrappers(source):
    """For each kernel, a function taking cuLaunchKernel's array of pointers to its arguments."""
    lines, table = [], []
    for name, parameters in re.findall(r'extern "C" __global__ void (\w+)\(([^)]*)\)', source):
        types = [re.sub(r"\s*\b\w+$", "", p.strip()) for p in parameters.split(",")]
        arguments = ", ".join(f"*({t} *)p[{i}]" for i, t in enumerate(types))
        lines.append(f"static void run_{name}(void **p) {{ {name}({arguments}); }}")
        table.append(f'{{"{name}", run_{name}}}')
    return "\n".join(lines) + "\nFunction FUNCTIONS[] = {" + ", ".join(table) + ", {0, 0}};\n"


def build(output):
    """The library at `output`; also exports every kernel by its name, and set_block."""
    source = kernel_source()
    code = RUNTIME + source + "\n" + wrappers(source) + DRIVER
    work = Path(tempfile.mkdtemp(prefix="emulated-gpu-"))
    (work / "emulated_gpu.cpp").write_text(code)
    compiler = next(c for c in ("c++", "clang++", "g++") if subprocess.run(["sh", "-c", f"command -v {c}"],
                                                                         capture_output=True).returncode == 0)
    subprocess.run([compiler, "-O2", "-std=c++17", "-shared", "-fPIC", "-o", str(output), str(work / "emulated_gpu.cpp")],
                   check=True)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    output = Path(sys.argv[1]).resolve()
    build(output)
    if "--" in sys.argv:
        command = sys.argv[sys.argv.index("--") + 1:]
        environment = {**os.environ, **{f"NEURAL_STYLE_LIB{name}": str(output) for name in ("CUDA", "CUBLAS", "CUDNN")}}
        sys.exit(subprocess.run(command, env=environment).returncode)


if __name__ == "__main__":
    main()
