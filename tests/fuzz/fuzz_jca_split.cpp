// Fuzz harness: the JCA/JoVA split loader (mvae/data/jca_split.hpp).
//
// Input: one mode byte, then the files of a split folder separated by '|': train.csv, then
// vali.csv and test.csv when present (a part missing = the file absent). The mode's low bits:
// 1 = an explicit shape (n_users = n_items = 100) instead of the inferred one, 2 = test.csv
// optional. Accepted folders are written back with save_jca_split and must read back the same.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mvae/data/jca_split.hpp"

#include "fuzz_support.hpp"

namespace {

namespace fz = mvae_fuzz;

// An inferred shape is as large as the largest id, and ids up to 2^26 are accepted by design
// (docs/data.md): a 20-byte file can ask for a ~1 GB matrix. That is documented, not a bug, but it
// would make the fuzzer crawl, so the inferred-shape load runs only on inputs with small ids.
constexpr mvae::index_t inferred_id_cap = 1 << 16;

bool same(const mvae::InteractionMatrix& a, const mvae::InteractionMatrix& b) {
    if (a.n_users() != b.n_users() || a.n_items() != b.n_items() || a.nnz() != b.nnz()) return false;
    for (mvae::index_t u = 0; u < a.n_users(); ++u) {
        const auto x = a.items_of(u), y = b.items_of(u);
        if (!std::equal(x.begin(), x.end(), y.begin(), y.end())) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [mode, body] = fz::mode_and_body(data, size);
    std::string_view parts[3];
    const std::size_t n = fz::split_parts(body, '|', parts);
    const char* names[3] = {"split/train.csv", "split/vali.csv", "split/test.csv"};
    for (std::size_t k = 0; k < 3; ++k) {
        if (k < n) fz::write_file(names[k], parts[k]);
        else fz::remove_file(names[k]);
    }
    const auto dir = fz::scratch_dir() / "split";

    mvae::JcaSplitOptions options;
    options.require_test = (mode & 2u) == 0;
    if (mode & 1u) options.n_users = options.n_items = 100;

    // The single-file readers, on train.csv.
    fz::expect_mvae_errors([&] {
        const auto pairs = mvae::read_jca_csv(dir / "train.csv");
        for (const auto& p : pairs) fz::check(p.user >= 0 && p.item >= 0, "read_jca_csv gave a negative index");
    });
    fz::expect_mvae_errors([&] {
        const auto m = mvae::load_jca_csv(dir / "train.csv", 100, 100);
        fz::check(m.n_users() == 100 && m.n_items() == 100, "load_jca_csv ignored the given shape");
    });

    if (options.n_users == 0) {
        // Only small ids go on to the inferred-shape load (see inferred_id_cap).
        mvae::index_t largest = 0;
        try {
            for (std::size_t k = 0; k < n; ++k)
                for (const auto& p : mvae::read_jca_csv(fz::scratch_dir() / names[k]))
                    largest = std::max({largest, p.user, p.item});
        } catch (const mvae::Error&) {
        }
        if (largest >= inferred_id_cap) return 0;
    }

    fz::expect_mvae_errors([&] {
        mvae::JcaReadReport report;
        const mvae::SplitData split = mvae::load_jca_split(dir, options, &report);
        fz::check(split.validation.n_users() == split.train.n_users() && split.test.n_items() == split.train.n_items(),
                  "load_jca_split gave matrices of different shapes");
        fz::check(report.float_ids >= 0, "negative float-id count");
        // Round trip: what was read, written back, reads back the same (with the shape given).
        const auto out = fz::scratch_dir() / "saved";
        mvae::save_jca_split(out, split);
        mvae::JcaSplitOptions shape;
        shape.n_users = split.train.n_users();
        shape.n_items = split.train.n_items();
        if (shape.n_users == 0 || shape.n_items == 0) return;  // 0 would mean "infer"
        const mvae::SplitData again = mvae::load_jca_split(out, shape);
        fz::check(same(split.train, again.train) && same(split.validation, again.validation) &&
                      same(split.test, again.test),
                  "save_jca_split then load_jca_split changed the split");
    });
    return 0;
}
