// Fuzz harness: the Coat loader and dense rating matrices (mvae/data/coat.hpp).
//
// Input: one mode byte, then train.ascii and test.ascii separated by '|' (no '|': test.ascii
// absent). Mode % 7 is the binarisation threshold min_rating (0 and 6 are refused with
// ArgumentError).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mvae/data/coat.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fz = mvae_fuzz;
    const auto [mode_byte, body] = fz::mode_and_body(data, size);
    const unsigned mode = mode_byte;  // (clang 14 cannot capture a structured binding)
    std::string_view parts[2];
    const std::size_t n = fz::split_parts(body, '|', parts);
    const auto train = fz::write_file("coat/train.ascii", parts[0]);
    if (n > 1) fz::write_file("coat/test.ascii", parts[1]);
    else fz::remove_file("coat/test.ascii");

    fz::expect_mvae_errors([&] {
        const mvae::DenseRatingMatrix m = mvae::read_dense_rating_matrix(train);
        fz::check(m.values().size() == std::size_t(m.n_users()) * std::size_t(m.n_items()),
                  "the ratings do not fill the matrix");
        fz::check(m.n_rated() + m.count(0) == mvae::offset_t(m.values().size()), "rated + unrated != cells");
    });
    fz::expect_mvae_errors([&] {
        mvae::CoatOptions options;
        options.min_rating = int(mode % 7u);
        const mvae::CoatData c = mvae::load_coat(fz::scratch_dir() / "coat", options);
        fz::check(c.train.n_users() == c.n_users && c.test_candidates.n_items() == c.n_items,
                  "the Coat matrices differ in shape");
        fz::check(c.test_positives.nnz() <= c.test_candidates.nnz(), "more test positives than candidates");
    });
    return 0;
}
