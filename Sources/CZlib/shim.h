#pragma once
// CZlib: the C API as Debian ships it (pkg-config zlib, apt zlib1g-dev).
// Used only by Labels, for ZPL :Z64: graphic fields.
#include <zlib.h>
