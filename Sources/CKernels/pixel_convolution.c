// One output pixel of a convolution from gathered inputs, for AVX2; see include/CKernels.h.
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 void ck_pixel_convolution(const float *input, const long *taps, const long *sources, int count,
                               const long *channel_offsets, int channels, const float *filters, int outputs, int relu,
                               float *out) {
    // Four vectors of outputs at a time: each input value is broadcast once for 32 outputs; even
    // and odd channels go to separate sums, eight independent chains in all.
    for (int first = 0; first < outputs; first += 32) {
        const int vectors = outputs - first >= 32 ? 4 : (outputs - first) / 8;
        __m256 even[4], odd[4];
        for (int v = 0; v < vectors; v++) even[v] = _mm256_loadu_ps(out + first + v * 8), odd[v] = _mm256_setzero_ps();
        for (int t = 0; t < count; t++) {
            const float *pixel = input + sources[t], *row = filters + taps[t] * channels * outputs + first;
            int c = 0;
            for (; c + 2 <= channels; c += 2) {
                const __m256 a = _mm256_broadcast_ss(pixel + channel_offsets[c]);
                const __m256 b = _mm256_broadcast_ss(pixel + channel_offsets[c + 1]);
                const float *wa = row + (long)c * outputs, *wb = wa + outputs;
                for (int v = 0; v < vectors; v++) {
                    even[v] = _mm256_fmadd_ps(a, _mm256_loadu_ps(wa + v * 8), even[v]);
                    odd[v] = _mm256_fmadd_ps(b, _mm256_loadu_ps(wb + v * 8), odd[v]);
                }
            }
            if (c < channels) {
                const __m256 a = _mm256_broadcast_ss(pixel + channel_offsets[c]);
                const float *wa = row + (long)c * outputs;
                for (int v = 0; v < vectors; v++) even[v] = _mm256_fmadd_ps(a, _mm256_loadu_ps(wa + v * 8), even[v]);
            }
        }
        // max(0, s) returns s when s is NaN: NaN passes, as PyTorch's ReLU.
        for (int v = 0; v < vectors; v++) {
            const __m256 sum = _mm256_add_ps(even[v], odd[v]);
            _mm256_storeu_ps(out + first + v * 8, relu ? _mm256_max_ps(_mm256_setzero_ps(), sum) : sum);
        }
    }
}

#else

void ck_pixel_convolution(const float *input, const long *taps, const long *sources, int count,
                          const long *channel_offsets, int channels, const float *filters, int outputs, int relu,
                          float *out) {}

#endif
