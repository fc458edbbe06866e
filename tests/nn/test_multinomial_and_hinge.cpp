// The Mult-VAE reconstruction loss (multinomial log-likelihood) and JoVA's pairwise hinge term:
// known values, and their gradients against finite differences in double.
#include <catch2/catch.hpp>

#include <cmath>
#include <string_view>
#include <vector>

#include "mvae/data/interaction_matrix.hpp"
#include "mvae/nn/likelihood.hpp"
#include "mvae/nn/multinomial_log_likelihood.hpp"
#include "mvae/training/pairwise_hinge.hpp"

#include "support/gradient_fixtures.hpp"

using mvae::index_t;
using mvae::testing::check_gradient;
using namespace mvae_test;

namespace {

const mvae::Backend<Cpu> be;
constexpr double kTolerance = 1e-6;

double row_sum(const mvae::Vector<double, Cpu>& v) {
    double s = 0;
    for (index_t i = 0; i < v.size(); ++i) s += v[i];
    return s;
}

}  // namespace

TEST_CASE("multinomial NLL: hand-computed value, no overflow at large logits", "[nn][multinomial]") {
    MatD l(1, 3), x(1, 3);
    l(0, 0) = 1, l(0, 1) = 2, l(0, 2) = 3;
    x(0, 0) = 1, x(0, 1) = 0, x(0, 2) = 2;
    mvae::Vector<double, Cpu> rows(1);
    mvae::multinomial_nll_forward<double, Cpu>(be, l.cview(), x.cview(), rows.view());
    const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
    REQUIRE(rows[0] == Approx(-(1 * (1 - lse) + 2 * (3 - lse))));
    // A shift of every logit changes nothing (softmax), even far beyond exp's range.
    be.map(l.view(), [](double v) { return v + 1000.0; }, l.cview());
    mvae::Vector<double, Cpu> shifted(1);
    mvae::multinomial_nll_forward<double, Cpu>(be, l.cview(), x.cview(), shifted.view());
    REQUIRE(std::isfinite(shifted[0]));
    REQUIRE(shifted[0] == Approx(rows[0]));
}

TEST_CASE("multinomial NLL: gradient matches finite differences, and may overwrite the logits", "[nn][multinomial][gradient]") {
    MatD l = normal_matrix(4, 9, 31, 2.0);
    MatD x = normal_matrix(4, 9, 32);
    be.map(x.view(), [](double v) { return v > 0.3 ? 1.0 : (v < -1.0 ? 2.0 : 0.0); }, x.cview());  // counts
    mvae::Vector<double, Cpu> rows(4);
    const double scale = 0.25;
    const auto loss = [&] {
        mvae::multinomial_nll_forward<double, Cpu>(be, l.cview(), x.cview(), rows.view());
        return scale * row_sum(rows);
    };
    MatD g(4, 9);
    mvae::Vector<double, Cpu> fused_rows(4);
    mvae::multinomial_nll_forward_backward<double, Cpu>(be, l.cview(), x.cview(), scale, fused_rows.view(), g.view());
    REQUIRE(scale * row_sum(fused_rows) == Approx(loss()));
    REQUIRE(nontrivial(flat(g)));
    REQUIRE(check_gradient(flat(l), flat(g), loss).max_relative_error < kTolerance);
    MatD in_place = l;
    mvae::multinomial_nll_forward_backward<double, Cpu>(be, in_place.cview(), x.cview(), scale, fused_rows.view(),
                                                        in_place.view());
    REQUIRE(std::equal(in_place.data(), in_place.data() + in_place.size(), g.data()));
    // Each row's gradient sums to zero: softmax's mass moves, it is not created.
    for (index_t i = 0; i < 4; ++i) {
        double s = 0;
        for (index_t j = 0; j < 9; ++j) s += g(i, j);
        REQUIRE(s == Approx(0.0).margin(1e-12));
    }
}

