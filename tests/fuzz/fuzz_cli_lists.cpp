// Fuzz harness: the mvae command line's list options (examples/cli/options.hpp): the value of
// --k, parsed by parse_int_list and checked by validate_eval_options as `mvae evaluate` does, and
// the value of --history, parsed with minus_one (1-based item ids to 0-based).
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/options.hpp"
#include "mvae/eval/metrics.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fz = mvae_fuzz;
    const std::string text(reinterpret_cast<const char*>(data), size);
    fz::expect_mvae_errors([&] {
        mvae::EvalOptions options;
        options.ks = mvae_cli::parse_int_list(text, "--k");
        for (const auto k : options.ks) fz::check(k >= 1, "--k accepted a K below 1");
        mvae::validate_eval_options(options);
    });
    fz::expect_mvae_errors([&] {
        const auto items = mvae_cli::parse_int_list(text, "--history", /*minus_one=*/true);
        fz::check(!items.empty(), "--history accepted an empty list");
        for (const auto i : items) fz::check(i >= 0, "--history gave a negative item index");
    });
    return 0;
}
