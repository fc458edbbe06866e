// mvae/nn/activation.hpp — element-wise activations and their derivatives, fused into one pass.
//
// Backward contract (every activation): y = f(a) element-wise. `activation_backward` receives
// dL/dy in `grad` and ASSIGNS dL/da = dL/dy ⊙ f'(a) in place; f' is computed from the OUTPUT y
// (tanh' = 1 − y², sigmoid' = y(1 − y), relu' = [y > 0], identity' = 1), so the forward pass
// only keeps y. Requires the matching forward to have produced y. Math: docs/backprop.md.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "mvae/backend/backend.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/fast_math.hpp"
#include "mvae/core/macros.hpp"
#include "mvae/core/matrix.hpp"

namespace mvae {

/// The activation of a hidden layer (a configuration value; the kernels are compile-time functors).
enum class Activation { Identity, Tanh, Sigmoid, Relu };

/// "identity", "tanh", "sigmoid", "relu".
[[nodiscard]] inline const char* to_string(Activation a) noexcept {
    switch (a) {
        case Activation::Identity: return "identity";
        case Activation::Tanh: return "tanh";
        case Activation::Sigmoid: return "sigmoid";
        case Activation::Relu: return "relu";
    }
    return "?";
}

/// Parses the names of to_string; throws ArgumentError naming the value otherwise.
[[nodiscard]] inline Activation parse_activation(std::string_view name) {
    for (Activation a : {Activation::Identity, Activation::Tanh, Activation::Sigmoid, Activation::Relu})
        if (name == to_string(a)) return a;
    throw ArgumentError(detail::error_message("unknown activation '", name,
                                              "' (expected identity, tanh, sigmoid or relu)"));
}

/// Numerically stable logistic function: never exp of a large positive number.
template <Real S>
[[nodiscard]] MVAE_HOST_DEVICE inline S stable_sigmoid(S x) noexcept {
    if (x >= S(0)) return S(1) / (S(1) + std::exp(-x));
    const S e = std::exp(x);
    return e / (S(1) + e);
}

namespace act {

// Each functor: value(a) = f(a); slope(y) = f'(a) expressed through y = f(a).
struct Identity {
    template <class S>
    MVAE_HOST_DEVICE S value(S a) const noexcept { return a; }
    template <class S>
    MVAE_HOST_DEVICE S slope(S) const noexcept { return S(1); }
};
struct Tanh {
    template <class S>
    MVAE_HOST_DEVICE S value(S a) const noexcept { return fast::tanh(a); }
    template <class S>
    MVAE_HOST_DEVICE S slope(S y) const noexcept { return S(1) - y * y; }
};
struct Sigmoid {
    template <class S>
    MVAE_HOST_DEVICE S value(S a) const noexcept { return stable_sigmoid(a); }
    template <class S>
    MVAE_HOST_DEVICE S slope(S y) const noexcept { return y * (S(1) - y); }
};
struct Relu {
    template <class S>
    MVAE_HOST_DEVICE S value(S a) const noexcept { return a > S(0) ? a : S(0); }
    template <class S>
    MVAE_HOST_DEVICE S slope(S y) const noexcept { return y > S(0) ? S(1) : S(0); }
};

/// y = f(a).
template <class F>
struct ValueOf {
    F f;
    template <class S>
    MVAE_HOST_DEVICE S operator()(S a) const noexcept { return f.value(a); }
};

/// out = f(in + bias[j]): the affine layer's bias and its activation in one pass.
template <class F>
struct BiasThen {
    F f;
    template <class S>
    MVAE_HOST_DEVICE S operator()(S a, S b) const noexcept { return f.value(a + b); }
};

/// grad = grad · f'(y).
template <class F>
struct TimesSlope {
    F f;
    template <class S>
    MVAE_HOST_DEVICE S operator()(S g, S y) const noexcept { return g * f.slope(y); }
};

/// Calls visit(functor) with the functor type of `a`: the one run-time switch, outside any loop.
template <class Visit>
decltype(auto) dispatch(Activation a, Visit&& visit) {
    switch (a) {
        case Activation::Tanh: return visit(Tanh{});
        case Activation::Sigmoid: return visit(Sigmoid{});
        case Activation::Relu: return visit(Relu{});
        case Activation::Identity: break;
    }
    return visit(Identity{});
}

}  // namespace act

/// y ← f(y) in place.
template <Real S, Device D>
void activation_forward(const Backend<D>& be, Activation a, MatrixView<S, D> y) {
    act::dispatch(a, [&](auto f) { be.map(y, act::ValueOf<decltype(f)>{f}, MatrixView<const S, D>(y)); });
}

/// grad ← grad ⊙ f'(a), with f' taken from the forward output y. ASSIGNS (in place).
template <Real S, Device D>
void activation_backward(const Backend<D>& be, Activation a, MatrixView<const S, D> y, MatrixView<S, D> grad) {
    act::dispatch(a, [&](auto f) { be.map(grad, act::TimesSlope<decltype(f)>{f}, MatrixView<const S, D>(grad), y); });
}

}  // namespace mvae
