// Winograd F(4×4, 3×3) and F(6×6, 3×3) kernels for AVX2 + FMA; see include/CWinograd.h.
//
// Every loop is written once for a tile of T×T outputs (T = 4 or 6) read from (T + 2)×(T + 2)
// inputs; the exported functions call it with T a constant, so each size compiles to its own
// fully unrolled code.
#include "CWinograd.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma")))
/// Inlined into each caller, so that a constant tile size unrolls its loops.
#define INLINE static inline __attribute__((always_inline, target("avx2,fma")))

/// Largest number of interpolation points (F(6×6, 3×3): 8).
enum { MAX_POINTS = 8 };

long cw_padded(long floats) { return floats + 16; }

int cw_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// MARK: Filters

/// `G` of F(4×4, 3×3) (points 0, ±1, ±2, ∞) applied to taps a, b, c of eight filters (one per lane): six values.
INLINE void filter_transform6(__m256 a, __m256 b, __m256 c, __m256 out[6]) {
    const __m256 outer = _mm256_add_ps(a, c);
    const __m256 twice = _mm256_add_ps(b, b), four_c = _mm256_mul_ps(_mm256_set1_ps(4), c);
    out[0] = _mm256_mul_ps(a, _mm256_set1_ps(0.25f));
    out[1] = _mm256_mul_ps(_mm256_add_ps(outer, b), _mm256_set1_ps(-1.0f / 6));
    out[2] = _mm256_mul_ps(_mm256_sub_ps(outer, b), _mm256_set1_ps(-1.0f / 6));
    out[3] = _mm256_mul_ps(_mm256_add_ps(_mm256_add_ps(a, twice), four_c), _mm256_set1_ps(1.0f / 24));
    out[4] = _mm256_mul_ps(_mm256_add_ps(_mm256_sub_ps(a, twice), four_c), _mm256_set1_ps(1.0f / 24));
    out[5] = c;
}

/// `G` of F(6×6, 3×3) (points 0, ±1, ±2, ±1/2, ∞) applied to taps a, b, c: eight values.
INLINE void filter_transform8(__m256 a, __m256 b, __m256 c, __m256 out[8]) {
    const __m256 outer = _mm256_add_ps(a, c), twice = _mm256_add_ps(b, b);
    const __m256 near = _mm256_fmadd_ps(_mm256_set1_ps(4), c, a), far = _mm256_fmadd_ps(_mm256_set1_ps(4), a, c);
    out[0] = a;
    out[1] = _mm256_mul_ps(_mm256_add_ps(outer, b), _mm256_set1_ps(-2.0f / 9));
    out[2] = _mm256_mul_ps(_mm256_sub_ps(outer, b), _mm256_set1_ps(-2.0f / 9));
    out[3] = _mm256_mul_ps(_mm256_add_ps(near, twice), _mm256_set1_ps(1.0f / 90));
    out[4] = _mm256_mul_ps(_mm256_sub_ps(near, twice), _mm256_set1_ps(1.0f / 90));
    out[5] = _mm256_mul_ps(_mm256_add_ps(far, twice), _mm256_set1_ps(8.0f / 45));
    out[6] = _mm256_mul_ps(_mm256_sub_ps(far, twice), _mm256_set1_ps(8.0f / 45));
    out[7] = c;
}

INLINE void filter_transform(int points, __m256 a, __m256 b, __m256 c, __m256 *out) {
    if (points == 8) filter_transform8(a, b, c, out); else filter_transform6(a, b, c, out);
}

