// GEMM with fused epilogues, and the dense-layer backward built on it
// (src/core/kernels.ts has the exact semantics).
//
// Two register-tiled f32x4 kernels:
// - broadcast tiles (NN, TN, TT): 2 rows × 16 columns of C in 8
//   accumulators; per k, a row of a packed B panel is loaded once and each
//   row's A(i,k) is broadcast against it. The forms differ only in the
//   strides the packing reads with.
// - dot tiles (NT, dX = dY·Wᵀ): both operands run along k, so 2 rows × 4
//   columns of C are 8 dot products, summed horizontally once at the end.
// Blocking: K runs in passes of KC, B's columns in blocks of NB and the rows
// in blocks of MC. Each pass packs A's block as pairs of rows interleaved
// along k (so a tile reads one stream with constant offsets) and B's block
// as KC×16 panels (so a panel stays in L1: B's power-of-two row strides,
// e.g. 512 floats, would map a column strip onto a few cache sets), in
// scratch: static, or a thread's own block in the threads build. B is
// packed reading its rows in order: the weights arrive cold in a training
// step, and a column strip read row by row crosses a page per row, where no
// prefetcher follows.

import { at, madd } from './util';

// Flags, as in src/core/kernels.ts.
const TRANS_A = 1;
const TRANS_B = 2;
const ACCUMULATE = 4;
const RELU = 8;
const SKIP_ZEROS = 16;

const KC = 256; // k per pass: a KC×16 panel of B is 16 KB, half of L1
const MC = 64; // rows per block (even): the packed KC×MC block of A is 64 KB, in L2
const NB = 512; // columns of B per block (a multiple of 16): the packed KC×NB block is 512 KB, in L2
const B_BYTES: usize = KC * NB * 4, A_BYTES: usize = KC * MC * 4, LANES_BYTES: usize = 16;
const SCRATCH_BYTES = B_BYTES + A_BYTES + LANES_BYTES;
// The packing scratch: static for the instance, unless a thread sharing the
// memory with others moves its own elsewhere (setGemmScratch). Globals are
// per instance, so each thread's instance keeps its own pointers.
let B_BLOCK: usize = memory.data(<i32>SCRATCH_BYTES, 64);
let A_BLOCK: usize = B_BLOCK + B_BYTES;
let LANES: usize = A_BLOCK + A_BYTES;

/** Elements (f32) of the scratch block one thread's gemm needs. */
export function gemmScratchSize(): i32 { return <i32>(SCRATCH_BYTES / 4); }

/** Put this instance's packing scratch at element p (64-byte aligned, like the heap; gemmScratchSize() elements). */
export function setGemmScratch(p: i32): void {
  B_BLOCK = at(p);
  A_BLOCK = B_BLOCK + B_BYTES;
  LANES = A_BLOCK + A_BYTES;
}

/** The epilogue of 4 outputs at byte address c: + bias, + old C, ReLU. */
// @ts-ignore: decorator
@inline function finish4(v: v128, c: usize, bias: usize, flags: i32): void {
  if (bias) v = f32x4.add(v, v128.load(bias));
  if (flags & ACCUMULATE) v = f32x4.add(v, v128.load(c));
  if (flags & RELU) v = f32x4.max(v, f32x4.splat(0));
  v128.store(c, v);
}

/** The same for one output. */
// @ts-ignore: decorator
@inline function finish1(v: f32, c: usize, bias: usize, flags: i32): void {
  if (bias) v += load<f32>(bias);
  if (flags & ACCUMULATE) v += load<f32>(c);
  if (flags & RELU) v = max(v, 0);
  store<f32>(c, v);
}

/** The epilogue of v's first n lanes (none when n ≤ 0): whole vectors, lane by lane at C's right edge. */
// @ts-ignore: decorator
@inline function finishLanes(v: v128, n: i32, c: usize, bias: usize, flags: i32): void {
  if (n >= 4) { finish4(v, c, bias, flags); return; }
  v128.store(LANES, v);
  for (let l = 0; l < n; l++) {
    const o = <usize>l * 4;
    finish1(load<f32>(LANES + o), c + o, bias ? bias + o : 0, flags);
  }
}

