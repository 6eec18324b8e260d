// Direct convolutions with few input or few output channels; see include/CNarrowConvolution.h.
#include "CNarrowConvolution.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

int cn_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/// The kernel rows [*begin, *end) that fall inside the input for an output row or column at
/// `offset` (its first input row or column, possibly negative).
INLINE void inside(long offset, long kernel, long extent, long *begin, long *end) {
    *begin = offset < 0 ? -offset : 0;
    *end = offset + kernel > extent ? extent - offset : kernel;
}

/// For output row `oy`: the kernel rows inside the input, and the output columns whose whole
/// kernel row is inside it (ox − pad_left ≥ 0 and ox − pad_left + kernel_width ≤ input_width).
INLINE void row_bounds(const cn_geometry *g, long oy, long *ky_begin, long *ky_end, long *interior_begin,
                       long *interior_end) {
    inside(oy - g->pad_top, g->kernel_height, g->input_height, ky_begin, ky_end);
    *interior_begin = g->pad_left;
    *interior_end = g->input_width - g->kernel_width + g->pad_left + 1;
    if (*interior_end > g->output_width) *interior_end = g->output_width;
    if (*interior_end < *interior_begin) *interior_end = *interior_begin;
}

// MARK: Few inputs

/// `pixels` outputs of one row starting at column `x0` (input column `ix`), `blocks` blocks of
/// eight output channels from `first_block`: accumulators are pixels × blocks vectors (12),
/// each input value is broadcast, each filter tap loaded once per pixel run.
INLINE AVX2 void few_inputs_run(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                                int relu, long iy, long ix, long ky_begin, long ky_end, long kx_begin,
                                long kx_end, long first_block, float *out, long plane, const int blocks,
                                const int pixels) {
    __m256 acc[12], w[2];
    for (int b = 0; b < blocks; b++) {
        const __m256 start = bias ? _mm256_loadu_ps(bias + (first_block + b) * 8) : _mm256_setzero_ps();
        for (int p = 0; p < pixels; p++) acc[p * blocks + b] = start;
    }
    const long cout = g->output_channels;
    for (long c = 0; c < g->input_channels; c++) {
        for (long ky = ky_begin; ky < ky_end; ky++) {
            const float *row = x + (c * g->input_height + iy + ky) * g->input_width + ix;
            const float *taps = packed + ((c * g->kernel_height + ky) * g->kernel_width) * cout + first_block * 8;
            for (long kx = kx_begin; kx < kx_end; kx++) {
                for (int b = 0; b < blocks; b++) w[b] = _mm256_loadu_ps(taps + kx * cout + b * 8);
                for (int p = 0; p < pixels; p++) {
                    const __m256 v = _mm256_broadcast_ss(row + kx + p);
                    for (int b = 0; b < blocks; b++) acc[p * blocks + b] = _mm256_fmadd_ps(v, w[b], acc[p * blocks + b]);
                }
            }
        }
    }
    for (int b = 0; b < blocks; b++)
        for (int p = 0; p < pixels; p++) {
            __m256 value = acc[p * blocks + b];
            if (relu) value = _mm256_max_ps(_mm256_setzero_ps(), value);
            _mm256_storeu_ps(out + (first_block + b) * plane + p * 8, value);
        }
}

/// One output row for `blocks` blocks from `first_block`: runs of 12 / blocks pixels where every
/// kernel column is inside the input, single pixels (with the columns clipped) elsewhere.
INLINE AVX2 void few_inputs_row(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                                int relu, long oy, long first_block, float *y, const int blocks) {
    const int run = 12 / blocks;
    const long plane = g->output_height * g->output_width * 8;
    const long iy = oy - g->pad_top;
    long ky_begin, ky_end, interior_begin, interior_end;
    row_bounds(g, oy, &ky_begin, &ky_end, &interior_begin, &interior_end);
    float *out_row = y + oy * g->output_width * 8;
    for (long ox = 0; ox < g->output_width;) {
        const long ix = ox - g->pad_left;
        if (ox >= interior_begin && ox + run <= interior_end) {
            few_inputs_run(x, g, packed, bias, relu, iy, ix, ky_begin, ky_end, 0, g->kernel_width, first_block,
                           out_row + ox * 8, plane, blocks, run);
            ox += run;
        } else {
            long kx_begin, kx_end;
            inside(ix, g->kernel_width, g->input_width, &kx_begin, &kx_end);
            few_inputs_run(x, g, packed, bias, relu, iy, ix, ky_begin, ky_end, kx_begin, kx_end, first_block,
                           out_row + ox * 8, plane, blocks, 1);
            ox += 1;
        }
    }
}

