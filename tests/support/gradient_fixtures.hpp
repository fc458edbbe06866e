// Helpers for gradient tests: random host data, and the flat views the checker works on.
#pragma once

#include <span>
#include <vector>

#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/nn/parameter_set.hpp"
#include "mvae/testing/gradient_check.hpp"

namespace mvae_test {

using Cpu = mvae::Cpu;
using MatD = mvae::Matrix<double, Cpu>;

/// A rows × cols matrix of N(0, scale²) draws from (seed, stream).
inline MatD normal_matrix(mvae::index_t rows, mvae::index_t cols, std::uint64_t stream, double scale = 1.0) {
    MatD m(rows, cols);
    const mvae::Backend<Cpu> be;
    be.fill_normal(m.view(), mvae::RandomStream(2024, stream));
    be.map(m.view(), [scale](double v) { return scale * v; }, m.cview());
    return m;
}

/// The matrix's elements as a mutable flat span (the checker perturbs them in place).
inline std::span<double> flat(MatD& m) { return {m.data(), m.size()}; }
inline std::span<const double> flat(const MatD& m) { return {m.data(), m.size()}; }

inline std::span<double> flat_values(mvae::ParameterSet<double, Cpu>& p) {
    return {p.values().data(), std::size_t(p.size())};
}
inline std::span<const double> flat_grads(const mvae::ParameterSet<double, Cpu>& p) {
    return {p.grads().data(), std::size_t(p.size())};
}

/// Σ w ⊙ y: the scalar through which a Jacobian is checked.
inline double weighted_sum(const MatD& w, const MatD& y) {
    double s = 0;
    for (std::size_t k = 0; k < y.size(); ++k) s += w.data()[k] * y.data()[k];
    return s;
}

/// The data under test must not be trivially zero, or every comparison passes.
inline bool nontrivial(std::span<const double> v) {
    double norm = 0;
    for (double x : v) norm += x * x;
    return norm > 1e-6 * double(v.size());
}

}  // namespace mvae_test