INLINE void transform_filters(const float *weights, long outputs, long inputs, int transposed, const int points,
                              long panel_begin, long panel_end, float *packed) {
    const long rows = transposed ? outputs : inputs, columns = transposed ? inputs : outputs;
    // Lane l of a group of eight filters is filter `column + l`: `lane_step` floats after lane 0.
    const long lane_step = transposed ? 9 : inputs * 9;
    const __m256i lanes = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)lane_step));
    for (long panel = panel_begin; panel < panel_end; panel++) {
        for (long row = 0; row < rows; row++) {
            for (long half = 0; half < 2; half++) {
                const long column = panel * 16 + half * 8;
                const long o = transposed ? row : column, i = transposed ? column : row;
                const float *first = weights + (o * inputs + i) * 9;
                // The lines of the fourth row ahead: the lanes' filters lie far apart (forward),
                // or the rows do (transposed), both more streams than the prefetchers follow.
                if (transposed) {
                    for (int line = 0; line < 80; line += 16) _mm_prefetch((const char *)(first + 4 * inputs * 9 + line), _MM_HINT_T0);
                } else {
                    for (int lane = 0; lane < 8; lane++) _mm_prefetch((const char *)(first + lane * lane_step + 4 * 9), _MM_HINT_T0);
                }
                __m256 taps[9];
                for (int k = 0; k < 9; k++) taps[k] = _mm256_i32gather_ps(first + (transposed ? 8 - k : k), lanes, 4);
                __m256 columns_done[MAX_POINTS][3], out[MAX_POINTS];
                for (int c = 0; c < 3; c++) {
                    filter_transform(points, taps[c], taps[3 + c], taps[6 + c], out);
                    for (int r = 0; r < points; r++) columns_done[r][c] = out[r];
                }
                for (int r = 0; r < points; r++) {
                    filter_transform(points, columns_done[r][0], columns_done[r][1], columns_done[r][2], out);
                    for (int c = 0; c < points; c++) {
                        float *to = packed + (r * points + c) * cw_padded(rows * columns) + (panel * rows + row) * 16 + half * 8;
                        _mm256_storeu_ps(to, out[c]);
                    }
                }
            }
        }
    }
}

AVX2 void cw_transform_filters(const float *weights, long outputs, long inputs, int transposed, long tile,
                               long panel_begin, long panel_end, float *packed) {
    if (tile == 6) transform_filters(weights, outputs, inputs, transposed, 8, panel_begin, panel_end, packed);
    else transform_filters(weights, outputs, inputs, transposed, 6, panel_begin, panel_end, packed);
}

// MARK: Inputs

/// `Bᵀ` of F(4×4, 3×3) applied to six vectors.
INLINE void input_transform6(const __m256 d[6], __m256 out[6]) {
    const __m256 four = _mm256_set1_ps(4), five = _mm256_set1_ps(5);
    const __m256 a = _mm256_fnmadd_ps(four, d[2], d[4]), b = _mm256_fnmadd_ps(four, d[1], d[3]);
    const __m256 c = _mm256_sub_ps(d[4], d[2]), e0 = _mm256_sub_ps(d[3], d[1]), e = _mm256_add_ps(e0, e0);
    out[0] = _mm256_add_ps(_mm256_fnmadd_ps(five, d[2], _mm256_mul_ps(four, d[0])), d[4]);
    out[1] = _mm256_add_ps(a, b);
    out[2] = _mm256_sub_ps(a, b);
    out[3] = _mm256_add_ps(c, e);
    out[4] = _mm256_sub_ps(c, e);
    out[5] = _mm256_add_ps(_mm256_fnmadd_ps(five, d[3], _mm256_mul_ps(four, d[1])), d[5]);
}

