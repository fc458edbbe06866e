#!/usr/bin/env python3
"""PyTorch peer of the C++ `mvae` model, for speed comparisons (issue #5: GPU, issue #6: CPU).

This script trains the MVAE recommender (Masked Variational Autoencoders, the paper in
shared/paper/mvae-paper.md, section IV) the way the C++ library does, so that the time of one
epoch here and the time of one `mvae train` epoch measure the same work on the same data, under
the same schedule, on the same machine. It is a timing reference, not a second implementation to
maintain: every choice below copies the C++ default it names, and the README next to this file
lists the correspondences.

One run:
  1. R, the n_users x n_items 0/1 training matrix: a JCA/JoVA split folder (--data DIR, its
     train.csv) or uniform random pairs of a named shape (--shape yelp|ml-1m|pinterest).
  2. Completion (mvae::RandomizedSvd + CompletedRowSource): the rank-k truncated SVD of R by a
     randomized range finder with k + 10 sketch columns and 2 power iterations
     (torch.svd_lowrank on the sparse R, in float64), P = U_k S_k^1/2 and Q = V_k S_k^1/2. The
     pseudo-matrix R' = clamp(P Q^T, 0, 1) with the observed entries set to 1 is never formed
     whole: each batch's rows are built on demand, in float32 (P[batch] Q^T for users,
     Q[batch] P^T for items, clamp, then ones at the observed entries).
  3. Output biases (MvaeOptions::output_bias_from_data): each VAE's output bias starts at the
     log-odds of the column means of its target, the completed R' (uVAE) and R'^T (iVAE), with
     the means clamped to [1e-6, 1 - 1e-6]; they are computed block by block in float64.
  4. Training (mvae::DualTrainer): uVAE over user rows (input length n_items) and iVAE over item
     columns (input length n_users), each 320 tanh, 320 tanh, mu / log sigma^2 of 80, then
     80 -> 320 tanh -> 320 tanh -> logits; Glorot-uniform weights and zero biases (the C++
     initialisation); Adam with lr 0.003 and PyTorch's other defaults (the C++ Adam follows
     torch.optim.Adam). One step: target = the batch's completed rows, input = the target with
     exactly round(rho * B * cols) uniformly chosen entries set to 0, loss = mean over rows of
     the summed BCE-with-logits + 0.15 * mean over rows of KL(N(mu, sigma^2) || N(0, I)).
     Schedules: `independent` (every user row, then every item column, once per epoch, in
     shuffled batches) and `paired` (for each user batch and each item batch, one uVAE step and
     one iVAE step).
  5. Report: one line per epoch on stderr; one JSON object on stdout (and in --json FILE).

--evaluate adds test NDCG@10 on the folder's test.csv (training items excluded), with the scores
of the C++ DualVAE: 0.5 sigmoid(uVAE logits) + 0.5 sigmoid(iVAE logits)^T, both with z = mu.

Randomness: torch.manual_seed(--seed) keys the SVD sketch, the masks and the noise (drawn on the
training device); the batch orders come from a separate CPU generator, so they are the same on
every device; --shape data come from numpy's generator. A run is repeatable for a seed, a device
and a thread count, as far as PyTorch's kernels are deterministic (CPU kernels are; some CUDA
reductions are not bitwise). The random streams differ from the C++ library's Philox streams, so
the two implementations agree in law, not draw for draw.
"""

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# The paper's settings and the C++ defaults (MvaeOptions, VaeConfig, RandomizedSvdOptions).
HIDDEN = 320
LATENT = 80
BETA = 0.15
ALPHA = 0.5
LEARNING_RATE = 0.003
SVD_OVERSAMPLING = 10
SVD_POWER_ITERATIONS = 2
FREQUENCY_FLOOR = 1e-6
NDCG_CUTOFF = 10
MALLOC_ENV = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")

# --shape NAME: (users, items, training pairs) of the paper's splits (the same table is in
# benchmarks/bench_cuda.cu): Yelp's train.csv; ML-1M's 574,026 rows minus the 111,179 of its
# published test.csv; Pinterest's 1,500,806 pairs (Table I) minus the 280,705 rows of its published
# test.csv (shared/data/<name>/README.md).
SHAPES = {
    "yelp": (12_704, 9_244, 252_151),
    "ml-1m": (6_027, 3_062, 462_847),
    "pinterest": (55_187, 9_911, 1_220_101),
}


