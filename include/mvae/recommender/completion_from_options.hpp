// mvae/recommender/completion_from_options.hpp — how the MVAE pipeline builds its completion policy
// from MvaeOptions: the built-in policies read their settings (rank, ALS weights, power
// iterations) and derive their seed from the pipeline's; any other CompletionPolicy is default-
// constructed, or constructed from the options when it has such a constructor. A user policy with
// settings of its own is passed to MvaeModel's constructor instead.
#pragma once

#include <concepts>

#include "mvae/completion/matrix_completer.hpp"
#include "mvae/completion/randomized_svd.hpp"
#include "mvae/completion/weighted_als.hpp"
#include "mvae/recommender/mvae_options.hpp"

namespace mvae {

/// The policy MvaeModel<…, C> uses when none is given; see the file comment.
template <CompletionPolicy C>
[[nodiscard]] C completion_from_options(const MvaeOptions& o) {
    if constexpr (std::same_as<C, RandomizedSvd>) {
        RandomizedSvdOptions svd;
        svd.rank = o.rank;
        svd.power_iterations = o.svd_power_iterations;
        svd.seed = o.seed + 1;
        return RandomizedSvd(svd);
    } else if constexpr (std::same_as<C, WeightedAls>) {
        WeightedAlsOptions als;
        als.rank = o.rank;
        als.lambda = o.als_lambda;
        als.w0 = o.als_unobserved_weight;
        als.iterations = o.als_iterations;
        als.cg_steps = o.als_cg_steps;
        als.seed = o.seed + 1;
        return WeightedAls(als);
    } else if constexpr (std::constructible_from<C, const MvaeOptions&>) {
        return C(o);
    } else {
        static_assert(std::default_initializable<C>,
                      "a completion policy without settings from MvaeOptions must be default-constructible "
                      "(or passed to MvaeModel's constructor)");
        return C{};
    }
}

}  // namespace mvae
