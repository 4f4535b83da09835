// The part of ONNX's onnx.proto3 (IR version 8+) that the exporter writes:
// a model holding one graph of tensor-typed inputs and outputs, nodes with
// integer attributes, and initializers stored as raw bytes.
// Messages, fields and field numbers are the standard ones, so every ONNX
// reader parses these files; fields the exporter never sets are left out.
//
// Kept as text and parsed by protobufjs when the module loads (no file read,
// so the exporter and the runtime run in browsers and workers too).

import protobuf from 'protobufjs';

const ONNX_PROTO = `
syntax = "proto3";

package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0;
    INT = 2;
  }
  string name = 1;
  AttributeType type = 20;
  int64 i = 3;
}

message ValueInfoProto {
  string name = 1;
  TypeProto type = 2;
  string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  string domain = 7;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
}

message ModelProto {
  int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message StringStringEntryProto {
  string key = 1;
  string value = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0;
    FLOAT = 1;
    FLOAT16 = 10;
  }
  repeated int64 dims = 1;
  int32 data_type = 2;
  string name = 8;
  string doc_string = 12;
  bytes raw_data = 9;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    int32 elem_type = 1;
    TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}

message OperatorSetIdProto {
  string domain = 1;
  int64 version = 2;
}
`;

export const onnxSchema = protobuf.parse(ONNX_PROTO, { keepCase: false }).root;
