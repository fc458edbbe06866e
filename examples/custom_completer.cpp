// custom_completer — a completion policy written in user code, plugged into the MVAE pipeline.
//
//   build/examples/mvae_custom_completer [DATA_DIR]
//
// The policy completes R with the independence model of clicks: E[R(u, i)] ≈ deg(u) · deg(i) / nnz,
// a rank-1 factorisation (p_u = deg(u) / √nnz, q_i = deg(i) / √nnz): popular items and active
// users get the high pseudo-ratings. MvaeModel<float, Cpu, IndependenceCompletion> then masks,
// trains both VAEs and scores as with the built-in completions; the model saves and loads under
// its type. DATA_DIR is a JCA/JoVA split folder; without it the program uses ../shared/data/yelp
// (from the working directory or the source tree) for a few epochs, or generates data when that
// is absent. Exits 0 on success.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include <mvae/mvae.hpp>

// The policy: what MvaeModel needs is `fit(R) -> LowRankFactors` and a `name` (CompletionPolicy).
struct IndependenceCompletion {
    static constexpr std::string_view name = "independence";

    [[nodiscard]] mvae::LowRankFactors fit(const mvae::InteractionMatrix& r) const {
        mvae::LowRankFactors f;
        f.p.resize(r.n_users(), 1);
        f.q.resize(r.n_items(), 1);
        const double scale = 1.0 / std::sqrt(double(std::max<std::int64_t>(r.nnz(), 1)));
        for (mvae::index_t u = 0; u < r.n_users(); ++u) f.p(u, 0) = double(r.user_degree(u)) * scale;
        for (mvae::index_t i = 0; i < r.n_items(); ++i) f.q(i, 0) = double(r.item_degree(i)) * scale;
        return f;
    }
};
static_assert(mvae::CompletionPolicy<IndependenceCompletion>);

namespace {

std::filesystem::path default_data() {
    for (const std::filesystem::path& dir : {std::filesystem::path("../shared/data/yelp"),
                                            std::filesystem::path(MVAE_SOURCE_DIR) / "../shared/data/yelp"})
        if (std::filesystem::exists(dir / "train.csv")) return dir;
    return {};
}

// A JCA-shaped split of a generated world (validation inside train, as in the paper's folders).
mvae::SplitData generated_split() {
    mvae::SyntheticConfig c;
    c.n_users = 1500;
    c.n_items = 600;
    c.seed = 11;
    const mvae::SyntheticData world = mvae::generate_synthetic(c);
    mvae::RandomSplitOptions o;
    o.seed = 11;
    mvae::SplitData s = mvae::random_split(world.clicks, o);
    o.test_fraction = 0.1;
    s.validation = mvae::random_split(s.train, o).test;
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::filesystem::path dir = argc > 1 ? std::filesystem::path(argv[1]) : default_data();
        const mvae::SplitData data = dir.empty() ? generated_split() : mvae::load_jca_split(dir);
        std::printf("data: %s, %d users x %d items\n", dir.empty() ? "generated" : dir.string().c_str(), int(data.n_users()),
                    int(data.n_items()));

        mvae::MvaeOptions options;  // the paper's settings, a few epochs
        options.epochs = 3;
        options.seed = 1;
        using Model = mvae::MvaeModel<float, mvae::Cpu, IndependenceCompletion>;
        Model model(options);
        model.fit(data.train, [](const mvae::DualEpochReport& r) {
            std::printf("epoch %d  uVAE loss %.2f  iVAE loss %.2f  %.1f s\n", int(r.epoch), r.user.loss, r.item.loss, r.seconds);
        });
        mvae::EvalOptions eval;
        eval.ks = {10};
        const mvae::EvalReport report = mvae::evaluate_ranking<float>(
            data.train, data.test,
            [&](mvae::index_t first, mvae::index_t count, mvae::MatrixView<float, mvae::Cpu> out) { model.score(first, count, out); },
            eval);
        std::printf("MVAE with the '%s' completion: test NDCG@10 %.4f, F1@10 %.4f (%d users)\n",
                    std::string(IndependenceCompletion::name).c_str(), report.ndcg[0], report.f1[0], int(report.users_evaluated));

        // Saved and loaded under its type; the file records the completion's name.
        const auto file = std::filesystem::temp_directory_path() / "mvae_custom_completer.mvae";
        model.save(file);
        Model loaded = Model::load(file);
        std::filesystem::remove(file);
        if (loaded.recommend(0, 5) != model.recommend(0, 5)) {
            std::fprintf(stderr, "custom_completer: the loaded model recommends differently\n");
            return 1;
        }
        std::printf("saved and loaded: the same recommendations\n");
    } catch (const mvae::Error& e) {
        std::fprintf(stderr, "custom_completer: %s\n", e.what());
        return 1;
    }
    return 0;
}
