"""torch_iter.py -- the models of chapters 08 and 11 (and 09's planned
InfoGAN/DCGAN, bench/iter-dcgan.c) in PyTorch, to time them.

Each model is the chapter's own: the same layer sizes, batch, losses,
optimisers and steps per iteration, in float64 on the CPU, on random data of
the same shape (the arithmetic does not depend on the pixel values). Where
PyTorch code usually does extra work we spare it that work, so the comparison
favours PyTorch: D's parameters are frozen during the generator's step (no
weight gradients for D), and inputs are made once outside the timed loop
where the C code makes them inside it (the noise and prior samples are drawn
inside, as in C).

Usage: python3 bench/torch_iter.py [THREADS]    (default 1, like the chapters)
Prints one line per model: NAME  MS_PER_ITERATION (the format of
bench/iter-*.c).
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

WARMUP, ITERS = 20, 200


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


def timed(name, step):
    for _ in range(WARMUP):
        step()
    t0 = time.perf_counter()
    for _ in range(ITERS):
        step()
    print(f"{name:<8s} {1e3 * (time.perf_counter() - t0) / ITERS:8.3f}", flush=True)


def gan(conditional):
    nz, nc, n = (128, 10, 50) if conditional else (100, 0, 100)
    G = mlp(nz + nc, 256, 784, out=nn.Sigmoid())
    D = mlp(784 + nc, 256, 1)
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4 if conditional else 1e-4, betas=(0.5, 0.999))
    data = torch.rand(8000, 784)
    labels = torch.randint(0, 10, (8000,))

    def onehot(c):
        return F.one_hot(c, 10).to(torch.float64)

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

    timed("cgan" if conditional else "gan", step)


def aae():
    n, K = 100, 6
    E = mlp(784, 500, 300, 2)
    Gd = mlp(2, 300, 500, 784)                    # logits
    D = mlp(2 + 7, 100, 100, 1)
    optE_rec = torch.optim.Adam(E.parameters(), lr=1e-4)
    optG = torch.optim.Adam(Gd.parameters(), lr=1e-4)
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

    def prior(k):                                 # component k: along 0.3, across 0.05, rotated
        a = 2 * math.pi * k.to(torch.float64) / K
        u = 1.4 + 0.3 * torch.randn(k.shape[0], dtype=torch.float64)
        v = 0.05 * torch.randn(k.shape[0], dtype=torch.float64)
        return torch.stack([u * torch.cos(a) - v * torch.sin(a), u * torch.sin(a) + v * torch.cos(a)], 1)

    def slot(c):
        return F.one_hot(c, 7).to(torch.float64)

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
        for _ in range(5):
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

    timed("aae", step)


def dcgan(narrow=False, warmup=3, iters=15):
    """InfoGAN's MNIST networks on a DCGAN backbone (bench/iter-dcgan.c): batch
    64; D step = D on 64 real and 64 fake images, G step = G, D and the Q
    head with BCE + class cross-entropy + MSE on the continuous codes, Adam
    on G and Q. Fewer iterations than the others: one takes most of a second."""
    n, nz, ncat, ncont = 64, 62, 10, 2
    gh, g1, g2, d1, d2, dh = (512, 64, 32, 32, 64, 512) if narrow else (1024, 128, 64, 64, 128, 1024)
    lrelu = lambda: nn.LeakyReLU(0.1)
    G = nn.Sequential(
        nn.Linear(nz + ncat + ncont, gh), nn.BatchNorm1d(gh), nn.ReLU(),
        nn.Linear(gh, g1 * 7 * 7), nn.Unflatten(1, (g1, 7, 7)), nn.BatchNorm2d(g1), nn.ReLU(),
        nn.ConvTranspose2d(g1, g2, 4, 2, 1), nn.BatchNorm2d(g2), nn.ReLU(),
        nn.ConvTranspose2d(g2, 1, 4, 2, 1), nn.Sigmoid(), nn.Flatten())
    trunk = nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, d1, 4, 2, 1), lrelu(),
        nn.Conv2d(d1, d2, 4, 2, 1), nn.BatchNorm2d(d2), lrelu(), nn.Flatten(),
        nn.Linear(d2 * 7 * 7, dh), nn.BatchNorm1d(dh), lrelu())
    head = nn.Linear(dh, 1)
    Q = nn.Sequential(nn.Linear(dh, 128), nn.BatchNorm1d(128), lrelu(), nn.Linear(128, ncat + ncont))
    D = list(trunk.parameters()) + list(head.parameters())
    optD = torch.optim.Adam(D, lr=2e-4, betas=(0.5, 0.999))
    optG = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    optQ = torch.optim.Adam(Q.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data = torch.rand(1024, 784)

    def codes():
        c = torch.randint(0, ncat, (n,))
        u = 2 * torch.rand(n, ncont) - 1
        return torch.cat([torch.randn(n, nz), F.one_hot(c, ncat).to(torch.float64), u], 1), c, u

    def step():
        x = data[torch.randint(0, data.shape[0], (n,))]
        optD.zero_grad()
        with torch.no_grad():
            fake = G(codes()[0])
        loss = bce(head(trunk(x)), 1.0) + bce(head(trunk(fake)), 0.0)
        loss.backward()
        optD.step()
        for p in D:
            p.requires_grad_(False)
        optG.zero_grad()
        optQ.zero_grad()
        zin, c, u = codes()
        h = trunk(G(zin))
        q = Q(h)
        loss = bce(head(h), 1.0) + F.cross_entropy(q[:, :ncat], c) + F.mse_loss(q[:, ncat:], u)
        loss.backward()
        optG.step()
        optQ.step()
        for p in D:
            p.requires_grad_(True)

    global WARMUP, ITERS
    saved = WARMUP, ITERS
    WARMUP, ITERS = warmup, iters
    timed("dcgan-n" if narrow else "dcgan", step)
    WARMUP, ITERS = saved


if __name__ == "__main__":
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(1)
    gan(False)
    gan(True)
    aae()
    dcgan()
