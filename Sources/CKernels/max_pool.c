// 2×2 max pooling with stride 2 over 8-channel blocks, for AVX2; see include/CKernels.h.
#include "CKernels.h"
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

AVX2 void ck_max_pool_2x2(const float *x, long height, long width, long plane_begin, long plane_end,
                          float *y, unsigned char *which) {
    const long out_h = height / 2, out_w = width / 2;
    for (long plane = plane_begin; plane < plane_end; plane++) {
        const float *source = x + plane * height * width * 8;
        float *target = y + plane * out_h * out_w * 8;
        unsigned char *chosen = which + plane * out_h * out_w * 8;
        for (long r = 0; r < out_h; r++) {
            const float *top = source + 2 * r * width * 8, *bottom = top + width * 8;
            for (long c = 0; c < out_w; c++) {
                const __m256 window[4] = {_mm256_loadu_ps(top + 16 * c), _mm256_loadu_ps(top + 16 * c + 8),
                                          _mm256_loadu_ps(bottom + 16 * c), _mm256_loadu_ps(bottom + 16 * c + 8)};
                __m256 best = window[0], position = _mm256_setzero_ps();
                for (int k = 1; k < 4; k++) {
                    const __m256 take = _mm256_or_ps(_mm256_cmp_ps(window[k], best, _CMP_GT_OQ),
                                                     _mm256_cmp_ps(window[k], window[k], _CMP_UNORD_Q));
                    best = _mm256_blendv_ps(best, window[k], take);
                    position = _mm256_blendv_ps(position, _mm256_set1_ps((float)k), take);
                }
                const long out = (r * out_w + c) * 8;
                _mm256_storeu_ps(target + out, best);
                const __m256i positions = _mm256_cvtps_epi32(position);
                const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(positions),
                                                      _mm256_extracti128_si256(positions, 1));
                _mm_storel_epi64((__m128i *)(chosen + out), _mm_packus_epi16(words, words));
            }
        }
    }
}

AVX2 void ck_max_pool_2x2_backward(const float *dy, const unsigned char *which, long height, long width,
                                   long plane_begin, long plane_end, float *dx) {
    const long out_h = height / 2, out_w = width / 2;
    for (long plane = plane_begin; plane < plane_end; plane++) {
        const float *gradient = dy + plane * out_h * out_w * 8;
        const unsigned char *chosen = which + plane * out_h * out_w * 8;
        float *target = dx + plane * height * width * 8;
        for (long r = 0; r < out_h; r++) {
            float *top = target + 2 * r * width * 8, *bottom = top + width * 8;
            for (long c = 0; c < out_w; c++) {
                const long out = (r * out_w + c) * 8;
                const __m256 g = _mm256_loadu_ps(gradient + out);
                const __m256i position = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(chosen + out)));
                float *places[4] = {top + 16 * c, top + 16 * c + 8, bottom + 16 * c, bottom + 16 * c + 8};
                for (int k = 0; k < 4; k++) {
                    const __m256 mine = _mm256_castsi256_ps(_mm256_cmpeq_epi32(position, _mm256_set1_epi32(k)));
                    _mm256_storeu_ps(places[k], _mm256_and_ps(g, mine));
                }
            }
            if (width % 2) memset(top + 2 * out_w * 8, 0, 8 * sizeof(float)), memset(bottom + 2 * out_w * 8, 0, 8 * sizeof(float));
        }
        if (height % 2) memset(target + 2 * out_h * width * 8, 0, width * 8 * sizeof(float));
    }
}

#else

void ck_max_pool_2x2(const float *x, long height, long width, long plane_begin, long plane_end,
                     float *y, unsigned char *which) {}
void ck_max_pool_2x2_backward(const float *dy, const unsigned char *which, long height, long width,
                              long plane_begin, long plane_end, float *dx) {}

#endif