class Csr:
    """The 0/1 pattern of a matrix by rows: row r's columns are indices[indptr[r]:indptr[r + 1]].

    The index arrays live on the training device; a host copy of the row lengths lets a batch's
    scatter be sized without reading device memory.
    """

    def __init__(self, rows, cols, n_rows, device):
        """Builds the pattern of the (rows[e], cols[e]) pairs: 0-based numpy arrays, no pair twice."""
        order = np.lexsort((cols, rows))
        self.n_rows = n_rows
        self.lengths = torch.from_numpy(np.bincount(rows, minlength=n_rows).astype(np.int64))
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(self.lengths.numpy(), out=indptr[1:])
        self.indptr = torch.from_numpy(indptr).to(device)
        self.indices = torch.from_numpy(cols[order].astype(np.int64)).to(device)

    def entries(self, rows_host, rows):
        """(batch row, column) index tensors of every stored entry of the given rows, on the device
        of `rows` (the device copy of the CPU int64 tensor `rows_host`)."""
        device = rows.device
        lengths_host = self.lengths[rows_host]
        total = int(lengths_host.sum())
        lengths = lengths_host.to(device)
        local = torch.repeat_interleave(torch.arange(rows.numel(), device=device), lengths, output_size=total)
        # Entry e of the batch is entry e - (entries of the earlier batch rows) of its own row.
        shift = self.indptr[rows] - (torch.cumsum(lengths, 0) - lengths)
        position = torch.arange(total, device=device) + torch.repeat_interleave(shift, lengths, output_size=total)
        return local, self.indices[position]


class Interactions:
    """The training matrix R: its shape and its pattern by users (R) and by items (R^T)."""

    def __init__(self, n_users, n_items, users, items, device):
        """Keeps the distinct pairs of the 0-based arrays `users`, `items` (duplicates collapse, as
        in the C++ InteractionMatrix)."""
        codes = np.unique(users.astype(np.int64) * n_items + items.astype(np.int64))
        self.n_users = n_users
        self.n_items = n_items
        self.users = codes // n_items
        self.items = codes % n_items
        self.by_user = Csr(self.users, self.items, n_users, device)
        self.by_item = Csr(self.items, self.users, n_items, device)

    @property
    def nnz(self):
        """Number of observed (user, item) pairs."""
        return int(self.users.size)


def read_pairs(path):
    """0-based (users, items) arrays of a JCA CSV: a header line, then 1-based `user,item` rows."""
    pairs = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64, ndmin=2)
    if pairs.size and pairs.min() < 1:
        raise SystemExit(f"{path}: ids must be 1-based, found {pairs.min()}")
    return pairs[:, 0] - 1, pairs[:, 1] - 1


def load_folder(folder, device):
    """(R from train.csv, test pairs or None) of a split folder. As the C++ loader does, the shape is
    the largest user and item id over the files present (train, vali, test)."""
    folder = Path(folder)
    files = {name: read_pairs(folder / f"{name}.csv") for name in ("train", "vali", "test")
             if name == "train" or (folder / f"{name}.csv").exists()}
    n_users = max(int(users.max(initial=-1)) for users, _ in files.values()) + 1
    n_items = max(int(items.max(initial=-1)) for _, items in files.values()) + 1
    return Interactions(n_users, n_items, *files["train"], device), files.get("test")