AVX2 void cn_few_inputs(const float *x, const cn_geometry *g, const float *packed, const float *bias, int relu,
                        long row_begin, long row_end, float *y) {
    const long all_blocks = g->output_channels / 8;
    for (long oy = row_begin; oy < row_end; oy++) {
        // Two blocks at a time: 12 accumulators, 2 filter vectors and a broadcast fill the 16 registers.
        for (long first = 0; first < all_blocks; first += 2) {
            if (all_blocks - first >= 2) few_inputs_row(x, g, packed, bias, relu, oy, first, y, 2);
            else few_inputs_row(x, g, packed, bias, relu, oy, first, y, 1);
        }
    }
}

// MARK: Few outputs

/// The sum of a vector's eight lanes.
INLINE AVX2 float lane_sum(__m256 v) {
    const __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 pair = _mm_add_ps(half, _mm_movehl_ps(half, half));
    return _mm_cvtss_f32(_mm_add_ss(pair, _mm_movehdup_ps(pair)));
}

/// `pixels` outputs of one row starting at column `ox` (input column `ix`), all `outputs`
/// channels: accumulators are outputs × pixels vectors over eight input channels (≤ 12), added
/// across lanes at the end.
INLINE AVX2 void few_outputs_run(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                                 int relu, long iy, long ix, long ky_begin, long ky_end, long kx_begin, long kx_end,
                                 float *out, long plane, const int outputs, const int pixels) {
    __m256 acc[12];
    for (int i = 0; i < outputs * pixels; i++) acc[i] = _mm256_setzero_ps();
    const long blocks = g->input_channels / 8, kh = g->kernel_height, kw = g->kernel_width;
    const long filter = blocks * kh * kw * 8;
    for (long c = 0; c < blocks; c++) {
        for (long ky = ky_begin; ky < ky_end; ky++) {
            const float *row = x + ((c * g->input_height + iy + ky) * g->input_width + ix) * 8;
            const float *taps = packed + (c * kh + ky) * kw * 8;
            for (long kx = kx_begin; kx < kx_end; kx++) {
                __m256 w[6];
                for (int o = 0; o < outputs; o++) w[o] = _mm256_loadu_ps(taps + o * filter + kx * 8);
                for (int p = 0; p < pixels; p++) {
                    const __m256 v = _mm256_loadu_ps(row + (kx + p) * 8);
                    for (int o = 0; o < outputs; o++) acc[o * pixels + p] = _mm256_fmadd_ps(v, w[o], acc[o * pixels + p]);
                }
            }
        }
    }
    for (int o = 0; o < outputs; o++)
        for (int p = 0; p < pixels; p++) {
            float value = lane_sum(acc[o * pixels + p]) + (bias ? bias[o] : 0);
            if (relu && value < 0) value = 0;  // NaN stays NaN
            out[o * plane + p] = value;
        }
}

