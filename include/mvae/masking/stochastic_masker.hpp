// mvae/masking/stochastic_masker.hpp — the paper's stochastic mask (section IV-B): zero exactly
// K = round(ρ · rows · cols) entries of a batch, the K entries a uniformly random subset of it.
//
// Why this is exact (docs/masking.md has the long form). Let S be a uniform K-subset of the
// N = rows · cols cells and c_r = |S ∩ row r|. Every K-subset has probability 1 / C(N, K), and
// Π_r C(cols, c_r) of them have the counts (c_r), so
//   (a) the counts follow the multivariate hypergeometric law Π_r C(cols, c_r) / C(N, K), which
//       factorises row by row: c_0 ~ Hypergeometric(N, K, cols), then, given c_0, the remaining
//       rows are a multivariate hypergeometric draw from N − cols cells holding K − c_0 successes;
//   (b) given the counts, S is uniform over Π_r C(cols, c_r) sets: the rows' subsets are
//       independent, and row r's is a uniform c_r-subset of its cols positions.
// The masker samples exactly this factorisation: (1) on the host, the counts sequentially from
// one "count" stream per key (O(rows) work, a few hundred numbers per row) — for a whole epoch's
// steps at once when the trainer plans them (plan_counts: one upload per epoch, none per step);
// (2) on the device, one
// kernel launch over the rows, row r choosing its c_r positions from its own stream
// RandomStream(seed, stream_id(mask_row_purpose, key, r)) with Floyd's algorithm (for j = cols − c,
// …, cols − 1: draw t exactly uniform on [0, j]; take t, or j if t is already taken — every
// c-subset comes out with probability 1 / C(cols, c)), recording the chosen positions in a per-row
// bitset (so a batch that already holds zeros never confuses membership), then zeroing the set
// bits in increasing order. It draws c numbers per row, not cols: at ρ = 4 % that is 25× fewer
// than selection sampling, the method before (docs/masking.md). When c > cols / 2 it draws the
// cols − c kept positions instead. Nothing depends on the thread count or on the order in which
// rows run, and a row's positions depend only on (seed, key, r, c_r, cols): a batch handled in
// parts (apply_rows) gets the same mask as the whole batch.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "mvae/backend/backend.hpp"
#include "mvae/core/bits.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/types.hpp"
#include "mvae/random/random_cursor.hpp"
#include "mvae/random/random_stream.hpp"

