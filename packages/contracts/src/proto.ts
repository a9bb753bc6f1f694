// Public entry for the protobuf-es code generated from proto/: messages,
// enums, JSON types and the Connect service descriptors.
export * from "./gen/proto/sovren/v1/executives_pb.js";
export * from "./gen/proto/sovren/v1/simulations_pb.js";
export * from "./gen/proto/sovren/v1/operations_pb.js";
export * from "./gen/proto/sovren/v1/communications_pb.js";
export * from "./gen/proto/sovren/v1/health_pb.js";
export * from "./gen/proto/sovren/v1/audit_pb.js";
export * from "./gen/proto/sovren/v1/subjects_pb.js";
export * from "./gen/proto/sovren/v1/keys_pb.js";
export * from "./gen/proto/sovren/v1/options_pb.js";
// The google.api.field_behavior annotation (REQUIRED, OUTPUT_ONLY) the messages carry.
export { field_behavior, FieldBehavior } from "./gen/proto/google/api/field_behavior_pb.js";
