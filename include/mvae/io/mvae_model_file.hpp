// mvae/io/mvae_model_file.hpp — the layout of a saved MVAE model (kind "mvae.model") on top of the
// versioned, checksummed container of io/model_file.hpp, as plain arrays: what MvaeModel::save
// writes and MvaeModel::load reads. docs/model-format.md describes the sections.
//
// Reading validates everything that does not need the model's types: the training matrix is a
// valid CSR (offsets non-decreasing from 0 to nnz, item ids in range, counts ≥ 1) and the factors
// have the shapes n_users × rank and n_items × rank. Each failure is a ParseError naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/io/model_file.hpp"

namespace mvae {

/// The contents of an MVAE model file. @tparam S the VAE parameters' element type.
template <class S>
struct MvaeModelFile {
    std::string completion;  ///< the completion policy's name ("als", "svd", "none", a user's)
    std::string likelihood;  ///< the likelihood policy's name ("bernoulli", "multinomial")
    std::string options;     ///< the MvaeOptions as "key=value" lines
    std::int64_t epochs_done = 0;
    std::int64_t n_users = 0, n_items = 0;
    std::vector<std::int64_t> user_offsets;  ///< the training matrix as CSR: n_users + 1 offsets
    std::vector<std::int32_t> items, counts; ///< nnz item ids (sorted within a row) and their counts
    std::int64_t rank = 0;
    std::vector<double> p, q;                ///< completion factors, row-major n_users × rank, n_items × rank
    std::vector<S> user_parameters;          ///< the uVAE's parameters; empty: no user side
    std::vector<S> item_parameters;          ///< the iVAE's parameters; empty: no item side
};

inline constexpr const char* mvae_model_kind = "mvae.model";

/// Adds every section of `f` but the three texts (options, completion, likelihood) to `w`.
template <class S>
void add_mvae_model_arrays(ModelWriter& w, const MvaeModelFile<S>& f) {
    w.add_scalar<std::int64_t>("epochs_done", f.epochs_done);
    w.add_scalar<std::int64_t>("n_users", f.n_users);
    w.add_scalar<std::int64_t>("n_items", f.n_items);
    w.add("train.user_offsets", std::span<const std::int64_t>(f.user_offsets), {std::int64_t(f.user_offsets.size())});
    w.add("train.items", std::span<const std::int32_t>(f.items), {std::int64_t(f.items.size())});
    w.add("train.counts", std::span<const std::int32_t>(f.counts), {std::int64_t(f.counts.size())});
    w.add("factors.p", std::span<const double>(f.p), {f.n_users, f.rank});
    w.add("factors.q", std::span<const double>(f.q), {f.n_items, f.rank});
    if (!f.user_parameters.empty())
        w.add("user_vae.parameters", std::span<const S>(f.user_parameters), {std::int64_t(f.user_parameters.size())});
    if (!f.item_parameters.empty())
        w.add("item_vae.parameters", std::span<const S>(f.item_parameters), {std::int64_t(f.item_parameters.size())});
}

/// Adds every section of `f` to `w` (also what a checkpoint holds of its model).
template <class S>
void add_mvae_model_sections(ModelWriter& w, const MvaeModelFile<S>& f) {
    w.add_text("options", f.options);
    w.add_text("completion", f.completion);
    w.add_text("likelihood", f.likelihood);
    add_mvae_model_arrays(w, f);
}

/// Writes `f` to `file` atomically (a failed save leaves the previous file intact).
template <class S>
void save_mvae_model_file(const std::filesystem::path& file, const MvaeModelFile<S>& f) {
    ModelWriter w(mvae_model_kind);
    add_mvae_model_sections(w, f);
    w.save(file);
}

namespace detail {

// Files written before the completion and likelihood had sections of their own kept them as
// "completion=…" / "likelihood=…" lines of the options: take them out of the text.
inline std::string take_option_line(std::string& options, const std::string& key, const std::string& fallback) {
    std::istringstream in(options);
    std::string line, kept, value = fallback;
    bool found = false;
    while (std::getline(in, line)) {
        if (!found && line.rfind(key + "=", 0) == 0) {
            value = line.substr(key.size() + 1);
            found = true;
        } else {
            kept += line + "\n";
        }
    }
    if (found) options = kept;
    return value;
}

}  // namespace detail

/// Reads the sections add_mvae_model_sections wrote (or an earlier mvae's) from an open file,
/// validated as the file comment says.
template <class S>
[[nodiscard]] MvaeModelFile<S> read_mvae_model_sections(const ModelReader& r) {
    const std::string& source = r.source();
    const auto fail = [&](auto&&... what) { return ParseError(source, 0, detail::error_message(what...)); };
    MvaeModelFile<S> f;
    f.options = r.text("options");
    f.completion = r.has("completion") ? r.text("completion") : detail::take_option_line(f.options, "completion", "als");
    f.likelihood = r.has("likelihood") ? r.text("likelihood") : detail::take_option_line(f.options, "likelihood", "bernoulli");
    f.epochs_done = r.scalar<std::int64_t>("epochs_done");
    f.n_users = r.scalar<std::int64_t>("n_users");
    f.n_items = r.scalar<std::int64_t>("n_items");
    constexpr std::int64_t limit = std::numeric_limits<std::int32_t>::max();
    if (f.n_users < 1 || f.n_items < 1 || f.n_users > limit || f.n_items > limit)
        throw fail("invalid shape ", f.n_users, " x ", f.n_items);
    if (f.epochs_done < 0) throw fail("epochs_done is negative (", f.epochs_done, ")");
    f.user_offsets = r.get<std::int64_t>("train.user_offsets", {f.n_users + 1});
    const std::int64_t nnz = f.user_offsets.back();
    if (f.user_offsets.front() != 0 || nnz < 0) throw fail("train.user_offsets are not a valid CSR row pointer");
    f.items = r.get<std::int32_t>("train.items", {nnz});
    f.counts = r.get<std::int32_t>("train.counts", {nnz});
    for (std::int64_t u = 0; u < f.n_users; ++u) {
        const auto begin = f.user_offsets[std::size_t(u)], end = f.user_offsets[std::size_t(u) + 1];
        if (begin > end || end > nnz) throw fail("train.user_offsets are not a valid CSR row pointer");
        for (auto e = begin; e < end; ++e) {
            const auto item = f.items[std::size_t(e)];
            if (item < 0 || item >= f.n_items || f.counts[std::size_t(e)] < 1 ||
                (e > begin && f.items[std::size_t(e) - 1] >= item))
                throw fail("train.items: entry ", e, " is invalid");
        }
    }
    const auto& shape_p = r.shape("factors.p");
    f.rank = shape_p.size() == 2 ? shape_p[1] : -1;
    if (f.rank < 0) throw fail("factors.p is not a matrix");
    f.p = r.get<double>("factors.p", {f.n_users, f.rank});
    f.q = r.get<double>("factors.q", {f.n_items, f.rank});
    if (r.has("user_vae.parameters")) f.user_parameters = r.get<S>("user_vae.parameters");
    if (r.has("item_vae.parameters")) f.item_parameters = r.get<S>("item_vae.parameters");
    return f;
}

/// Reads a file written by save_mvae_model_file (or by an earlier mvae); see the file comment.
template <class S>
[[nodiscard]] MvaeModelFile<S> load_mvae_model_file(const std::filesystem::path& file) {
    return read_mvae_model_sections<S>(ModelReader::open(file, mvae_model_kind));
}

}  // namespace mvae
