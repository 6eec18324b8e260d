// Small kernels for x86-64 CPUs with AVX2, chosen at run time (see CWinograd.h for why these
// are C): loops whose Swift form the compiler cannot widen past SSE, 2×2 max pooling,
// instance-norm planes (Swift's generic SIMD max and fma are calls, not instructions), and Gram
// matrices of blocked feature maps (sgemm wants them plain: two copies per style layer), and single
// convolution outputs from gathered inputs (the border of a padded convolution).
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

/// Mean and biased variance (in double) of each of the `lanes` channels (1, 8 or 16) interleaved
/// in a plane of `pixels` pixels at `x`: one pass of sums of x − x₀ and (x − x₀)² (x₀ the first
/// pixel, so a mean far from zero does not cancel the variance away), runs of 256 pixels in
/// float, the runs in double.
void ck_plane_moments(const float *x, long pixels, int lanes, double *mean, double *variance);

/// Over the same plane: n = (x − mean)·inverse, written to `normalized` unless it is NULL, and
/// y = max(n·scale + shift, floor), per lane (`mean`… `shift` hold `lanes` values). NaN passes.
void ck_plane_normalize(const float *x, long pixels, int lanes, const float *mean, const float *inverse,
                        const float *scale, const float *shift, float floor, float *normalized, float *y);

/// Row tiles [row_tile_begin, row_tile_end) (16 rows each; the last may have 8) of the Gram matrix
/// F Fᵀ · scale of one 8-channel-blocked feature map `f` (channels / 8 planes of `pixels` pixels,
/// channels a multiple of 8), written row-major to `g` (channels × channels): each tile computes
/// its rows' upper triangle and writes it mirrored too. Runs of 512 pixels sum in float, the runs
/// in double.
void ck_gram_blocked(const float *f, long channels, long pixels, long row_tile_begin, long row_tile_end,
                     float scale, float *g);

/// The input gradient of a Gram matrix for pixels [pixel_begin, pixel_end): dx = S F · scale with
/// `s` the symmetric channels × channels matrix dG + dGᵀ (row-major), `f` and `dx` blocked as in
/// `ck_gram_blocked`.
void ck_gram_backward_blocked(const float *s, const float *f, long channels, long pixels, long pixel_begin,
                              long pixel_end, float scale, float *dx);

/// Adds to one output pixel of a convolution, its `outputs` values (a multiple of 8) at `out`, the
/// sum over `count` taps t and every channel c of input[sources[t] + channel_offsets[c]] ·
/// filters[(taps[t] · channels + c) · outputs + o], then applies max(·, 0) if `relu` (NaN
/// passes). For pixels whose inputs are gathered from anywhere, such as a padded picture's
/// mirrored border.
void ck_pixel_convolution(const float *input, const long *taps, const long *sources, int count,
                          const long *channel_offsets, int channels, const float *filters, int outputs, int relu,
                          float *out);

#endif
