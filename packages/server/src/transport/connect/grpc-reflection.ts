// gRPC server reflection, v1 and the older v1alpha (same messages, another
// package), so grpcurl, Postman and other tools discover the server: one
// bidirectional stream ServerReflectionInfo answering list_services,
// file_by_filename, file_containing_symbol, file_containing_extension and
// all_extension_numbers_of_type. File descriptors are the ones compiled into
// the generated code (@sovren/contracts), serialized as FileDescriptorProto,
// each answer with its transitive dependencies. Beside the services' files it
// describes google/rpc/error_details.proto, so that clients resolving the
// `google.rpc.BadRequest` in an error's details through reflection (grpcurl)
// can decode it.
import { toBinary, type DescEnum, type DescExtension, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import { file_google_rpc_error_details, file_google_rpc_status, reflectionV1, reflectionV1alpha } from "@sovren/contracts/grpc";

type Request = reflectionV1.ServerReflectionRequest | reflectionV1alpha.ServerReflectionRequest;

/** Everything reflection answers from, built once from the services served (and extra files). */
export function reflectionIndex(services: DescService[], extraFiles: DescFile[] = []) {
  const files = new Map<string, DescFile>();
  const bytes = new Map<string, Uint8Array>();
  const symbols = new Map<string, DescFile>();
  const extensions: DescExtension[] = [];
  const addMessage = (m: DescMessage) => {
    symbols.set(m.typeName, m.file);
    for (const f of m.fields) symbols.set(`${m.typeName}.${f.name}`, m.file);
    for (const o of m.oneofs) symbols.set(`${m.typeName}.${o.name}`, m.file);
    m.nestedMessages.forEach(addMessage);
    m.nestedEnums.forEach(addEnum);
    m.nestedExtensions.forEach(addExtension);
  };
  const addEnum = (e: DescEnum) => {
    symbols.set(e.typeName, e.file);
    // Enum values are scoped like their enum's siblings (protobuf's C++ scoping rules).
    const scope = e.typeName.slice(0, e.typeName.lastIndexOf(".") + 1);
    for (const v of e.values) symbols.set(`${scope}${v.name}`, e.file);
  };
  const addExtension = (x: DescExtension) => {
    symbols.set(x.typeName, x.file);
    extensions.push(x);
  };
  const visit = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    bytes.set(file.proto.name, toBinary(FileDescriptorProtoSchema, file.proto));
    file.messages.forEach(addMessage);
    file.enums.forEach(addEnum);
    file.extensions.forEach(addExtension);
    for (const s of file.services) {
      symbols.set(s.typeName, file);
      for (const m of s.methods) symbols.set(`${s.typeName}.${m.name}`, file);
    }
    file.dependencies.forEach(visit);
  };
  services.forEach((s) => visit(s.file));
  extraFiles.forEach(visit);

  /** The file and its transitive dependencies, the file first. */
  const withDependencies = (file: DescFile): Uint8Array[] => {
    const out = new Map<string, Uint8Array>();
    const walk = (f: DescFile) => {
      if (out.has(f.proto.name)) return;
      out.set(f.proto.name, bytes.get(f.proto.name)!);
      f.dependencies.forEach(walk);
    };
    walk(file);
    return [...out.values()];
  };
  return {
    serviceNames: services.map((s) => s.typeName),
    byFilename: (name: string) => files.get(name),
    bySymbol: (name: string) => symbols.get(name.replace(/^\./, "")),
    extensionsOf: (typeName: string) => extensions.filter((x) => x.extendee.typeName === typeName.replace(/^\./, "")),
    withDependencies,
  };
}

type Index = ReturnType<typeof reflectionIndex>;

function answer(index: Index, req: Request) {
  const notFound = (message: string) => ({ case: "errorResponse" as const, value: { errorCode: Code.NotFound, errorMessage: message } });
  const files = (file: DescFile | undefined, what: string) =>
    file ? { case: "fileDescriptorResponse" as const, value: { fileDescriptorProto: index.withDependencies(file) } } : notFound(`${what} not found`);
  const r = req.messageRequest;
  switch (r.case) {
    case "listServices":
      return { case: "listServicesResponse" as const, value: { service: index.serviceNames.map((name) => ({ name })) } };
    case "fileByFilename":
      return files(index.byFilename(r.value), `file ${r.value}`);
    case "fileContainingSymbol":
      return files(index.bySymbol(r.value), `symbol ${r.value}`);
    case "fileContainingExtension": {
      const x = index.extensionsOf(r.value.containingType).find((e) => e.number === r.value.extensionNumber);
      return files(x?.file, `extension ${r.value.extensionNumber} of ${r.value.containingType}`);
    }
    case "allExtensionNumbersOfType": {
      if (!index.bySymbol(r.value)) return notFound(`type ${r.value} not found`);
      const numbers = index.extensionsOf(r.value).map((e) => e.number);
      return { case: "allExtensionNumbersResponse" as const, value: { baseTypeName: r.value.replace(/^\./, ""), extensionNumber: numbers } };
    }
    default:
      return { case: "errorResponse" as const, value: { errorCode: Code.InvalidArgument, errorMessage: "no message_request set" } };
  }
}

/** Registers grpc.reflection.v1 and v1alpha ServerReflection, describing `services` and themselves. */
export function addReflection(router: ConnectRouter, services: DescService[]) {
  const index = reflectionIndex(
    [...services, reflectionV1.ServerReflection, reflectionV1alpha.ServerReflection],
    [file_google_rpc_error_details, file_google_rpc_status],
  );
  const impl = {
    async *serverReflectionInfo(requests: AsyncIterable<Request>) {
      for await (const req of requests) {
        yield { validHost: req.host, originalRequest: req, messageResponse: answer(index, req) };
      }
    },
  };
  router.service(reflectionV1.ServerReflection, impl as never);
  router.service(reflectionV1alpha.ServerReflection, impl as never);
}
