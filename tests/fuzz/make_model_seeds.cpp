// Writes the hand-made seeds of the model-file fuzz targets:
//   mvae_fuzz_make_model_seeds tests/fuzz/corpus
// fills corpus/model_file/seed_* and corpus/mvae_model_file/seed_* with small valid files (every
// section type, a scalar, a text, an empty array; a tiny MVAE model with float and with double
// parameters, one in the older layout that kept the policies in the options text) and a few
// damaged ones (truncated, a flipped byte, the wrong kind). Not built by default.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "mvae/io/model_file.hpp"
#include "mvae/io/mvae_model_file.hpp"

namespace {

namespace fs = std::filesystem;

void put(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::string bytes_of(const mvae::ModelWriter& w) {
    std::ostringstream out(std::ios::binary);
    w.write(out);
    return out.str();
}

template <class S>
mvae::MvaeModelFile<S> tiny_model() {
    // 3 users x 4 items, rank 2; user 1 has no training items.
    mvae::MvaeModelFile<S> f;
    f.completion = "als";
    f.likelihood = "bernoulli";
    f.options = "epochs=3\nhidden=4\nlatent=2\nrank=2\n";
    f.epochs_done = 3;
    f.n_users = 3;
    f.n_items = 4;
    f.user_offsets = {0, 2, 2, 5};
    f.items = {0, 3, 1, 2, 3};
    f.counts = {1, 2, 1, 1, 1};
    f.rank = 2;
    f.p = {0.5, -0.25, 0.0, 1.0, 2.0, 0.125};
    f.q = {1.0, 0.0, 0.0, 1.0, -1.0, 0.5, 0.25, 0.25};
    f.user_parameters = {S(0.1), S(-0.2), S(0.3)};
    f.item_parameters = {S(1), S(2)};
    return f;
}

template <class S>
std::string model_bytes(const mvae::MvaeModelFile<S>& f, bool old_layout) {
    mvae::ModelWriter w(mvae::mvae_model_kind);
    if (old_layout) {
        w.add_text("options", "completion=" + f.completion + "\nlikelihood=" + f.likelihood + "\n" + f.options);
    } else {
        w.add_text("options", f.options);
        w.add_text("completion", f.completion);
        w.add_text("likelihood", f.likelihood);
    }
    mvae::add_mvae_model_arrays(w, f);
    return bytes_of(w);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR (tests/fuzz/corpus)\n", argv[0]);
        return 2;
    }
    const fs::path corpus = argv[1];
    const fs::path containers = corpus / "model_file", models = corpus / "mvae_model_file";
    fs::create_directories(containers);
    fs::create_directories(models);

    // The container: every type, shapes of 0, 1 and 2 dimensions, an empty array.
    mvae::ModelWriter all("mvae.test");
    const std::vector<float> f32{1.0f, -2.0f, 0.5f, 3.0f};
    const std::vector<double> f64{0.25, -1e300};
    const std::vector<std::int32_t> i32{7, -7, 0};
    const std::vector<std::int64_t> i64{std::int64_t(1) << 40};
    const std::vector<std::uint64_t> u64{};
    all.add("w", std::span<const float>(f32), {2, 2});
    all.add("d", std::span<const double>(f64), {2});
    all.add("i", std::span<const std::int32_t>(i32), {3, 1});
    all.add("l", std::span<const std::int64_t>(i64), {1});
    all.add("empty", std::span<const std::uint64_t>(u64), {0, 5});
    all.add_scalar("n", std::int32_t{-2});
    all.add_scalar("u", std::uint64_t{42});
    all.add_text("c", "h\xc3\xa9");
    const std::string every = bytes_of(all);
    put(containers / "seed_every_type", every);
    put(containers / "seed_kind_only", bytes_of(mvae::ModelWriter("k")));
    put(containers / "seed_truncated", every.substr(0, every.size() / 2));
    std::string flipped = every;
    flipped[40] = char(flipped[40] ^ 0x10);
    put(containers / "seed_flipped_byte", flipped);
    put(containers / "seed_not_a_model", "MVAEMODX not a model file at all\n");

    // The MVAE layout.
    const std::string model = model_bytes(tiny_model<float>(), false);
    put(containers / "seed_mvae_model", model);
    put(models / "seed_float", model);
    put(models / "seed_double", model_bytes(tiny_model<double>(), false));
    put(models / "seed_old_layout", model_bytes(tiny_model<float>(), true));
    auto bad_csr = tiny_model<float>();
    bad_csr.user_offsets = {0, 3, 2, 5};  // decreasing: refused
    put(models / "seed_bad_csr", model_bytes(bad_csr, false));
    auto no_vaes = tiny_model<double>();
    no_vaes.user_parameters.clear();
    no_vaes.item_parameters.clear();
    put(models / "seed_no_vaes", model_bytes(no_vaes, false));
    put(models / "seed_wrong_kind", every);
    std::printf("wrote the model-file seeds under %s\n", corpus.c_str());
    return 0;
}
