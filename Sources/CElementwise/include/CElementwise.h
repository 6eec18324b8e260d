// Element-wise kernels for x86-64 CPUs with AVX2, chosen at run time (see CWinograd.h for why
// these are C): loops whose Swift form the compiler cannot widen past SSE.
#ifndef CELEMENTWISE_H
#define CELEMENTWISE_H

/// 1 when this CPU runs the kernels below (x86-64 with AVX2), else 0.
int ce_available(void);

/// y[i] = (clamp(round(x[i] / scale) + zero_point, low, high) − zero_point) · scale for i < count,
/// rounding to the nearest integer, ties to even (ONNX QuantizeLinear then DequantizeLinear).
/// NaN stays NaN. `x` and `y` may be the same.
void ce_fake_quantize(const float *x, long count, float scale, float zero_point, float low, float high, float *y);

#endif
