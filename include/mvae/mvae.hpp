// mvae/mvae.hpp — the umbrella header: everything a host (CPU) user of mvae needs.
//
// CUDA users include mvae/cuda.cuh (this header plus the CUDA backend) from a .cu file compiled by
// nvcc, and link mvae::cuda.
#pragma once

#include "mvae/version.hpp"

#include "mvae/core/device.hpp"
#include "mvae/core/bits.hpp"
#include "mvae/core/error.hpp"
#include "mvae/core/fast_math.hpp"
#include "mvae/core/matrix.hpp"
#include "mvae/core/memory_usage.hpp"
#include "mvae/core/parallel.hpp"
#include "mvae/core/types.hpp"

#include "mvae/backend/backend.hpp"
#include "mvae/backend/cpu/cpu_backend.hpp"
#include "mvae/backend/device_copy.hpp"

#include "mvae/random/philox.hpp"
#include "mvae/random/random_cursor.hpp"
#include "mvae/random/random_stream.hpp"

#include "mvae/data/coat.hpp"
#include "mvae/data/delimited.hpp"
#include "mvae/data/id_map.hpp"
#include "mvae/data/interaction_matrix.hpp"
#include "mvae/data/jca_split.hpp"
#include "mvae/data/kcore.hpp"
#include "mvae/data/labeled_interactions.hpp"
#include "mvae/data/movielens.hpp"
#include "mvae/data/random_split.hpp"
#include "mvae/data/split_data.hpp"
#include "mvae/data/synthetic.hpp"

#include "mvae/eval/candidate_ranking.hpp"
#include "mvae/eval/device_ranking.hpp"
#include "mvae/eval/epoch_selection.hpp"
#include "mvae/eval/evaluator.hpp"
#include "mvae/eval/metrics.hpp"
#include "mvae/eval/top_k.hpp"

#include "mvae/io/npy.hpp"

#include "mvae/masking/stochastic_masker.hpp"

#include "mvae/nn/activation.hpp"
#include "mvae/nn/bce_with_logits.hpp"
#include "mvae/nn/dense.hpp"
#include "mvae/nn/gaussian_sample.hpp"
#include "mvae/nn/kl_divergence.hpp"
#include "mvae/nn/low_rank_input.hpp"
#include "mvae/nn/multinomial_log_likelihood.hpp"
#include "mvae/nn/pairwise_hinge.hpp"
#include "mvae/nn/parameter_set.hpp"

#include "mvae/optim/adam.hpp"
#include "mvae/optim/gradient_monitor.hpp"

#include "mvae/completion/completed_matrix.hpp"
#include "mvae/completion/completed_row_source.hpp"
#include "mvae/completion/low_rank_batch.hpp"
#include "mvae/completion/low_rank_factors.hpp"
#include "mvae/completion/matrix_completer.hpp"
#include "mvae/completion/randomized_svd.hpp"
#include "mvae/completion/weighted_als.hpp"

#include "mvae/io/model_file.hpp"

#include "mvae/model/bpr.hpp"
#include "mvae/model/dual_vae.hpp"
#include "mvae/model/ease.hpp"
#include "mvae/model/jova.hpp"
#include "mvae/model/model_registry.hpp"
#include "mvae/model/mult_vae.hpp"
#include "mvae/model/mvae_model.hpp"
#include "mvae/model/mvae_options.hpp"
#include "mvae/model/popularity.hpp"
#include "mvae/model/recommender.hpp"
#include "mvae/model/vae_config.hpp"
#include "mvae/model/variational_autoencoder.hpp"

#include "mvae/training/batch_iterator.hpp"
#include "mvae/training/dual_trainer.hpp"
#include "mvae/training/row_source.hpp"
#include "mvae/training/vae_trainer.hpp"
