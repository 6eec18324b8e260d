// Fake-quantisation for AVX2; see include/CKernels.h.
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#define AVX2 __attribute__((target("avx2")))

AVX2 void ck_fake_quantize(const float *x, long count, float scale, float zero_point, float low, float high, float *y) {
    const __m256 s = _mm256_set1_ps(scale), zero = _mm256_set1_ps(zero_point);
    const __m256 lowest = _mm256_set1_ps(low), highest = _mm256_set1_ps(high);
    long i = 0;
    // max(bound, v) and min(bound, v) return v when v is NaN, so NaN passes through.
    for (; i + 8 <= count; i += 8) {
        const __m256 quotient = _mm256_div_ps(_mm256_loadu_ps(x + i), s);
        const __m256 rounded = _mm256_round_ps(quotient, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __m256 q = _mm256_min_ps(highest, _mm256_max_ps(lowest, _mm256_add_ps(rounded, zero)));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_sub_ps(q, zero), s));
    }
    for (; i < count; i++) {
        float q = nearbyintf(x[i] / scale) + zero_point;
        q = q < low ? low : q > high ? high : q;  // NaN stays NaN
        y[i] = (q - zero_point) * scale;
    }
}

#else

void ck_fake_quantize(const float *x, long count, float scale, float zero_point, float low, float high, float *y) {}

#endif