/// One output row, all outputs: runs of pixels inside (as many as keep the accumulators, the
/// filter vectors and one input vector in the 16 registers), single clipped pixels elsewhere.
INLINE AVX2 void few_outputs_row(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                                 int relu, long oy, float *y, const int outputs) {
    const int run = outputs == 1 ? 12 : outputs == 2 ? 6 : outputs == 3 ? 4 : outputs == 6 ? 1 : 2;
    const long plane = g->output_height * g->output_width;
    const long iy = oy - g->pad_top;
    long ky_begin, ky_end, interior_begin, interior_end;
    row_bounds(g, oy, &ky_begin, &ky_end, &interior_begin, &interior_end);
    float *out_row = y + oy * g->output_width;
    for (long ox = 0; ox < g->output_width;) {
        const long ix = ox - g->pad_left;
        if (ox >= interior_begin && ox + run <= interior_end) {
            few_outputs_run(x, g, packed, bias, relu, iy, ix, ky_begin, ky_end, 0, g->kernel_width, out_row + ox,
                            plane, outputs, run);
            ox += run;
        } else {
            long kx_begin, kx_end;
            inside(ix, g->kernel_width, g->input_width, &kx_begin, &kx_end);
            few_outputs_run(x, g, packed, bias, relu, iy, ix, ky_begin, ky_end, kx_begin, kx_end, out_row + ox,
                            plane, outputs, 1);
            ox += 1;
        }
    }
}

AVX2 void cn_few_outputs(const float *x, const cn_geometry *g, const float *packed, const float *bias, int relu,
                         long row_begin, long row_end, float *y) {
    for (long oy = row_begin; oy < row_end; oy++) {
        switch (g->output_channels) {
        case 1: few_outputs_row(x, g, packed, bias, relu, oy, y, 1); break;
        case 2: few_outputs_row(x, g, packed, bias, relu, oy, y, 2); break;
        case 3: few_outputs_row(x, g, packed, bias, relu, oy, y, 3); break;
        case 4: few_outputs_row(x, g, packed, bias, relu, oy, y, 4); break;
        case 5: few_outputs_row(x, g, packed, bias, relu, oy, y, 5); break;
        default: few_outputs_row(x, g, packed, bias, relu, oy, y, 6); break;
        }
    }
}

// MARK: Few inputs and outputs

/// `vectors` × 8 outputs of one row from column `ox` (input column `ix`, every kernel column
/// inside), all `outputs` channels: accumulators are outputs × vectors, pixels along the lanes; each
/// filter tap is broadcast once per run and meets every vector. With `tail` lanes (< 8) the last
/// vector is partial: it reads and writes only those.
INLINE AVX2 void few_both_run(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                              int relu, long iy, long ix, long ky_begin, long ky_end, float *out, long plane,
                              const int outputs, const int vectors, int tail) {
    __m256 acc[12], v[8];
    const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(tail ? tail : 8), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    for (int o = 0; o < outputs; o++) {
        const __m256 start = _mm256_set1_ps(bias ? bias[o] : 0);
        for (int p = 0; p < vectors; p++) acc[o * vectors + p] = start;
    }
    const long kw = g->kernel_width;
    for (long c = 0; c < g->input_channels; c++) {
        for (long ky = ky_begin; ky < ky_end; ky++) {
            const float *row = x + (c * g->input_height + iy + ky) * g->input_width + ix;
            const float *taps = packed + ((c * g->kernel_height + ky) * kw) * outputs;
            for (long kx = 0; kx < kw; kx++) {
                for (int p = 0; p < vectors; p++)
                    v[p] = tail && p == vectors - 1 ? _mm256_maskload_ps(row + kx + p * 8, lanes)
                                                    : _mm256_loadu_ps(row + kx + p * 8);
                for (int o = 0; o < outputs; o++) {
                    const __m256 w = _mm256_broadcast_ss(taps + kx * outputs + o);
                    for (int p = 0; p < vectors; p++) acc[o * vectors + p] = _mm256_fmadd_ps(v[p], w, acc[o * vectors + p]);
                }
            }
        }
    }
    for (int o = 0; o < outputs; o++)
        for (int p = 0; p < vectors; p++) {
            __m256 value = acc[o * vectors + p];
            if (relu) value = _mm256_max_ps(_mm256_setzero_ps(), value);  // NaN stays NaN
            if (tail && p == vectors - 1) _mm256_maskstore_ps(out + o * plane + p * 8, lanes, value);
            else _mm256_storeu_ps(out + o * plane + p * 8, value);
        }
}

