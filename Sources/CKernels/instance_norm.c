// Instance-norm planes for AVX2; see include/CKernels.h.
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

// Adds the eight lanes of v to total[0..<8] in double.
AVX2 static void add_lanes(__m256 v, double *total) {
    double parts[8];
    _mm256_storeu_pd(parts, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    _mm256_storeu_pd(parts + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    for (int l = 0; l < 8; l++) total[l] += parts[l];
}

// Σd and Σd² (d = v − origin) over `count` vectors of 8 floats, `period` (1 or 2) vectors per pixel,
// into sum/squares[period · 8]: runs of 256 pixels in float (four independent sums, vector k in
// sum k mod 4, which holds lanes k mod period), the runs in double.
AVX2 static void sums(const float *x, long count, int period, const __m256 *origin, double *sum, double *squares) {
    for (long run = 0; run < count; run += 256 * period) {
        const long end = run + 256 * period < count ? run + 256 * period : count;
        __m256 s[4], q[4];
        for (int a = 0; a < 4; a++) s[a] = q[a] = _mm256_setzero_ps();
        long k = run;
        for (; k + 4 <= end; k += 4) {
            for (int a = 0; a < 4; a++) {
                const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + (k + a) * 8), origin[a % period]);
                s[a] = _mm256_add_ps(s[a], d);
                q[a] = _mm256_fmadd_ps(d, d, q[a]);
            }
        }
        for (; k < end; k++) {
            const int a = (int)((k - run) % 4);
            const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + k * 8), origin[a % period]);
            s[a] = _mm256_add_ps(s[a], d);
            q[a] = _mm256_fmadd_ps(d, d, q[a]);
        }
        for (int v = 0; v < period; v++) {
            __m256 total = s[v], total_squares = q[v];
            for (int a = v + period; a < 4; a += period) {
                total = _mm256_add_ps(total, s[a]);
                total_squares = _mm256_add_ps(total_squares, q[a]);
            }
            add_lanes(total, sum + v * 8);
            add_lanes(total_squares, squares + v * 8);
        }
    }
}

AVX2 void ck_plane_moments(const float *x, long pixels, int lanes, double *mean, double *variance) {
    double sum[16] = {0}, squares[16] = {0};
    if (lanes == 1) {
        // One channel, contiguous: eight pixels per vector, lanes added at the end.
        const float first = x[0];
        const __m256 origin = _mm256_set1_ps(first);
        const long vectors = pixels / 8;
        sums(x, vectors, 1, &origin, sum, squares);
        double s = 0, q = 0;
        for (int l = 0; l < 8; l++) { s += sum[l]; q += squares[l]; }
        for (long i = vectors * 8; i < pixels; i++) {
            const double d = (double)x[i] - first;
            s += d;
            q += d * d;
        }
        mean[0] = first + s / pixels;
        const double v = (q - s * s / pixels) / pixels;
        variance[0] = v > 0 ? v : 0;
        return;
    }
    const int period = lanes / 8;
    __m256 origin[2];
    for (int v = 0; v < period; v++) origin[v] = _mm256_loadu_ps(x + v * 8);
    sums(x, pixels * period, period, origin, sum, squares);
    for (int l = 0; l < lanes; l++) {
        mean[l] = x[l] + sum[l] / pixels;
        const double v = (squares[l] - sum[l] * sum[l] / pixels) / pixels;
        variance[l] = v > 0 ? v : 0;
    }
}

AVX2 void ck_plane_normalize(const float *x, long pixels, int lanes, const float *mean, const float *inverse,
                             const float *scale, const float *shift, float floor, float *normalized, float *y) {
    const int period = lanes == 1 ? 1 : lanes / 8;
    __m256 m[2], inv[2], g[2], b[2];
    for (int v = 0; v < period; v++) {
        const int l = lanes == 1 ? 0 : v * 8;
        m[v] = lanes == 1 ? _mm256_set1_ps(mean[0]) : _mm256_loadu_ps(mean + l);
        inv[v] = lanes == 1 ? _mm256_set1_ps(inverse[0]) : _mm256_loadu_ps(inverse + l);
        g[v] = lanes == 1 ? _mm256_set1_ps(scale[0]) : _mm256_loadu_ps(scale + l);
        b[v] = lanes == 1 ? _mm256_set1_ps(shift[0]) : _mm256_loadu_ps(shift + l);
    }
    const __m256 lowest = _mm256_set1_ps(floor);
    const long floats = pixels * lanes, vectors = floats / 8;
    // max(lowest, v) returns v when v is NaN: NaN passes, as PyTorch's ReLU.
    for (long k = 0; k < vectors; k += period) {
        for (int v = 0; v < period; v++) {
            const long at = (k + v) * 8;
            const __m256 n = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + at), m[v]), inv[v]);
            if (normalized) _mm256_storeu_ps(normalized + at, n);
            _mm256_storeu_ps(y + at, _mm256_max_ps(lowest, _mm256_add_ps(_mm256_mul_ps(n, g[v]), b[v])));
        }
    }
    for (long i = vectors * 8; i < floats; i++) {  // lanes == 1 only
        const float n = (x[i] - mean[0]) * inverse[0];
        if (normalized) normalized[i] = n;
        const float value = n * scale[0] + shift[0];
        y[i] = value < floor ? floor : value;
    }
}

#else

void ck_plane_moments(const float *x, long pixels, int lanes, double *mean, double *variance) {}
void ck_plane_normalize(const float *x, long pixels, int lanes, const float *mean, const float *inverse,
                        const float *scale, const float *shift, float floor, float *normalized, float *y) {}

#endif
