// How a view's values are distributed given its latent: what its data may
// hold (Bernoulli: values in [0, 1]) and how it is preprocessed (Gaussian
// views are standardised). The model's config names one per view.

/**
 * p(x_i | z_i) of a view: Bernoulli on logits (binary data such as
 * hvdMNIST, Eq. 1's reconstruction term as BCE), or Gaussian with a
 * per-feature log-variance that is learnt, or fixed at log(variance).
 */
export type Likelihood = { kind: 'bernoulli' } | { kind: 'gaussian'; variance: 'learnt' | number };
export const BERNOULLI: Likelihood = { kind: 'bernoulli' };