/// `Bᵀ` of F(6×6, 3×3) applied to eight vectors: each ± pair of points shares an even part
/// (d₂, d₄, d₆) and an odd part (d₁, d₃, d₅).
INLINE void input_transform8(const __m256 d[8], __m256 out[8]) {
    const __m256 k425 = _mm256_set1_ps(4.25f), k525 = _mm256_set1_ps(5.25f);
    const __m256 k25 = _mm256_set1_ps(2.5f), k125 = _mm256_set1_ps(1.25f);
    out[0] = _mm256_fmadd_ps(k525, _mm256_sub_ps(d[4], d[2]), _mm256_sub_ps(d[0], d[6]));
    out[7] = _mm256_fmadd_ps(k525, _mm256_sub_ps(d[3], d[5]), _mm256_sub_ps(d[7], d[1]));
    const __m256 even1 = _mm256_fnmadd_ps(k425, d[4], _mm256_add_ps(d[2], d[6]));
    const __m256 odd1 = _mm256_fnmadd_ps(k425, d[3], _mm256_add_ps(d[1], d[5]));
    out[1] = _mm256_add_ps(even1, odd1);
    out[2] = _mm256_sub_ps(even1, odd1);
    // Points ±2 read (¼d₂ − 1¼d₄ + d₆) and (½d₁ − 2½d₃ + 2d₅); points ±½ (4d₂ − 5d₄ + d₆) and (2d₁ − 2½d₃ + ½d₅).
    const __m256 even2 = _mm256_fnmadd_ps(k125, d[4], _mm256_fmadd_ps(_mm256_set1_ps(0.25f), d[2], d[6]));
    const __m256 odd2 = _mm256_fmadd_ps(_mm256_set1_ps(2), d[5], _mm256_fnmadd_ps(k25, d[3], _mm256_mul_ps(_mm256_set1_ps(0.5f), d[1])));
    out[3] = _mm256_add_ps(even2, odd2);
    out[4] = _mm256_sub_ps(even2, odd2);
    const __m256 even3 = _mm256_fnmadd_ps(_mm256_set1_ps(5), d[4], _mm256_fmadd_ps(_mm256_set1_ps(4), d[2], d[6]));
    const __m256 odd3 = _mm256_fmadd_ps(_mm256_set1_ps(0.5f), d[5], _mm256_fnmadd_ps(k25, d[3], _mm256_add_ps(d[1], d[1])));
    out[5] = _mm256_add_ps(even3, odd3);
    out[6] = _mm256_sub_ps(even3, odd3);
}

INLINE void input_transform(int points, const __m256 *d, __m256 *out) {
    if (points == 8) input_transform8(d, out); else input_transform6(d, out);
}

/// `v` where the eight mask bytes at `mask` are non-zero, else 0.
INLINE __m256 masked(__m256 v, const unsigned char *mask) {
    const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)mask));
    return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_cmpgt_epi32(bytes, _mm256_setzero_si256())));
}

INLINE void transform_inputs(const float *x, const cw_side *in, const int tile, long first, long group,
                             long begin, long end, float *v) {
    enum { LINE = 8 };  // floats per pixel of a channel block
    const int points = tile + 2;
    const long blocks = in->channels / 8, position_stride = cw_padded(group * in->channels);
    const long plane_size = in->height * in->width * 8;
    for (long local = begin; local < end; local++) {
        const long t = first + local;
        const long image = t / in->tiles_per_image, index = t % in->tiles_per_image;
        const long top = (index / in->tiles_across) * tile - in->pad_top;
        const long left = (index % in->tiles_across) * tile - in->pad_left;
        const int inside = top >= 0 && left >= 0 && top + points <= in->height && left + points <= in->width;
        const float *image_start = x + image * blocks * plane_size;
        float *destination = v + local * in->channels;
        for (long block = 0; block < blocks; block++) {
            const float *plane = image_start + block * plane_size;
            __m256 d[MAX_POINTS][MAX_POINTS], t[MAX_POINTS][MAX_POINTS], column[MAX_POINTS], out[MAX_POINTS];
            for (int i = 0; i < points; i++) {
                const long y = top + i;
                const float *row = plane + (y * in->width + left) * LINE;
                if (inside) {
                    for (int j = 0; j < points; j++) d[i][j] = _mm256_loadu_ps(row + j * LINE);
                    // The pixels the third tile ahead adds, [3T + 2, 4T + 2) (the hardware
                    // prefetchers lose track of this many rows and channel blocks at once):
                    // F(4×4)'s input transform took 1.5× as long without.
                    if (local + 1 < end) {
                        for (int p = 3 * tile + 2; p < 4 * tile + 2; p += 2) _mm_prefetch((const char *)(row + p * LINE), _MM_HINT_T0);
                        if (in->mask) _mm_prefetch((const char *)(in->mask + (row - x) + (3 * tile + 2) * LINE), _MM_HINT_T0);
                    }
                } else {
                    for (int j = 0; j < points; j++) {
                        const long xx = left + j;
                        d[i][j] = y >= 0 && y < in->height && xx >= 0 && xx < in->width
                            ? _mm256_loadu_ps(row + j * LINE) : _mm256_setzero_ps();
                    }
                }
                if (in->mask) {
                    // Outside the picture d is already 0; the mask is read only where x is.
                    const unsigned char *mask_row = in->mask + (row - x);
                    for (int j = 0; j < points; j++) {
                        const long xx = left + j;
                        if (inside || (y >= 0 && y < in->height && xx >= 0 && xx < in->width))
                            d[i][j] = masked(d[i][j], mask_row + j * LINE);
                    }
                }
            }
            for (int j = 0; j < points; j++) {
                for (int i = 0; i < points; i++) column[i] = d[i][j];
                input_transform(points, column, out);
                for (int k = 0; k < points; k++) t[k][j] = out[k];
            }
            for (int i = 0; i < points; i++) {
                input_transform(points, t[i], out);
                for (int j = 0; j < points; j++)
                    _mm256_storeu_ps(destination + (i * points + j) * position_stride + block * 8, out[j]);
            }
        }
    }
}

