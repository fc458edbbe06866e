// mvae/version.hpp — the library version; CMakeLists.txt reads it from here, so it is stated once.
#pragma once

#define MVAE_VERSION_MAJOR 0
#define MVAE_VERSION_MINOR 1
#define MVAE_VERSION_PATCH 0

namespace mvae {

/// The version of the headers in use, as "MAJOR.MINOR.PATCH".
inline constexpr const char* version_string = "0.1.0";

}  // namespace mvae
