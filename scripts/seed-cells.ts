// The experiments' table cells: a figure over seeds as its mean ± its
// (population) sd, or the one value of a single seed.

export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const sd = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

/** "m ± sd" over the seeds' values (`digits` decimals), or the value of a single seed. */
export const cell = (xs: number[], digits: number): string =>
  xs.length > 1 ? `${mean(xs).toFixed(digits)} ± ${sd(xs).toFixed(digits)}` : mean(xs).toFixed(digits);
