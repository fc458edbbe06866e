// Fuzz harness: the delimited "user item [value]" loader (mvae/data/delimited.hpp).
//
// Input: one mode byte, then the file. Mode bits 0-2: the delimiter (detect, tab, ',', ';', ' ',
// '|', ':', '#' — the last one is refused with ArgumentError); bit 3: a header line; bit 4:
// min_value = 3.
#include <cstddef>
#include <cstdint>

#include "mvae/data/delimited.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fz = mvae_fuzz;
    const auto [mode, body] = fz::mode_and_body(data, size);
    const char delimiters[8] = {0, '\t', ',', ';', ' ', '|', ':', '#'};
    mvae::DelimitedOptions options;
    options.delimiter = delimiters[mode & 7u];
    options.header = (mode & 8u) != 0;
    if (mode & 16u) options.min_value = 3.0;
    const auto file = fz::write_file("interactions.txt", body);
    fz::expect_mvae_errors([&] {
        const mvae::LabeledInteractions r = mvae::load_delimited(file, options);
        fz::check(r.matrix.n_users() == r.users.size() && r.matrix.n_items() == r.items.size(),
                  "the matrix's shape differs from the id maps'");
    });
    return 0;
}
