#pragma once
// CLibUSB: the C API as Debian ships it (pkg-config libusb-1.0).
#include <libusb-1.0/libusb.h>

// libusb 1.0.27 replaced libusb_init() with libusb_init_context(); Debian 12 ships 1.0.26.
// Swift cannot test LIBUSB_API_VERSION at compile time, so the choice is made here and the
// USB module calls only this function.
static inline int station_libusb_init(libusb_context **ctx) {
#if defined(LIBUSB_API_VERSION) && LIBUSB_API_VERSION >= 0x0100010A
    return libusb_init_context(ctx, NULL, 0);
#else
    return libusb_init(ctx);
#endif
}

// libusb_set_option() is variadic, which Swift cannot call; this fixed-arity wrapper sets
// the log level (0 none .. 4 debug) so the station can turn on libusb's own tracing.
static inline int station_libusb_set_log_level(libusb_context *ctx, int level) {
    return libusb_set_option(ctx, LIBUSB_OPTION_LOG_LEVEL, level);
}