/** The epilogue of one tile row of up to 4 vectors, w columns of which are stored. */
// @ts-ignore: decorator
@inline function finishRow(
  V: i32, v0: v128, v1: v128, v2: v128, v3: v128, w: i32, c: usize, bias: usize, flags: i32,
): void {
  finishLanes(v0, w, c, bias, flags);
  finishLanes(v1, w - 4, c + 16, bias ? bias + 16 : 0, flags);
  if (V > 2) finishLanes(v2, w - 8, c + 32, bias ? bias + 32 : 0, flags);
  if (V > 2) finishLanes(v3, w - 12, c + 48, bias ? bias + 48 : 0, flags);
}

/** Copies `cols` ≤ width floats (element j at src + j·colStride) to dst, zero-padded to `width`. */
// @ts-ignore: decorator
@inline function packRow(cols: i32, width: i32, dst: usize, src: usize, colStride: usize): void {
  let j = 0;
  if (colStride == 4) for (; j + 4 <= cols; j += 4) v128.store(dst + <usize>j * 4, v128.load(src + <usize>j * 4));
  for (; j < cols; j++) store<f32>(dst + <usize>j * 4, load<f32>(src + <usize>j * colStride));
  for (; j < width; j++) store<f32>(dst + <usize>j * 4, 0);
}

/**
 * Copies k [0, kc) × columns [0, cols ≤ NB) of op(B) (element (k, j) at
 * src + k·bK + j·bCol, bytes) to B_BLOCK as panels, row by row: KC×16
 * panels while 16 columns remain, then KC×8 ones, zero-padded.
 */
function packB(kc: i32, cols: i32, src: usize, bK: usize, bCol: usize): void {
  const full = cols & ~15, tails = B_BLOCK + <usize>full * kc * 4;
  for (let k = 0; k < kc; k++, src += bK) {
    let j = 0;
    for (let dst = B_BLOCK + <usize>k * 64; j < full; j += 16, dst += <usize>kc * 64) {
      packRow(16, 16, dst, src + <usize>j * bCol, bCol);
    }
    for (let dst = tails + <usize>k * 32; j < cols; j += 8, dst += <usize>kc * 32) {
      packRow(min(8, cols - j), 8, dst, src + <usize>j * bCol, bCol);
    }
  }
}

/**
 * Copies rows [0, rows) × k [0, kc) of op(A) (element (i, k) at a + i·aRow + k·aK)
 * to A_BLOCK as pairs of rows interleaved along k: pair p holds (2p, k), (2p+1, k)
 * at p·kc·2 + 2k, with a zero row after an odd last row.
 */
function packA(kc: i32, rows: i32, a: usize, aRow: usize, aK: usize): void {
  const pairs = rows >> 1, pairBytes = <usize>kc * 8;
  if (aRow == 4) { // Aᵀ: read each of its rows in order (its stride would thrash L1), a pair at a time
    for (let k = 0; k < kc; k++) {
      const q = a + <usize>k * aK, dst = A_BLOCK + <usize>k * 8;
      let p = 0;
      for (; p + 2 <= pairs; p += 2) {
        const v = v128.load(q + <usize>p * 8);
        v128.store64_lane(dst + <usize>p * pairBytes, v, 0);
        v128.store64_lane(dst + <usize>(p + 1) * pairBytes, v, 1);
      }
      if (p < pairs) store<u64>(dst + <usize>p * pairBytes, load<u64>(q + <usize>p * 8));
    }
  } else {
    for (let p = 0; p < pairs; p++) {
      let q = a + <usize>(2 * p) * aRow, dst = A_BLOCK + <usize>p * pairBytes, k = 0;
      if (aK == 4) { // A: interleave two rows, 4 k at a time
        for (; k + 4 <= kc; k += 4, q += 16, dst += 32) {
          const x = v128.load(q), y = v128.load(q + aRow);
          v128.store(dst, v128.shuffle<f32>(x, y, 0, 4, 1, 5));
          v128.store(dst, v128.shuffle<f32>(x, y, 2, 6, 3, 7), 16);
        }
      }
      for (; k < kc; k++, q += aK, dst += 8) {
        store<f32>(dst, load<f32>(q));
        store<f32>(dst, load<f32>(q + aRow), 4);
      }
    }
  }
  if (rows & 1) {
    let q = a + <usize>(rows - 1) * aRow, dst = A_BLOCK + <usize>pairs * pairBytes;
    for (let k = 0; k < kc; k++, q += aK, dst += 8) {
      store<f32>(dst, load<f32>(q));
      store<f32>(dst, 0, 4);
    }
  }
}