namespace mvae {

/// Purpose tag of the masker's per-key count streams ("maskcnt" in ASCII).
inline constexpr std::uint64_t mask_count_purpose = 0x6D61736B636E74ull;
/// Purpose tag of the masker's per-(key, row) position streams ("maskrow" in ASCII).
inline constexpr std::uint64_t mask_row_purpose = 0x6D61736B726F77ull;

namespace detail {

/// 64-bit words of the bitset of a row of `cols` positions.
[[nodiscard]] MVAE_HOST_DEVICE inline index_t bitset_words(index_t cols) noexcept { return (cols + 63) / 64; }

/// Calls visit(j) for the positions j of a uniformly random `count`-subset of [0, cols), in
/// increasing order, using `bits` (bitset_words(cols) words, overwritten) as the membership set.
/// Floyd's algorithm: exact because each step draws an exactly uniform integer (RandomCursor::below).
/// Requires 0 ≤ count ≤ cols.
template <class Visit>
MVAE_HOST_DEVICE void select_uniform_subset(RandomStream stream, index_t count, index_t cols, std::uint64_t* bits,
                                            Visit visit) {
    const index_t words = bitset_words(cols);
    for (index_t w = 0; w < words; ++w) bits[w] = 0;
    // Draw the smaller side: the chosen positions, or the positions left out of a large subset.
    const bool complement = count > cols / 2;
    const index_t draws = complement ? cols - count : count;
    RandomCursor cursor(stream);
    for (index_t j = cols - draws; j < cols; ++j) {
        const auto t = index_t(cursor.below(std::uint32_t(j) + 1u));
        const bool taken = (bits[t >> 6] >> (t & 63)) & 1u;
        const index_t pick = taken ? j : t;
        bits[pick >> 6] |= std::uint64_t(1) << (pick & 63);
    }
    for (index_t w = 0; w < words; ++w) {
        std::uint64_t word = complement ? ~bits[w] : bits[w];
        if (w == words - 1 && (cols & 63) != 0) word &= (std::uint64_t(1) << (cols & 63)) - 1;  // past the end
        while (word != 0) {
            visit(w * 64 + index_t(lowest_set_bit(word)));
            word &= word - 1;
        }
    }
}

/// A uniform double in (0, 1) with 53 random bits, from two 32-bit words (cell midpoints).
[[nodiscard]] inline double uniform53(std::uint32_t high, std::uint32_t low) noexcept {
    const double cell = double(high >> 5) * 67108864.0 + double(low >> 6);  // 27 + 26 bits
    return (cell + 0.5) * 1.1102230246251565404236316680908203125e-16;      // 2^-53
}

/// A draw of Hypergeometric(population N, successes K, draws n) — the number of successes among
/// n cells drawn without replacement from N cells of which K are successes — from one uniform u
/// in (0, 1). Requires 0 ≤ K ≤ N and 0 ≤ n ≤ N. If u ~ U(0, 1), the result has the
/// hypergeometric law up to the resolution of double arithmetic.
///
/// Inversion in a fixed order of the support: the mode first, then down to the lower end, then
/// up to the upper end. Weights relative to the mode come from the exact ratio recurrence
///   w(k + 1) / w(k) = (K − k)(n − k) / ((k + 1)(N − K − n + k + 1)),
/// and are normalised by their own sum, so no log-gamma cancellation enters the probabilities. A
/// walk stops where the bound on everything beyond it, w · r / (1 − r) with r the next ratio
/// (ratios only shrink away from the mode: the law is log-concave), is below 2^-64 of the mass,
/// far under the 2^-53 resolution of u. Cost: O(standard deviation) steps, twice.
[[nodiscard]] inline std::int64_t hypergeometric_from_uniform(std::int64_t population, std::int64_t successes,
                                                              std::int64_t draws, double u) noexcept {
    const std::int64_t failures = population - successes;
    const std::int64_t lo = draws > failures ? draws - failures : 0;
    const std::int64_t hi = draws < successes ? draws : successes;
    if (lo >= hi) return lo;  // degenerate: K = 0, K = N, n = 0, n = N, …

    const double k_succ = double(successes), n_draw = double(draws);
    const double base = double(failures - draws);  // N − K − n (may be negative)
    auto up = [&](std::int64_t k) {                 // w(k + 1) / w(k), for lo ≤ k < hi
        const double x = double(k);
        return ((k_succ - x) * (n_draw - x)) / ((x + 1.0) * (base + x + 1.0));
    };
    auto down = [&](std::int64_t k) {  // w(k − 1) / w(k), for lo < k ≤ hi
        const double x = double(k);
        return (x * (base + x)) / ((k_succ - x + 1.0) * (n_draw - x + 1.0));
    };
    auto negligible = [](double w, double r, double mass) {
        constexpr double tolerance = 5.421010862427522170037264004349708557128906250e-20;  // 2^-64
        return r < 1.0 && w * r <= tolerance * mass * (1.0 - r);
    };

    const double mode_estimate = std::floor((n_draw + 1.0) * (k_succ + 1.0) / (double(population) + 2.0));
    std::int64_t mode = std::int64_t(mode_estimate);
    mode = mode < lo ? lo : (mode > hi ? hi : mode);

    // Pass 1: the mass of the walk and where it stops. Any start works; the mode makes it short.
    double mass = 1.0;
    std::int64_t bottom = mode, top = mode;
    for (double w = 1.0; bottom > lo;) {
        const double r = down(bottom);
        if (negligible(w, r, mass)) break;
        w *= r;
        mass += w;
        --bottom;
    }
    for (double w = 1.0; top < hi;) {
        const double r = up(top);
        if (negligible(w, r, mass)) break;
        w *= r;
        mass += w;
        ++top;
    }

    // Pass 2: the same weights, accumulated in the same order, until they pass u · mass.
    const double target = u * mass;
    double cumulative = 1.0;
    if (target < cumulative) return mode;
    double w = 1.0;
    for (std::int64_t k = mode; k > bottom; --k) {
        w *= down(k);
        cumulative += w;
        if (target < cumulative) return k - 1;
    }
    w = 1.0;
    for (std::int64_t k = mode; k < top; ++k) {
        w *= up(k);
        cumulative += w;
        if (target < cumulative) return k + 1;
    }
    return top;  // u · mass rounded up to mass itself (u within 2^-53 of 1)
}

/// Row kernel of StochasticMasker::apply: zeroes the chosen positions of row first_row + r of
/// the batch in row r of `part` (the part's rows are batch rows first_row, first_row + 1, …).
template <Real Scalar, Device D>
struct ZeroMaskedKernel {
    MatrixView<Scalar, D> part;
    VectorView<const double, D> counts;  ///< of the whole batch
    std::uint64_t* bits;                 ///< bitset_words(cols) words per row of the part
    index_t first_row;
    std::uint64_t seed;
    std::uint64_t key;

