"""torch_iter.py -- the MNIST models of chapters 08, 09, 10 and 11 in PyTorch,
to time them against the chapters' own code (bench/iter-*.c).

Each model is the chapter's own: the same layer sizes, batch, losses,
optimisers and steps per iteration, on the CPU, on random data of the same
shape (the arithmetic does not depend on the pixel values). Where PyTorch
code usually does extra work we spare it that work, so the comparison
favours PyTorch: a network the C code backpropagates THROUGH without
updating it (D during G's step, Q in 09's G step, D_X and D_Y in 10's
generators' step) is frozen here, so no weight gradients are computed for
it; and inputs are made once outside the timed loop where the C code makes
them inside it (the noise, codes and prior samples are drawn inside, as in
C).

Usage: python3 bench/torch_iter.py THREADS BITS [--iters N] [--warmup N] [--only NAME]
  THREADS  torch.set_num_threads (run it with OMP_NUM_THREADS and
           OPENBLAS_NUM_THREADS set to the same, as bench/run.sh does)
  BITS     64 or 32: float64 (the course's precision) or float32
Prints "# torch VERSION threads T float64", then one line per model:
NAME BATCH MEDIAN_MS P10_MS ITERS (iterations timed one by one, as bench/iter-common.h).
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

OPTS = {"iters": 0, "warmup": -1, "only": None}


def mlp(*sizes, out=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if out is not None:
        layers.append(out)
    return nn.Sequential(*layers)


def bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def timed(name, batch, step, warmup=20, iters=200):
    """warmup untimed iterations, then iters timed one by one: the median and
    the 10th percentile (index floor(0.1 (iters - 1)) of the sorted times)"""
    if OPTS["only"] not in (None, name):
        return
    iters = OPTS["iters"] or iters
    warmup = warmup if OPTS["warmup"] < 0 else OPTS["warmup"]
    for _ in range(warmup):
        step()
    t = []
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        t.append(time.perf_counter() - t0)
    t.sort()
    k = len(t) // 2
    med = t[k] if len(t) % 2 else 0.5 * (t[k - 1] + t[k])
    p10 = t[int(0.1 * (len(t) - 1))]
    print(f"{name:<12s} {batch:4d} {1e3 * med:9.3f} {1e3 * p10:9.3f} {iters:5d}", flush=True)


def gan(conditional):
    nz, nc, n = (128, 10, 50) if conditional else (100, 0, 100)
    G = mlp(nz + nc, 256, 784, out=nn.Sigmoid())
    D = mlp(784 + nc, 256, 1)
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4 if conditional else 1e-4, betas=(0.5, 0.999))
    data = torch.rand(8000, 784)
    labels = torch.randint(0, 10, (8000,))

    def onehot(c):
        return F.one_hot(c, 10).to(torch.get_default_dtype())

    def step():
        idx = torch.randint(0, data.shape[0], (n,))
        x, c = data[idx], labels[idx]
        z = torch.randn(n, nz)
        if conditional:
            wrong = (c + torch.randint(1, 10, (n,))) % 10
            real, fake_in = torch.cat([x, onehot(c)], 1), torch.cat([z, onehot(c)], 1)
        else:
            real, fake_in = x, z
        # D: real -> 1, fake -> 0 (cGAN: and real images with wrong labels -> 0, weight 2)
        optD.zero_grad()
        with torch.no_grad():
            fake = G(fake_in)
        if conditional:
            fake = torch.cat([fake, onehot(c)], 1)
        loss = bce(D(real), 1.0) + bce(D(fake), 0.0)
        if conditional:
            loss = loss + 2.0 * bce(D(torch.cat([x, onehot(wrong)], 1)), 0.0)
        loss.backward()
        optD.step()
        # G: fresh z (and labels), D frozen
        for p in D.parameters():
            p.requires_grad_(False)
        optG.zero_grad()
        z = torch.randn(n, nz)
        if conditional:
            c2 = torch.randint(0, 10, (n,))
            fake = torch.cat([G(torch.cat([z, onehot(c2)], 1)), onehot(c2)], 1)
        else:
            fake = G(z)
        bce(D(fake), 1.0).backward()
        optG.step()
        for p in D.parameters():
            p.requires_grad_(True)

    timed("08-cgan" if conditional else "08-gan", n, step)


def aae():
    n, K, S = 100, 6, 4                           # S style numbers after the petal plane
    E = mlp(784, 500, 300, 2 + S)
    Gd = mlp(2 + S, 300, 500, 784)                # logits
    D = mlp(2 + S + 7, 100, 100, 1)
    optE_rec = torch.optim.Adam(E.parameters(), lr=1e-4)
    optG = torch.optim.Adam(Gd.parameters(), lr=1e-3)
    optD = torch.optim.Adam(D.parameters(), lr=5e-4)
    optE_adv = torch.optim.Adam(E.parameters(), lr=5e-4)
    data = torch.rand(5139, 784)
    labels = torch.randint(0, K, (5139,))
    ar = torch.arange(28)

    def corrupt(x):                               # shift by up to 1 px, noise sd 0.3
        img = F.pad(x.view(-1, 28, 28), (1, 1, 1, 1))
        dy = torch.randint(-1, 2, (x.shape[0], 1, 1))
        dx = torch.randint(-1, 2, (x.shape[0], 1, 1))
        rows = (ar.view(1, 28, 1) + 1 + dy)
        cols = (ar.view(1, 1, 28) + 1 + dx)
        shifted = img[torch.arange(x.shape[0]).view(-1, 1, 1), rows, cols]
        return shifted.reshape(-1, 784) + 0.3 * torch.randn_like(x)

    def prior(k):                                 # component k: along 0.3, across 0.05, rotated; style N(0, I)
        a = 2 * math.pi * k.to(torch.get_default_dtype()) / K
        u = 1.4 + 0.3 * torch.randn(k.shape[0])
        v = 0.05 * torch.randn(k.shape[0])
        petal = torch.stack([u * torch.cos(a) - v * torch.sin(a), u * torch.sin(a) + v * torch.cos(a)], 1)
        return torch.cat([petal, torch.randn(k.shape[0], S)], 1)

    def slot(c):
        return F.one_hot(c, 7).to(torch.get_default_dtype())

    def step():
        idx = torch.randint(0, data.shape[0], (n,))
        x, c = data[idx], labels[idx]
        xin = corrupt(x)
        optE_rec.zero_grad()
        optG.zero_grad()
        F.binary_cross_entropy_with_logits(Gd(E(xin)), x).backward()
        optE_rec.step()
        optG.step()
        with torch.no_grad():
            fake = torch.cat([E(xin), slot(c)], 1)
        for _ in range(10):
            real = torch.cat([prior(c), slot(c)], 1)
            optD.zero_grad()
            (bce(D(real), 1.0) + bce(D(fake), 0.0)).backward()
            optD.step()
        idx = torch.randint(0, data.shape[0], (n,))
        x2, c2 = data[idx], labels[idx]
        for p in D.parameters():
            p.requires_grad_(False)
        optE_adv.zero_grad()
        bce(D(torch.cat([E(corrupt(x2)), slot(c2)], 1)), 1.0).backward()
        optE_adv.step()
        for p in D.parameters():
            p.requires_grad_(True)

    timed("11-aae", n, step)


class ChannelNorm(nn.Module):
    """common/layernorm.h after a convolution: each pixel's C channels
    normalised on their own, a gain and a bias per channel (Keras's
    LayerNormalization on channels-last images; not nn.LayerNorm([C, H, W]))."""

    def __init__(self, channels, eps):
        super().__init__()
        self.norm = nn.LayerNorm(channels, eps=eps)

    def forward(self, x):
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def infogan(source):
    """chapter 09's InfoGAN (chapters/09-infogan/infogan.c, iteration()), one
    class, two continuous codes, batch 64. Default: H 512, F 32, wiring paper
    (D's steps train trunk, D head and Q on L_D + lambda L_Q of the fakes; G's
    step trains G on L_G + lambda L_Q), lambda 2, Adam beta1 0.5. source: the
    source's networks and wiring, --recipe source --batch 64: H 1024, F 64,
    D's steps L_D only, G's step L_G only, then a Q step training Q and G (a
    second Adam, lr 1e-3) on lambda L_Q through the frozen trunk; lambda 1,
    beta1 0.9. Both: 2 D steps per G step, LeakyReLU 0.3, layer norm eps 1e-3,
    z and c uniform on [-1, 1]."""
    n, nz, nc = 64, 62, 2
    H, Fc = (1024, 64) if source else (512, 32)
    S = 2 * Fc * 49
    lam, beta1, lr_q = (1.0, 0.9, 1e-3) if source else (2.0, 0.5, 2e-4)
    betas = (beta1, 0.999)
    lrelu = lambda: nn.LeakyReLU(0.3)
    G = nn.Sequential(
        nn.Linear(nz + nc, H), nn.BatchNorm1d(H), nn.ReLU(),
        nn.Linear(H, S), nn.BatchNorm1d(S), nn.ReLU(),          # per unit, before the reshape
        nn.Unflatten(1, (2 * Fc, 7, 7)),
        nn.ConvTranspose2d(2 * Fc, Fc, 4, 2, 1), nn.BatchNorm2d(Fc), nn.ReLU(),
        nn.ConvTranspose2d(Fc, 1, 4, 2, 1), nn.Sigmoid(), nn.Flatten())
    trunk = nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, Fc, 4, 2, 1), lrelu(),
        nn.Conv2d(Fc, 2 * Fc, 4, 2, 1), ChannelNorm(2 * Fc, 1e-3), lrelu(), nn.Flatten(),
        nn.Linear(S, H), nn.LayerNorm(H, eps=1e-3), lrelu())
    head = nn.Linear(H, 1)
    Q = nn.Sequential(nn.Linear(H, 128), nn.LayerNorm(128, eps=1e-3), lrelu(), nn.Linear(128, nc))
    D = list(trunk.parameters()) + list(head.parameters())
    optD = torch.optim.Adam(D, lr=2e-4, betas=betas)
    optG = torch.optim.Adam(G.parameters(), lr=1e-3, betas=betas)
    optQ = torch.optim.Adam(Q.parameters(), lr=lr_q, betas=betas)
    optGq = torch.optim.Adam(G.parameters(), lr=lr_q, betas=betas) if source else None
    data = torch.rand(5958, 784)                  # the training 2s

    def codes():
        return 2 * torch.rand(n, nz + nc) - 1

    def info(q, zin):                             # L_Q: MSE of Q's means on c
        return F.mse_loss(q, zin[:, nz:])

    def frozen(params, on):
        for p in params:
            p.requires_grad_(not on)

    def step():
        for _ in range(2):                        # D's steps
            x = data[torch.randint(0, data.shape[0], (n,))]
            zin = codes()
            optD.zero_grad()
            optQ.zero_grad()
            loss = bce(head(trunk(x)), 1.0)
            with torch.no_grad():
                fake = G(zin)
            h = trunk(fake)
            loss = loss + bce(head(h), 0.0)
            if not source:
                loss = loss + lam * info(Q(h), zin)
            loss.backward()
            optD.step()
            if not source:
                optQ.step()
        frozen(D, True)                           # G's step: only G changes
        frozen(Q.parameters(), True)
        zin = codes()
        optG.zero_grad()
        h = trunk(G(zin))
        loss = bce(head(h), 1.0)
        if not source:
            loss = loss + lam * info(Q(h), zin)
        loss.backward()
        optG.step()
        frozen(Q.parameters(), False)
        if source:                                # the source's Q step: Q and G
            zin = codes()
            optGq.zero_grad()
            optQ.zero_grad()
            (lam * info(Q(trunk(G(zin))), zin)).backward()
            optGq.step()
            optQ.step()
        frozen(D, False)

    if source:
        timed("09-info-src", n, step, warmup=2, iters=20)
    else:
        timed("09-infogan", n, step, warmup=5, iters=60)


def cyclegan(glob):
    """chapter 10's CycleGAN (chapters/10-cyclegan/cyclegan.c, iteration()),
    as a default run trains it: batch 32, G_XY, G_YX and D_X, D_Y (784 ->
    256 -> 1, a raw score), LeakyReLU 0.2, lambda 10, a pool of 50 fakes per
    D, Adam(0.5, 0.999), G 1e-3, D 2e-4. Default: the main model, local
    generators (three 3x3 convolutions 1 -> 8 -> 8 -> 1, padding 1). glob:
    the encoder-decoder the run compares it with (C 8, code 128, layer norm
    over each pixel's channels after every convolution and after the dense
    layer back to 2C x 7 x 7, eps 1e-5) with the identity loss, weight 0.5
    lambda. Both end in a clamp to [0, 1] (nn.Hardtanh(0, 1): its gradient
    is 1 strictly inside, as seqnet.c's clamp).

    One iteration: the generators' step (least-squares adversarial terms
    through the frozen D_Y, D_X, lambda times the per-pixel L1 cycle losses,
    and for glob the identity losses), the history buffers, then the
    discriminators' step (1/2 of each least-squares loss on real images and
    on the buffer's fakes). The C code's seqnet_backward also computes dL/dX
    of a network's first layer where nothing uses it (the data in G's step,
    both inputs of D's step); PyTorch is spared that too."""
    name = "10-cg-global" if glob else "10-cyclegan"
    if OPTS["only"] not in (None, name):          # (not 2 x 30 000 images for nothing)
        return
    n, C, H, P, lam = 32, 8, 128, 50, 10.0
    w_id = 0.5 * lam if glob else 0.0
    betas = (0.5, 0.999)
    lrelu = lambda: nn.LeakyReLU(0.2)

    def generator():
        if not glob:
            return nn.Sequential(
                nn.Unflatten(1, (1, 28, 28)),
                nn.Conv2d(1, C, 3, 1, 1), lrelu(), nn.Conv2d(C, C, 3, 1, 1), lrelu(),
                nn.Conv2d(C, 1, 3, 1, 1), nn.Hardtanh(0.0, 1.0), nn.Flatten())
        return nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, C, 4, 2, 1), ChannelNorm(C, 1e-5), lrelu(),                 # C x 14 x 14
            nn.Conv2d(C, 2 * C, 4, 2, 1), ChannelNorm(2 * C, 1e-5), lrelu(),         # 2C x 7 x 7
            nn.Flatten(), nn.Linear(2 * C * 49, H), lrelu(),                         # the code
            nn.Linear(H, 2 * C * 49), nn.Unflatten(1, (2 * C, 7, 7)),
            ChannelNorm(2 * C, 1e-5), lrelu(),                                       # 2C x 7 x 7
            nn.ConvTranspose2d(2 * C, C, 4, 2, 1), ChannelNorm(C, 1e-5), lrelu(),    # C x 14 x 14
            nn.ConvTranspose2d(C, 1, 4, 2, 1), nn.Hardtanh(0.0, 1.0), nn.Flatten())  # 1 x 28 x 28

    Gxy, Gyx = generator(), generator()
    Dy, Dx = [nn.Sequential(nn.Linear(784, 256), lrelu(), nn.Linear(256, 1)) for _ in range(2)]
    D = list(Dy.parameters()) + list(Dx.parameters())
    # one Adam per network in C; Adam works number by number, so one over both
    # generators (and one over both discriminators) makes the same update
    optG = torch.optim.Adam(list(Gxy.parameters()) + list(Gyx.parameters()), lr=1e-3, betas=betas)
    optD = torch.optim.Adam(D, lr=2e-4, betas=betas)
    X, Y = torch.rand(30000, 784), torch.rand(30000, 784)    # plain digits; the other half, dilated
    pool_x, pool_y = torch.zeros(P, 784), torch.zeros(P, 784)
    filled = [0]

    def lsgan(s, target):                         # mean (s - t)^2
        return ((s - target) ** 2).mean()

    def query(pool, fresh):
        """pool_query(): while the pool fills, a fake goes in and is shown;
        then with probability 1/2 a random old fake is shown and the new one
        takes its place. (Two rows drawing the same slot both show its old
        fake here, where C shows the first row's to the second: the same
        work.)"""
        k = min(P - filled[0], n)
        pool[filled[0]:filled[0] + k] = fresh[:k]
        shown = fresh.clone()
        old = torch.nonzero(torch.rand(n - k) < 0.5).squeeze(1) + k
        slot = torch.randint(0, P, (old.shape[0],))
        shown[old] = pool[slot]
        pool[slot] = fresh[old]
        return shown

    def frozen(params, on):
        for p in params:
            p.requires_grad_(not on)

    def step():
        x = X[torch.randint(0, X.shape[0], (n,))]
        y = Y[torch.randint(0, Y.shape[0], (n,))]
        frozen(D, True)                           # the generators' step: only G_XY, G_YX change
        optG.zero_grad()
        fy, fx = Gxy(x), Gyx(y)                   # the X cycle, the Y cycle
        loss = lsgan(Dy(fy), 1.0) + lam * F.l1_loss(Gyx(fy), x)
        loss = loss + lsgan(Dx(fx), 1.0) + lam * F.l1_loss(Gxy(fx), y)
        if w_id > 0:
            loss = loss + w_id * (F.l1_loss(Gxy(y), y) + F.l1_loss(Gyx(x), x))
        loss.backward()
        optG.step()
        frozen(D, False)
        py, px = query(pool_y, fy.detach()), query(pool_x, fx.detach())
        filled[0] = min(P, filled[0] + n)
        optD.zero_grad()
        (0.5 * (lsgan(Dy(y), 1.0) + lsgan(Dy(py), 0.0) + lsgan(Dx(x), 1.0) + lsgan(Dx(px), 0.0))).backward()
        optD.step()

    timed(name, n, step, warmup=5, iters=60)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) < 2 or args[1] not in ("64", "32"):
        sys.exit("usage: torch_iter.py THREADS 64|32 [--iters N] [--warmup N] [--only NAME]")
    threads, bits = int(args[0]), args[1]
    for flag, value in zip(args[2::2], args[3::2]):
        key = flag.lstrip("-")
        if key not in OPTS:
            sys.exit(f"torch_iter.py: unknown flag {flag}")
        OPTS[key] = value if key == "only" else int(value)
    torch.set_num_threads(threads)
    torch.set_default_dtype(torch.float64 if bits == "64" else torch.float32)
    torch.manual_seed(1)
    print(f"# torch {torch.__version__} threads {torch.get_num_threads()} float{bits}", flush=True)
    gan(False)
    gan(True)
    aae()
    infogan(False)
    infogan(True)
    cyclegan(False)
    cyclegan(True)
