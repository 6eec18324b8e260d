// Few-input convolutions with 9-wide kernels by Winograd's F(8, 9) along rows; see
// include/CNarrowConvolution.h.
//
// Each kernel row is a 1-D correlation of 9 taps, and F(8, 9) computes 8 neighbouring outputs of
// one from 16 inputs with 16 products instead of 72: the 16 inputs are transformed (Bᵀd), the 9
// taps are transformed once (Gg), the products are summed over input channels and kernel rows in
// the transformed domain, and one output transform (Aᵀ) per tile gives the 8 outputs. Bᵀ, G and
// Aᵀ come from evaluating polynomials at 0, ±1, ±2, ±1/2, ±3/2, ±2/3, ±3, ±1/3 and infinity
// (Toom-Cook); their f32 rounding leaves about 3·10⁻⁵ of the output's scale (10⁻⁴ at worst),
// against 10⁻⁶ for a direct sum.
#include "CNarrowConvolution.h"
#include <math.h>
#include <string.h>

enum { TILE = 8, TAPS = 9, POINTS = 16, PAIRS = 7 };

/// The positive members of the ± pairs; point 0 is 0, point 2k + 1 is +pair[k], point 2k + 2 is
/// −pair[k], point 15 is infinity.
#define FOR_EACH_PAIR(X) X(1.0) X(2.0) X(0.5) X(1.5) X(2.0 / 3) X(3.0) X(1.0 / 3)
#define VALUE(a) a,
static const double pairs[PAIRS] = {FOR_EACH_PAIR(VALUE)};

/// The 15 finite points in order.
static void finite_points(double points[POINTS - 1]) {
    points[0] = 0;
    for (int k = 0; k < PAIRS; k++) points[2 * k + 1] = pairs[k], points[2 * k + 2] = -pairs[k];
}

/// The coefficients (lowest first) of the product of (x − points[k]) over every k but `skip`
/// (−1 for none).
static void vanishing_polynomial(const double points[POINTS - 1], int skip, double coefficients[POINTS]) {
    memset(coefficients, 0, POINTS * sizeof(double));
    coefficients[0] = 1;
    int degree = 0;
    for (int k = 0; k < POINTS - 1; k++) {
        if (k == skip) continue;
        for (int i = degree + 1; i > 0; i--) coefficients[i] = coefficients[i - 1] - points[k] * coefficients[i];
        coefficients[0] *= -points[k];
        degree++;
    }
}

/// G (taps → points) and Bᵀ (inputs → points), rows balanced so that G's largest entry in each is 1.
static void transforms(double g[POINTS][TAPS], double bt[POINTS][POINTS]) {
    double points[POINTS - 1];
    finite_points(points);
    for (int j = 0; j < POINTS - 1; j++) {
        // Lagrange: the product over the other points, divided by its value at this one.
        double scale = 1, largest = 0;
        for (int k = 0; k < POINTS - 1; k++)
            if (k != j) scale *= points[j] - points[k];
        double power = 1;
        for (int k = 0; k < TAPS; k++, power *= points[j]) {
            g[j][k] = power / scale;
            if (fabs(g[j][k]) > largest) largest = fabs(g[j][k]);
        }
        for (int k = 0; k < TAPS; k++) g[j][k] /= largest;
        vanishing_polynomial(points, j, bt[j]);
        for (int i = 0; i < POINTS; i++) bt[j][i] *= largest;
    }
    for (int k = 0; k < TAPS; k++) g[POINTS - 1][k] = k == TAPS - 1;
    vanishing_polynomial(points, -1, bt[POINTS - 1]);
}

long cn_winograd_rows_packed_count(const cn_geometry *g) {
    return g->output_channels * POINTS * g->input_channels * g->kernel_height;
}

void cn_winograd_rows_pack(const cn_geometry *g, const float *taps, float *packed) {
    double gm[POINTS][TAPS], bt[POINTS][POINTS];
    transforms(gm, bt);
    const long inputs = g->input_channels, kh = g->kernel_height;
    for (long o = 0; o < g->output_channels; o++)
        for (int p = 0; p < POINTS; p++)
            for (long c = 0; c < inputs; c++)
                for (long ky = 0; ky < kh; ky++) {
                    const float *row = taps + ((o * inputs + c) * kh + ky) * TAPS;
                    double sum = 0;
                    for (int k = 0; k < TAPS; k++) sum += gm[p][k] * row[k];
                    packed[((((o / 8) * POINTS + p) * inputs + c) * kh + ky) * 8 + o % 8] = (float)sum;
                }
}

/// Floats between one channel's transformed row and the next: a line (16 floats) more than the
/// tiles need, and between ring slots a line more than the channels need, so that the lines one
/// tile reads from every channel and row fall in different cache sets (at widths of a power of
/// two they would all share one, 4 KiB apart, and evict each other from the 8-way L1).
static long channel_stride(long tiles) { return (tiles + 1) * POINTS; }
static long slot_stride(const cn_geometry *g, long tiles) { return g->input_channels * channel_stride(tiles) + POINTS; }