/**
 * A 2×4V tile (V = 2 or 4, constant) of C = (a packed pair of A's rows at pa)·(the
 * packed panel at b) over kc steps of k; its first h ≤ 2 rows and w columns are stored.
 */
// @ts-ignore: decorator
@inline function broadcastTile(V: i32, kc: i32, pa: usize, b: usize, h: i32, w: i32, c: usize, cRow: usize,
  bias: usize, flags: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  for (const end = pa + <usize>kc * 8; pa < end; pa += 8, b += V * 16) {
    const x0 = v128.load32_splat(pa), x1 = v128.load32_splat(pa, 4);
    let y = v128.load(b);
    c00 = madd(x0, y, c00); c10 = madd(x1, y, c10);
    y = v128.load(b, 16);
    c01 = madd(x0, y, c01); c11 = madd(x1, y, c11);
    if (V > 2) {
      y = v128.load(b, 32);
      c02 = madd(x0, y, c02); c12 = madd(x1, y, c12);
      y = v128.load(b, 48);
      c03 = madd(x0, y, c03); c13 = madd(x1, y, c13);
    }
  }
  finishRow(V, c00, c01, c02, c03, w, c, bias, flags);
  if (h > 1) finishRow(V, c10, c11, c12, c13, w, c + cRow, bias, flags);
}

/** Columns [0, w) (w ≤ 4V) of the block's rows [0, rows) from the packed A block and the B panel at b. */
// @ts-ignore: decorator
@inline function panelTiles(
  V: i32, kc: i32, b: usize, rows: i32, w: i32, c: usize, cRow: usize, bias: usize, flags: i32,
): void {
  for (let i = 0; i < rows; i += 2) {
    broadcastTile(V, kc, A_BLOCK + <usize>(i * kc) * 4, b, rows - i, w, c + <usize>i * cRow, cRow, bias, flags);
  }
}

/**
 * Columns [j0, j1) of C (N columns) = op(A)·op(B) for any transposition: op(A)(i,k) at
 * a + i·aRow + k·aK, op(B)(k,j) at b + k·bK + j·bCol (bytes). The bias joins
 * in the first pass over K, ReLU in the last, and later passes accumulate
 * onto the earlier ones.
 */
function broadcastGemm(flags: i32, j0: i32, j1: i32, M: i32, N: i32, K: i32, a: usize, aRow: usize, aK: usize,
  b: usize, bK: usize, bCol: usize, c: usize, bias: usize): void {
  const cRow = <usize>N * 4;
  let k0 = 0;
  do {
    const kc = min(KC, K - k0);
    const f = (k0 > 0 ? ACCUMULATE : flags & ACCUMULATE) | (k0 + kc >= K ? flags & RELU : 0);
    const passBias: usize = k0 > 0 ? 0 : bias;
    const bk = b + <usize>k0 * bK;
    for (let jb = j0; jb < j1; jb += NB) {
      const nb = min(NB, j1 - jb);
      packB(kc, nb, bk + <usize>jb * bCol, bK, bCol);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const rows = min(MC, M - i0), ci = c + <usize>i0 * cRow + <usize>jb * 4;
        const bi = passBias ? passBias + <usize>jb * 4 : 0;
        packA(kc, rows, a + <usize>i0 * aRow + <usize>k0 * aK, aRow, aK);
        let j = 0, panel = B_BLOCK;
        for (; j + 16 <= nb; j += 16, panel += <usize>kc * 64) {
          panelTiles(4, kc, panel, rows, 16, ci + <usize>j * 4, cRow, bi ? bi + <usize>j * 4 : 0, f);
        }
        for (; j < nb; j += 8, panel += <usize>kc * 32) {
          panelTiles(2, kc, panel, rows, min(8, nb - j), ci + <usize>j * 4, cRow, bi ? bi + <usize>j * 4 : 0, f);
        }
      }
    }
    k0 += kc;
  } while (k0 < K);
}

