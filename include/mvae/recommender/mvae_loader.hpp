// mvae/recommender/mvae_loader.hpp — a saved MVAE-family model (MVAE, its sides, Mult-VAE, JoVA)
// loaded without knowing its type: the file names its completion and likelihood, and the matching
// MvaeModel instantiation is built (for the built-in policies; a model of a user's policy is
// loaded with MvaeModel<…, ThatPolicy>::load).
#pragma once

#include <filesystem>
#include <memory>

#include "mvae/io/mvae_model_file.hpp"
#include "mvae/recommender/model_registry.hpp"
#include "mvae/recommender/mvae_model.hpp"
#include "mvae/recommender/recommender.hpp"

namespace mvae {

/// The model saved in `file`, trained and ready to score and recommend on device D. Throws
/// ParseError/IoError naming the file, and for a completion or likelihood it does not know.
template <Device D = Cpu>
[[nodiscard]] std::unique_ptr<Recommender> load_mvae_recommender(const std::filesystem::path& file, Backend<D> backend = {}) {
    const MvaeModelFile<float> contents = load_mvae_model_file<float>(file);
    try {
        return detail::with_completion(contents.completion, [&]<class C>() {
            return detail::with_likelihood(contents.likelihood, [&]<class L>() {
                return wrap_trained(MvaeModel<float, D, C, L>::from_file(contents, file.string(), backend));
            });
        });
    } catch (const ParseError&) {
        throw;
    } catch (const ArgumentError& e) {
        throw ParseError(file.string(), 0, e.what());
    }
}

}  // namespace mvae
