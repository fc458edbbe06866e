// A training epoch keeps the device busy: inside it nothing crosses between host and device and
// nothing synchronises, except the non-finite guard's one small read every guard_every steps.
// The CPU backend counts the uploads, downloads and synchronisations a GPU would make
// (backend/transfer_counter.hpp), so this is checked here without a GPU: the count of an epoch
// does not grow with its number of steps.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "mvae/backend/transfer_counter.hpp"
#include "mvae/completion/completed_row_source.hpp"
#include "mvae/completion/matrix_completer.hpp"
#include "mvae/data/synthetic.hpp"
#include "mvae/recommender/mvae_model.hpp"
#include "mvae/training/vae_trainer.hpp"

using mvae::index_t;

namespace {

const mvae::InteractionMatrix& clicks() {
    static const mvae::InteractionMatrix m = [] {
        mvae::SyntheticConfig c;
        c.n_users = 240;
        c.n_items = 96;
        c.exposures_per_user = 20;
        c.seed = 9;
        return mvae::generate_synthetic(c).clicks;
    }();
    return m;
}

// The transfers of the second epoch (the first also copies the data's structure once).
mvae::TransferCounts epoch_transfers(mvae::MvaeOptions o) {
    o.vae.hidden1 = o.vae.hidden2 = 12;
    o.vae.latent = 4;
    o.rank = 4;
    o.epochs = 2;
    mvae::Mvae model(o);
    model.prepare(clicks());
    (void)model.train_epoch();
    const mvae::TransferCounts before = mvae::transfer_counter().counts();
    (void)model.train_epoch();
    return mvae::transfer_counter().counts() - before;
}

}  // namespace

TEST_CASE("an epoch's transfers do not grow with its number of steps", "[training][device]") {
    for (const auto schedule : {mvae::Schedule::Independent, mvae::Schedule::Paired}) {
        for (const auto target : {mvae::ReconstructionTarget::Completed, mvae::ReconstructionTarget::Observed}) {
            INFO("schedule " << mvae::to_string(schedule) << ", target " << mvae::to_string(target));
            mvae::MvaeOptions o;
            o.schedule = schedule;
            o.target = target;
            o.guard_every = 0;  // the guard reads once, at the end of the epoch
            o.batch_size = 64;
            const mvae::TransferCounts few = epoch_transfers(o);
            o.batch_size = 16;  // 4 x the steps (16 x the blocks under the paired schedule)
            const mvae::TransferCounts many = epoch_transfers(o);
            CHECK(many.uploads == few.uploads);
            CHECK(many.downloads == few.downloads);
            CHECK(many.synchronizations == few.synchronizations);
            // Per side: the row order up (once per epoch; the paired schedule uploads both
            // orders) and the sums down (once).
            CHECK(many.total() <= 6);
        }
    }
}

TEST_CASE("the non-finite guard reads once every guard_every steps", "[training][device]") {
    mvae::MvaeOptions o;
    o.sides = mvae::DualSides::UserOnly;
    o.batch_size = 16;  // 240 users: 15 steps
    o.guard_every = 0;
    const std::int64_t per_epoch = epoch_transfers(o).downloads;
    o.guard_every = 4;  // after steps 4, 8, 12: three more reads
    REQUIRE(epoch_transfers(o).downloads == per_epoch + 3);
}

TEST_CASE("a diverging run is stopped by the deferred guard, naming the first bad step", "[training][device][errors]") {
    mvae::MvaeOptions o;
    o.vae.hidden1 = o.vae.hidden2 = 12;
    o.vae.latent = 4;
    o.rank = 4;
    o.epochs = 1;
    o.batch_size = 16;
    o.guard_every = 4;
    o.adam.learning_rate = 1e30;  // the first update blows every weight up
    mvae::Mvae model(o);
    REQUIRE_THROWS_WITH(model.fit(clicks()), Catch::Contains("(found at the guard after step 3)") && Catch::Contains("non-finite"));
}

TEST_CASE("the one-step call still reads its loss back: 2 uploads and 3 downloads a step", "[training][device]") {
    // The figure docs/performance.md sets the device-resident epoch against.
    const auto completed = mvae::AlsCompleter(mvae::WeightedAls({.rank = 4})).complete(clicks());
    const mvae::CompletedRowSource<float> users(completed, mvae::RowsOf::Users);
    mvae::VaeConfig c;
    c.input_dim = clicks().n_items();
    c.hidden1 = c.hidden2 = 12;
    c.latent = 4;
    mvae::VariationalAutoencoder<float, mvae::Cpu> vae(c);
    mvae::VaeTrainOptions o;
    o.mask_ratio = 0.04;
    mvae::VaeTrainer<float, mvae::Cpu> trainer(vae, o);
    std::vector<index_t> rows(16);
    for (index_t i = 0; i < 16; ++i) rows[std::size_t(i)] = i;
    trainer.train_step(users, rows);
    const mvae::TransferCounts before = mvae::transfer_counter().counts();
    for (int s = 0; s < 10; ++s) trainer.train_step(users, rows);
    const mvae::TransferCounts d = mvae::transfer_counter().counts() - before;
    CHECK(d.uploads == 20);    // the rows' ids, the mask counts
    CHECK(d.downloads == 30);  // the BCE and KL sums, the gradient norm
    CHECK(d.synchronizations == 0);
}
