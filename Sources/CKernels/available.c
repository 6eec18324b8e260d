// Whether this CPU runs CKernels' AVX2 kernels; see include/CKernels.h.
#include "CKernels.h"

int ck_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}
