// oneDNN's C API (Debian package libdnnl-dev).
#include <oneapi/dnnl/dnnl.h>
