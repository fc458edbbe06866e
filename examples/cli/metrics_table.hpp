// A human-readable table of an EvalReport, for terminals (JSON goes to stdout, this to stderr).
#pragma once

#include <cstdio>

#include "mvae/eval/metrics.hpp"

namespace mvae_cli {

inline void print_metrics_table(std::FILE* out, const mvae::EvalReport& r) {
    std::fprintf(out, "users evaluated: %d\n", int(r.users_evaluated));
    std::fprintf(out, "%6s %10s %10s %10s %10s\n", "K", "precision", "recall", "F1", "NDCG");
    for (std::size_t n = 0; n < r.ks.size(); ++n)
        std::fprintf(out, "%6d %10.4f %10.4f %10.4f %10.4f\n", int(r.ks[n]), r.precision[n], r.recall[n], r.f1[n],
                     r.ndcg[n]);
}

}  // namespace mvae_cli
