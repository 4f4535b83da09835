"""p(x_i | z_i) of a view, as jpvae defines each: the negative log-likelihood
per row (summed over features, its constants included) of the decoder's
output, and the mean imputation returns. Computed in f64."""

import math

import torch
import torch.nn.functional as F

LN_2PI = math.log(2 * math.pi)


def is_count(lik):
    return lik["kind"] in ("poisson", "nb")


def nll(lik, out, x, log_size=None, logvar=None, log_theta=None):
    """−log p(x | out) per row. out: logits (Bernoulli), means (Gaussian, standardised units) or log-rates
    at size factor 1 (counts, log_size: each row's log s, or None)."""
    out, x = out.double(), x.double()
    kind = lik["kind"]
    if kind == "bernoulli":  # Σ max(o,0) − o·t + log(1 + e^−|o|)
        return F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(1)
    if kind == "gaussian":  # ½ Σ ((t − m)²·e^−lv + lv + ln 2π)
        lv = logvar.double()
        return 0.5 * (((x - out) ** 2) * torch.exp(-lv) + lv + LN_2PI).sum(1)
    l = out if log_size is None else out + log_size.double()[:, None]
    if kind == "poisson":  # μ − t·l + ln Γ(t + 1), μ = e^l
        return (torch.exp(l) - x * l + torch.lgamma(x + 1)).sum(1)
    # NB with mean μ and variance μ + μ²/θ: −[lnΓ(t+θ) − lnΓ(θ) − lnΓ(t+1) + θ·log(θ/(θ+μ)) + t·log(μ/(θ+μ))]
    lt = log_theta.double()
    theta = torch.exp(lt)
    log_sum = torch.logaddexp(l, lt.expand_as(l))
    ll = torch.lgamma(x + theta) - torch.lgamma(theta) - torch.lgamma(x + 1) + theta * (lt - log_sum) + x * (l - log_sum)
    return -ll.sum(1)


def mean(lik, out):
    """The likelihood's mean at size factor 1: σ(logit), the output, e^η."""
    if lik["kind"] == "bernoulli":
        return torch.sigmoid(out)
    if is_count(lik):
        return torch.exp(out)
    return out
