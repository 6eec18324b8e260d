// Image codecs whose APIs report errors by return value, never by longjmp:
// TurboJPEG (libturbojpeg0-dev), libpng's simplified API (libpng-dev), giflib (libgif-dev)
// and libwebp's simple API (libwebp-dev).
#include <turbojpeg.h>
#include <png.h>
#include <gif_lib.h>
#include <webp/decode.h>
#include <webp/encode.h>