long cn_winograd_rows_workspace_count(const cn_geometry *g) {
    const long tiles = (g->output_width + TILE - 1) / TILE;
    // The transformed input rows (a ring of kernel_height), one zero-padded input row, the products.
    return g->kernel_height * slot_stride(g, tiles) + (tiles + 1) * TILE + 6 * POINTS * 2 * 8;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/// Input row `iy` of every channel, transformed tile by tile into `slot` as [channel][tile][point].
INLINE AVX2 void transform_input_row(const float *x, const cn_geometry *g, long iy, long tiles,
                                     const float columns[POINTS][POINTS], float *padded, float *slot) {
    const long width = g->input_width, padded_width = (tiles + 1) * TILE;
    const long first = g->pad_left, last = first + width < padded_width ? first + width : padded_width;
    for (long c = 0; c < g->input_channels; c++) {
        const float *row = x + (c * g->input_height + iy) * width;
        memset(padded, 0, padded_width * sizeof(float));
        if (last > first) memcpy(padded + first, row, (last - first) * sizeof(float));
        float *out = slot + c * channel_stride(tiles);
        for (long t = 0; t < tiles; t++) {
            __m256 low = _mm256_setzero_ps(), high = _mm256_setzero_ps();
            for (int i = 0; i < POINTS; i++) {
                const __m256 d = _mm256_broadcast_ss(padded + t * TILE + i);
                low = _mm256_fmadd_ps(d, _mm256_loadu_ps(columns[i]), low);
                high = _mm256_fmadd_ps(d, _mm256_loadu_ps(columns[i] + 8), high);
            }
            _mm256_storeu_ps(out + t * POINTS, low);
            _mm256_storeu_ps(out + t * POINTS + 8, high);
        }
    }
}

/// The products of `tiles` tiles from `t0` for `blocks` (1 or 2) blocks of eight outputs, summed
/// over input channels and kernel rows [ky_begin, ky_end), into `products` as [tile][point][block][8].
INLINE AVX2 void multiply(const float *const *rows, const float *u, long block_stride, long inputs, long kh,
                          long ky_begin, long ky_end, long tiles_in_row, long t0, float *products, const int blocks,
                          const int tiles) {
    for (int p = 0; p < POINTS; p++) {
        __m256 acc[12];
        for (int i = 0; i < tiles * blocks; i++) acc[i] = _mm256_setzero_ps();
        for (long c = 0; c < inputs; c++) {
            for (long ky = ky_begin; ky < ky_end; ky++) {
                const float *taps = u + ((p * inputs + c) * kh + ky) * 8;
                const __m256 w0 = _mm256_loadu_ps(taps);
                const __m256 w1 = blocks == 2 ? _mm256_loadu_ps(taps + block_stride) : w0;
                const float *v = rows[ky] + c * channel_stride(tiles_in_row) + t0 * POINTS + p;
                for (int i = 0; i < tiles; i++) {
                    const __m256 d = _mm256_broadcast_ss(v + i * POINTS);
                    acc[i * blocks] = _mm256_fmadd_ps(d, w0, acc[i * blocks]);
                    if (blocks == 2) acc[i * blocks + 1] = _mm256_fmadd_ps(d, w1, acc[i * blocks + 1]);
                }
            }
        }
        for (int i = 0; i < tiles; i++)
            for (int b = 0; b < blocks; b++) _mm256_storeu_ps(products + ((i * POINTS + p) * 2 + b) * 8, acc[i * blocks + b]);
    }
}

/// aʲ for j < 8 and each of `pairs`, as constants the output transform multiplies by.
#define POWERS(a) {1.0f, (float)(a), (float)((a) * (a)), (float)((a) * (a) * (a)), (float)((a) * (a) * (a) * (a)), \
    (float)((a) * (a) * (a) * (a) * (a)), (float)((a) * (a) * (a) * (a) * (a) * (a)), \
    (float)((a) * (a) * (a) * (a) * (a) * (a) * (a))},
static const float powers[PAIRS][TILE] = {FOR_EACH_PAIR(POWERS)};