/** (s0, s1, s2, s3) → (Σs0, Σs1, Σs2, Σs3): the horizontal sums of four dot-product accumulators. */
// @ts-ignore: decorator
@inline function hsum4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t0 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

/**
 * An R×4 tile (R ≤ 2, constant) of C = A·Bᵀ: rows of A (M×K) against 4 rows of B (N×K), row = K·4 bytes.
 * With `list` (LISTED, constant), the whole stretches of 4 k run only at its n byte offsets: the
 * stretches where some row of the tile is nonzero. A skipped stretch would add exact zeros, so the
 * listed tile gives the values of the full one.
 */
// @ts-ignore: decorator
@inline function dotTile(R: i32, LISTED: bool, K: i32, a: usize, b: usize, row: usize, c: usize, cRow: usize,
  bias: usize, flags: i32, list: usize, n: i32): void {
  let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  const end: usize = LISTED ? list + <usize>n * 4 : <usize>(K & ~3) * 4;
  for (let t: usize = LISTED ? list : 0; t < end; t += LISTED ? 4 : 16) {
    const o: usize = LISTED ? <usize>load<u32>(t) : t;
    const x0 = v128.load(a + o);
    const x1 = R > 1 ? v128.load(a + row + o) : x0;
    let y = v128.load(b + o);
    s00 = madd(x0, y, s00); if (R > 1) s10 = madd(x1, y, s10);
    y = v128.load(b + row + o);
    s01 = madd(x0, y, s01); if (R > 1) s11 = madd(x1, y, s11);
    y = v128.load(b + 2 * row + o);
    s02 = madd(x0, y, s02); if (R > 1) s12 = madd(x1, y, s12);
    y = v128.load(b + 3 * row + o);
    s03 = madd(x0, y, s03); if (R > 1) s13 = madd(x1, y, s13);
  }
  let v0 = hsum4(s00, s01, s02, s03);
  let v1 = R > 1 ? hsum4(s10, s11, s12, s13) : v0;
  // The last K mod 4 terms: the four rows' entries gathered into one vector.
  for (let o = <usize>(K & ~3) * 4; o < row; o += 4) {
    let y = f32x4.splat(load<f32>(b + o));
    y = f32x4.replace_lane(y, 1, load<f32>(b + row + o));
    y = f32x4.replace_lane(y, 2, load<f32>(b + 2 * row + o));
    y = f32x4.replace_lane(y, 3, load<f32>(b + 3 * row + o));
    v0 = madd(v128.load32_splat(a + o), y, v0);
    if (R > 1) v1 = madd(v128.load32_splat(a + row + o), y, v1);
  }
  finish4(v0, c, bias, flags);
  if (R > 1) finish4(v1, c + cRow, bias, flags);
}

/**
 * The byte offsets of the whole stretches of 4 k where one of rows a and a + row (R of them) of
 * A is nonzero, written to `list` without a branch; returns how many. (-0 counts as nonzero.)
 */
function listNonzero(R: i32, K: i32, a: usize, row: usize, list: usize): i32 {
  let n = 0;
  for (let o: usize = 0, end = <usize>(K & ~3) * 4; o < end; o += 16) {
    const x = R > 1 ? v128.or(v128.load(a + o), v128.load(a + row + o)) : v128.load(a + o);
    store<u32>(list + <usize>n * 4, <u32>o);
    n += <i32>v128.any_true(x);
  }
  return n;
}

/**
 * Columns [j0, j1) (multiples of 4) of C = A·Bᵀ: per block of A's rows, 4 rows of B against 2 of A
 * at a time. With SKIP_ZEROS, each pair of A's rows first lists its nonzero stretches of k (in the
 * packing scratch, which this form does not use), and the tiles run over the lists when they skip
 * at least an eighth of the work: the same values either way, less work for inputs with many
 * zeros (a digit's blank pixels, counts).
 */
