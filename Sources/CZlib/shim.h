// zlib, with static inline wrappers for its init macros (Swift cannot import function-like macros).
#ifndef MALLSETTLE_CZLIB_SHIM_H
#define MALLSETTLE_CZLIB_SHIM_H
#include <zlib.h>

static inline int czlib_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
static inline int czlib_deflateInit2(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}
#endif