AVX2 void cw_transform_inputs(const float *x, const cw_side *in, long first, long group,
                              long begin, long end, float *v) {
    if (in->tile == 6) transform_inputs(x, in, 6, first, group, begin, end, v);
    else transform_inputs(x, in, 4, first, group, begin, end, v);
}

// MARK: Products

/// C[rows][16] (row stride ldc) = A[rows][k] (row stride lda) · B[k][16], for rows ≤ 6.
static inline AVX2 void multiply_6x16(long k, const float *a, long lda, const float *b, float *c, long ldc, long rows) {
    const float *r[6];
    for (int i = 0; i < 6; i++) r[i] = a + (i < rows ? i : rows - 1) * lda;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    _Pragma("clang loop unroll_count(4)")
    for (long p = 0; p < k; p++) {
        const __m256 b0 = _mm256_loadu_ps(b + p * 16), b1 = _mm256_loadu_ps(b + p * 16 + 8);
        __m256 s;
        s = _mm256_broadcast_ss(r[0] + p); c00 = _mm256_fmadd_ps(s, b0, c00); c01 = _mm256_fmadd_ps(s, b1, c01);
        s = _mm256_broadcast_ss(r[1] + p); c10 = _mm256_fmadd_ps(s, b0, c10); c11 = _mm256_fmadd_ps(s, b1, c11);
        s = _mm256_broadcast_ss(r[2] + p); c20 = _mm256_fmadd_ps(s, b0, c20); c21 = _mm256_fmadd_ps(s, b1, c21);
        s = _mm256_broadcast_ss(r[3] + p); c30 = _mm256_fmadd_ps(s, b0, c30); c31 = _mm256_fmadd_ps(s, b1, c31);
        s = _mm256_broadcast_ss(r[4] + p); c40 = _mm256_fmadd_ps(s, b0, c40); c41 = _mm256_fmadd_ps(s, b1, c41);
        s = _mm256_broadcast_ss(r[5] + p); c50 = _mm256_fmadd_ps(s, b0, c50); c51 = _mm256_fmadd_ps(s, b1, c51);
    }
    const __m256 rows_done[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (long i = 0; i < rows; i++) {
        _mm256_storeu_ps(c + i * ldc, rows_done[i][0]);
        _mm256_storeu_ps(c + i * ldc + 8, rows_done[i][1]);
    }
}

/// Asks the caches for `bytes` from `start` (the next block's operands, while this one computes).
static inline void prefetch(const float *start, long bytes) {
    for (long offset = 0; offset < bytes; offset += 64) _mm_prefetch((const char *)start + offset, _MM_HINT_T0);
}

AVX2 void cw_multiply(const float *v, const float *packed, long count, long inputs, long outputs,
                      long position, float *m) {
    const long panels = outputs / 16;
    const float *a = v + position * cw_padded(count * inputs);
    float *c = m + position * cw_padded(count * outputs);
    // Rows in chunks of about 128 KB of `a` (kept in L2 while every panel passes over them); each
    // panel (`inputs`×16, up to 32 KB) stays in L1 while the chunk's rows use it.
    long chunk = (32768 / inputs) / 6 * 6;
    if (chunk < 6) chunk = 6;
    for (long start = 0; start < count; start += chunk) {
        const long end = start + chunk < count ? start + chunk : count;
        for (long panel = 0; panel < panels; panel++) {
            const float *b = packed + position * cw_padded(inputs * outputs) + panel * inputs * 16;
            const long blocks = (end - start + 5) / 6, panel_bytes = inputs * 16 * 4;
            for (long row = start, block = 0; row < end; row += 6, block++) {
                const long rows = end - row < 6 ? end - row : 6;
                // The first pass brings the chunk's rows in; every pass brings in a share of the next panel.
                if (panel == 0 && row + 6 < end) prefetch(a + (row + 6) * inputs, (end - row - 6 < 6 ? end - row - 6 : 6) * inputs * 4);
                if (panel + 1 < panels) prefetch(b + inputs * 16 + block * panel_bytes / blocks / 16 * 16,
                                                 panel_bytes / blocks + 64);
                multiply_6x16(inputs, a + row * inputs, inputs, b, c + row * outputs + panel * 16, outputs, rows);
            }
        }
    }
}

// MARK: Outputs

/// `Aᵀ` of F(4×4, 3×3) applied to six vectors: four values.
INLINE void output_transform6(const __m256 m[6], __m256 out[4]) {
    const __m256 sum12 = _mm256_add_ps(m[1], m[2]), difference12 = _mm256_sub_ps(m[1], m[2]);
    const __m256 sum34 = _mm256_add_ps(m[3], m[4]), difference34 = _mm256_sub_ps(m[3], m[4]);
    out[0] = _mm256_add_ps(_mm256_add_ps(m[0], sum12), sum34);
    out[1] = _mm256_fmadd_ps(_mm256_set1_ps(2), difference34, difference12);
    out[2] = _mm256_fmadd_ps(_mm256_set1_ps(4), sum34, sum12);
    out[3] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8), difference34, difference12), m[5]);
}

