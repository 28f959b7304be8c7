#pragma once
// CZBar: the C API as Debian ships it (pkg-config zbar).
#include <zbar.h>
