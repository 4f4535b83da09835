"""The joint priors over the views' latent blocks (Eq. 6): every marginal
N(0, I), the cross-covariances parameterised so that Σ is positive definite
for any value of the free parameters. Each prior gives Σ (D×D, blocks in
view order) as a differentiable function of its parameters; the KL of a
row with the views S present is against Σ_SS (the marginal prior of S).
Parameter names and shapes are jpvae's layout names (prior.*)."""

import torch
from torch import nn

SVD_SIGMA_MAX = 1 - 2**-10  # jpvae's bound on σ1(C) for the svd prior (§2.6 (b))


def cayley(free, n, flips=0):
    """The first n columns of O = J(I + A)(I − A)⁻¹ = J(2(I − A)⁻¹ − I), A = triu(P,1) − triu(P,1)ᵀ (§2.6)."""
    m = free.shape[0]
    upper = torch.triu(free.double(), diagonal=1)
    a = upper - upper.T
    eye = torch.eye(m, dtype=torch.float64, device=free.device)
    q = torch.linalg.solve(eye - a, eye[:, :n])
    sign = torch.ones(m, 1, dtype=torch.float64, device=free.device)
    if flips:
        sign[m - flips :] = -1
    return sign * (2 * q - eye[:, :n])


class PairPrior(nn.Module):
    """Two views (§2.6): Σ = [[I, C12], [C21, I]] with C = Cov(z_b, z_a), a the view with the smaller latent
    (view 1 on a tie, §2.4); zero (C = 0), orthogonal (C = αO), svd (C = U·diag(σ)·Vᵀ, σ < 1)."""

    def __init__(self, config, latent):
        super().__init__()
        self.kind, self.latent = config["kind"], list(latent)
        self.alpha, self.flips = config.get("alpha", 0.0), config.get("flips", 0)
        self.register_buffer("anchor", torch.zeros(0), persistent=False)  # follows .to(device)
        self.order = [1, 0] if latent[0] > latent[1] else [0, 1]
        self.n1, self.n2 = latent[self.order[0]], latent[self.order[1]]
        n1, n2 = self.n1, self.n2
        if self.kind == "orthogonal":
            self.cayley = nn.Parameter(torch.zeros(n2, n2))
        elif self.kind == "svd":
            self.cayley_u = nn.Parameter(torch.zeros(n2, n2))
            self.cayley_v = nn.Parameter(torch.zeros(n1, n1))
            self.singular = nn.Parameter(torch.zeros(n1))

    @property
    def device(self):
        return self.anchor.device

    def named_params(self):
        names = {"orthogonal": ["cayley"], "svd": ["cayley_u", "cayley_v", "singular"]}.get(self.kind, [])
        return [(n, getattr(self, n)) for n in names]

    def cross(self):
        """C (n2×n1, f64), Cov(z of the larger-latent view, z of the other)."""
        if self.kind == "zero":
            return torch.zeros(self.n2, self.n1, dtype=torch.float64, device=self.device)
        if self.kind == "orthogonal":
            return self.alpha * cayley(self.cayley, self.n1, self.flips)
        u = cayley(self.cayley_u, self.n1, self.flips)
        v = cayley(self.cayley_v, self.n1)
        sigma = SVD_SIGMA_MAX * torch.tanh(self.singular.double() / 2)
        return (u * sigma) @ v.T

    def covariance(self):
        d = sum(self.latent)
        first, second = self.order
        start = [0, self.latent[0]]
        c = self.cross()
        s = torch.eye(d, dtype=torch.float64, device=c.device)
        rows = torch.arange(start[second], start[second] + self.n2, device=c.device)[:, None]
        cols = torch.arange(start[first], start[first] + self.n1, device=c.device)[None, :]
        return s.index_put((rows, cols), c).index_put((cols.T, rows.T), c.T)


class FactorPrior(nn.Module):
    """Any M: Σ = (1 − α)·I + α·A·Aᵀ, A_i (d_i×K) with orthonormal rows, A_iᵀ the first d_i columns of a
    K×K Cayley map (jpvae's shared-factor prior); α = 0 is the zero prior of M > 2 views."""

    def __init__(self, config, latent):
        super().__init__()
        self.latent = list(latent)
        self.register_buffer("anchor", torch.zeros(0), persistent=False)  # follows .to(device)
        self.alpha = 0.0 if config["kind"] == "zero" else config["alpha"]
        k = config.get("factors") or max(latent)
        self.frees = nn.ParameterList([nn.Parameter(torch.zeros(k, k)) for _ in latent] if self.alpha else [])

    @property
    def device(self):
        return self.anchor.device

    def named_params(self):
        return [(f"cayley{i + 1}", p) for i, p in enumerate(self.frees)]

    def covariance(self):
        d = sum(self.latent)
        if not self.alpha:
            return torch.eye(d, dtype=torch.float64, device=self.device)
        a = torch.cat([cayley(p, n).T for p, n in zip(self.frees, self.latent)])
        return (1 - self.alpha) * torch.eye(d, dtype=torch.float64, device=a.device) + self.alpha * (a @ a.T)


def make_prior(config, latent):
    if config["kind"] != "factor" and len(latent) == 2:
        return PairPrior(config, latent)
    return FactorPrior(config, latent)


def gaussian_kl(mu, lv, sigma):
    """KL(N(μ, diag e^lv) ‖ N(0, Σ)) per row (Eq. 7; Eq. 9 for two blocks), f64: ½(tr Σ⁻¹diag(e^lv) + μᵀΣ⁻¹μ − D + log|Σ| − Σ lv)."""
    chol = torch.linalg.cholesky(sigma)
    inv = torch.cholesky_inverse(chol)
    logdet = 2 * torch.log(torch.diagonal(chol)).sum()
    mu, lv = mu.double(), lv.double()
    quad = ((mu @ inv) * mu).sum(1)
    trace = (torch.exp(lv) * torch.diagonal(inv)).sum(1)
    return 0.5 * (trace + quad - mu.shape[1] + logdet - lv.sum(1))