namespace {

// Has a name but no loss: not a likelihood policy.
struct NameOnly {
    static constexpr std::string_view name = "name-only";
};

// Runs a policy's forward and forward_backward (with a separate and an aliased gradient) and
// checks them against the free functions `expected_forward` / `expected_forward_backward`.
template <class Likelihood, class Forward, class ForwardBackward>
void check_policy_forwards(const MatD& l, const MatD& x, Forward expected_forward,
                           ForwardBackward expected_forward_backward) {
    const index_t rows = l.rows(), cols = l.cols();
    const double scale = 0.5;
    mvae::Vector<double, Cpu> got(rows), want(rows);
    Likelihood::template forward<double, Cpu>(be, l.cview(), x.cview(), got.view());
    expected_forward(be, l.cview(), x.cview(), want.view());
    REQUIRE(std::equal(got.data(), got.data() + rows, want.data()));
    MatD g_got(rows, cols), g_want(rows, cols);
    Likelihood::template forward_backward<double, Cpu>(be, l.cview(), x.cview(), scale, got.view(), g_got.view());
    expected_forward_backward(be, l.cview(), x.cview(), scale, want.view(), g_want.view());
    REQUIRE(std::equal(got.data(), got.data() + rows, want.data()));
    REQUIRE(std::equal(g_got.data(), g_got.data() + g_got.size(), g_want.data()));
    REQUIRE(nontrivial(flat(g_got)));
    MatD in_place = l;  // grad may alias logits
    Likelihood::template forward_backward<double, Cpu>(be, in_place.cview(), x.cview(), scale, got.view(),
                                                       in_place.view());
    REQUIRE(std::equal(in_place.data(), in_place.data() + in_place.size(), g_want.data()));
}

}  // namespace

TEST_CASE("likelihood policies: names, the concept, and the free functions they forward to", "[nn][likelihood]") {
    static_assert(mvae::LikelihoodPolicy<mvae::BernoulliLikelihood, float, Cpu>);
    static_assert(mvae::LikelihoodPolicy<mvae::BernoulliLikelihood, double, Cpu>);
    static_assert(mvae::LikelihoodPolicy<mvae::MultinomialLikelihood, float, Cpu>);
    static_assert(mvae::LikelihoodPolicy<mvae::MultinomialLikelihood, double, Cpu>);
    static_assert(!mvae::LikelihoodPolicy<NameOnly, float, Cpu>);
    static_assert(!mvae::LikelihoodPolicy<mvae::BernoulliLikelihood, int, Cpu>);
    STATIC_REQUIRE(mvae::BernoulliLikelihood::name == "bernoulli");
    STATIC_REQUIRE(mvae::MultinomialLikelihood::name == "multinomial");

    const MatD l = normal_matrix(3, 7, 51, 2.0);
    MatD x = normal_matrix(3, 7, 52);
    be.map(x.view(), [](double v) { return v > 0.3 ? 1.0 : (v < -1.0 ? 0.4 : 0.0); }, x.cview());
    SECTION("Bernoulli") {
        check_policy_forwards<mvae::BernoulliLikelihood>(l, x, mvae::bce_with_logits_forward<double, Cpu>,
                                                         mvae::bce_with_logits_forward_backward<double, Cpu>);
    }
    SECTION("multinomial") {
        check_policy_forwards<mvae::MultinomialLikelihood>(l, x, mvae::multinomial_nll_forward<double, Cpu>,
                                                           mvae::multinomial_nll_forward_backward<double, Cpu>);
    }
}

namespace {

// 5 users × 8 items with a few interactions in every row.
mvae::InteractionMatrix hinge_matrix() {
    std::vector<mvae::Interaction> pairs;
    for (index_t u = 0; u < 5; ++u)
        for (index_t i = 0; i < 8; ++i)
            if ((u * 3 + i * 5) % 4 == 0 || (u + i) % 7 == 0) pairs.push_back({u, i});
    return mvae::InteractionMatrix(5, 8, pairs);
}

}  // namespace

