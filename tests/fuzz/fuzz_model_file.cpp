// Fuzz harness: the model-file container reader (mvae/io/model_file.hpp), from memory
// (ModelReader::from_bytes) and, for the sealed input, from a file (ModelReader::open). Every
// section of an accepted file is then read through the typed accessors.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "mvae/io/model_file.hpp"

#include "fuzz_support.hpp"
#include "model_file_seal.hpp"

namespace {

namespace fz = mvae_fuzz;

void read_everything(const mvae::ModelReader& r) {
    fz::check(!r.kind().empty() && r.format_version() >= 1, "an accepted file without a kind or version");
    for (const std::string& name : r.names()) {
        const auto& shape = r.shape(name);
        fz::expect_mvae_errors([&] {
            switch (r.type(name)) {
                case mvae::ModelDataType::utf8: (void)r.text(name); break;
                case mvae::ModelDataType::f32: (void)r.get<float>(name, shape); break;
                case mvae::ModelDataType::f64: (void)r.get<double>(name, shape); break;
                case mvae::ModelDataType::i32: (void)r.get<std::int32_t>(name, shape); break;
                case mvae::ModelDataType::i64: (void)r.get<std::int64_t>(name); break;
                case mvae::ModelDataType::u64:
                    if (shape.empty()) (void)r.scalar<std::uint64_t>(name);
                    else (void)r.get<std::uint64_t>(name);
                    break;
            }
        });
        // Wrong-type requests are refused with ParseError, never misread.
        fz::expect_mvae_errors([&] { (void)r.scalar<double>(name); });
        fz::expect_mvae_errors([&] { (void)r.text(name); });
    }
    fz::expect_mvae_errors([&] { (void)r.get<float>("no such section"); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    fz::expect_mvae_errors([&] { read_everything(mvae::ModelReader::from_bytes(bytes, "fuzz input")); });

    const auto sealed = fz::sealed_model_file(bytes);
    fz::expect_mvae_errors([&] { read_everything(mvae::ModelReader::from_bytes(sealed, "sealed fuzz input")); });
    const auto file = fz::write_file(
        "model.mvae", std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()));
    fz::expect_mvae_errors([&] { read_everything(mvae::ModelReader::open(file, "mvae.model")); });
    return 0;
}
