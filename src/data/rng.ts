// A seeded generator that gives the same stream on every platform and
// engine (integer arithmetic only, Math.imul), for shuffling, weight
// initialisation and the reparameterisation noise ε. xoshiro128** seeded
// through splitmix32.

export class Rng {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u)),
      th = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(th);
    return r * Math.cos(th);
  }

  /** Fill with standard normals times `scale`. */
  fillNormal(out: { length: number; [i: number]: number }, scale = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal() * scale;
  }

  /** Fisher–Yates shuffle of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The full state, so a resumed run continues the same stream. */
  state(): number[] {
    return [...this.s, this.spare === null ? NaN : this.spare];
  }
  static fromState(st: number[]): Rng {
    const r = new Rng(0);
    r.restore(st);
    return r;
  }

  /** A second stream seeded from this one's state, which it leaves as it was (so this stream's values are the same with or without it). */
  fork(): Rng {
    const s = this.s;
    return new Rng((s[0] ^ rotl(s[1], 8) ^ rotl(s[2], 16) ^ rotl(s[3], 24) ^ 0x5bd1e995) >>> 0);
  }

  /** Continue from a saved state(). */
  restore(st: number[]): void {
    this.s.set(st.slice(0, 4));
    this.spare = st[4] === null || Number.isNaN(st[4]) ? null : st[4];
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