TEST_CASE("pairwise hinge: triples come from the block, negatives are unobserved", "[nn][hinge]") {
    const auto r = hinge_matrix();
    const std::vector<index_t> users{4, 1, 2}, items{7, 0, 3, 5, 2};
    MatD a(3, 8), b(5, 5);
    be.fill(a.view(), 0.0);
    be.fill(b.view(), 0.0);
    mvae::PairwiseHinge<double, Cpu> hinge({.margin = 0.15, .weight = 1.0, .seed = 3});
    // All logits equal: every triple sits at the margin, h = 0.15 each.
    const double h = hinge.compute(be, r, users, items, a.cview(), b.cview(), 0.5, 0);
    index_t in_block = 0;
    for (index_t u : users)
        for (index_t i : items) in_block += r.contains(u, i) ? 1 : 0;
    REQUIRE(hinge.triples() == in_block);
    REQUIRE(hinge.active() == in_block);
    REQUIRE(h == Approx(0.15 * double(in_block) / 3.0));
    // A different key draws other negatives; the same key the same ones.
    MatD ga(3, 8), ga2(3, 8);
    be.fill(ga.view(), 0.0);
    be.fill(ga2.view(), 0.0);
    hinge.add_user_gradient(be, ga.view());
    hinge.compute(be, r, users, items, a.cview(), b.cview(), 0.5, 0);
    hinge.add_user_gradient(be, ga2.view());
    REQUIRE(std::equal(ga.data(), ga.data() + ga.size(), ga2.data()));
    // Gradient entries land only on block items, and negatives (positive gradient) only on unobserved pairs.
    for (index_t r_ = 0; r_ < 3; ++r_)
        for (index_t i = 0; i < 8; ++i) {
            const bool block_item = std::find(items.begin(), items.end(), i) != items.end();
            if (!block_item) REQUIRE(ga(r_, i) == 0.0);
            if (ga(r_, i) > 0) REQUIRE_FALSE(r.contains(users[std::size_t(r_)], i));
            if (ga(r_, i) < 0) REQUIRE(r.contains(users[std::size_t(r_)], i));
        }
}

TEST_CASE("pairwise hinge: gradients match finite differences of the term", "[nn][hinge][gradient]") {
    const auto r = hinge_matrix();
    const std::vector<index_t> users{0, 3, 2, 4}, items{1, 6, 4, 0, 2, 7};
    // Logits spread enough that some triples are inactive, none near the kink.
    MatD a = normal_matrix(4, 8, 41, 0.7), b = normal_matrix(6, 5, 42, 0.7);
    mvae::PairwiseHinge<double, Cpu> hinge({.margin = 0.15, .weight = 2.0, .seed = 9});
    const double alpha = 0.3;
    const auto term = [&] { return hinge.compute(be, r, users, items, a.cview(), b.cview(), alpha, 5); };
    term();
    REQUIRE(hinge.active() > 0);
    REQUIRE(hinge.active() < hinge.triples());
    MatD ga(4, 8), gb(6, 5);
    be.fill(ga.view(), 0.0);
    be.fill(gb.view(), 0.0);
    hinge.add_user_gradient(be, ga.view());
    hinge.add_item_gradient(be, gb.view());
    REQUIRE(nontrivial(flat(ga)));
    REQUIRE(nontrivial(flat(gb)));
    REQUIRE(check_gradient(flat(a), flat(ga), term).max_relative_error < kTolerance);
    REQUIRE(check_gradient(flat(b), flat(gb), term).max_relative_error < kTolerance);
}

TEST_CASE("pairwise hinge: errors name the block and the options", "[nn][hinge]") {
    const mvae::PairwiseHingeOptions negative_margin{.margin = -1};
    using Hinge = mvae::PairwiseHinge<double, Cpu>;
    REQUIRE_THROWS_WITH(Hinge(negative_margin), Catch::Contains("margin"));
    const auto r = hinge_matrix();
    const std::vector<index_t> users{0, 1}, items{0, 1, 2};
    MatD a(2, 8), b(3, 4);  // b should be 3 × 5
    mvae::PairwiseHinge<double, Cpu> hinge;
    REQUIRE_THROWS_WITH(hinge.compute(be, r, users, items, a.cview(), b.cview(), 0.5, 0), Catch::Contains("3 x 4"));
}
