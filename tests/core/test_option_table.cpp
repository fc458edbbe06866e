// OptionTable: settings by name, to and from text, with errors that name the key, the value and
// the line; and mvae_option_table(), the one table of MvaeOptions: every setting is written, reads
// back exactly, and is reached by exactly one key.
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <sstream>
#include <string>

#include "mvae/core/option_table.hpp"
#include "mvae/recommender/mvae_options.hpp"

namespace {

enum class Color { Red, Blue };

struct Toy {
    int count = 3;
    std::uint64_t seed = 7;
    double weight = 0.1;
    bool on = true;
    Color color = Color::Red;
};

mvae::OptionTable<Toy> toy_table() {
    mvae::OptionTable<Toy> t;
    t.number("count", "count", [](auto& o) -> auto& { return o.count; }, "a count")
        .number("seed", "", [](auto& o) -> auto& { return o.seed; }, "a seed")
        .number("weight", "weight", [](auto& o) -> auto& { return o.weight; }, "a weight")
        .number("on", "", [](auto& o) -> auto& { return o.on; }, "a switch")
        .choice("color", "color", [](auto& o) -> auto& { return o.color; },
                [](std::string_view v) {
                    if (v == "red") return Color::Red;
                    if (v == "blue") return Color::Blue;
                    throw mvae::ArgumentError(mvae::detail::error_message("unknown color '", v, "'"));
                },
                [](Color c) { return c == Color::Red ? "red" : "blue"; }, "a color")
        .alias("off", "off", [](Toy& o, std::string_view) { o.on = false; }, "turns it off", true);
    return t;
}

}  // namespace

TEST_CASE("an option table writes and reads every readable setting", "[core][options]") {
    const auto t = toy_table();
    Toy a;
    a.count = -12;
    a.seed = 18446744073709551615ull;
    a.weight = 0.1 + 0.2;  // not a short decimal: must still read back exactly
    a.on = false;
    a.color = Color::Blue;
    const std::string text = t.to_text(a);
    REQUIRE(text == "count=-12\nseed=18446744073709551615\nweight=0.30000000000000004\non=0\ncolor=blue\n");
    const Toy b = t.from_text(text, "toy.txt");
    REQUIRE(b.count == a.count);
    REQUIRE(b.seed == a.seed);
    REQUIRE(b.weight == a.weight);
    REQUIRE(b.on == a.on);
    REQUIRE(b.color == a.color);
    // Absent keys keep the start value; aliases set other fields and are never written.
    REQUIRE(t.from_text("count=5\n", "x").weight == 0.1);
    Toy c;
    t.set(c, "off", "");
    REQUIRE_FALSE(c.on);
    t.set(c, "on", "true");
    REQUIRE(c.on);
    REQUIRE(t.find("off")->is_switch);
    REQUIRE(t.find("nope") == nullptr);
}

TEST_CASE("an option table refuses unknown keys and bad values, naming them", "[core][options]") {
    const auto t = toy_table();
    Toy o;
    REQUIRE_THROWS_WITH(t.set(o, "colour", "red"), Catch::Contains("unknown option 'colour'") && Catch::Contains("known: count"));
    REQUIRE_THROWS_WITH(t.set(o, "count", "3x"), Catch::Contains("count") && Catch::Contains("'3x'"));
    REQUIRE_THROWS_WITH(t.set(o, "count", ""), Catch::Contains("count"));
    REQUIRE_THROWS_WITH(t.set(o, "count", "99999999999"), Catch::Contains("in range"));
    REQUIRE_THROWS_WITH(t.set(o, "seed", "-1"), Catch::Contains("non-negative"));
    REQUIRE_THROWS_WITH(t.set(o, "on", "yes"), Catch::Contains("a bool"));
    REQUIRE_THROWS_WITH(t.set(o, "color", "green"), Catch::Contains("unknown color 'green'"));
    REQUIRE_THROWS_WITH(t.from_text("count=1\ncolor=green\n", "toy.txt"), Catch::Contains("toy.txt:2") && Catch::Contains("green"));
    REQUIRE_THROWS_WITH(t.from_text("count=1\n\nno equals sign\n", "toy.txt"), Catch::Contains("toy.txt:3"));
    REQUIRE_THROWS_AS(t.from_text("weight=heavy\n", "toy.txt"), mvae::ParseError);
}

