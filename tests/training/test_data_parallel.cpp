// Data-parallel training (issue #17, docs/scale.md) with ranks as threads (ThreadCommunicator):
// N ranks take the steps of one rank up to the order of the sums, every rank ends with the same
// parameters, and an evaluation split over the ranks is the whole evaluation.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <functional>
#include <mutex>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mvae/completion/matrix_completer.hpp"
#include "mvae/core/communicator.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/recommender/model_registry.hpp"
#include "mvae/recommender/mvae_model.hpp"
#include "mvae/recommender/training_run.hpp"
#include "mvae/testing/thread_communicator.hpp"

#include "support/synthetic_split.hpp"

using mvae::index_t;

namespace {

const mvae::SplitData& split() {
    static const mvae::SplitData s = mvae_test::synthetic_jca_split(260, 110, 30, 7);
    return s;
}

/// Runs body(rank communicator) on `ranks` threads; rethrows the first failure.
void on_ranks(int ranks, const std::function<void(const std::shared_ptr<const mvae::Communicator>&)>& body) {
    const auto comms = mvae::ThreadCommunicator::group(ranks);
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(ranks));
    std::vector<std::thread> threads;
    for (int r = 0; r < ranks; ++r)
        threads.emplace_back([&, r] {
            try {
                body(comms[std::size_t(r)]);
            } catch (...) {
                errors[std::size_t(r)] = std::current_exception();
            }
        });
    for (auto& t : threads) t.join();
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

mvae::MvaeOptions small_options(mvae::Schedule schedule) {
    mvae::MvaeOptions o;
    o.epochs = 3;
    o.batch_size = 50;  // 260 users: 6 batches, the last of 10 rows; 110 items: 3 batches
    o.vae.hidden1 = o.vae.hidden2 = 16;
    o.vae.latent = 4;
    o.rank = 6;
    o.seed = 11;
    o.schedule = schedule;
    return o;
}

double max_abs_difference(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
    double m = 0;
    for (std::size_t k = 0; k < a.size(); ++k)
        for (std::size_t i = 0; i < a[k].size(); ++i) m = std::max(m, double(std::abs(a[k][i] - b[k][i])));
    return m;
}

}  // namespace

TEST_CASE("share_of splits a count into contiguous shares that differ by at most one", "[training][parallel]") {
    for (const std::ptrdiff_t count : {0, 1, 7, 1500, 1501})
        for (const int ranks : {1, 2, 3, 8}) {
            std::ptrdiff_t next = 0;
            for (int r = 0; r < ranks; ++r) {
                const mvae::Share s = mvae::share_of(count, r, ranks);
                REQUIRE(s.begin == next);
                REQUIRE(s.size() >= count / ranks);
                REQUIRE(s.size() <= count / ranks + 1);
                next = s.end;
            }
            REQUIRE(next == count);
        }
}

TEST_CASE("ThreadCommunicator sums in rank order, takes maxima and broadcasts across threads", "[training][parallel][threads]") {
    std::vector<std::vector<double>> sums(3), maxima(3);
    std::vector<int> received(3);
    std::vector<int> any_one(3), any_none(3);  // Catch's assertions are not thread-safe: checked after the join
    on_ranks(3, [&](const auto& comm) {
        const int r = comm->rank();
        std::vector<double> v{double(r), 1.0, -double(r)};
        comm->all_reduce_sum(v.data(), v.size(), mvae::MemorySpace::Host, nullptr);
        sums[std::size_t(r)] = v;
        std::vector<double> m{double(r), -double(r)};
        comm->all_reduce_max(m.data(), m.size());
        maxima[std::size_t(r)] = m;
        int value = r == 2 ? 42 : 0;
        comm->broadcast(&value, sizeof value, 2);
        received[std::size_t(r)] = value;
        any_one[std::size_t(r)] = comm->any_of(r == 1);
        any_none[std::size_t(r)] = comm->any_of(false);
    });
    for (int r = 0; r < 3; ++r) {
        REQUIRE(sums[std::size_t(r)] == std::vector<double>{3.0, 3.0, -3.0});
        REQUIRE(maxima[std::size_t(r)] == std::vector<double>{2.0, 0.0});
        REQUIRE(received[std::size_t(r)] == 42);
        REQUIRE(any_one[std::size_t(r)] == 1);
        REQUIRE(any_none[std::size_t(r)] == 0);
    }
}

