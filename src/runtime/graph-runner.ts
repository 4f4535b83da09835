// jpvae's own engine for its exported graphs: the 'jpvae-wasm' execution
// provider. It reads an ONNX file written by `jpvae export` and runs it on
// the compute core (the wasm GEMM of training, with its fused bias and
// ReLU), without onnxruntime. It accepts exactly the ops and shapes the
// exporter writes (rows of a batch through Gemm, Relu, Sigmoid, Identity, Exp, Log
// and elementwise arithmetic with per-feature constants); any other graph
// is refused with the op or tensor named.

import { RELU, SKIP_ZEROS, TRANS_B, type Kernels } from '../core/kernels.ts';
import { float16Value } from '../onnx/float16.ts';
import { FLOAT, FLOAT16 } from '../onnx/graph.ts';
import { ModelProto } from '../onnx/onnx-schema.ts';
import { decode } from '../onnx/protobuf.ts';

/** Rows run at once: buffers are sized for this many, larger batches go through in chunks. */
export const RUNNER_ROWS = 256;

interface Constant {
  kind: 'constant';
  dims: number[];
  values: Float32Array;
  at?: number; // in the heap once a gemm reads it there (placed)
}
interface Activation {
  kind: 'activation';
  cols: number;
  at: number;
} // rows × cols, `at` sized for RUNNER_ROWS rows
type Tensor = Constant | Activation;

type Step = (rows: number) => void;

interface NodeMsg {
  opType: string;
  input: string[];
  output: string[];
  attribute?: { name: string; i?: number }[];
}
interface TensorMsg {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}
interface ValueInfoMsg {
  name: string;
  type?: { tensorType?: { shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}
interface GraphMsg {
  node?: NodeMsg[];
  initializer?: TensorMsg[];
  input?: ValueInfoMsg[];
  output?: ValueInfoMsg[];
}

const ELEMENTWISE: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
};
const UNARY: Record<string, (a: number) => number> = {
  Relu: (x) => (x > 0 ? x : 0),
  Identity: (x) => x,
  Exp: Math.exp, // a count view's mean e^η
  Log: Math.log, // with an Add of 1 before it, a count view's log1p input
};

/** The K×N row-major matrix `w` as N×K. */
function transposed(w: Float32Array, K: number, N: number): Float32Array {
  const t = new Float32Array(K * N);
  for (let i = 0; i < K; i++) for (let j = 0; j < N; j++) t[j * K + i] = w[i * N + j];
  return t;
}

function initializerValues(t: TensorMsg): Float32Array {
  const count = t.dims.reduce((a, b) => a * b, 1),
    bytes = new Uint8Array(t.rawData); // a copy (aligned, and ours: a Node Buffer may be a view into a shared pool)
  if (t.dataType === FLOAT && bytes.length === 4 * count) return new Float32Array(bytes.buffer);
  if (t.dataType === FLOAT16 && bytes.length === 2 * count)
    return Float32Array.from(new Uint16Array(bytes.buffer), float16Value);
  throw new Error(`jpvae-wasm: initializer ${t.name}: expected ${count} float32 or float16 values as raw data`);
}

export class GraphRunner {
  /** Graph inputs and outputs: name and columns (every one is rows × columns). */
  readonly inputs: { name: string; cols: number }[];
  readonly outputs: { name: string; cols: number }[];
  private readonly tensors = new Map<string, Tensor>();
  private readonly steps: Step[] = [];

  constructor(
    private readonly k: Kernels,
    onnx: Uint8Array,
  ) {
    const model = decode(ModelProto, onnx) as { graph?: GraphMsg };
    const g = model.graph;
    if (!g) throw new Error('jpvae-wasm: the file holds no graph');
    for (const t of g.initializer ?? [])
      this.tensors.set(t.name, { kind: 'constant', dims: t.dims, values: initializerValues(t) });
    const cols = (v: ValueInfoMsg) => {
      const dims = v.type?.tensorType?.shape?.dim ?? [];
      if (dims.length !== 2 || !(Number(dims[1].dimValue) > 0))
        throw new Error(`jpvae-wasm: ${v.name}: expected a rows × columns tensor`);
      return Number(dims[1].dimValue);
    };
    this.inputs = (g.input ?? []).map((v) => ({ name: v.name, cols: cols(v) }));
    for (const { name, cols: c } of this.inputs) this.tensors.set(name, this.activation(c));
    const nodes = g.node ?? [];
    const uses = new Map<string, number>();
    for (const n of nodes) for (const i of n.input) uses.set(i, (uses.get(i) ?? 0) + 1);
    for (let t = 0; t < nodes.length; t++) {
      const n = nodes[t],
        next = nodes[t + 1];
      // A Gemm whose only reader is the next node, a Relu: one GEMM with the fused ReLU epilogue.
      const fuse =
        n.opType === 'Gemm' && next?.opType === 'Relu' && next.input[0] === n.output[0] && uses.get(n.output[0]) === 1;
      this.plan(n, fuse ? next.output[0] : n.output[0], fuse);
      if (fuse) t++;
    }
    this.outputs = (g.output ?? []).map((v) => {
      const c = cols(v),
        t = this.tensors.get(v.name);
      if (t?.kind !== 'activation' || t.cols !== c)
        throw new Error(`jpvae-wasm: output ${v.name} is not a rows × ${c} result of the graph`);
      return { name: v.name, cols: c };
    });
  }

