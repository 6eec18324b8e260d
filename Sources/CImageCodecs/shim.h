// Image codecs whose APIs report errors by return value, never by longjmp:
// TurboJPEG (libturbojpeg0-dev) and libpng's simplified API (libpng-dev).
#include <turbojpeg.h>
#include <png.h>