/// One output pixel whose kernel is clipped by the input's edge, all outputs, in scalar arithmetic.
INLINE void few_both_pixel(const float *x, const cn_geometry *g, const float *packed, const float *bias, int relu,
                           long iy, long ix, long ky_begin, long ky_end, float *out, long plane) {
    long kx_begin, kx_end;
    inside(ix, g->kernel_width, g->input_width, &kx_begin, &kx_end);
    const long outputs = g->output_channels;
    for (long o = 0; o < outputs; o++) {
        float sum = bias ? bias[o] : 0;
        for (long c = 0; c < g->input_channels; c++)
            for (long ky = ky_begin; ky < ky_end; ky++) {
                const float *row = x + (c * g->input_height + iy + ky) * g->input_width + ix;
                const float *taps = packed + ((c * g->kernel_height + ky) * g->kernel_width) * outputs + o;
                for (long kx = kx_begin; kx < kx_end; kx++) sum += row[kx] * taps[kx * outputs];
            }
        out[o * plane] = relu && sum < 0 ? 0 : sum;
    }
}

/// One output row, all outputs: runs of `vectors` × 8 pixels inside, then single vectors, then one
/// partial vector; pixels whose kernel crosses the left or right edge one at a time.
INLINE AVX2 void few_both_row(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                              int relu, long oy, float *y, const int outputs, const int vectors) {
    const long plane = g->output_height * g->output_width;
    const long iy = oy - g->pad_top;
    long ky_begin, ky_end, interior_begin, interior_end;
    row_bounds(g, oy, &ky_begin, &ky_end, &interior_begin, &interior_end);
    float *out_row = y + oy * g->output_width;
    long ox = 0;
    for (; ox < interior_begin && ox < g->output_width; ox++)
        few_both_pixel(x, g, packed, bias, relu, iy, ox - g->pad_left, ky_begin, ky_end, out_row + ox, plane);
    for (; ox + vectors * 8 <= interior_end; ox += vectors * 8)
        few_both_run(x, g, packed, bias, relu, iy, ox - g->pad_left, ky_begin, ky_end, out_row + ox, plane, outputs,
                     vectors, 0);
    for (; ox + 8 <= interior_end; ox += 8)
        few_both_run(x, g, packed, bias, relu, iy, ox - g->pad_left, ky_begin, ky_end, out_row + ox, plane, outputs, 1, 0);
    if (ox < interior_end) {
        few_both_run(x, g, packed, bias, relu, iy, ox - g->pad_left, ky_begin, ky_end, out_row + ox, plane, outputs, 1,
                     (int)(interior_end - ox));
        ox = interior_end;
    }
    for (; ox < g->output_width; ox++)
        few_both_pixel(x, g, packed, bias, relu, iy, ox - g->pad_left, ky_begin, ky_end, out_row + ox, plane);
}

AVX2 void cn_few_inputs_and_outputs(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                                    int relu, long row_begin, long row_end, float *y) {
    for (long oy = row_begin; oy < row_end; oy++) {
        // outputs × vectors accumulators (≤ 12) and the vectors themselves fit the 16 registers.
        switch (g->output_channels) {
        case 1: few_both_row(x, g, packed, bias, relu, oy, y, 1, 6); break;
        case 2: few_both_row(x, g, packed, bias, relu, oy, y, 2, 4); break;
        case 3: few_both_row(x, g, packed, bias, relu, oy, y, 3, 3); break;
        case 4: few_both_row(x, g, packed, bias, relu, oy, y, 4, 2); break;
        case 5: few_both_row(x, g, packed, bias, relu, oy, y, 5, 2); break;
        default: few_both_row(x, g, packed, bias, relu, oy, y, 6, 2); break;
        }
    }
}

#else

int cn_available(void) { return 0; }
void cn_few_inputs(const float *x, const cn_geometry *g, const float *packed, const float *bias, int relu,
                   long row_begin, long row_end, float *y) {}
void cn_few_outputs(const float *x, const cn_geometry *g, const float *packed, const float *bias, int relu,
                    long row_begin, long row_end, float *y) {}
void cn_few_inputs_and_outputs(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                               int relu, long row_begin, long row_end, float *y) {}

#endif
