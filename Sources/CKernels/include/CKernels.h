// Small kernels for x86-64 CPUs with AVX2, chosen at run time (see CWinograd.h for why these
// are C): loops whose Swift form the compiler cannot widen past SSE, and 2×2 max pooling.
#ifndef CKERNELS_H
#define CKERNELS_H

/// 1 when this CPU runs the kernels below (x86-64 with AVX2), else 0.
int ck_available(void);

/// y[i] = (clamp(round(x[i] / scale) + zero_point, low, high) − zero_point) · scale for i < count,
/// rounding to the nearest integer, ties to even (ONNX QuantizeLinear then DequantizeLinear).
/// NaN stays NaN. `x` and `y` may be the same.
void ck_fake_quantize(const float *x, long count, float scale, float zero_point, float low, float high, float *y);

/// 2×2 max pooling with stride 2 of the 8-channel-blocked planes [plane_begin, plane_end) (each
/// height×width pixels of 8 floats) into planes of (height / 2)×(width / 2) at `y`; `which` gets
/// one byte per output float: the window position of the maximum (0–3, row by row), the first
/// on ties, a NaN over any number (as PyTorch).
void ck_max_pool_2x2(const float *x, long height, long width, long plane_begin, long plane_end,
                     float *y, unsigned char *which);

/// The input gradient of `ck_max_pool_2x2`: each output's gradient goes to the position `which`
/// names, zeros elsewhere (a last odd row or column included).
void ck_max_pool_2x2_backward(const float *dy, const unsigned char *which, long height, long width,
                              long plane_begin, long plane_end, float *dx);

#endif
