// Uses the public API through the umbrella header; prints "consumer ok" when the results are right.
#include <mvae/mvae.hpp>

#include <cstdio>
#include <vector>

int main() {
    std::vector<mvae::Interaction> pairs{{0, 0}, {0, 2}, {1, 1}, {2, 2}, {2, 2}};
    const mvae::InteractionMatrix r(3, 3, pairs);

    mvae::Backend<mvae::Cpu> backend;
    mvae::Matrix<float, mvae::Cpu> a(2, 3), b(3, 2), c(2, 2);
    backend.fill(a.view(), 1.0f);
    backend.fill(b.view(), 2.0f);
    backend.gemm(mvae::Op::N, mvae::Op::N, 1.0f, a.cview(), b.cview(), 0.0f, c.view());

    const bool ok = r.nnz() == 4 && r.total_count() == 5 && r.item_degree(2) == 2 && c(1, 1) == 6.0f;
    std::printf("%s (mvae %s)\n", ok ? "consumer ok" : "consumer FAILED", mvae::version_string);
    return ok ? 0 : 1;
}