def random_interactions(shape, seed, device):
    """R of a named shape: its number of distinct pairs, drawn uniformly without replacement."""
    n_users, n_items, nnz = SHAPES[shape]
    codes = np.random.default_rng(seed).choice(n_users * n_items, size=nnz, replace=False)
    return Interactions(n_users, n_items, codes // n_items, codes % n_items, device)


def low_rank_factors(r, rank, device):
    """P = U_k S_k^1/2 and Q = V_k S_k^1/2 (float64) of the rank-k truncated SVD of R.

    torch.svd_lowrank is Halko, Martinsson and Tropp's randomized range finder, the algorithm of
    mvae::RandomizedSvd: a Gaussian sketch of k + 10 columns, 2 power iterations with
    re-orthonormalisation, and R touched only through sparse products.
    """
    if not 1 <= rank <= min(r.n_users, r.n_items):
        raise SystemExit(f"--rank must be in [1, {min(r.n_users, r.n_items)}] for this data, got {rank}")
    indices = torch.from_numpy(np.stack([r.users, r.items]))
    values = torch.ones(r.nnz, dtype=torch.float64)
    sparse = torch.sparse_coo_tensor(indices, values, (r.n_users, r.n_items)).coalesce().to(device)
    sketch = min(rank + SVD_OVERSAMPLING, r.n_users, r.n_items)
    u, s, v = torch.svd_lowrank(sparse, q=sketch, niter=SVD_POWER_ITERATIONS)
    root = s[:rank].sqrt()
    return u[:, :rank] * root, v[:, :rank] * root


class CompletedRows:
    """Rows of R' (users: A = P, C = Q) or of R'^T (items: A = Q, C = P), built on demand as
    mvae::CompletedRowSource builds them: A[batch] C^T, clamped to [0, 1], ones at the observed
    entries. The factors' dtype is the rows' dtype."""

    def __init__(self, row_factors, col_factors, pattern):
        """`pattern` is the Csr of the observed entries of these rows."""
        self.row_factors = row_factors
        self.col_factors = col_factors
        self.pattern = pattern

    @property
    def cols(self):
        """Length of a row: n_items for users, n_users for items."""
        return self.col_factors.shape[0]

    def fill(self, rows_host):
        """The completed rows `rows_host` (a CPU int64 tensor), B x cols on the factors' device."""
        rows = rows_host.to(self.row_factors.device)
        out = self.row_factors[rows] @ self.col_factors.T
        out.clamp_(0.0, 1.0)
        out[self.pattern.entries(rows_host, rows)] = 1.0
        return out


def completed_means(users, block):
    """(row means, column means) of R' in float64, over blocks of `block` user rows. The column
    means are the uVAE targets' column frequencies (items); the row means are the iVAE's (users):
    the C++ CompletedRowSource::column_means of the two sources, which clamping forces to
    evaluate every entry once."""
    n_users = users.pattern.n_rows
    row_means = torch.empty(n_users, dtype=torch.float64, device=users.row_factors.device)
    col_sums = torch.zeros(users.cols, dtype=torch.float64, device=users.row_factors.device)
    for first in range(0, n_users, block):
        values = users.fill(torch.arange(first, min(first + block, n_users)))
        row_means[first : first + values.shape[0]] = values.mean(dim=1)
        col_sums += values.sum(dim=0)
    return row_means, col_sums / n_users


def log_odds(frequency):
    """log(p / (1 - p)) with p clamped to [1e-6, 1 - 1e-6] (VariationalAutoencoder::set_output_bias_log_odds)."""
    p = frequency.clamp(FREQUENCY_FLOOR, 1.0 - FREQUENCY_FLOOR)
    return torch.log(p / (1.0 - p))


class Vae(nn.Module):
    """One VAE of MVAE, laid out as mvae::VariationalAutoencoder: input -> 320 tanh -> 320 tanh ->
    (mu, log sigma^2) of 80; z -> 320 tanh -> 320 tanh -> input-length logits."""

    def __init__(self, input_dim, output_bias):
        """Glorot-uniform weights and zero biases (the C++ initialisation), then the output bias
        set to `output_bias` (one value per input column)."""
        super().__init__()
        self.encoder1 = nn.Linear(input_dim, HIDDEN)
        self.encoder2 = nn.Linear(HIDDEN, HIDDEN)
        self.mu = nn.Linear(HIDDEN, LATENT)
        self.logvar = nn.Linear(HIDDEN, LATENT)
        self.decoder2 = nn.Linear(LATENT, HIDDEN)
        self.decoder1 = nn.Linear(HIDDEN, HIDDEN)
        self.output = nn.Linear(HIDDEN, input_dim)
        for layer in self.children():
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        with torch.no_grad():
            self.output.bias.copy_(output_bias)

    def encode(self, x):
        """(mu, log sigma^2) of the rows x."""
        h = torch.tanh(self.encoder2(torch.tanh(self.encoder1(x))))
        return self.mu(h), self.logvar(h)

    def decode_hidden(self, z):
        """The decoder's last hidden layer (B x 320), which the output layer maps to logits."""
        return torch.tanh(self.decoder1(torch.tanh(self.decoder2(z))))

    def forward(self, x):
        """(logits, mu, log sigma^2) with z = mu + exp(log sigma^2 / 2) * eps, eps ~ N(0, I)."""
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.output(self.decode_hidden(z)), mu, logvar


def vae_loss(logits, target, mu, logvar):
    """Mean over rows of [summed BCE-with-logits + beta * KL(N(mu, sigma^2) || N(0, I))]."""
    rows = target.shape[0]
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="sum")
    kl = 0.5 * torch.sum(mu * mu + torch.exp(logvar) - 1.0 - logvar)
    return (bce + BETA * kl) / rows