  /** A constant's place in the heap, copied there on first use. */
  private placed(c: Constant): number {
    return (c.at ??= this.k.heap.allocFrom(c.values));
  }

  private activation(cols: number): Activation {
    return { kind: 'activation', cols, at: this.k.heap.alloc(RUNNER_ROWS * cols) };
  }

  private get(name: string, node: NodeMsg): Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`jpvae-wasm: ${node.opType} reads ${name}, which nothing before it computes`);
    return t;
  }

  /** Add the step(s) computing `out` from node n; `relu` applies ReLU to a Gemm's result. */
  private plan(n: NodeMsg, out: string, relu: boolean): void {
    const { k } = this,
      op = n.opType,
      bad = (why: string) => new Error(`jpvae-wasm: ${op} → ${out}: ${why}`);
    const ints = Object.fromEntries((n.attribute ?? []).map((a) => [a.name, Number(a.i)]));
    if (op === 'Cast') {
      const src = this.get(n.input[0], n);
      if (src.kind !== 'constant' || ints.to !== FLOAT) throw bad('only casts of constants to float32 are supported');
      this.tensors.set(out, src);
      return;
    }
    if (op === 'Gemm') {
      const [a, b, c] = n.input.map((i) => this.get(i, n));
      const transB = ints.transB === 1;
      if (Object.keys(ints).some((name) => name !== 'transB')) throw bad('only the transB attribute is supported');
      if (a.kind !== 'activation' || b.kind !== 'constant' || b.dims.length !== 2)
        throw bad('expected rows × K activations times a constant matrix');
      const [K, N] = transB ? [b.dims[1], b.dims[0]] : b.dims;
      if (a.cols !== K || (c && (c.kind !== 'constant' || c.values.length !== N)))
        throw bad(`shapes do not chain (${a.cols} columns into ${b.dims.join('×')})`);
      const y = this.activation(N);
      this.tensors.set(out, y);
      // B as N×K rows (transposed once here), for the gemm's dot form: each output is a dot product along
      // contiguous memory, with nothing packed per call (the broadcast form packs all of B on every call,
      // as costly as the product itself for one row), and a row's bits do not depend on the batch it is in.
      // SKIP_ZEROS passes over the stretches of inputs that are all zero (a digit's blank pixels, counts of
      // zero), which add nothing: the same values, less work.
      const bt = transB ? this.placed(b) : k.heap.allocFrom(transposed(b.values, K, N)),
        bias = c ? this.placed(c as Constant) : 0;
      this.steps.push((rows) => k.gemm(TRANS_B | SKIP_ZEROS | (relu ? RELU : 0), rows, N, K, a.at, bt, y.at, bias));
      return;
    }
    const x = this.get(n.input[0], n);
    if (x.kind !== 'activation') throw bad('expected activations as the first input');
    const y = this.activation(x.cols),
      cols = x.cols;
    this.tensors.set(out, y);
    if (op === 'Sigmoid') {
      // A Bernoulli view's mean: the wasm kernel's vector exp (a JS call per value was a tenth of a row's time).
      this.steps.push((rows) => k.sigmoid(rows * cols, x.at, y.at));
      return;
    }
    if (op in UNARY) {
      const f = UNARY[op];
      this.steps.push((rows) => {
        const src = k.heap.view(x.at, rows * cols),
          dst = k.heap.view(y.at, rows * cols);
        for (let t = 0; t < dst.length; t++) dst[t] = f(src[t]);
      });
      return;
    }
    const f = ELEMENTWISE[op];
    if (!f) throw bad('not an op jpvae export writes');
    const z = this.get(n.input[1], n);
    // The second operand: a per-feature constant (broadcast over rows), or activations of the same shape.
    const perRow = z.kind === 'activation';
    if (perRow ? z.cols !== cols : z.values.length !== cols)
      throw bad(`operands of ${cols} and ${perRow ? z.cols : z.values.length} columns`);
    this.steps.push((rows) => {
      const a = k.heap.view(x.at, rows * cols),
        b = perRow ? k.heap.view(z.at, rows * cols) : z.values,
        dst = k.heap.view(y.at, rows * cols);
      for (let t = 0; t < dst.length; t++) dst[t] = f(a[t], b[perRow ? t : t % cols]);
    });
  }

  /** Run the graph on `rows` rows: each input rows × its columns, row-major; returns each output. */
  run(feeds: Record<string, Float32Array>, rows: number): Record<string, Float32Array> {
    for (const { name, cols } of this.inputs) {
      if (!feeds[name]) throw new Error(`jpvae-wasm: input '${name}' is missing in feeds`);
      if (feeds[name].length !== rows * cols)
        throw new Error(`jpvae-wasm: input '${name}' has ${feeds[name].length} values, expected ${rows} × ${cols}`);
    }
    const results = Object.fromEntries(this.outputs.map(({ name, cols }) => [name, new Float32Array(rows * cols)]));
    for (let start = 0; start < rows; start += RUNNER_ROWS) {
      const m = Math.min(RUNNER_ROWS, rows - start);
      for (const { name, cols } of this.inputs)
        this.k.heap
          .view((this.tensors.get(name) as Activation).at, m * cols)
          .set(feeds[name].subarray(start * cols, (start + m) * cols));
      for (const step of this.steps) step(m);
      for (const { name, cols } of this.outputs)
        results[name].set(this.k.heap.view((this.tensors.get(name) as Activation).at, m * cols), start * cols);
    }
    return results;
  }
}
