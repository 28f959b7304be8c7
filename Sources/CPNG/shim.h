#pragma once
// CPNG: the C API as Debian ships it (pkg-config libpng).
#include <png.h>