def masked_positions(cells, count, device):
    """A uniformly random `count`-subset of range(cells), drawn without replacement on `device`.

    Positions are drawn i.i.d. uniform until `count` distinct ones have appeared; the distinct set
    is exchangeable (its law is invariant under permutations of the cells), so a uniformly chosen
    `count` of them is a uniform `count`-subset: the law of torch.randperm(cells)[:count] and of
    the C++ StochasticMasker. torch.randperm(cells) would permute all B x cols cells of every batch:
    on one CPU core about 0.36 s for a 1500 x 9244 Yelp batch, against about 0.05 s for this sort
    of ~1.02 * count draws (torch.rand(cells).topk(count) takes about 0.27 s). On CUDA,
    unique_consecutive reads its output size back: one wait for the device per batch.
    """
    if count >= cells:
        return torch.arange(cells, device=device)
    # Expected draws until `count` distinct cells: cells * ln(cells / (cells - count)); plus slack.
    draws = math.ceil(-cells * math.log1p(-count / cells)) + 4 * math.isqrt(count) + 16
    distinct = torch.unique_consecutive(torch.randint(cells, (draws,), device=device).sort().values)
    while distinct.numel() < count:
        more = torch.randint(cells, (count - distinct.numel() + 16,), device=device)
        distinct = torch.unique_consecutive(torch.cat([distinct, more]).sort().values)
    return distinct[torch.randperm(distinct.numel(), device=device)[:count]]


