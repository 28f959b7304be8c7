#pragma once
// CJPEG: libjpeg-turbo's TurboJPEG API as Debian ships it (pkg-config libturbojpeg).
// TurboJPEG catches libjpeg's longjmp errors itself and reports them as return codes, so no
// C code of ours is needed between Swift and the library.
#include <turbojpeg.h>
