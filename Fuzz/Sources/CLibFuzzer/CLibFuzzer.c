// Only the header matters: LLVMFuzzerRunDriver comes from the libFuzzer that -sanitize=fuzzer links.
#include "CLibFuzzer.h"