    MVAE_HOST_DEVICE void operator()(index_t r) const {
        Scalar* row = part.row(r);
        const index_t g = first_row + r;
        const RandomStream stream(seed, stream_id(mask_row_purpose, key, std::uint64_t(g)));
        select_uniform_subset(stream, index_t(counts[g]), part.cols(), bits + std::size_t(r) * bitset_words(part.cols()),
                              [row](index_t j) { row[j] = Scalar(0); });
    }
};

/// Row kernel of StochasticMasker::draw_mask: ones everywhere, then zeroes exactly where
/// ZeroMaskedKernel zeroes (same stream, same count, same selection).
template <Real Scalar, Device D>
struct KeepMaskKernel {
    MatrixView<Scalar, D> mask;
    VectorView<const double, D> counts;
    std::uint64_t* bits;
    std::uint64_t seed;
    std::uint64_t key;

    MVAE_HOST_DEVICE void operator()(index_t r) const {
        Scalar* row = mask.row(r);
        const index_t cols = mask.cols();
        for (index_t j = 0; j < cols; ++j) row[j] = Scalar(1);
        const RandomStream stream(seed, stream_id(mask_row_purpose, key, std::uint64_t(r)));
        select_uniform_subset(stream, index_t(counts[r]), cols, bits + std::size_t(r) * bitset_words(cols),
                              [row](index_t j) { row[j] = Scalar(0); });
    }
};

}  // namespace detail

/**
 * What a device kernel needs to walk the masked positions of the rows of part of a batch, for
 * code that consumes the mask as positions instead of applying it to a dense batch (the
 * low-rank input path, completion/low_rank_batch.hpp). Valid until the masker's next call.
 */
template <Device D>
struct MaskedRows {
    VectorView<const double, D> counts;  ///< of the whole batch
    std::uint64_t* bits;                 ///< bitset_words(cols) words per row of the part
    index_t first_row;
    index_t cols;
    std::uint64_t seed;
    std::uint64_t key;

    /// The number of masked positions of the part's row r.
    [[nodiscard]] MVAE_HOST_DEVICE index_t count(index_t r) const { return index_t(counts[first_row + r]); }

