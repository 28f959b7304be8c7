// The C++ side of CZXing.h: one zxing-cpp ReadBarcodes call, copied into C structs.
#include "CZXing.h"

#include <ZXing/ReadBarcode.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

namespace {

void setError(CZXResults *out, const char *message) {
    std::strncpy(out->error, message, sizeof(out->error) - 1);
    out->error[sizeof(out->error) - 1] = '\0';
}

ZXing::BarcodeFormats formatsFrom(unsigned formats) {
    ZXing::BarcodeFormats f;
    if (formats & CZX_FORMAT_DATAMATRIX) f |= ZXing::BarcodeFormat::DataMatrix;
    if (formats & CZX_FORMAT_QRCODE) f |= ZXing::BarcodeFormat::QRCode;
    return f;
}

unsigned formatTo(ZXing::BarcodeFormat f) {
    switch (f) {
    case ZXing::BarcodeFormat::DataMatrix: return CZX_FORMAT_DATAMATRIX;
    case ZXing::BarcodeFormat::QRCode: return CZX_FORMAT_QRCODE;
    default: return 0;
    }
}

} // namespace

extern "C" int czx_read_gray(const uint8_t *pixels, int width, int height, unsigned formats, int try_harder,
                             CZXResults *out) {
    out->symbols = nullptr;
    out->count = 0;
    out->error[0] = '\0';
    if (pixels == nullptr || width <= 0 || height <= 0) {
        setError(out, "empty image");
        return -1;
    }
    try {
        ZXing::ImageView view(pixels, width, height, ZXing::ImageFormat::Lum);
        ZXing::DecodeHints hints;
        hints.setFormats(formatsFrom(formats));
        hints.setTryHarder(try_harder != 0);
        hints.setTryRotate(try_harder != 0);
        hints.setTryDownscale(true);
        const ZXing::Results results = ZXing::ReadBarcodes(view, hints);
        size_t valid = 0;
        for (const auto &r : results) valid += (r.isValid() && formatTo(r.format()) != 0) ? 1 : 0;
        if (valid == 0) return 0;
        out->symbols = static_cast<CZXSymbol *>(std::calloc(valid, sizeof(CZXSymbol)));
        if (out->symbols == nullptr) {
            setError(out, "out of memory");
            return -1;
        }
        for (const auto &r : results) {
            if (!r.isValid() || formatTo(r.format()) == 0) continue;
            CZXSymbol &s = out->symbols[out->count];
            const auto &bytes = r.bytes();
            s.bytes = static_cast<unsigned char *>(std::malloc(bytes.size() + 1));
            if (s.bytes == nullptr) {
                setError(out, "out of memory");
                return -1;
            }
            if (!bytes.empty()) std::memcpy(s.bytes, bytes.data(), bytes.size());
            s.length = bytes.size();
            s.format = formatTo(r.format());
            s.gs1 = r.contentType() == ZXing::ContentType::GS1 ? 1 : 0;
            const auto &p = r.position();
            for (int i = 0; i < 4; ++i) {
                s.x[i] = p[i].x;
                s.y[i] = p[i].y;
            }
            out->count += 1;
        }
        return 0;
    } catch (const std::bad_alloc &) {
        setError(out, "out of memory");
    } catch (const std::exception &e) {
        setError(out, e.what());
    } catch (...) {
        setError(out, "unknown C++ exception");
    }
    return -1;
}

extern "C" void czx_results_free(CZXResults *results) {
    if (results == nullptr) return;
    for (size_t i = 0; i < results->count; ++i) std::free(results->symbols[i].bytes);
    std::free(results->symbols);
    results->symbols = nullptr;
    results->count = 0;
}