/// `Aᵀ` of F(6×6, 3×3) applied to eight vectors: six values (powers of ±1, ±2 and ±½).
INLINE void output_transform8(const __m256 m[8], __m256 out[6]) {
    const __m256 sum12 = _mm256_add_ps(m[1], m[2]), difference12 = _mm256_sub_ps(m[1], m[2]);
    const __m256 sum34 = _mm256_add_ps(m[3], m[4]), difference34 = _mm256_sub_ps(m[3], m[4]);
    const __m256 sum56 = _mm256_add_ps(m[5], m[6]), difference56 = _mm256_sub_ps(m[5], m[6]);
#define TERM(k, a, b) _mm256_fmadd_ps(_mm256_set1_ps(k), a, b)
    out[0] = _mm256_add_ps(_mm256_add_ps(m[0], sum12), _mm256_add_ps(sum34, sum56));
    out[1] = TERM(2, difference34, TERM(0.5f, difference56, difference12));
    out[2] = TERM(4, sum34, TERM(0.25f, sum56, sum12));
    out[3] = TERM(8, difference34, TERM(0.125f, difference56, difference12));
    out[4] = TERM(16, sum34, TERM(0.0625f, sum56, sum12));
    out[5] = _mm256_add_ps(TERM(32, difference34, TERM(0.03125f, difference56, difference12)), m[7]);
#undef TERM
}

INLINE void output_transform(int points, const __m256 *m, __m256 *out) {
    if (points == 8) output_transform8(m, out); else output_transform6(m, out);
}

