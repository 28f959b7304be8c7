#pragma once
// CCairo: cairo as Debian ships it (pkg-config cairo, apt libcairo2-dev), imported only by the
// PrintShop module. Only the PDF surface is used; cairo.h and cairo-pdf.h are plain headers that
// Swift imports directly, the shim just gathers them.
#include <cairo.h>
#include <cairo-pdf.h>
