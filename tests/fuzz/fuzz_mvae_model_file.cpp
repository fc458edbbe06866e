// Fuzz harness: the MVAE model layout reader (mvae/io/mvae_model_file.hpp),
// load_mvae_model_file<float> and <double>, on the input as a file, sealed (model_file_seal.hpp)
// so that mutations get past the checksums. A loaded file must satisfy the invariants the reader
// promises (a valid CSR, factors of the stated shapes).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "mvae/io/mvae_model_file.hpp"

#include "fuzz_support.hpp"
#include "model_file_seal.hpp"

namespace {

namespace fz = mvae_fuzz;

template <class S>
void load(const std::filesystem::path& file) {
    fz::expect_mvae_errors([&] {
        const mvae::MvaeModelFile<S> f = mvae::load_mvae_model_file<S>(file);
        fz::check(f.n_users >= 1 && f.n_items >= 1 && f.rank >= 0, "an invalid shape was accepted");
        fz::check(f.user_offsets.size() == std::size_t(f.n_users) + 1 && f.user_offsets.front() == 0,
                  "an invalid row pointer was accepted");
        fz::check(f.items.size() == std::size_t(f.user_offsets.back()) && f.counts.size() == f.items.size(),
                  "the CSR arrays disagree in length");
        for (const auto item : f.items) fz::check(item >= 0 && item < f.n_items, "an item id out of range");
        fz::check(f.p.size() == std::size_t(f.n_users * f.rank) && f.q.size() == std::size_t(f.n_items * f.rank),
                  "factors of the wrong size were accepted");
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto sealed = fz::sealed_model_file(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
    const auto file = fz::write_file(
        "model.mvae", std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()));
    load<float>(file);
    load<double>(file);
    return 0;
}
