#pragma once
// CFreeType: the C API as Debian ships it (pkg-config freetype2, apt libfreetype-dev).
// FreeType's public headers are reached through the FT_FREETYPE_H macro, which a module map
// cannot name, so the shim includes it.
#include <ft2build.h>
#include FT_FREETYPE_H

// FT_LOAD_TARGET_MONO and FT_LOAD_TARGET_NORMAL are function-like macros (FT_LOAD_TARGET_(x)),
// which Swift does not import; these constants carry their values.
static const FT_Int32 CFT_LOAD_TARGET_MONO = FT_LOAD_TARGET_MONO;
static const FT_Int32 CFT_LOAD_TARGET_NORMAL = FT_LOAD_TARGET_NORMAL;
