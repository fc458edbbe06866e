// Fuzz harness: the .npy reader (mvae/io/npy.hpp): read_npy_header and read_npy_matrix<float>
// and <double> on the input as a file. An accepted matrix is written back and must read back
// bit for bit.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "mvae/io/npy.hpp"

#include "fuzz_support.hpp"

namespace {

template <class S>
void read_and_round_trip(const std::filesystem::path& file) {
    namespace fz = mvae_fuzz;
    fz::expect_mvae_errors([&] {
        const mvae::Matrix<S, mvae::Cpu> m = mvae::read_npy_matrix<S>(file);
        const auto copy = fz::scratch_dir() / "copy.npy";
        mvae::write_npy<S>(copy, m);
        const mvae::Matrix<S, mvae::Cpu> again = mvae::read_npy_matrix<S>(copy);
        fz::check(again.rows() == m.rows() && again.cols() == m.cols(), "write_npy changed the shape");
        const std::size_t bytes = std::size_t(m.rows()) * std::size_t(m.cols()) * sizeof(S);
        fz::check(bytes == 0 || std::memcmp(again.data(), m.data(), bytes) == 0, "write_npy changed the data");
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fz = mvae_fuzz;
    const auto file = fz::write_file("input.npy", std::string_view(reinterpret_cast<const char*>(data), size));
    fz::expect_mvae_errors([&] {
        const mvae::NpyHeader h = mvae::read_npy_header(file);
        fz::check(h.data_offset >= 10, "a data offset inside the prefix");
    });
    read_and_round_trip<float>(file);
    read_and_round_trip<double>(file);
    return 0;
}