/// Aᵀ on one tile's 16 product vectors: 8 output vectors (pixels of eight channels), plus bias,
/// ReLU, stored up to `count` pixels. Point pairs ±a enter output j as aʲ(P₊ ± P₋).
INLINE AVX2 void transform_output(const float *products, __m256 bias, int relu, long count, float *out) {
    __m256 even[PAIRS], odd[PAIRS], y[TILE];
    for (int k = 0; k < PAIRS; k++) {
        const __m256 plus = _mm256_loadu_ps(products + (2 * k + 1) * 16), minus = _mm256_loadu_ps(products + (2 * k + 2) * 16);
        even[k] = _mm256_add_ps(plus, minus);
        odd[k] = _mm256_sub_ps(plus, minus);
    }
#pragma clang loop unroll(full)
    for (int j = 0; j < TILE; j++) {
        // Two chains of sums, so that the multiply-adds of one output overlap.
        __m256 first = j == 0 ? _mm256_add_ps(bias, _mm256_loadu_ps(products)) : bias;
        __m256 second = j == TILE - 1 ? _mm256_loadu_ps(products + (POINTS - 1) * 16) : _mm256_setzero_ps();
#pragma clang loop unroll(full)
        for (int k = 0; k < PAIRS; k++) {
            const __m256 term = j % 2 ? odd[k] : even[k], power = _mm256_set1_ps(powers[k][j]);
            if (k % 2) second = _mm256_fmadd_ps(power, term, second);
            else first = _mm256_fmadd_ps(power, term, first);
        }
        y[j] = _mm256_add_ps(first, second);
        if (relu) y[j] = _mm256_max_ps(_mm256_setzero_ps(), y[j]);  // NaN stays NaN
    }
    for (int j = 0; j < TILE && j < count; j++) _mm256_storeu_ps(out + j * 8, y[j]);
}

/// `tiles` tiles from `t0` of output row `oy` for `blocks` blocks from `first_block`.
INLINE AVX2 void tiles_run(const float *const *rows, const cn_geometry *g, const float *packed, const float *bias,
                           int relu, long oy, long ky_begin, long ky_end, long tiles_in_row, long t0, long first_block,
                           float *products, float *y, const int blocks, const int tiles) {
    const long inputs = g->input_channels, kh = g->kernel_height;
    const long block_stride = POINTS * inputs * kh * 8;
    multiply(rows, packed + first_block * block_stride, block_stride, inputs, kh, ky_begin, ky_end, tiles_in_row, t0,
             products, blocks, tiles);
    const long plane = g->output_height * g->output_width * 8;
    for (int i = 0; i < tiles; i++) {
        const long x0 = (t0 + i) * TILE, count = g->output_width - x0 < TILE ? g->output_width - x0 : TILE;
        for (int b = 0; b < blocks; b++) {
            const __m256 start = bias ? _mm256_loadu_ps(bias + (first_block + b) * 8) : _mm256_setzero_ps();
            transform_output(products + (i * POINTS * 2 + b) * 8, start, relu, count,
                             y + (first_block + b) * plane + (oy * g->output_width + x0) * 8);
        }
    }
}

AVX2 void cn_few_inputs_winograd_rows(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                                      int relu, long row_begin, long row_end, float *workspace, float *y) {
    double gm[POINTS][TAPS], bt[POINTS][POINTS];
    transforms(gm, bt);
    float columns[POINTS][POINTS];
    for (int i = 0; i < POINTS; i++)
        for (int p = 0; p < POINTS; p++) columns[i][p] = (float)bt[p][i];
    const long kh = g->kernel_height, tiles_in_row = (g->output_width + TILE - 1) / TILE;
    const long slot_size = slot_stride(g, tiles_in_row);
    float *ring = workspace, *padded = ring + kh * slot_size, *products = padded + (tiles_in_row + 1) * TILE;
    const long all_blocks = g->output_channels / 8;
    long next_row = row_begin - g->pad_top > 0 ? row_begin - g->pad_top : 0;  // the next input row to transform
    const float *rows[64];
    for (long oy = row_begin; oy < row_end; oy++) {
        const long iy = oy - g->pad_top;
        const long ky_begin = iy < 0 ? -iy : 0, ky_end = iy + kh > g->input_height ? g->input_height - iy : kh;
        for (; next_row < iy + ky_end; next_row++)
            transform_input_row(x, g, next_row, tiles_in_row, columns, padded, ring + (next_row % kh) * slot_size);
        for (long ky = ky_begin; ky < ky_end; ky++) rows[ky] = ring + ((iy + ky) % kh) * slot_size;
        for (long first = 0; first < all_blocks; first += 2) {
            const int pair = all_blocks - first >= 2;
            for (long t0 = 0; t0 < tiles_in_row; t0 += 6) {
                const long left = tiles_in_row - t0;
#define RUN(B, T) tiles_run(rows, g, packed, bias, relu, oy, ky_begin, ky_end, tiles_in_row, t0, first, products, y, B, T)
                switch (left >= 6 ? 6 : left) {
                case 1: if (pair) RUN(2, 1); else RUN(1, 1); break;
                case 2: if (pair) RUN(2, 2); else RUN(1, 2); break;
                case 3: if (pair) RUN(2, 3); else RUN(1, 3); break;
                case 4: if (pair) RUN(2, 4); else RUN(1, 4); break;
                case 5: if (pair) RUN(2, 5); else RUN(1, 5); break;
                default: if (pair) RUN(2, 6); else RUN(1, 6); break;
                }
#undef RUN
            }
        }
    }
}

#else

void cn_few_inputs_winograd_rows(const float *x, const cn_geometry *g, const float *packed, const float *bias,
                                 int relu, long row_begin, long row_end, float *workspace, float *y) {}

#endif