TEST_CASE("An evaluation split over ranks on threads equals the evaluation of every user in one process", "[training][parallel][threads]") {
    const auto& s = split();
    mvae::MvaeModel<float> model(small_options(mvae::Schedule::Independent));
    model.fit(s.train);
    const auto score = [&](index_t first, index_t count, mvae::MatrixView<float, mvae::Cpu> out) {
        model.score(first, count, out);
    };
    mvae::EvalOptions options;
    options.ks = {1, 5, 10};
    const mvae::EvalReport whole = mvae::evaluate_ranking<float>(s.train, s.test, score, options);
    for (const int ranks : {2, 3}) {
        std::vector<mvae::EvalReport> reports(static_cast<std::size_t>(ranks));
        // Scoring reads the model only; one rank at a time keeps the scoring cache out of it.
        std::mutex scoring;
        on_ranks(ranks, [&](const auto& comm) {
            mvae::EvalOptions mine = options;
            mine.communicator = comm;
            reports[std::size_t(comm->rank())] = mvae::evaluate_ranking<float>(
                s.train, s.test,
                [&](index_t first, index_t count, mvae::MatrixView<float, mvae::Cpu> out) {
                    const std::lock_guard lock(scoring);
                    score(first, count, out);
                },
                mine);
        });
        for (const auto& r : reports) {
            REQUIRE(r.users_evaluated == whole.users_evaluated);
            for (std::size_t j = 0; j < whole.ks.size(); ++j) {
                REQUIRE(r.ndcg[j] == Approx(whole.ndcg[j]).epsilon(1e-12));
                REQUIRE(r.recall[j] == Approx(whole.recall[j]).epsilon(1e-12));
                REQUIRE(r.f1[j] == Approx(whole.f1[j]).epsilon(1e-12));
            }
        }
    }
}

TEST_CASE("Two ranks on threads train an MVAE as one rank does, up to the order of the sums", "[training][parallel][threads]") {
    const auto schedule = GENERATE(mvae::Schedule::Independent, mvae::Schedule::Paired);
    const auto& s = split();
    mvae::MvaeModel<float> one(small_options(schedule));
    one.prepare(s.train);
    std::vector<mvae::DualEpochReport> one_reports;
    for (int e = 0; e < 3; ++e) one_reports.push_back(one.train_epoch());

    std::vector<std::vector<std::vector<float>>> params(2);
    std::vector<std::vector<mvae::DualEpochReport>> reports(2);
    on_ranks(2, [&](const auto& comm) {
        mvae::MvaeModel<float> m(small_options(schedule));
        m.set_communicator(comm);
        m.prepare(s.train);
        for (int e = 0; e < 3; ++e) reports[std::size_t(comm->rank())].push_back(m.train_epoch());
        params[std::size_t(comm->rank())] = m.snapshot();
    });
    // Every rank holds the same model, bit for bit (each applies the same summed gradient).
    REQUIRE(params[0] == params[1]);
    // The same training as one rank: the losses and parameters differ only by rounding.
    for (int e = 0; e < 3; ++e) {
        const auto& want = one_reports[std::size_t(e)];
        for (const auto& r : reports) {
            const auto& got = r[std::size_t(e)];
            REQUIRE(got.user.steps == want.user.steps);
            REQUIRE(got.user.loss == Approx(want.user.loss).epsilon(1e-4));
            REQUIRE(got.item.loss == Approx(want.item.loss).epsilon(1e-4));
            REQUIRE(got.user.kl == Approx(want.user.kl).epsilon(1e-3));
            REQUIRE(got.user.gradient_norm == Approx(want.user.gradient_norm).epsilon(1e-3));
        }
    }
    REQUIRE(max_abs_difference(params[0], one.snapshot()) < 1e-3);
}

TEST_CASE("run_training on two ranks on threads selects and reports as on one", "[training][parallel][threads]") {
    const auto entry = mvae::builtin_models().find("mvae");
    const mvae::ModelSettings settings{
        .options = {{"epochs", "4"}, {"batch_size", "64"}, {"hidden", "16"}, {"latent", "4"}, {"rank", "6"}, {"seed", "3"}}};
    mvae::TrainingProtocol p;
    p.epochs = 4;
    p.eval_every = 1;
    p.select_on_validation = true;
    p.retrain_full = true;
    p.eval.ks = {5, 10};
    const mvae::TrainingOutcome one = mvae::run_training([&] { return entry.make(settings); }, split(), p);

    std::vector<mvae::TrainingOutcome> outs(2);
    on_ranks(2, [&](const auto& comm) {
        mvae::TrainingControl control;
        control.communicator = comm;
        outs[std::size_t(comm->rank())] = mvae::run_training([&] { return entry.make(settings); }, split(), p, {}, control);
    });
    for (const auto& out : outs) {
        REQUIRE(out.part_epochs == one.part_epochs);
        REQUIRE(out.mix == one.mix);
        REQUIRE(out.history.size() == one.history.size());
        for (std::size_t e = 0; e < one.history.size(); ++e)
            REQUIRE(out.history[e].validation->ndcg.back() == Approx(one.history[e].validation->ndcg.back()).margin(2e-3));
        REQUIRE(out.headline.users_evaluated == one.headline.users_evaluated);
        REQUIRE(out.headline.ndcg.back() == Approx(one.headline.ndcg.back()).margin(2e-3));
    }
    REQUIRE(outs[0].headline.ndcg == outs[1].headline.ndcg);
}

