// Public entry for the Open Inference Protocol (Triton's inference.GRPCInferenceService)
// code generated from proto/inference/.
export * from "./gen/proto/inference/grpc_service_pb.js";
