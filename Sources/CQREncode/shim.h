#pragma once
// CQREncode: the C API as Debian ships it (pkg-config libqrencode).
#include <qrencode.h>