TEST_CASE("every MvaeOptions setting is saved and restored through the table", "[core][options][mvae]") {
    mvae::MvaeOptions o;  // every field away from its default
    o.rank = 17, o.clamp = false, o.svd_power_iterations = 5, o.als_lambda = 2.5, o.als_unobserved_weight = 0.3,
    o.als_iterations = 4, o.als_cg_steps = 3;
    o.sides = mvae::DualSides::ItemOnly, o.alpha = 0.3, o.fusion = mvae::Fusion::ZScore;
    o.target = mvae::ReconstructionTarget::Observed;
    o.vae.hidden1 = 11, o.vae.hidden2 = 12, o.vae.latent = 5, o.vae.beta = 0.7, o.vae.seed = 9;
    o.vae.encoder1 = mvae::Activation::Relu, o.vae.encoder2 = mvae::Activation::Sigmoid;
    o.vae.decoder2 = mvae::Activation::Identity, o.vae.decoder1 = mvae::Activation::Sigmoid;
    o.vae.kl_convention = mvae::KlConvention::JoVA, o.vae.normalize_input = true;
    o.schedule = mvae::Schedule::Paired, o.mask_ratio = 0.5, o.epochs = 9, o.batch_size = 33;
    o.adam.learning_rate = 0.01, o.adam.decay_every = 3, o.adam.decay_rate = 0.5;
    o.adam.decay_unit = mvae::AdamOptions::DecayUnit::Epochs, o.adam.beta1 = 0.8, o.adam.beta2 = 0.99, o.adam.epsilon = 1e-6;
    o.output_bias_from_data = false, o.seed = 123, o.pass_rows = 64, o.workspace_mib = 12.5;
    o.low_rank_input = true, o.kl_anneal_steps = 1000, o.hinge_weight = 0.5, o.hinge_margin = 0.2;
    o.guard_every = 5;

    const auto& table = mvae::mvae_option_table();
    const std::string text = mvae::to_text(o);
    const mvae::MvaeOptions back = mvae::mvae_options_from_text(text, "model.mvae");
    REQUIRE(mvae::to_text(back) == text);
    // Each written key changed with the field set above: no key reads a field the test left alone,
    // and no two keys read the same field (a key that shadowed another would not round-trip).
    std::istringstream changed(text), defaults(mvae::to_text(mvae::MvaeOptions{}));
    std::set<std::string> keys;
    for (std::string a, b; std::getline(changed, a) && std::getline(defaults, b);) {
        INFO(a << " vs the default " << b);
        REQUIRE(a != b);
        REQUIRE(keys.insert(a.substr(0, a.find('='))).second);
    }
    std::size_t readable = 0;
    for (const auto& f : table.fields()) readable += f.get ? 1 : 0;
    REQUIRE(keys.size() == readable);
    REQUIRE(back.vae.hidden2 == 12);
    REQUIRE(back.pass_rows == 64);
    REQUIRE(back.workspace_mib == 12.5);
    REQUIRE(back.adam.decay_unit == mvae::AdamOptions::DecayUnit::Epochs);
    // Unknown values are refused rather than defaulted.
    REQUIRE_THROWS_WITH(mvae::mvae_options_from_text("rank=3\nkl_convention=jovaa\n", "m.mvae"),
                        Catch::Contains("m.mvae:2") && Catch::Contains("unknown KL convention 'jovaa'"));
    REQUIRE_THROWS_WITH(mvae::mvae_options_from_text("decay_unit=days\n", "m.mvae"), Catch::Contains("days"));
    // The command-line aliases: --hidden sets both widths; --no-clamp is a switch.
    mvae::MvaeOptions c;
    table.set(c, "hidden", "40");
    REQUIRE((c.vae.hidden1 == 40 && c.vae.hidden2 == 40));
    REQUIRE(table.find("no_clamp")->is_switch);
    table.set(c, "no_clamp", "1");
    REQUIRE_FALSE(c.clamp);
}
