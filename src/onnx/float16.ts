// IEEE 754 half precision from single precision, rounded to nearest (ties
// to even), for fp16 weights in an export (Node 20 has no Math.f16round),
// and back, for the engine that reads them.

const f32 = new Float32Array(1),
  bits = new Uint32Array(f32.buffer);

/** The float16 bit pattern of x (after rounding x to f32). */
export function float16Bits(x: number): number {
  f32[0] = x;
  const b = bits[0],
    sign = (b >>> 16) & 0x8000,
    exp = (b >>> 23) & 0xff,
    mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // ±inf, NaN
  const e = exp - 127 + 15; // the f16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // too large: ±inf
  // Normal f16: drop 13 mantissa bits; subnormal: units of 2^-24, so shift the full significand further.
  const [m, shift, top] = e > 0 ? [mant, 13, e << 10] : [mant | 0x800000, 14 - e, 0];
  if (shift > 24) return sign; // below half the smallest subnormal
  let r = top | (m >>> shift);
  const rest = m & ((1 << shift) - 1),
    half = 1 << (shift - 1);
  if (rest > half || (rest === half && r & 1)) r++; // a carry into the exponent is the correct rounding
  return sign | r;
}

/** The value of a float16 bit pattern. */
export function float16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return e === 0 ? sign * m * 2 ** -24 : sign * (1 + m / 1024) * 2 ** (e - 15);
}