function dotGemm(flags: i32, M: i32, N: i32, j0: i32, j1: i32, K: i32, a: usize, b: usize, c: usize,
  bias: usize): void {
  const row = <usize>K * 4, cRow = <usize>N * 4, blocks = K >> 2;
  const skip = (flags & SKIP_ZEROS) != 0 && blocks > 0 && <usize>(MC >> 1) * blocks * 4 <= B_BYTES;
  for (let i0 = 0; i0 < M; i0 += MC) {
    const i1 = min(M, i0 + MC);
    // Per pair of rows (and a last odd row): its list at B_BLOCK + p·blocks·4, its count at A_BLOCK + p·4.
    let listed = false;
    if (skip) {
      let total = 0, p = 0;
      for (let i = i0; i < i1; i += 2, p++) {
        const n = listNonzero(i + 1 < i1 ? 2 : 1, K, a + <usize>i * row, row, B_BLOCK + <usize>(p * blocks) * 4);
        store<i32>(A_BLOCK + <usize>p * 4, n);
        total += n;
      }
      listed = total * 8 <= p * blocks * 7;
    }
    for (let j = j0; j < j1; j += 4) {
      const bj = b + <usize>j * row, cj = c + <usize>j * 4, biasj = bias ? bias + <usize>j * 4 : 0;
      let i = i0, p = 0;
      for (; i + 2 <= i1; i += 2, p++) {
        const ai = a + <usize>i * row, ci = cj + <usize>i * cRow;
        if (listed) {
          const list = B_BLOCK + <usize>(p * blocks) * 4, n = load<i32>(A_BLOCK + <usize>p * 4);
          pairTileListed(K, ai, bj, row, ci, cRow, biasj, flags, list, n);
        }
        else dotTile(2, false, K, ai, bj, row, ci, cRow, biasj, flags, 0, 0);
      }
      if (i < i1) {
        const ai = a + <usize>i * row, ci = cj + <usize>i * cRow;
        if (listed) {
          const list = B_BLOCK + <usize>(p * blocks) * 4, n = load<i32>(A_BLOCK + <usize>p * 4);
          rowTileListed(K, ai, bj, row, ci, cRow, biasj, flags, list, n);
        }
        else dotTile(1, false, K, ai, bj, row, ci, cRow, biasj, flags, 0, 0);
      }
    }
  }
}

// The listed tiles, each its own function (inlined beside the plain ones, they slowed those by a tenth).
/** The tiles over the n stretches listed at `list`. */
function pairTileListed(K: i32, a: usize, b: usize, row: usize, c: usize, cRow: usize, bias: usize, flags: i32,
  list: usize, n: i32): void {
  dotTile(2, true, K, a, b, row, c, cRow, bias, flags, list, n);
}
function rowTileListed(K: i32, a: usize, b: usize, row: usize, c: usize, cRow: usize, bias: usize, flags: i32,
  list: usize, n: i32): void {
  dotTile(1, true, K, a, b, row, c, cRow, bias, flags, list, n);
}

/**
 * Columns [j0, j1) of C[M×N] = op(A)·op(B) (+ bias[N]) (then ReLU), or C += …
 * with ACCUMULATE. Each element is computed the same whatever the range:
 * its k-sum runs in the same passes and lanes, and the dot form's columns
 * come in groups of 4 from column 0 (so j0 must be a multiple of 4).
 */
function gemmColumns(flags: i32, M: i32, N: i32, K: i32, A: i32, B: i32, C: i32, bias: i32, j0: i32, j1: i32): void {
  const a = at(A), b = at(B), c = at(C), pbias = at(bias);
  if ((flags & (TRANS_A | TRANS_B)) == TRANS_B) {
    const n4 = N & ~3, d1 = min(j1, n4);
    if (j0 < d1) dotGemm(flags, M, N, j0, d1, K, a, b, c, pbias);
    j0 = max(j0, n4);
  }
  if (j0 >= j1) return;
  const aRow: usize = flags & TRANS_A ? 4 : <usize>K * 4, aK: usize = flags & TRANS_A ? <usize>M * 4 : 4;
  const bK: usize = flags & TRANS_B ? 4 : <usize>N * 4, bCol: usize = flags & TRANS_B ? <usize>K * 4 : 4;
  broadcastGemm(flags, j0, j1, M, N, K, a, aRow, aK, b, bK, bCol, c, pbias);
}

