// Vector exp and log1p on f32x4: WebAssembly has neither, and calling the
// scalar Mathf functions lane by lane cost a training step more than its
// whole loss (the BCE's exp and log1p per pixel). Cephes' single-precision
// polynomials (expf, logf) with Cody–Waite range reduction, in plain
// mul/add (no FMA, so the simd and relaxed builds give the same bits).
// A lane's result never depends on the others, and the scalar forms are
// the vector ones on lane 0, so a kernel's scalar tail gives the bits its
// vector body would. Accuracy (test/elementwise.test.ts): within 2 ulp of
// the correctly rounded exp over [−87.3, 88.7] (subnormal results within
// one subnormal step), and log1p within 2 ulp on [0, 1].

const LOG2E: f32 = 1.4426950408889634;
// ln 2 in two parts: the first has 9 significant bits, so n·LN2_HI is exact for |n| < 2^15.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const SQRT_HALF: f32 = 0.70710678118654752;

/**
 * e^x on each lane: 0 below about −103.3, +∞ above about 88.72, NaN for NaN.
 * x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by a degree-7 polynomial, times
 * 2^n as two powers of two (so that 2^n itself may be subnormal or 2^128).
 */
// @ts-ignore: decorator
@inline export function expf4(x: v128): v128 {
  // pmax/pmin keep x when it is NaN (their first operand), unlike max/min's extra NaN handling.
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-110)), f32x4.splat(89));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // 2^n = 2^h · 2^(n−h), h = ⌊n/2⌋: both halves are normal for n in [−159, 129].
  const ni = i32x4.trunc_sat_f32x4_s(n), h = i32x4.shr_s(ni, 1), bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(h, bias), 23), s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, h), bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/**
 * log(1 + x) on each lane for x ≥ 0 (finite), NaN for NaN: log(u) of
 * u = 1 + x by frexp and a polynomial in u's mantissa, plus
 * (x − (u − 1))/u, the part of x that rounding u dropped (u − 1 is exact),
 * so tiny x keep their digits.
 */
// @ts-ignore: decorator
@inline export function log1pf4(x: v128): v128 {
  const one = f32x4.splat(1);
  const u = f32x4.add(one, x);
  // u = m·2^e with m in [0.5, 1); then m in [√½, √2) with e one less below √½, f = m − 1.
  let e = i32x4.sub(i32x4.shr_u(u, 23), i32x4.splat(126));
  const m = v128.or(v128.and(u, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const low = f32x4.lt(m, f32x4.splat(SQRT_HALF));
  e = i32x4.add(e, low); // −1 where low
  const f = f32x4.add(f32x4.sub(m, one), v128.and(m, low)); // 2m − 1 where low, exact either way
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(f, f);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, f), z);
  const dropped = f32x4.div(f32x4.sub(x, f32x4.sub(u, one)), u);
  y = f32x4.add(y, f32x4.add(f32x4.mul(ef, f32x4.splat(LN2_LO)), dropped));
  y = f32x4.sub(y, f32x4.mul(f32x4.splat(0.5), z));
  return f32x4.add(f32x4.add(f, y), f32x4.mul(ef, f32x4.splat(LN2_HI)));
}

/** expf4 on one value (lane 0): the bits a vector lane would get. */
// @ts-ignore: decorator
@inline export function expf1(x: f32): f32 {
  return f32x4.extract_lane(expf4(f32x4.splat(x)), 0);
}

/** log1pf4 on one value (lane 0). */
// @ts-ignore: decorator
@inline export function log1pf1(x: f32): f32 {
  return f32x4.extract_lane(log1pf4(f32x4.splat(x)), 0);
}