TEST_CASE("Models that cannot train data-parallel refuse a communicator of several ranks", "[training][parallel]") {
    const auto comms = mvae::ThreadCommunicator::group(2);
    auto ease = mvae::builtin_models().find("ease").make({});
    REQUIRE_THROWS_AS(ease->set_communicator(comms[0]), mvae::ArgumentError);
    REQUIRE_NOTHROW(ease->set_communicator(mvae::solo_communicator()));
    // JoVA's hinge couples the two sides' steps: one process only.
    auto jova = mvae::builtin_models().find("jova").make({});
    jova->set_communicator(comms[0]);
    REQUIRE_THROWS_WITH(jova->start(split().train), Catch::Contains("data-parallel"));
}

namespace {

/// The randomized SVD, counting its fits.
struct CountingSvd {
    static constexpr std::string_view name = "counting-svd";
    std::atomic<int>* fits;
    [[nodiscard]] mvae::LowRankFactors fit(const mvae::InteractionMatrix& r) const {
        ++*fits;
        return mvae::RandomizedSvd({.rank = 5, .seed = 2}).fit(r);
    }
};

}  // namespace

TEST_CASE("A data-parallel completion fits once, on the root, and every rank gets its factors", "[training][parallel][threads]") {
    std::atomic<int> fits = 0;
    const mvae::MatrixCompleter<CountingSvd> completer(CountingSvd{&fits});
    const mvae::CompletedMatrix one = completer.complete(split().train);
    REQUIRE(fits == 1);
    for (const int root : {0, 2}) {
        fits = 0;
        std::vector<mvae::LowRankFactors> got(3);
        on_ranks(3, [&](const auto& comm) { got[std::size_t(comm->rank())] = completer.complete(split().train, *comm, root).factors(); });
        REQUIRE(fits == 1);
        for (const auto& f : got) {
            REQUIRE(f.p == one.factors().p);  // bit for bit: a copy, not a refit
            REQUIRE(f.q == one.factors().q);
            REQUIRE(f.singular_values == one.factors().singular_values);
        }
    }
}

TEST_CASE("on_root: a failure on the root stops every rank instead of leaving them waiting", "[training][parallel][threads]") {
    std::atomic<int> ran = 0;
    std::vector<std::string> messages(3);
    on_ranks(3, [&](const auto& comm) {
        mvae::on_root(*comm, 1, "the work", [&] { ++ran; });  // success: every rank goes on
        try {
            mvae::on_root(*comm, 1, "the work", [&] { throw std::runtime_error("disk full"); });
        } catch (const std::exception& e) {
            messages[std::size_t(comm->rank())] = e.what();
        }
    });
    REQUIRE(ran == 1);
    REQUIRE(messages[1] == "disk full");  // the root's own error
    REQUIRE_THAT(messages[0], Catch::Contains("the work failed on rank 1"));
    REQUIRE_THAT(messages[2], Catch::Contains("the work failed on rank 1"));
}

TEST_CASE("A checkpoint that cannot be written on rank 0 stops both ranks of a run", "[training][parallel][threads]") {
    const auto entry = mvae::builtin_models().find("mvae");
    const mvae::ModelSettings settings{
        .options = {{"epochs", "2"}, {"batch_size", "64"}, {"hidden", "16"}, {"latent", "4"}, {"rank", "6"}, {"seed", "3"}}};
    mvae::TrainingProtocol p;
    p.epochs = 2;
    p.eval.ks = {5};
    std::vector<std::string> messages(2);
    on_ranks(2, [&](const auto& comm) {
        mvae::TrainingControl control;
        control.communicator = comm;
        control.checkpoint = std::filesystem::temp_directory_path() / "mvae-no-such-folder-4711" / "run.ckpt";
        try {
            (void)mvae::run_training([&] { return entry.make(settings); }, split(), p, {}, control);
        } catch (const mvae::Error& e) {
            messages[std::size_t(comm->rank())] = e.what();
        }
    });
    REQUIRE_THAT(messages[0], Catch::Contains("mvae-no-such-folder-4711"));
    REQUIRE_THAT(messages[1], Catch::Contains("writing the checkpoint"));
    REQUIRE_THAT(messages[1], Catch::Contains("failed on rank 0"));
}
