#pragma once
// CZlib: the C API as Debian ships it (pkg-config zlib, apt zlib1g-dev).
// Used only by Labels, for ZPL :Z64: graphic fields.
#include <zlib.h>

// deflateInit2 is a macro in zlib.h, which Swift cannot call.
static inline int czlib_deflate_init2(z_streamp strm, int level, int window_bits, int mem_level) {
    return deflateInit2(strm, level, Z_DEFLATED, window_bits, mem_level, Z_DEFAULT_STRATEGY);
}
