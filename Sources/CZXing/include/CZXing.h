#pragma once
// CZXing: a C face for zxing-cpp (Debian libzxing-dev), which only has a C++ API.
// Swift cannot call C++ templates, std::string or exceptions through a system-library target, so
// this small wrapper (CZXing.cpp) turns one read into plain C structs and never lets an exception
// cross into Swift. Only module Barcodes imports it.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Symbologies the wrapper can be asked for (bit flags).
enum {
    CZX_FORMAT_DATAMATRIX = 1u << 0,
    CZX_FORMAT_QRCODE = 1u << 1,
};

/// One symbol zxing-cpp read.
typedef struct CZXSymbol {
    /// One of the CZX_FORMAT_* values.
    unsigned format;
    /// The symbol's raw content (malloc'd, owned by the CZXResults).
    unsigned char *bytes;
    size_t length;
    /// Non-zero when the symbol carries GS1 data (FNC1 in first position).
    int gs1;
    /// Corners in image coordinates: top-left, top-right, bottom-right, bottom-left.
    int x[4];
    int y[4];
} CZXSymbol;

/// Everything one call found; free with czx_results_free.
typedef struct CZXResults {
    CZXSymbol *symbols;
    size_t count;
    /// Set when the call failed (an exception inside zxing-cpp or out of memory); empty otherwise.
    char error[160];
} CZXResults;

/// Reads every symbol of the requested `formats` in an 8-bit grayscale image (row stride = width).
/// Returns 0 on success (possibly with no symbols), -1 on failure with `out->error` set.
/// `out` must be freed with czx_results_free in both cases.
int czx_read_gray(const uint8_t *pixels, int width, int height, unsigned formats, int try_harder,
                  CZXResults *out);

/// Frees what czx_read_gray allocated in `results` and empties it.
void czx_results_free(CZXResults *results);

#ifdef __cplusplus
}
#endif
