// Gram matrices of 8-channel-blocked feature maps and their input gradients, for AVX2; see
// include/CKernels.h.
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/// Pixels summed in float before the sums move to double.
enum { RUN = 512 };

/// Channel `c` of pixel 0 in a blocked plane set of `pixels` pixels: each next pixel 8 floats on.
INLINE const float *channel(const float *f, long pixels, long c) { return f + (c / 8) * pixels * 8 + c % 8; }

/// Rows [row, row + 8·blocks) against the 6 columns `columns` of F Fᵀ (columns past the last
/// channel repeat it), × scale, written at both (i, j) and (j, i) of the row-major `g`.
INLINE AVX2 void gram_tile(const float *f, long channels, long pixels, long row, const long columns[6], float scale,
                           float *g, const int blocks) {
    const float *rows = channel(f, pixels, row), *column[6];
    for (int k = 0; k < 6; k++) column[k] = channel(f, pixels, columns[k]);
    double total[12][8] = {{0}};
    for (long run = 0; run < pixels; run += RUN) {
        const long end = run + RUN < pixels ? run + RUN : pixels;
        __m256 acc[12];
        for (int i = 0; i < 12; i++) acc[i] = _mm256_setzero_ps();
        for (long p = run; p < end; p++) {
            const __m256 a0 = _mm256_loadu_ps(rows + p * 8);
            const __m256 a1 = blocks == 2 ? _mm256_loadu_ps(rows + (pixels + p) * 8) : a0;
            for (int k = 0; k < 6; k++) {
                const __m256 b = _mm256_broadcast_ss(column[k] + p * 8);
                acc[k] = _mm256_fmadd_ps(a0, b, acc[k]);
                if (blocks == 2) acc[6 + k] = _mm256_fmadd_ps(a1, b, acc[6 + k]);
            }
        }
        for (int i = 0; i < 6 * blocks; i++) {
            float lanes[8];
            _mm256_storeu_ps(lanes, acc[i]);
            for (int l = 0; l < 8; l++) total[i][l] += lanes[l];
        }
    }
    for (int b = 0; b < blocks; b++)
        for (int k = 0; k < 6; k++)
            for (int l = 0; l < 8; l++) {
                const long i = row + b * 8 + l, j = columns[k];
                g[i * channels + j] = g[j * channels + i] = (float)(total[b * 6 + k][l] * scale);
            }
}

AVX2 void ck_gram_blocked(const float *f, long channels, long pixels, long row_tile_begin, long row_tile_end,
                          float scale, float *g) {
    for (long tile = row_tile_begin; tile < row_tile_end; tile++) {
        const long row = tile * 16, blocks = channels - row >= 16 ? 2 : 1;
        // The upper triangle: columns from the tile's first row on.
        for (long first = row; first < channels; first += 6) {
            long columns[6];
            for (int k = 0; k < 6; k++) columns[k] = first + k < channels ? first + k : channels - 1;
            if (blocks == 2) gram_tile(f, channels, pixels, row, columns, scale, g, 2);
            else gram_tile(f, channels, pixels, row, columns, scale, g, 1);
        }
    }
}

/// `count` (≤ 6) pixels from `p` of output blocks [block, block + blocks): Σ over channels c of
/// column c of `s` (those blocks' rows; s symmetric, so row c) times F's channel c at each pixel.
INLINE AVX2 void backward_run(const float *s, const float *f, long channels, long pixels, long block, long p,
                              float scale, float *dx, const int blocks, const int count) {
    __m256 acc[12];
    for (int i = 0; i < 12; i++) acc[i] = _mm256_setzero_ps();
    for (long c = 0; c < channels; c++) {
        const __m256 s0 = _mm256_loadu_ps(s + c * channels + block * 8);
        const __m256 s1 = blocks == 2 ? _mm256_loadu_ps(s + c * channels + block * 8 + 8) : s0;
        const float *values = channel(f, pixels, c) + p * 8;
        for (int k = 0; k < count; k++) {
            const __m256 v = _mm256_broadcast_ss(values + k * 8);
            acc[k] = _mm256_fmadd_ps(s0, v, acc[k]);
            if (blocks == 2) acc[6 + k] = _mm256_fmadd_ps(s1, v, acc[6 + k]);
        }
    }
    const __m256 factor = _mm256_set1_ps(scale);
    for (int b = 0; b < blocks; b++)
        for (int k = 0; k < count; k++)
            _mm256_storeu_ps(dx + ((block + b) * pixels + p + k) * 8, _mm256_mul_ps(acc[b * 6 + k], factor));
}

AVX2 void ck_gram_backward_blocked(const float *s, const float *f, long channels, long pixels, long pixel_begin,
                                   long pixel_end, float scale, float *dx) {
    // Every pair of output blocks reads all of F's channels at its pixels: in chunks of about
    // 192 KB of F, so that the pairs after the first find them in this core's L2.
    long chunk = 49152 / channels / 6 * 6;
    if (chunk < 6) chunk = 6;
    for (long start = pixel_begin; start < pixel_end; start += chunk) {
        const long end = start + chunk < pixel_end ? start + chunk : pixel_end;
        for (long block = 0; block < channels / 8; block += 2) {
            const int pair = channels / 8 - block >= 2;
            long p = start;
            for (; p + 6 <= end; p += 6) {
                if (pair) backward_run(s, f, channels, pixels, block, p, scale, dx, 2, 6);
                else backward_run(s, f, channels, pixels, block, p, scale, dx, 1, 6);
            }
            for (; p < end; p++) {
                if (pair) backward_run(s, f, channels, pixels, block, p, scale, dx, 2, 1);
                else backward_run(s, f, channels, pixels, block, p, scale, dx, 1, 1);
            }
        }
    }
}

#else

void ck_gram_blocked(const float *f, long channels, long pixels, long row_tile_begin, long row_tile_end,
                     float scale, float *g) {}
void ck_gram_backward_blocked(const float *s, const float *f, long channels, long pixels, long pixel_begin,
                              long pixel_end, float scale, float *dx) {}

#endif
