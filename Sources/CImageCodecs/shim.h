// Image codecs whose APIs report errors by return value, never by longjmp:
// TurboJPEG (libturbojpeg0-dev), libpng's simplified API (libpng-dev) and giflib (libgif-dev).
#include <turbojpeg.h>
#include <png.h>
#include <gif_lib.h>
