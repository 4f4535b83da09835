// The part of ONNX's onnx.proto3 (IR version 8+) that the exporter writes:
// a model holding one graph of tensor-typed inputs and outputs, nodes with
// integer attributes, and initializers stored as raw bytes. Messages,
// fields and field numbers are the standard ones, so every ONNX reader
// parses these files; fields the exporter never sets are left out (a
// reader of this schema skips them). Field names in camelCase, as the code
// spells them; protobuf.ts writes and reads the wire format.

import type { Field, Schema } from './protobuf.ts';

const varint = (id: number, name: string, repeated = false): Field => ({ id, name, kind: 'varint', repeated });
const string = (id: number, name: string, repeated = false): Field => ({ id, name, kind: 'string', repeated });
const message = (id: number, name: string, kind: Schema, repeated = false): Field => ({ id, name, kind, repeated });

/** AttributeProto: an integer attribute (type INT = 2). */
const Attribute: Schema = [string(1, 'name'), varint(20, 'type'), varint(3, 'i')];

/** TensorShapeProto: its dims, each a dim_value or a dim_param (a oneof). */
const Shape: Schema = [message(1, 'dim', [varint(1, 'dimValue'), string(2, 'dimParam')], true)];

/** TypeProto with its tensor_type (a oneof of one): elem_type and shape. */
const Type: Schema = [message(1, 'tensorType', [varint(1, 'elemType'), message(2, 'shape', Shape)])];

const ValueInfo: Schema = [string(1, 'name'), message(2, 'type', Type), string(3, 'docString')];

const Node: Schema = [
  string(1, 'input', true),
  string(2, 'output', true),
  string(3, 'name'),
  string(4, 'opType'),
  string(7, 'domain'),
  message(5, 'attribute', Attribute, true),
  string(6, 'docString'),
];

/** TensorProto: dims (packed), data_type (FLOAT = 1, FLOAT16 = 10), name, raw_data. */
const Tensor: Schema = [
  varint(1, 'dims', true),
  varint(2, 'dataType'),
  string(8, 'name'),
  string(12, 'docString'),
  { id: 9, name: 'rawData', kind: 'bytes' },
];

const Graph: Schema = [
  message(1, 'node', Node, true),
  string(2, 'name'),
  message(5, 'initializer', Tensor, true),
  string(10, 'docString'),
  message(11, 'input', ValueInfo, true),
  message(12, 'output', ValueInfo, true),
];

export const ModelProto: Schema = [
  varint(1, 'irVersion'),
  message(8, 'opsetImport', [string(1, 'domain'), varint(2, 'version')], true),
  string(2, 'producerName'),
  string(3, 'producerVersion'),
  string(4, 'domain'),
  varint(5, 'modelVersion'),
  string(6, 'docString'),
  message(7, 'graph', Graph),
  message(14, 'metadataProps', [string(1, 'key'), string(2, 'value')], true),
];