INLINE void transform_outputs(const float *m, const cw_side *out_side, const int tile, long first, long group,
                              long begin, long end, const float *bias, int relu, float *y) {
    const int points = tile + 2;
    const long blocks = out_side->channels / 8, position_stride = cw_padded(group * out_side->channels);
    const long plane_size = out_side->height * out_side->width * 8;
    for (long local = begin; local < end; local++) {
        const long t = first + local;
        const long image = t / out_side->tiles_per_image, index = t % out_side->tiles_per_image;
        const long row = (index / out_side->tiles_across) * tile, column = (index % out_side->tiles_across) * tile;
        const long rows = out_side->height - row < tile ? out_side->height - row : tile;
        const long columns = out_side->width - column < tile ? out_side->width - column : tile;
        const float *source = m + local * out_side->channels;
        for (long block = 0; block < blocks; block++) {
            __m256 s[MAX_POINTS][MAX_POINTS], t[MAX_POINTS - 2][MAX_POINTS], column_in[MAX_POINTS], out[MAX_POINTS - 2];
            for (int i = 0; i < points; i++)
                for (int j = 0; j < points; j++) s[i][j] = _mm256_loadu_ps(source + (i * points + j) * position_stride + block * 8);
            for (int j = 0; j < points; j++) {
                for (int i = 0; i < points; i++) column_in[i] = s[i][j];
                output_transform(points, column_in, out);
                for (int k = 0; k < tile; k++) t[k][j] = out[k];
            }
            const __m256 offset = bias ? _mm256_loadu_ps(bias + block * 8) : _mm256_setzero_ps();
            float *plane = y + (image * blocks + block) * plane_size;
            for (long i = 0; i < rows; i++) {
                output_transform(points, t[i], out);
                float *destination = plane + ((row + i) * out_side->width + column) * 8;
                if (local + 2 < end) {  // the pixels of the tile after next, [2T, 3T) (as for the inputs)
                    for (int p = 2 * tile; p < 3 * tile; p += 2) _mm_prefetch((const char *)(destination + p * 8), _MM_HINT_T0);
                }
                for (long j = 0; j < columns; j++) {
                    __m256 value = _mm256_add_ps(out[j], offset);
                    if (relu) value = _mm256_max_ps(_mm256_setzero_ps(), value);  // NaN stays NaN
                    _mm256_storeu_ps(destination + j * 8, value);
                }
            }
        }
    }
}

AVX2 void cw_transform_outputs(const float *m, const cw_side *out_side, long first, long group,
                               long begin, long end, const float *bias, int relu, float *y) {
    if (out_side->tile == 6) transform_outputs(m, out_side, 6, first, group, begin, end, bias, relu, y);
    else transform_outputs(m, out_side, 4, first, group, begin, end, bias, relu, y);
}

// MARK: All three, a few tiles at a time

AVX2 void cw_convolve_tiles(const float *x, const cw_side *input, const cw_side *output, const float *packed,
                            long begin, long end, long block, const float *bias, int relu, float *y,
                            float *scratch) {
    float *v = scratch, *m = scratch + (input->tile + 2) * (input->tile + 2) * cw_padded(block * input->channels);
    for (long first = begin; first < end; first += block) {
        const long count = end - first < block ? end - first : block;
        cw_transform_inputs(x, input, first, count, 0, count, v);
        const long positions = (input->tile + 2) * (input->tile + 2);
        for (long position = 0; position < positions; position++)
            cw_multiply(v, packed, count, input->channels, output->channels, position, m);
        cw_transform_outputs(m, output, first, count, 0, count, bias, relu, y);
    }
}

#else

void cw_convolve_tiles(const float *x, const cw_side *input, const cw_side *output, const float *packed,
                       long begin, long end, long block, const float *bias, int relu, float *y,
                       float *scratch) {}
long cw_padded(long floats) { return floats + 16; }
int cw_available(void) { return 0; }
void cw_transform_filters(const float *weights, long outputs, long inputs, int transposed, long tile,
                          long panel_begin, long panel_end, float *packed) {}
void cw_transform_inputs(const float *x, const cw_side *input, long first, long group,
                         long begin, long end, float *v) {}
void cw_multiply(const float *v, const float *packed, long count, long inputs, long outputs,
                 long position, float *m) {}
void cw_transform_outputs(const float *m, const cw_side *output, long first, long group,
                          long begin, long end, const float *bias, int relu, float *y) {}

#endif