/** First column of part `part` of `parts` of N columns: whole 16-column panels, dealt out in order (partColumns). */
// @ts-ignore: decorator
@inline function partStart(N: i32, part: i32, parts: i32): i32 {
  return min(N, <i32>((<i64>((N + 15) >> 4) * part) / parts) << 4);
}

/** C[M×N] = op(A)·op(B) (+ bias[N]) (then ReLU), or C += … with ACCUMULATE; flags as in kernels.ts. */
export function gemm(flags: i32, M: i32, N: i32, K: i32, A: i32, B: i32, C: i32, bias: i32): void {
  gemmColumns(flags, M, N, K, A, B, C, bias, 0, N);
}

/** gemm's columns of part `part` of `parts`, bit for bit as gemm computes them. */
export function gemmPart(part: i32, parts: i32, flags: i32, M: i32, N: i32, K: i32, A: i32, B: i32, C: i32,
  bias: i32): void {
  gemmColumns(flags, M, N, K, A, B, C, bias, partStart(N, part, parts), partStart(N, part + 1, parts));
}

/**
 * Backward of Y = act(X·W + b): dY masked in place by Y > 0 (RELU),
 * dW = Xᵀ·dY and db = Σ_rows dY (+= with ACCUMULATE), dX = dY·Wᵀ unless dX is NULL.
 */
export function denseBackward(rows: i32, nIn: i32, nOut: i32, X: i32, W: i32, Y: i32,
  dY: i32, dX: i32, dW: i32, db: i32, flags: i32): void {
  denseBackwardPart(0, 1, rows, nIn, nOut, X, W, Y, dY, dX, dW, db, flags);
}

/**
 * Part `part` of `parts` of denseBackward: all of dY masked (each part
 * masks it whole, writing the same values, so no part waits for another),
 * then its columns of dW and db (of nOut) and of dX (of nIn).
 */
export function denseBackwardPart(part: i32, parts: i32, rows: i32, nIn: i32, nOut: i32, X: i32, W: i32, Y: i32,
  dY: i32, dX: i32, dW: i32, db: i32, flags: i32): void {
  const y = at(Y), dy = at(dY), pdb = at(db), n = <usize>rows * nOut * 4;
  const accumulate = (flags & ACCUMULATE) != 0;
  if (flags & RELU) {
    let o: usize = 0;
    for (; o + 16 <= n; o += 16) {
      v128.store(dy + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), f32x4.splat(0))));
    }
    for (; o < n; o += 4) if (!(load<f32>(y + o) > 0)) store<f32>(dy + o, 0);
  }
  const j0 = partStart(nOut, part, parts), j1 = partStart(nOut, part + 1, parts);
  gemmColumns(TRANS_A | (flags & ACCUMULATE), nIn, nOut, rows, X, dY, dW, 0, j0, j1);
  const end = <usize>nOut * 4, stop = <usize>j1 * 4;
  let j: usize = <usize>j0 * 4;
  for (; j + 16 <= stop; j += 16) {
    let s = accumulate ? v128.load(pdb + j) : f32x4.splat(0);
    for (let o = j; o < n; o += end) s = f32x4.add(s, v128.load(dy + o));
    v128.store(pdb + j, s);
  }
  for (; j < stop; j += 4) {
    let s = accumulate ? load<f32>(pdb + j) : 0;
    for (let o = j; o < n; o += end) s += load<f32>(dy + o);
    store<f32>(pdb + j, s);
  }
  if (dX) {
    gemmColumns(TRANS_B, rows, nIn, nOut, dY, W, dX, 0, partStart(nIn, part, parts), partStart(nIn, part + 1, parts));
  }
}
