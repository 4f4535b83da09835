// A small ONNX graph builder: typed f32 inputs and outputs, nodes added in
// topological order, initializers stored as f32 or f16; `encode` writes the
// ModelProto of the standard schema (onnx-schema.ts, protobuf.ts).

import { ModelProto } from './onnx-schema.ts';
import { encode } from './protobuf.ts';
import { float16Bits } from './float16.ts';

/** ONNX opset 17 (every op used here is unchanged since) and IR version 8, which onnxruntime ≥ 1.10 reads. */
export const OPSET = 17;
export const IR_VERSION = 8;
export const FLOAT = 1,
  FLOAT16 = 10; // TensorProto.DataType
const INT = 2; // AttributeProto.AttributeType.INT

/** How the dense layers' weight matrices are stored: f16 halves the files; the graph still computes in f32. */
export type WeightType = 'float32' | 'float16';

/** A fixed size, or a symbolic one such as 'batch' (a dynamic dimension). */
export type Dim = number | string;

/**
 * What a tensor's numbers mean: `raw` is a view in the user's own units (as
 * in the files the model was trained on), `latent` a point in a view's
 * latent space, `standard-normal` noise the caller draws from N(0, 1),
 * `design` the rows' covariates as one-hot codes (the manifest's covariates).
 */
export type Units = 'raw' | 'latent' | 'standard-normal' | 'design';

/** A graph input or output: what the manifest lists and a caller feeds or reads. Always float32. */
export interface TensorSpec {
  name: string;
  shape: Dim[];
  dtype: 'float32';
  units: Units;
  doc: string;
}

const valueInfo = ({ name, shape }: TensorSpec) => ({
  name,
  type: {
    tensorType: {
      elemType: FLOAT,
      shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

export class Graph {
  private readonly nodes: object[] = [];
  readonly inputs: TensorSpec[] = [];
  readonly outputs: TensorSpec[] = [];
  private readonly initializers: object[] = [];
  private count = 0;

  constructor(
    readonly name: string,
    readonly doc: string,
    readonly weights: WeightType = 'float32',
  ) {}

  input(name: string, shape: Dim[], units: Units, doc: string): string {
    this.inputs.push({ name, shape, dtype: 'float32', units, doc });
    return name;
  }

  /** Mark a tensor (a node's named output) as a graph output. */
  output(name: string, shape: Dim[], units: Units, doc: string): void {
    this.outputs.push({ name, shape, dtype: 'float32', units, doc });
  }

  /**
   * A constant; returns the name of its f32 value. Stored little-endian as
   * raw bytes (the ONNX rule; every target here is little-endian). With
   * `halvable` and f16 weights it is stored as f16 and a Cast to f32
   * follows it, which onnxruntime folds when it loads the graph. Only the
   * dense weight matrices are halvable: they are the bulk of a file, while
   * the preprocessing, biases and the latent conditional are small and f16's
   * 11 bits would move a mean of 1000 by 0.5.
   */
  constant(name: string, dims: number[], data: ArrayLike<number>, halvable = false): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1))
      throw new Error(`onnx: constant ${name} has ${data.length} values for shape ${dims}`);
    const half = halvable && this.weights === 'float16';
    // Always a fresh buffer: `data` may be f64, or a view into the wasm heap.
    const stored = half ? Uint16Array.from(data, float16Bits) : Float32Array.from(data);
    this.initializers.push({ name, dims, dataType: half ? FLOAT16 : FLOAT, rawData: new Uint8Array(stored.buffer) });
    return half ? this.node('Cast', [name], { out: `${name}.f32`, ints: { to: FLOAT } }) : name;
  }

  /** Append a node; returns its output tensor's name (`out`, or a fresh one). */
  node(op: string, inputs: string[], opts: { out?: string; ints?: Record<string, number> } = {}): string {
    const out = opts.out ?? `${op.toLowerCase()}_${this.count}`;
    const attribute = Object.entries(opts.ints ?? {}).map(([name, i]) => ({ name, type: INT, i }));
    this.nodes.push({ name: `${op}_${this.count++}`, opType: op, input: inputs, output: [out], attribute });
    return out;
  }

  /** The serialised ModelProto; `metadata` goes into metadata_props (shown by ONNX tools such as Netron). */
  encode(producerVersion: string, metadata: Record<string, string>): Uint8Array {
    const model = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'jpvae',
      producerVersion,
      graph: {
        name: this.name,
        docString: this.doc,
        node: this.nodes,
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
        initializer: this.initializers,
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
    return encode(ModelProto, model);
  }
}
