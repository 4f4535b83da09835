// A small ONNX graph builder: typed f32 inputs and outputs, nodes added in
// topological order, initializers stored as f32 or f16; `encode` writes the
// ModelProto through protobufjs and the standard schema (onnx.proto beside
// this file).

import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import { float16Bits } from './float16.ts';

/** ONNX opset 17 (every op used here is unchanged since) and IR version 8, which onnxruntime ≥ 1.10 reads. */
export const OPSET = 17;
export const IR_VERSION = 8;
const FLOAT = 1, FLOAT16 = 10; // TensorProto.DataType
const INT = 2; // AttributeProto.AttributeType.INT

/** How constants are stored: f16 halves the files; the graph still computes in f32. */
export type WeightType = 'float32' | 'float16';

/** A fixed size, or a symbolic one such as 'batch' (a dynamic dimension). */
export type Dim = number | string;

const schema = protobuf.loadSync(fileURLToPath(new URL('./onnx.proto', import.meta.url)));
const ModelProto = schema.lookupType('onnx.ModelProto');

/** A graph input or output: what the manifest lists and a caller feeds or reads. */
export interface TensorSpec { name: string; shape: Dim[] }

const valueInfo = ({ name, shape }: TensorSpec) => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

export class Graph {
  private readonly nodes: object[] = [];
  readonly inputs: TensorSpec[] = [];
  readonly outputs: TensorSpec[] = [];
  private readonly initializers: object[] = [];
  private count = 0;

  constructor(readonly name: string, readonly doc: string, readonly weights: WeightType = 'float32') {}

  input(name: string, shape: Dim[]): string {
    this.inputs.push({ name, shape });
    return name;
  }

  /** Mark a tensor (a node's named output) as a graph output. */
  output(name: string, shape: Dim[]): void {
    this.outputs.push({ name, shape });
  }

  /**
   * A constant; returns the name of its f32 value. Stored little-endian as
   * raw bytes (the ONNX rule; every target here is little-endian); as f16,
   * a Cast to f32 follows it, which onnxruntime folds when it loads the graph.
   */
  constant(name: string, dims: number[], data: ArrayLike<number>): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`onnx: constant ${name} has ${data.length} values for shape ${dims}`);
    // Always a fresh buffer: `data` may be f64, or a view into the wasm heap.
    const stored = this.weights === 'float16' ? Uint16Array.from(data, float16Bits) : Float32Array.from(data);
    this.initializers.push({ name, dims, dataType: this.weights === 'float16' ? FLOAT16 : FLOAT, rawData: new Uint8Array(stored.buffer) });
    return this.weights === 'float16' ? this.node('Cast', [name], { out: `${name}.f32`, ints: { to: FLOAT } }) : name;
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
      graph: { name: this.name, docString: this.doc, node: this.nodes, input: this.inputs.map(valueInfo), output: this.outputs.map(valueInfo), initializer: this.initializers },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
    const err = ModelProto.verify(model);
    if (err) throw new Error(`onnx: invalid model ${this.name}: ${err}`);
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }
}