class SideTrainer:
    """One VAE, its Adam optimiser and its rows: the C++ VaeTrainer."""

    def __init__(self, vae, rows, mask_ratio, bf16=False):
        """Trains `vae` (already on the rows' device) on the CompletedRows `rows`, masking a share
        `mask_ratio` of each input batch."""
        self.vae = vae
        self.rows = rows
        self.mask_ratio = mask_ratio
        # --precision bf16: PyTorch's automatic mixed precision (BF16 matrix products with FP32
        # accumulation, FP32 weights and optimiser state), as the C++ GemmPrecision::Bf16.
        self.bf16 = bf16
        self.optimizer = torch.optim.Adam(vae.parameters(), lr=LEARNING_RATE)
        self.loss_sum = torch.zeros((), device=rows.row_factors.device)
        self.steps = 0

    def step(self, batch_host):
        """One optimiser step on the completed rows `batch_host` (CPU int64 indices)."""
        target = self.rows.fill(batch_host)
        masked = target.clone()
        # K = round(rho * B * cols), halves away from zero (std::llround in StochasticMasker).
        count = math.floor(self.mask_ratio * masked.numel() + 0.5)
        masked.view(-1)[masked_positions(masked.numel(), count, masked.device)] = 0.0
        with torch.autocast(device_type=masked.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            logits, mu, logvar = self.vae(masked)
        loss = vae_loss(logits.float(), target, mu.float(), logvar.float())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.loss_sum += loss.detach()  # summed on the device: no host round trip per step
        self.steps += 1

    def epoch_loss(self):
        """The mean step loss since the last call, as the C++ EpochReport::loss."""
        mean = self.loss_sum.item() / max(self.steps, 1)
        self.loss_sum.zero_()
        self.steps = 0
        return mean


def train_epoch(user, item, schedule, batch, order_generator):
    """One epoch of both sides under `schedule` (mvae::DualTrainer::train_epoch). Each epoch draws a
    fresh order of the users and of the items; the last batch of each holds the remainder."""
    user_batches = torch.randperm(user.rows.pattern.n_rows, generator=order_generator).split(batch)
    item_batches = torch.randperm(item.rows.pattern.n_rows, generator=order_generator).split(batch)
    if schedule == "independent":
        for rows in user_batches:
            user.step(rows)
        for rows in item_batches:
            item.step(rows)
    else:
        for user_rows in user_batches:
            for item_rows in item_batches:
                user.step(user_rows)
                item.step(item_rows)


@torch.no_grad()
def test_ndcg(user, item, r, test_pairs, block):
    """(mean NDCG@10, users evaluated) on the test pairs, ranking every item the user has not
    trained on by 0.5 sigmoid(uVAE logits) + 0.5 sigmoid(iVAE logits)^T with z = mu. As the C++
    metrics do: users without test items are skipped, and IDCG counts all of a user's distinct
    test items (min(|T_u|, 10) of them), training items among them included."""
    device = user.rows.row_factors.device
    test = Interactions(r.n_users, r.n_items, *test_pairs, device).by_user
    # The iVAE's last hidden layer for every item; its output layer then gives any user's column.
    item_hidden = torch.empty(r.n_items, HIDDEN, device=device)
    for first in range(0, r.n_items, block):
        items = torch.arange(first, min(first + block, r.n_items))
        mu, _ = item.vae.encode(item.rows.fill(items))
        item_hidden[first : first + items.numel()] = item.vae.decode_hidden(mu)
    discount = 1.0 / torch.log2(torch.arange(2, NDCG_CUTOFF + 2, dtype=torch.float64, device=device))
    ideal = torch.cumsum(discount, 0)
    total, evaluated = 0.0, 0
    for first in range(0, r.n_users, block):
        users = torch.arange(first, min(first + block, r.n_users))
        mu, _ = user.vae.encode(user.rows.fill(users))
        user_logits = user.vae.output(user.vae.decode_hidden(mu))
        w, b = item.vae.output.weight, item.vae.output.bias
        item_logits = (item_hidden @ w[first : first + users.numel()].T + b[first : first + users.numel()]).T
        scores = ALPHA * torch.sigmoid(user_logits) + (1.0 - ALPHA) * torch.sigmoid(item_logits)
        scores[r.by_user.entries(users, users.to(device))] = -math.inf
        truth = torch.zeros_like(scores, dtype=torch.bool)
        truth[test.entries(users, users.to(device))] = True
        top = scores.topk(min(NDCG_CUTOFF, r.n_items), dim=1).indices
        dcg = (truth.gather(1, top).double() * discount[: top.shape[1]]).sum(dim=1)
        n_test = test.lengths[users].to(device)
        has_test = n_test > 0
        idcg = ideal[n_test.clamp(1, NDCG_CUTOFF) - 1]
        total += float((dcg / idcg)[has_test].sum())
        evaluated += int(has_test.sum())
    return total / max(evaluated, 1), evaluated


def synchronize(device):
    """Waits for the device's queued work, so that a clock read after it covers that work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def parse_args(argv):
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description="PyTorch peer of the C++ mvae model, for speed comparisons.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="JCA/JoVA split folder (train.csv, optional vali.csv and test.csv)")
    source.add_argument("--shape", choices=sorted(SHAPES), help="uniform random data of this data set's shape")
    parser.add_argument("--schedule", choices=["independent", "paired"], default="independent")
    parser.add_argument("--epochs", type=int, default=3, help="epochs to train (>= 1; default 3)")
    parser.add_argument("--batch", type=int, default=1500, help="rows per batch (default 1500)")
    parser.add_argument("--rank", type=int, default=50, help="rank k of the SVD completion (default 50)")
    parser.add_argument("--mask-ratio", type=float, default=0.04, help="share rho of each batch masked (default 0.04)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: PyTorch's choice)")
    parser.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32",
                        help="matrix products on CUDA: strict fp32 (default), tf32, or bf16 autocast")
    parser.add_argument("--tf32", action="store_true", help="same as --precision tf32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the JSON report to this file")
    parser.add_argument("--evaluate", action="store_true", help="report test NDCG@10 (needs --data with test.csv)")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch < 1 or args.rank < 1 or not 0.0 <= args.mask_ratio <= 1.0:
        parser.error("--epochs, --batch and --rank must be >= 1 and --mask-ratio in [0, 1]")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be >= 1")
    if args.evaluate and args.data is None:
        parser.error("--evaluate needs --data (a folder with test.csv)")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: PyTorch sees no CUDA device")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.tf32:
        args.precision = "tf32"
    torch.backends.cuda.matmul.allow_tf32 = args.precision == "tf32"
    torch.manual_seed(args.seed)
    device = torch.device(args.device)

    if args.data is not None:
        r, test_pairs = load_folder(args.data, device)
        if args.evaluate and test_pairs is None:
            raise SystemExit(f"--evaluate: {args.data} has no test.csv")
    else:
        r, test_pairs = random_interactions(args.shape, args.seed, device), None
    print(f"data: {r.n_users} users x {r.n_items} items, {r.nnz} pairs", file=sys.stderr)

    # Everything before the first epoch, as the C++ MvaeModel::prepare: SVD, factors, output biases.
    synchronize(device)
    start = time.perf_counter()
    p, q = low_rank_factors(r, args.rank, device)
    user_means, item_means = completed_means(CompletedRows(p, q, r.by_user), args.batch)
    user_rows = CompletedRows(p.float(), q.float(), r.by_user)
    item_rows = CompletedRows(q.float(), p.float(), r.by_item)
    bf16 = args.precision == "bf16"
    user = SideTrainer(Vae(r.n_items, log_odds(item_means).float()).to(device), user_rows, args.mask_ratio, bf16)
    item = SideTrainer(Vae(r.n_users, log_odds(user_means).float()).to(device), item_rows, args.mask_ratio, bf16)
    del p, q, user_means, item_means
    synchronize(device)
    completion_seconds = time.perf_counter() - start
    print(f"completion: rank {args.rank}, {completion_seconds:.2f} s", file=sys.stderr)

    order_generator = torch.Generator().manual_seed(args.seed)
    seconds, user_losses, item_losses = [], [], []
    for epoch in range(1, args.epochs + 1):
        synchronize(device)
        start = time.perf_counter()
        train_epoch(user, item, args.schedule, args.batch, order_generator)
        synchronize(device)
        seconds.append(time.perf_counter() - start)
        user_losses.append(user.epoch_loss())
        item_losses.append(item.epoch_loss())
        print(f"epoch {epoch}/{args.epochs}  {seconds[-1]:.3f} s  uVAE loss {user_losses[-1]:.4f}"
              f"  iVAE loss {item_losses[-1]:.4f}", file=sys.stderr, flush=True)

    # Epoch 1 is a warm-up (allocator, kernel and thread start-up) when there are 3 or more.
    timed = seconds[1:] if len(seconds) >= 3 else seconds
    report = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "threads": torch.get_num_threads(),
        "tf32": args.precision == "tf32",
        "precision": args.precision,
        "schedule": args.schedule,
        "shape": [r.n_users, r.n_items, r.nnz],
        "batch": args.batch,
        "rank": args.rank,
        "mask_ratio": args.mask_ratio,
        "seed": args.seed,
        "epochs": args.epochs,
        "seconds_per_epoch": seconds,
        "median_seconds_per_epoch": statistics.median(timed),
        "completion_seconds": completion_seconds,
        "user_loss": user_losses,
        "item_loss": item_losses,
    }
    if args.evaluate:
        start = time.perf_counter()
        ndcg, evaluated = test_ndcg(user, item, r, test_pairs, args.batch)
        report["test_ndcg_at_10"] = ndcg
        report["test_users_evaluated"] = evaluated
        print(f"test NDCG@10 {ndcg:.5f} over {evaluated} users ({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    # glibc settings that change the CPU timings (see README.md, "CPU allocator").
    report["malloc_env"] = {name: os.environ[name] for name in MALLOC_ENV if name in os.environ}
    report["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["peak_gpu_mib"] = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None

    text = json.dumps(report)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
