// Fuzz harness: the MovieLens loader (mvae/data/movielens.hpp).
//
// Input: one mode byte, then the file. Mode bits 0-1: the format (Auto, Dat, UData, Auto); bits
// 2-3: the file name (ratings.dat, u.data, ratings.txt, ratings.txt), which Auto detection looks
// at; bit 4: min_rating 0 instead of 4 (every rating kept).
#include <cstddef>
#include <cstdint>

#include "mvae/data/movielens.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fz = mvae_fuzz;
    using Format = mvae::MovieLensOptions::Format;
    const auto [mode, body] = fz::mode_and_body(data, size);
    const Format formats[4] = {Format::Auto, Format::Dat, Format::UData, Format::Auto};
    const char* names[4] = {"ml/ratings.dat", "ml/u.data", "ml/ratings.txt", "ml/ratings.txt"};
    mvae::MovieLensOptions options;
    options.format = formats[mode & 3u];
    options.min_rating = (mode & 16u) ? 0.0 : 4.0;
    const auto file = fz::write_file(names[(mode >> 2) & 3u], body);
    fz::expect_mvae_errors([&] {
        const mvae::LabeledInteractions r = mvae::load_movielens(file, options);
        fz::check(r.matrix.n_users() == r.users.size() && r.matrix.n_items() == r.items.size(),
                  "the matrix's shape differs from the id maps'");
    });
    return 0;
}