    /// visit(j) for the masked positions j of the part's row r, in increasing order: exactly the
    /// positions apply_rows() zeroes in that row.
    template <class Visit>
    MVAE_HOST_DEVICE void for_each(index_t r, Visit visit) const {
        const index_t g = first_row + r;
        const RandomStream stream(seed, stream_id(mask_row_purpose, key, std::uint64_t(g)));
        detail::select_uniform_subset(stream, index_t(counts[g]), cols, bits + std::size_t(r) * detail::bitset_words(cols),
                                      visit);
    }
};

/// The shape of one planned mask (StochasticMasker::plan_counts): its key and its batch's size.
struct MaskShape {
    std::uint64_t key = 0;
    index_t rows = 0;
    index_t cols = 0;
};

namespace detail {

template <Real Scalar>
struct MultiplyByMask {
    MVAE_HOST_DEVICE Scalar operator()(Scalar x, Scalar keep) const noexcept { return x * keep; }
};

}  // namespace detail

/**
 * Stochastic masks: sets exactly K = round(ρ · rows · cols) entries of a batch to zero, the K
 * entries forming a uniformly random subset of the batch's rows · cols entries (sampling without
 * replacement, as in the paper's section IV-B; not independent coin flips). ρ is the share of
 * entries MASKED: the paper's "mask ratio 4%" is ρ = 0.04 if it means masking 4%, ρ = 0.96 if
 * it means keeping 4% (docs/masking.md).
 *
 * The mask is a function of (seed, key, rows, cols) only: the same arguments give the same mask
 * on any thread count and any device; a new key (a global step, or stream_id(epoch, batch))
 * gives an independent mask. The algorithm and why it is exact are in the file comment.
 *
 * A row may be left entirely zero (more likely for small batches or large ρ); that is intended:
 * nothing downstream divides by a row sum.
 *
 * Workspace: the per-row counts are drawn into a host vector and uploaded into a device vector
 * (`Vector<double, D>`: counts are integers ≤ cols, exact in a double; on the CPU the upload is a
 * memmove of `rows` doubles), and each row gets a bitset of ⌈cols / 64⌉ words. All keep their capacity, so after the first call with the largest
 * batch a call allocates nothing. Because of this workspace, a masker must not be used by two
 * threads at once; on a GPU its calls must share one backend stream.
 *
 * @tparam Scalar float or double, the batch's element type.
 * @tparam D      the device whose Backend runs the row kernel (Backend<D>::for_each_index,
 *                upload and map are used).
 *
 * @code
 *   mvae::StochasticMasker<float, mvae::Cpu> masker(0.04, seed);
 *   masker.apply(backend, batch.view(), mvae::stream_id(epoch, batch_index));  // 4% of entries → 0
 * @endcode
 */
template <Real Scalar, Device D>
class StochasticMasker {
public:
    /**
     * @param mask_ratio ρ ∈ [0, 1], the share of entries set to zero (0: none, 1: all).
     * @param seed       seed of every stream the masker draws from.
     * @throws ArgumentError naming "mask ratio" and the value when ρ is outside [0, 1] or NaN.
     */
    StochasticMasker(double mask_ratio, std::uint64_t seed) : mask_ratio_(mask_ratio), seed_(seed) {
        require_argument(mask_ratio >= 0.0 && mask_ratio <= 1.0, "StochasticMasker: mask ratio must be in [0, 1], got ",
                         mask_ratio);
    }

