// mvae/completion/matrix_completer.hpp — MatrixCompleter<Policy>: the first stage of MVAE
// (section IV-A), turning R into the pseudo-matrix R′ with a low-rank completion policy.
//
// The policy decides how P and Q are found (the paper's SVD: RandomizedSvd, the default; weighted
// ALS for Eq. 2 made meaningful on 0/1 data: WeightedAls; none at all: NoCompletion); the completer
// wraps the factors with R into a CompletedMatrix (observed ones kept, the rest clamped to [0, 1]
// by default). It runs once, on the host, before training. docs/completion.md has the equations.
#pragma once

#include <concepts>
#include <string_view>
#include <utility>

#include "mvae/completion/completed_matrix.hpp"
#include "mvae/completion/low_rank_factors.hpp"
#include "mvae/completion/randomized_svd.hpp"
#include "mvae/completion/weighted_als.hpp"
#include "mvae/data/interaction_matrix.hpp"

namespace mvae {

/// A completion policy: `fit(R)` returns factors P (n_users × k) and Q (n_items × k) of R, and
/// `P::name` names it (in model files, logs and on the command line).
template <class P>
concept CompletionPolicy = requires(const P& policy, const InteractionMatrix& r) {
    { policy.fit(r) } -> std::same_as<LowRankFactors>;
    { P::name } -> std::convertible_to<std::string_view>;
};

/// Completion policy that completes nothing: rank-0 factors, so R′ = R through the same types
/// (for the paper's "without completion" ablation and for the raw-input baselines).
class NoCompletion {
public:
    /// The policy's name in model files and on the command line.
    static constexpr std::string_view name = "none";

    /// No settings.
    struct Options {};

    NoCompletion() = default;
    explicit NoCompletion(const Options& /*options*/) {}
    [[nodiscard]] Options options() const noexcept { return {}; }

    /// Rank-0 factors of R's shape.
    [[nodiscard]] LowRankFactors fit(const InteractionMatrix& r) const {
        return LowRankFactors::zero_rank(r.n_users(), r.n_items());
    }
};

/**
 * Completes R into R′ = "1 where observed, clamp(p_u · q_i, 0, 1) elsewhere".
 *
 * @tparam Policy how the factors are found. It must provide
 *   - `LowRankFactors fit(const InteractionMatrix& r) const` — P (n_users × k), Q (n_items × k),
 *     a function of R and the policy's settings only (deterministic for any thread count);
 *   - a nested `Options` type, a constructor from it and `const Options& options() const`
 *     (RandomizedSvd: rank, oversampling, power_iterations, seed; WeightedAls: rank, lambda, w0,
 *     iterations, seed; NoCompletion: none).
 *   The first requirement is checked by the CompletionPolicy concept.
 *
 * @code
 * mvae::SvdCompleter completer(mvae::RandomizedSvd({.rank = 50}));
 * const mvae::CompletedMatrix completed = completer.complete(train);   // train must outlive it
 * mvae::CompletedRowSource<float> users(completed, mvae::RowsOf::Users);  // the uVAE's rows
 * mvae::CompletedRowSource<float> items(completed, mvae::RowsOf::Items);  // the iVAE's rows (R′ᵀ)
 * @endcode
 */
template <class Policy = RandomizedSvd>
    requires CompletionPolicy<Policy>
class MatrixCompleter {
public:
    using policy_type = Policy;

    /// A completer with the policy's default settings, clamping completed values.
    MatrixCompleter() = default;
    /// @param policy the configured policy. @param clamp whether completed values are clamped to [0, 1].
    explicit MatrixCompleter(Policy policy, bool clamp = true) : policy_(std::move(policy)), clamp_(clamp) {}

    [[nodiscard]] const Policy& policy() const noexcept { return policy_; }
    [[nodiscard]] bool clamp() const noexcept { return clamp_; }

    /// R′ for R: the policy's factors of R, wrapped with R. R must outlive the result.
    [[nodiscard]] CompletedMatrix complete(const InteractionMatrix& r) const {
        return CompletedMatrix(r, policy_.fit(r), clamp_);
    }
    /// R would dangle.
    CompletedMatrix complete(const InteractionMatrix&& r) const = delete;

    /**
     * R′ for R on every rank of `comm` (a collective): rank `root` fits the factors and the others
     * receive them, so a data-parallel run completes R once instead of once per rank. A fit that
     * throws on `root` throws on every rank (on_root). R must outlive the result.
     */
    [[nodiscard]] CompletedMatrix complete(const InteractionMatrix& r, const Communicator& comm, int root = 0) const {
        LowRankFactors factors;
        on_root(comm, root, "the completion", [&] { factors = policy_.fit(r); });
        broadcast(comm, factors, root);
        return CompletedMatrix(r, std::move(factors), clamp_);
    }
    CompletedMatrix complete(const InteractionMatrix&& r, const Communicator& comm, int root = 0) const = delete;

private:
    Policy policy_{};
    bool clamp_ = true;
};

/// The paper's completion: a rank-k truncated SVD of R.
using SvdCompleter = MatrixCompleter<RandomizedSvd>;
/// Weighted ALS completion.
using AlsCompleter = MatrixCompleter<WeightedAls>;
/// R′ = R.
using IdentityCompleter = MatrixCompleter<NoCompletion>;

}  // namespace mvae
