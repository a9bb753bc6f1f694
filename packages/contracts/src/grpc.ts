// Public entry for the standard gRPC services and error model the server
// speaks, generated from the restated proto/grpc/ and proto/google/rpc/:
// health checking (grpc.health.v1), server reflection (v1 and v1alpha, as
// namespaces: their message names are the same) and google.rpc.Status with the
// error details (google.rpc.BadRequest, …).
export * from "./gen/proto/grpc/health/v1/health_pb.js";
export * from "./gen/proto/google/rpc/status_pb.js";
export * from "./gen/proto/google/rpc/error_details_pb.js";
export * as reflectionV1 from "./gen/proto/grpc/reflection/v1/reflection_pb.js";
export * as reflectionV1alpha from "./gen/proto/grpc/reflection/v1alpha/reflection_pb.js";
