// Catch2 main of the tests that read ../shared/data: when that directory is absent the whole
// executable reports "skipped" (exit MVAE_SKIP_CODE, registered as ctest's SKIP_RETURN_CODE)
// instead of passing or failing.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>

int main(int argc, char* argv[]) {
    // Listing (ctest's test discovery at build time) always works; only running is skipped.
    bool listing = false;
    for (int i = 1; i < argc; ++i) listing = listing || std::strncmp(argv[i], "--list", 6) == 0;
    if (!listing && !std::filesystem::is_directory(MVAE_SHARED_DATA_DIR)) {
        std::printf("skipped: shared data directory %s not found\n", MVAE_SHARED_DATA_DIR);
        return MVAE_SKIP_CODE;
    }
    return Catch::Session().run(argc, argv);
}
