#ifndef MARQUEE_CZLIB_SHIM_H
#define MARQUEE_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2 and inflateInit2 are macros (they pass the library's version
   and the stream's size), which Swift cannot call: these wrap them for raw
   DEFLATE (negative window bits: no zlib header), as RFC 7692 uses. */
static inline int marquee_deflate_init_raw(z_streamp stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY);
}

static inline int marquee_inflate_init_raw(z_streamp stream, int window_bits) {
    return inflateInit2(stream, -window_bits);
}
#endif