    [[nodiscard]] double mask_ratio() const noexcept { return mask_ratio_; }
    [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

    /// K = round(ρ · rows · cols), halves rounded away from zero (std::llround), always in
    /// [0, rows · cols]. Throws ArgumentError for a negative rows or cols.
    [[nodiscard]] offset_t masked_count(index_t rows, index_t cols) const {
        require_argument(rows >= 0 && cols >= 0, "StochasticMasker: rows and cols must be >= 0, got ", rows, " x ",
                         cols);
        const offset_t cells = offset_t(rows) * offset_t(cols);
        const offset_t k = std::llround(mask_ratio_ * double(cells));
        return k < 0 ? 0 : (k > cells ? cells : k);
    }

    /**
     * Writes the number of masked entries of each row of a rows × cols batch under `key` into
     * `counts` (size rows), as apply() and draw_mask() use them. They sum to masked_count(rows, cols).
     * Host-only and allocation-free; deterministic in (seed, key, rows, cols).
     * @throws ShapeError when counts.size() ≠ rows.
     */
    void row_counts(index_t rows, index_t cols, std::uint64_t key, std::span<index_t> counts) const {
        require_shape(counts.size() == std::size_t(rows < 0 ? 0 : rows), "StochasticMasker::row_counts: ", rows,
                      " rows but room for ", counts.size(), " counts");
        for_each_row_count(rows, cols, key, [&](index_t r, std::int64_t c) { counts[std::size_t(r)] = index_t(c); });
    }

    /// Zeroes the masked entries of `batch` in place; the others are untouched. Exactly equal to
    /// multiplying `batch` by draw_mask(…, key)'s mask of the same shape (the view may be strided).
    void apply(const Backend<D>& backend, MatrixView<Scalar, D> batch, std::uint64_t key) {
        apply_rows(backend, batch, key, 0, batch.rows());
    }

    /**
     * apply() on part of a batch: `part` holds rows [first_row, first_row + part.rows()) of a
     * batch of `batch_rows` rows (and part.cols() columns), and gets exactly those rows of the
     * batch's mask under `key`. Handling a batch in parts gives the same mask as apply() on the
     * whole (the counts are drawn for the whole batch, once per (key, shape)).
     * @throws ShapeError when the part does not fit in the batch.
     */
    void apply_rows(const Backend<D>& backend, MatrixView<Scalar, D> part, std::uint64_t key, index_t first_row,
                    index_t batch_rows) {
        require_shape(first_row >= 0 && part.rows() >= 0 && first_row + part.rows() <= batch_rows,
                      "StochasticMasker::apply_rows: rows [", first_row, ", ", first_row + part.rows(),
                      ") of a batch of ", batch_rows);
        prepare_counts(backend, batch_rows, part.cols(), key);
        if (part.empty()) return;
        prepare_bits(part.rows(), part.cols());
        backend.for_each_index(part.rows(), detail::ZeroMaskedKernel<Scalar, D>{part, counts_view_, bits_.data(),
                                                                                first_row, seed_, key});
    }

    /**
     * The masked positions of rows [first_row, first_row + part_rows) of a batch of `batch_rows`
     * rows and `cols` columns under `key`, without a dense batch (see MaskedRows); the per-row
     * counts are also in host_counts(). The view uses the masker's workspaces: valid until its
     * next call, and one kernel at a time may walk it.
     */
    MaskedRows<D> masked_rows(const Backend<D>& backend, index_t part_rows, index_t cols, std::uint64_t key,
                              index_t first_row, index_t batch_rows) {
        require_shape(first_row >= 0 && part_rows >= 0 && first_row + part_rows <= batch_rows,
                      "StochasticMasker::masked_rows: rows [", first_row, ", ", first_row + part_rows,
                      ") of a batch of ", batch_rows);
        prepare_counts(backend, batch_rows, cols, key);
        prepare_bits(part_rows, cols);
        return MaskedRows<D>{counts_view_, bits_.data(), first_row, cols, seed_, key};
    }

    /// The per-row counts of the batch the last call drew (host memory; integers in doubles).
    [[nodiscard]] std::span<const double> host_counts() const noexcept { return counts_host_view_; }

    /**
     * Draws the counts of the listed masks (consecutive keys, e.g. an epoch's steps, with their
     * batches' sizes) on the host and uploads them in one transfer: the masks applied afterwards
     * with those (key, rows, cols) move nothing between host and device. A mask outside the plan
     * is drawn and uploaded when used, as without one. A new plan replaces the old; the counts
     * are those apply() would draw, so a plan never changes a mask.
     * @throws ArgumentError unless the keys are consecutive (key of entry i = first key + i).
     */
    void plan_counts(const Backend<D>& backend, std::span<const MaskShape> masks) {
        plan_.assign(masks.begin(), masks.end());  // keeps its capacity: no allocation once warm
        plan_offsets_.resize(masks.size() + 1);
        std::size_t total = 0;
        for (std::size_t i = 0; i < masks.size(); ++i) {
            require_argument(masks[i].key == masks[0].key + i, "StochasticMasker::plan_counts: keys must be consecutive, got ",
                             masks[i].key, " at position ", i, " after ", masks[0].key);
            (void)masked_count(masks[i].rows, masks[i].cols);  // validates the shape
            plan_offsets_[i] = total;
            total += std::size_t(masks[i].rows);
        }
        plan_offsets_[masks.size()] = total;
        plan_host_.resize(total);
        for (std::size_t i = 0; i < masks.size(); ++i)
            for_each_row_count(masks[i].rows, masks[i].cols, masks[i].key,
                               [&](index_t r, std::int64_t c) { plan_host_[plan_offsets_[i] + std::size_t(r)] = double(c); });
        plan_device_.resize(index_t(total));
        if (total > 0) backend.upload(plan_host_.data(), plan_device_.view());
        counts_valid_ = false;
    }

    /// Writes the keep-mask apply(…, key) uses on a batch of mask's shape: 0 at the masked
    /// entries, 1 elsewhere.
    void draw_mask(const Backend<D>& backend, MatrixView<Scalar, D> mask, std::uint64_t key) {
        prepare_counts(backend, mask.rows(), mask.cols(), key);
        if (mask.empty()) return;
        prepare_bits(mask.rows(), mask.cols());
        backend.for_each_index(mask.rows(),
                               detail::KeepMaskKernel<Scalar, D>{mask, counts_view_, bits_.data(), seed_, key});
    }

    /// batch ← batch ⊙ mask, for a mask drawn elsewhere (tests, CPU/GPU parity, a replayed mask).
    /// @throws ShapeError when the shapes differ.
    static void apply_mask(const Backend<D>& backend, MatrixView<Scalar, D> batch, MatrixView<const Scalar, D> mask) {
        backend.map(batch, detail::MultiplyByMask<Scalar>{}, MatrixView<const Scalar, D>(batch), mask);
    }

private:
    /// Draws the row counts under `key` and passes (r, c_r) to sink in row order.
    template <class Sink>
    void for_each_row_count(index_t rows, index_t cols, std::uint64_t key, Sink sink) const {
        std::int64_t remaining_masked = masked_count(rows, cols);  // validates the shape
        std::int64_t remaining_cells = std::int64_t(rows) * std::int64_t(cols);
        const RandomStream stream(seed_, stream_id(mask_count_purpose, key));
        for (index_t r = 0; r < rows; ++r) {
            // Words 4r and 4r + 1 (one Philox block per row) feed row r's uniform.
            const Philox4x32Block words = stream.block(std::uint64_t(r));
            const double u = detail::uniform53(words.v[0], words.v[1]);
            const std::int64_t c = detail::hypergeometric_from_uniform(remaining_cells, remaining_masked, cols, u);
            sink(r, c);
            remaining_cells -= cols;
            remaining_masked -= c;
        }
    }

    /// Fills the device copy of the counts for a rows × cols batch under `key` (unless they are
    /// already those: the parts of one batch share them).
    void prepare_counts(const Backend<D>& backend, index_t rows, index_t cols, std::uint64_t key) {
        (void)masked_count(rows, cols);          // validates the shape before sizing anything
        if (counts_valid_ && counts_key_ == key && counts_rows_ == rows && counts_cols_ == cols) return;
        counts_valid_ = false;
        if (!plan_.empty() && key >= plan_.front().key && key - plan_.front().key < plan_.size()) {
            const auto i = std::size_t(key - plan_.front().key);
            if (plan_[i].rows == rows && plan_[i].cols == cols) {  // drawn and uploaded with the plan
                counts_view_ = VectorView<const double, D>(plan_device_.data() + plan_offsets_[i], rows);
                counts_host_view_ = std::span<const double>(plan_host_.data() + plan_offsets_[i], std::size_t(rows));
                counts_key_ = key, counts_rows_ = rows, counts_cols_ = cols, counts_valid_ = true;
                return;
            }
        }
        counts_host_.resize(std::size_t(rows));  // keeps its capacity: no allocation once warm
        for_each_row_count(rows, cols, key, [&](index_t r, std::int64_t c) { counts_host_[std::size_t(r)] = double(c); });
        counts_.resize(rows);
        if (rows > 0) backend.upload(counts_host_.data(), counts_.view());  // (no null pointers to memmove)
        counts_view_ = counts_.cview();
        counts_host_view_ = counts_host_;
        counts_key_ = key, counts_rows_ = rows, counts_cols_ = cols, counts_valid_ = true;
    }

    /// Sizes the per-row bitsets for `rows` rows of `cols` positions (grows only).
    void prepare_bits(index_t rows, index_t cols) {
        const auto words = std::size_t(rows) * std::size_t(detail::bitset_words(cols));
        if (bits_.size() < words) bits_ = Buffer<std::uint64_t, D>(words);
    }

    double mask_ratio_;
    std::uint64_t seed_;
    std::vector<double> counts_host_;  ///< counts drawn on the host (outside a plan)
    Vector<double, D> counts_;         ///< their copy in device memory
    VectorView<const double, D> counts_view_;  ///< the current batch's counts, read by the row kernels
    std::span<const double> counts_host_view_; ///< the same on the host
    std::vector<MaskShape> plan_;              ///< plan_counts' masks, by key
    std::vector<std::size_t> plan_offsets_;    ///< where each planned mask's counts start
    std::vector<double> plan_host_;
    Vector<double, D> plan_device_;
    std::uint64_t counts_key_ = 0;     ///< what counts_ holds: (key, rows, cols), when valid
    index_t counts_rows_ = 0, counts_cols_ = 0;
    bool counts_valid_ = false;
    Buffer<std::uint64_t, D> bits_;    ///< the rows' membership bitsets
};

}  // namespace mvae
