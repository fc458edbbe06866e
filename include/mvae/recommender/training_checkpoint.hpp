// mvae/recommender/training_checkpoint.hpp — what a checkpoint of a training run holds besides
// its model: where the run is (phase, epoch), what it has selected so far, its history, and
// fingerprints of the protocol and the data it must be resumed with.
//
// A checkpoint is one model file of kind "mvae.checkpoint" (io/model_file.hpp: versioned,
// checksummed, written atomically): the model's sections (Recommender::write_checkpoint) and the
// run's, all named "run.*". Reports and the history are stored as text whose numbers are written
// in the shortest form that reads back to the same double (std::to_chars), so a resumed run's
// figures are bit-identical to an uninterrupted one's.
#pragma once

#include <any>
#include <charconv>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "mvae/core/error.hpp"
#include "mvae/data/split_data.hpp"
#include "mvae/eval/metrics.hpp"
#include "mvae/io/checksum.hpp"
#include "mvae/io/model_file.hpp"
#include "mvae/model/fusion.hpp"
#include "mvae/recommender/recommender.hpp"

namespace mvae {

inline constexpr const char* training_checkpoint_kind = "mvae.checkpoint";

/// One epoch of a run: its log and the evaluations after it.
struct EpochRecord {
    EpochLog log;
    std::optional<EvalReport> test;        ///< recorded for curves, never used for a choice
    std::optional<EvalReport> validation;  ///< under select_on_validation
    std::vector<double> part_validation;   ///< each part's validation NDCG@select_k alone (models with parts)
};

/// One part's selection so far (models with Recommender::parts() > 1).
struct PartSelection {
    double best = -1;   ///< its best validation NDCG@select_k, scored alone (-1: none yet)
    index_t epoch = 0;  ///< the epoch of that best
    /// The whole model at that epoch (train phase), or at the part's epoch of the refit (retrain
    /// phase; empty until the refit gets there).
    std::any snapshot;
};

/// Where a training run is, as a checkpoint keeps it.
struct TrainingRunState {
    enum class Phase { Train, Retrain };
    Phase phase = Phase::Train;     ///< training (and selecting), or retraining on all of train
    index_t epoch = 0;              ///< epochs done in the phase (the model's epochs_done())
    double best = -1;               ///< best validation NDCG so far (-1: none yet)
    index_t selected_epoch = 0;
    double selected_validation = 0;
    double prepare_seconds = 0, train_seconds = 0;
    std::vector<EpochRecord> history;
    std::optional<EvalReport> last, selected;  ///< known in the retrain phase
    std::any best_snapshot;                    ///< the model at the best epoch (train phase)
    std::vector<PartSelection> parts;          ///< per part, when parts are selected separately
    std::optional<ScoreMix> mix;               ///< the fusion chosen at the end of the train phase
};

namespace detail {

inline std::string join_ks(const std::vector<index_t>& ks) {
    std::string out;
    for (const index_t k : ks) out += (out.empty() ? "" : ",") + std::to_string(k);
    return out;
}

inline void put_number(std::string& out, double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// Reads whitespace-separated tokens, each failure a ParseError naming the file and the section.
class TokenReader {
public:
    TokenReader(std::string text, std::string source, std::string section)
        : in_(std::move(text)), source_(std::move(source)), section_(std::move(section)) {}
    std::string word() {
        std::string w;
        if (!(in_ >> w)) fail("ends early");
        return w;
    }
    double number() {
        const std::string w = word();
        double v = 0;
        const auto r = std::from_chars(w.data(), w.data() + w.size(), v);
        if (r.ec != std::errc() || r.ptr != w.data() + w.size()) fail("'" + w + "' is not a number");
        return v;
    }
    std::int64_t integer() {
        const std::string w = word();
        std::int64_t v = 0;
        const auto r = std::from_chars(w.data(), w.data() + w.size(), v);
        if (r.ec != std::errc() || r.ptr != w.data() + w.size()) fail("'" + w + "' is not an integer");
        return v;
    }
    std::size_t count(std::size_t limit) {
        const std::int64_t n = integer();
        if (n < 0 || std::uint64_t(n) > limit) fail(error_message("count ", n, " is out of range"));
        return std::size_t(n);
    }
    void expect(const std::string& w) {
        if (const std::string got = word(); got != w) fail("expected '" + w + "', found '" + got + "'");
    }
    bool done() {
        std::string w;
        return !(in_ >> w);
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw ParseError(source_, 0, "checkpoint section " + section_ + ": " + what);
    }

private:
    std::istringstream in_;
    std::string source_, section_;
};

inline void put_report(std::string& out, const EvalReport& r) {
    out += std::to_string(r.users_evaluated) + " " + std::to_string(r.ks.size());
    for (const index_t k : r.ks) out += " " + std::to_string(k);
    for (const auto* values : {&r.precision, &r.recall, &r.f1, &r.ndcg}) {
        out += " " + std::to_string(values->size());
        for (const double v : *values) out += " ", put_number(out, v);
    }
}

inline EvalReport take_report(TokenReader& in) {
    constexpr std::size_t limit = 1 << 16;
    EvalReport r;
    r.users_evaluated = index_t(in.integer());
    r.ks.resize(in.count(limit));
    for (index_t& k : r.ks) k = index_t(in.integer());
    for (auto* values : {&r.precision, &r.recall, &r.f1, &r.ndcg}) {
        values->resize(in.count(limit));
        for (double& v : *values) v = in.number();
    }
    return r;
}

inline void put_optional_report(std::string& out, const std::optional<EvalReport>& r) {
    if (!r) {
        out += " -";
        return;
    }
    out += " +";
    out += " ";
    put_report(out, *r);
}

inline std::optional<EvalReport> take_optional_report(TokenReader& in) {
    const std::string mark = in.word();
    if (mark == "-") return std::nullopt;
    if (mark != "+") in.fail("expected '+' or '-', found '" + mark + "'");
    return take_report(in);
}

}  // namespace detail

/// A fingerprint of a split (shapes and the CRC-64 of its three matrices): a run is resumed on
/// the data it was started on, or not at all.
[[nodiscard]] inline std::string split_fingerprint(const SplitData& data) {
    Crc64 crc;
    for (const InteractionMatrix* m : {&data.train, &data.validation, &data.test}) {
        const auto o = m->user_offsets();
        const auto i = m->user_items();
        const auto c = m->user_counts();
        crc.update(o.data(), o.size_bytes());
        crc.update(i.data(), i.size_bytes());
        crc.update(c.data(), c.size_bytes());
    }
    return detail::error_message(data.n_users(), "x", data.n_items(), " train ", data.train.nnz(), " validation ",
                                 data.validation.nnz(), " test ", data.test.nnz(), " crc64 ", crc.value());
}

/// Adds the run's state to `w` (run.*); the model's sections are the model's own.
inline void write_run_state(ModelWriter& w, const TrainingRunState& s, const std::string& protocol,
                            const std::string& data_fingerprint, const Recommender& model) {
    w.add_text("run.protocol", protocol);
    w.add_text("run.data", data_fingerprint);
    w.add_text("run.phase", s.phase == TrainingRunState::Phase::Train ? "train" : "retrain");
    w.add_scalar<std::int64_t>("run.epoch", s.epoch);
    w.add_scalar<std::int64_t>("run.selected_epoch", s.selected_epoch);
    w.add_scalar<double>("run.best", s.best);
    w.add_scalar<double>("run.selected_validation", s.selected_validation);
    w.add_scalar<double>("run.prepare_seconds", s.prepare_seconds);
    w.add_scalar<double>("run.train_seconds", s.train_seconds);
    std::string history = std::to_string(s.history.size());
    for (const EpochRecord& r : s.history) {
        history += "\n" + std::to_string(r.log.epoch) + " ";
        detail::put_number(history, r.log.seconds);
        history += " " + std::to_string(r.log.values.size());
        for (const auto& [name, value] : r.log.values) history += " " + name + " ", detail::put_number(history, value);
        detail::put_optional_report(history, r.test);
        detail::put_optional_report(history, r.validation);
        history += " " + std::to_string(r.part_validation.size());
        for (const double v : r.part_validation) history += " ", detail::put_number(history, v);
    }
    w.add_text("run.history", history);
    std::string reports;
    detail::put_optional_report(reports, s.last);
    detail::put_optional_report(reports, s.selected);
    w.add_text("run.reports", reports);
    if (s.best_snapshot.has_value()) model.write_snapshot(w, "run.best_snapshot", s.best_snapshot);
    std::string parts = std::to_string(s.parts.size());
    for (std::size_t p = 0; p < s.parts.size(); ++p) {
        parts += " ", detail::put_number(parts, s.parts[p].best);
        parts += " " + std::to_string(s.parts[p].epoch) + (s.parts[p].snapshot.has_value() ? " +" : " -");
        if (s.parts[p].snapshot.has_value()) model.write_snapshot(w, "run.part" + std::to_string(p), s.parts[p].snapshot);
    }
    w.add_text("run.parts", parts);
    std::string mix = "-";
    if (s.mix) mix = "+ " + std::string(to_string(s.mix->fusion)) + " ", detail::put_number(mix, s.mix->alpha);
    w.add_text("run.mix", mix);
}

/**
 * Reads the run's state written by write_run_state, checking that `protocol` and
 * `data_fingerprint` are those it was written with (ParseError naming the file otherwise). The
 * best snapshot is read through `model` (the model the run continues with).
 */
[[nodiscard]] inline TrainingRunState read_run_state(const ModelReader& r, const std::string& protocol,
                                                     const std::string& data_fingerprint, const Recommender& model) {
    const std::string& source = r.source();
    if (const std::string was = r.text("run.protocol"); was != protocol)
        throw ParseError(source, 0, "the checkpoint's run had another protocol ('" + was + "'; now '" + protocol + "')");
    if (const std::string was = r.text("run.data"); was != data_fingerprint)
        throw ParseError(source, 0, "the checkpoint's run was on other data (" + was + "; now " + data_fingerprint + ")");
    TrainingRunState s;
    const std::string phase = r.text("run.phase");
    if (phase != "train" && phase != "retrain") throw ParseError(source, 0, "run.phase: unknown phase '" + phase + "'");
    s.phase = phase == "train" ? TrainingRunState::Phase::Train : TrainingRunState::Phase::Retrain;
    s.epoch = index_t(r.scalar<std::int64_t>("run.epoch"));
    s.selected_epoch = index_t(r.scalar<std::int64_t>("run.selected_epoch"));
    if (s.epoch < 0 || s.selected_epoch < 0) throw ParseError(source, 0, "run.epoch or run.selected_epoch is negative");
    s.best = r.scalar<double>("run.best");
    s.selected_validation = r.scalar<double>("run.selected_validation");
    s.prepare_seconds = r.scalar<double>("run.prepare_seconds");
    s.train_seconds = r.scalar<double>("run.train_seconds");
    detail::TokenReader history(r.text("run.history"), source, "run.history");
    s.history.resize(history.count(std::size_t(1) << 24));
    for (EpochRecord& e : s.history) {
        e.log.epoch = index_t(history.integer());
        e.log.seconds = history.number();
        e.log.values.resize(history.count(1 << 10));
        for (auto& [name, value] : e.log.values) name = history.word(), value = history.number();
        e.test = detail::take_optional_report(history);
        e.validation = detail::take_optional_report(history);
        e.part_validation.resize(history.count(2));
        for (double& v : e.part_validation) v = history.number();
    }
    if (!history.done()) history.fail("has trailing text");
    detail::TokenReader reports(r.text("run.reports"), source, "run.reports");
    s.last = detail::take_optional_report(reports);
    s.selected = detail::take_optional_report(reports);
    if (!reports.done()) reports.fail("has trailing text");
    if (r.has("run.best_snapshot.0")) s.best_snapshot = model.read_snapshot(r, "run.best_snapshot");
    detail::TokenReader parts(r.text("run.parts"), source, "run.parts");
    s.parts.resize(parts.count(2));
    for (std::size_t p = 0; p < s.parts.size(); ++p) {
        s.parts[p].best = parts.number();
        s.parts[p].epoch = index_t(parts.integer());
        if (s.parts[p].epoch < 0) parts.fail("a part's epoch is negative");
        const std::string mark = parts.word();
        if (mark != "+" && mark != "-") parts.fail("expected '+' or '-', found '" + mark + "'");
        if (mark == "+") s.parts[p].snapshot = model.read_snapshot(r, "run.part" + std::to_string(p));
    }
    if (!parts.done()) parts.fail("has trailing text");
    detail::TokenReader mix(r.text("run.mix"), source, "run.mix");
    if (const std::string mark = mix.word(); mark == "+") {
        ScoreMix m;
        try {
            m.fusion = parse_fusion(mix.word());
        } catch (const ArgumentError& e) {
            mix.fail(e.what());
        }
        m.alpha = mix.number();
        if (!(m.alpha >= 0 && m.alpha <= 1)) mix.fail("alpha is not in [0, 1]");
        s.mix = m;
    } else if (mark != "-") {
        mix.fail("expected '+' or '-', found '" + mark + "'");
    }
    if (!mix.done()) mix.fail("has trailing text");
    return s;
}

}  // namespace mvae
