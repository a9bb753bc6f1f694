// The consistency gate between the two contracts: every RPC of proto/ maps
// (through its google.api.http rule) to the OpenAPI operation at that verb and
// path, and every message field maps to the schema property with the same
// JSON name, type, enum values and required-ness. Returns the differences as
// readable lines that say what differs and where.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createFileRegistry, fromBinary, getOption, hasOption } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { parse } from "yaml";
import { TEXT_RULE } from "./openapi-to-zod.mjs";

const VERBS = ["get", "put", "post", "delete", "patch"];
const REQUIRED = 2; // google.api.FieldBehavior.REQUIRED
const OUTPUT_ONLY = 3; // google.api.FieldBehavior.OUTPUT_ONLY

/** Loads the proto descriptors of `root/proto` with `buf build`. */
export function loadProtoRegistry(root, bufBin) {
  const bytes = execFileSync(bufBin, ["build", join(root, "proto"), "--as-file-descriptor-set", "-o", "-#format=binpb"], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
}

export function loadOpenApi(root) {
  return parse(readFileSync(join(root, "openapi/sovren.v1.yaml"), "utf8"));
}

/** Runs the check; returns a list of problems (empty when the contracts agree). */
export function checkConsistency(registry, doc) {
  const ext = {
    http: registry.getExtension("google.api.http"),
    behavior: registry.getExtension("google.api.field_behavior"),
    allowed: registry.getExtension("sovren.v1.allowed_values"),
    minimum: registry.getExtension("sovren.v1.minimum"),
    maximum: registry.getExtension("sovren.v1.maximum"),
    textRule: registry.getExtension("sovren.v1.text_rule"),
  };
  for (const [k, v] of Object.entries(ext)) if (!v) throw new Error(`extension for ${k} not found in proto/`);
  const ctx = { registry, doc, ext, problems: [], compared: new Set(), mappedOps: new Set() };

  const textRule = doc.info?.["x-text-rule"];
  if (textRule !== TEXT_RULE) ctx.problems.push(`openapi info.x-text-rule is ${JSON.stringify(textRule)}, expected ${JSON.stringify(TEXT_RULE)} (the rule scripts/lib/openapi-to-zod.mjs applies)`);
  for (const file of registry.files) {
    if (!file.name.startsWith("sovren/v1/")) continue;
    if (file.services.length) {
      const rule = hasOption(file, ext.textRule) ? getOption(file, ext.textRule) : undefined;
      if (rule !== textRule) ctx.problems.push(`proto/${file.proto.name}: option (sovren.v1.text_rule) is ${JSON.stringify(rule ?? null)}, OpenAPI info.x-text-rule is ${JSON.stringify(textRule ?? null)}`);
    }
    for (const service of file.services) {
      for (const method of service.methods) checkMethod(ctx, file, service, method);
    }
  }
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const verb of VERBS) {
      const op = item[verb];
      if (!op) continue;
      const key = `${verb.toUpperCase()} ${path}`;
      if (!ctx.mappedOps.has(key)) {
        ctx.problems.push(`openapi ${key} (operationId ${op.operationId}): no RPC maps to this operation (add a google.api.http rule or remove the operation)`);
      }
      if ((verb === "post" || verb === "patch") && !paramsOf(ctx, item, op).some((p) => p.in === "header" && p.name === "Idempotency-Key")) {
        ctx.problems.push(`openapi ${key}: mutating operation lacks the Idempotency-Key header parameter`);
      }
      checkRequestText(ctx, key, item, op);
    }
  }
  return ctx.problems;
}

function checkMethod(ctx, file, service, method) {
  const where = `proto/${file.proto.name}: rpc ${service.typeName}.${method.name}`;
  if (!hasOption(method, ctx.ext.http)) {
    const reason = /transport-specific:\s*(\S.*)/i.exec(leadingComment(file, method));
    if (!reason) ctx.problems.push(`${where}: no google.api.http rule and not marked "transport-specific: <reason>"`);
    return;
  }
  const rule = getOption(method, ctx.ext.http);
  const verb = rule.pattern.case;
  if (!VERBS.includes(verb)) {
    ctx.problems.push(`${where}: unsupported HTTP pattern ${String(verb)}`);
    return;
  }
  const template = rule.pattern.value;
  const pathVars = [...template.matchAll(/\{([a-z0-9_.]+)\}/g)].map((m) => m[1]);
  const restPath = template.replace(/\{([a-z0-9_.]+)\}/g, (_, name) => `{${jsonNameOf(method.input, name) ?? name}}`);
  const key = `${verb.toUpperCase()} ${restPath}`;
  const item = ctx.doc.paths?.[restPath];
  const op = item?.[verb];
  if (!op) {
    ctx.problems.push(`${where}: maps to ${key}, but openapi/sovren.v1.yaml has no such operation`);
    return;
  }
  ctx.mappedOps.add(key);
  const opWhere = `openapi ${key}`;
  const expectedId = method.name[0].toLowerCase() + method.name.slice(1);
  if (op.operationId !== expectedId) ctx.problems.push(`${opWhere}: operationId is ${op.operationId}, expected ${expectedId} (from ${where})`);
  if (op["x-rpc"] !== `${service.typeName}.${method.name}`) {
    ctx.problems.push(`${opWhere}: x-rpc is ${op["x-rpc"]}, expected ${service.typeName}.${method.name}`);
  }

  // Request: path variables, then the body ("*" = every other field) or query parameters.
  const params = paramsOf(ctx, item, op);
  const rest = method.input.fields.filter((f) => !pathVars.includes(f.name));
  for (const name of pathVars) {
    const field = method.input.fields.find((f) => f.name === name);
    if (!field) {
      ctx.problems.push(`${where}: path variable {${name}} is not a field of ${method.input.typeName}`);
      continue;
    }
    const param = params.find((p) => p.in === "path" && p.name === field.jsonName);
    if (!param) ctx.problems.push(`${opWhere}: missing path parameter ${field.jsonName} (field ${method.input.typeName}.${field.name})`);
    else compareField(ctx, field, param.schema ?? {}, true, `${opWhere} path parameter ${field.jsonName}`);
  }
  if (rule.body === "*") {
    const schema = op.requestBody?.content?.["application/json"]?.schema;
    if (!schema) ctx.problems.push(`${opWhere}: the RPC takes a body ("*") but the operation has no application/json requestBody`);
    else compareFields(ctx, method.input, rest, schema, `${opWhere} requestBody`);
  } else if (rule.body) {
    ctx.problems.push(`${where}: body "${rule.body}" is not supported by the checker; use "*" or none`);
  } else {
    if (op.requestBody) ctx.problems.push(`${opWhere}: has a requestBody, but the RPC's http rule takes none`);
    for (const field of rest) {
      const param = params.find((p) => p.in === "query" && p.name === field.jsonName);
      if (!param) {
        ctx.problems.push(`${opWhere}: missing query parameter ${field.jsonName} (field ${method.input.typeName}.${field.name})`);
        continue;
      }
      compareField(ctx, field, param.schema ?? {}, Boolean(param.required), `${opWhere} query parameter ${field.jsonName}`);
    }
    for (const p of params.filter((p) => p.in === "query")) {
      if (!rest.some((f) => f.jsonName === p.name)) ctx.problems.push(`${opWhere}: query parameter ${p.name} has no field in ${method.input.typeName}`);
    }
  }

  // Response: the response message, or its `response_body` field; streams are server-sent events.
  let output = method.output;
  if (rule.responseBody) {
    const field = method.output.fields.find((f) => f.name === rule.responseBody);
    if (!field || field.fieldKind !== "message") {
      ctx.problems.push(`${where}: response_body "${rule.responseBody}" is not a message field of ${method.output.typeName}`);
      return;
    }
    output = field.message;
  }
  const success = Object.entries(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
  if (success.length !== 1) {
    ctx.problems.push(`${opWhere}: expected exactly one 2xx response, found ${success.length}`);
    return;
  }
  const [code, response] = success[0];
  const streaming = method.methodKind === "server_streaming";
  const media = streaming ? "text/event-stream" : "application/json";
  const content = resolveResponse(ctx, response).content?.[media];
  const schema = streaming ? content?.itemSchema ?? content?.schema : content?.schema;
  if (!schema) {
    ctx.problems.push(`${opWhere}: response ${code} lacks ${media} content (the RPC is ${method.methodKind})`);
    return;
  }
  if (streaming) {
    // One server-sent event (OpenAPI 3.2 itemSchema, or 3.1 schema read the same way by tools):
    // its `data` is a JSON string whose contentSchema is the stream's message.
    const event = schema.$ref ? ctx.doc.components?.schemas?.[refName(schema.$ref)] : schema;
    const data = event?.properties?.data;
    const eventWhere = `${opWhere} response ${code} (one server-sent event)`;
    if (!data || data.type !== "string" || data.contentMediaType !== "application/json" || !data.contentSchema) {
      ctx.problems.push(`${eventWhere}: expected an event schema whose \`data\` is {type: string, contentMediaType: application/json, contentSchema: $ref ${output.name}}`);
      return;
    }
    if (!(event.required ?? []).includes("data")) ctx.problems.push(`${eventWhere}: \`data\` must be required`);
    compareMessageRef(ctx, output, data.contentSchema, `${eventWhere} data.contentSchema`);
    return;
  }
  compareMessageRef(ctx, output, schema, `${opWhere} response ${code}`);
}

function compareMessageRef(ctx, message, schema, where) {
  if (!schema.$ref) {
    ctx.problems.push(`${where}: expected $ref to components.schemas.${message.name}, found an inline schema`);
    return;
  }
  const name = refName(schema.$ref);
  if (name !== message.name) {
    ctx.problems.push(`${where}: refers to components.schemas.${name}, expected ${message.name} (message ${message.typeName})`);
    return;
  }
  const key = `${message.typeName}=>${name}`;
  if (ctx.compared.has(key)) return;
  ctx.compared.add(key);
  const target = ctx.doc.components?.schemas?.[name];
  if (!target) {
    ctx.problems.push(`${where}: components.schemas.${name} does not exist`);
    return;
  }
  compareFields(ctx, message, message.fields, target, `openapi #/components/schemas/${name}`);
}

function compareFields(ctx, message, fields, schema, where) {
  const target = schema.$ref ? ctx.doc.components?.schemas?.[refName(schema.$ref)] : schema;
  const at = schema.$ref ? `openapi #/components/schemas/${refName(schema.$ref)}` : where;
  if (!target) {
    ctx.problems.push(`${where}: ${schema.$ref} does not exist`);
    return;
  }
  const props = target.properties ?? {};
  const required = new Set(target.required ?? []);
  for (const field of fields) {
    const fieldWhere = `proto ${message.typeName}.${field.name} (JSON ${field.jsonName}) vs ${at}/properties/${field.jsonName}`;
    const prop = props[field.jsonName];
    if (!prop) {
      ctx.problems.push(`${fieldWhere}: property missing in OpenAPI`);
      continue;
    }
    compareField(ctx, field, prop, required.has(field.jsonName), fieldWhere);
  }
  for (const name of Object.keys(props)) {
    if (!fields.some((f) => f.jsonName === name)) {
      ctx.problems.push(`${at}/properties/${name}: no field with JSON name ${name} in proto ${message.typeName}`);
    }
  }
}

/** Compares one field with one schema (property or parameter), and its required-ness. */
function compareField(ctx, field, schema, isRequired, where) {
  const behaviors = hasOption(field, ctx.ext.behavior) ? getOption(field, ctx.ext.behavior) : [];
  const expectRequired =
    behaviors.includes(REQUIRED) || (behaviors.includes(OUTPUT_ONLY) && !field.proto.proto3Optional);
  if (expectRequired !== isRequired) {
    ctx.problems.push(
      `${where}: required-ness differs: proto says ${expectRequired ? "required" : "optional"} ` +
        `(field_behavior ${behaviors.length ? behaviors.map(behaviorName).join(",") : "none"}${field.proto.proto3Optional ? ", proto3 optional" : ""}), ` +
        `OpenAPI says ${isRequired ? "required" : "optional"}`,
    );
  }
  if (field.fieldKind === "list") {
    if (schema.type !== "array") {
      ctx.problems.push(`${where}: type differs: proto repeated ${elementName(field)}, OpenAPI ${describe(schema)}`);
      return;
    }
    compareElement(ctx, field, schema.items ?? {}, where);
    return;
  }
  if (field.fieldKind === "map") {
    if (schema.type !== "object" || !schema.additionalProperties) ctx.problems.push(`${where}: type differs: proto map, OpenAPI ${describe(schema)}`);
    return;
  }
  compareElement(ctx, field, schema, where);
  compareBounds(ctx, field, schema, where);
  if (hasOption(field, ctx.ext.allowed)) {
    const allowed = getOption(field, ctx.ext.allowed);
    if (!sameSet(allowed, schema.enum ?? [])) {
      ctx.problems.push(`${where}: allowed values differ: proto ${JSON.stringify(allowed)}, OpenAPI enum ${JSON.stringify(schema.enum ?? null)}`);
    }
  } else if (field.fieldKind === "scalar" && schema.enum) {
    ctx.problems.push(`${where}: OpenAPI restricts the values to ${JSON.stringify(schema.enum)}, proto does not (add sovren.v1.allowed_values)`);
  }
}

/** Compares a singular value (a scalar, an enum or a message) with its schema. */
function compareElement(ctx, field, schema, where) {
  const kind = field.listKind ?? field.fieldKind;
  if (kind === "enum") {
    const enumDesc = field.enum;
    if (!schema.$ref || refName(schema.$ref) !== enumDesc.name) {
      ctx.problems.push(`${where}: type differs: proto enum ${enumDesc.typeName}, OpenAPI ${describe(schema)}`);
      return;
    }
    const target = ctx.doc.components?.schemas?.[enumDesc.name];
    const protoValues = enumDesc.values.map((v) => v.name);
    const apiValues = target?.enum ?? [];
    const missing = protoValues.filter((v) => !apiValues.includes(v));
    const extra = apiValues.filter((v) => !protoValues.includes(v));
    const key = `enum ${enumDesc.typeName}`;
    if ((missing.length || extra.length) && !ctx.compared.has(key)) {
      ctx.compared.add(key);
      const parts = [];
      if (missing.length) parts.push(`only in proto: ${missing.join(", ")}`);
      if (extra.length) parts.push(`only in OpenAPI: ${extra.join(", ")}`);
      ctx.problems.push(`proto enum ${enumDesc.typeName} vs openapi #/components/schemas/${enumDesc.name}: enum values differ (${parts.join("; ")})`);
    }
    return;
  }
  if (kind === "message") {
    const message = field.message;
    const wkt = WKT[message.typeName];
    if (wkt) {
      if (!wkt(schema)) ctx.problems.push(`${where}: type differs: proto ${message.typeName}, OpenAPI ${describe(schema)}`);
      return;
    }
    compareMessageRef(ctx, message, schema, where);
    return;
  }
  const expected = SCALARS[field.scalar];
  if (!expected) {
    ctx.problems.push(`${where}: scalar type ${field.scalar} is not supported by the checker`);
    return;
  }
  if (schema.type !== expected.type || (expected.format && schema.format !== expected.format)) {
    ctx.problems.push(
      `${where}: type differs: proto ${scalarName(field.scalar)} (JSON ${expected.type}${expected.format ? `/${expected.format}` : ""}), OpenAPI ${describe(schema)}`,
    );
  }
}

// The range a format implies by itself; a bound equal to it needs no proto option.
const FORMAT_RANGE = {
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** Numeric bounds: proto (sovren.v1.minimum / maximum) and OpenAPI (minimum / maximum) state the same. */
function compareBounds(ctx, field, schema, where) {
  if (field.fieldKind !== "scalar") return;
  const implied = FORMAT_RANGE[schema.format] ?? [];
  for (const [name, i] of [["minimum", 0], ["maximum", 1]]) {
    const ext = ctx.ext[name];
    const proto = hasOption(field, ext) ? getOption(field, ext) : undefined;
    let api = schema[name];
    if (api !== undefined && proto === undefined && api === implied[i]) api = undefined;
    if (proto !== api) {
      ctx.problems.push(`${where}: ${name} differs: proto (sovren.v1.${name}) ${proto ?? "none"}, OpenAPI ${name} ${api ?? "none"}`);
    }
  }
}

/**
 * The text rule, stated where tools read it: every free-text string of a
 * request (body properties at any depth, array items, path and query
 * parameters; not uuids, date-times or enums) has a `pattern` that refuses U+0000.
 */
function checkRequestText(ctx, key, item, op) {
  const seen = new Set();
  const visit = (schema, where) => {
    if (!schema) return;
    if (schema.$ref) {
      const name = refName(schema.$ref);
      if (seen.has(name)) return;
      seen.add(name);
      visit(ctx.doc.components?.schemas?.[name], `#/components/schemas/${name}`);
      return;
    }
    if (schema.type === "string" && !schema.format && !schema.enum) {
      let refuses = false;
      try {
        refuses = schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test("a\u0000b") && !new RegExp(schema.pattern, "u").test("\u0000");
      } catch {
        refuses = false;
      }
      if (!refuses) ctx.problems.push(`openapi ${key} ${where}: a request string needs a pattern that refuses U+0000 (e.g. '^[^\\x00]*$'; info.x-text-rule)`);
      return;
    }
    if (schema.type === "array") visit(schema.items, `${where}/items`);
    for (const [name, prop] of Object.entries(schema.properties ?? {})) visit(prop, `${where}/properties/${name}`);
  };
  visit(op.requestBody?.content?.["application/json"]?.schema, "requestBody");
  for (const p of paramsOf(ctx, item, op)) if (p.in === "path" || p.in === "query") visit(p.schema, `${p.in} parameter ${p.name}`);
}

// protobuf-es ScalarType numbers → the proto3 JSON mapping.
const SCALARS = {
  1: { type: "number", format: "double", name: "double" },
  2: { type: "number", format: "float", name: "float" },
  3: { type: "string", format: "int64", name: "int64" },
  4: { type: "string", format: "uint64", name: "uint64" },
  5: { type: "integer", format: "int32", name: "int32" },
  6: { type: "string", format: "uint64", name: "fixed64" },
  7: { type: "integer", format: "uint32", name: "fixed32" },
  8: { type: "boolean", name: "bool" },
  9: { type: "string", name: "string" },
  12: { type: "string", format: "byte", name: "bytes" },
  13: { type: "integer", format: "uint32", name: "uint32" },
  15: { type: "integer", format: "int32", name: "sfixed32" },
  16: { type: "string", format: "int64", name: "sfixed64" },
  17: { type: "integer", format: "int32", name: "sint32" },
  18: { type: "string", format: "int64", name: "sint64" },
};

const WKT = {
  "google.protobuf.Timestamp": (s) => s.type === "string" && s.format === "date-time",
  "google.protobuf.Duration": (s) => s.type === "string" && !s.format,
  "google.protobuf.FieldMask": (s) => s.type === "string" && !s.format,
  "google.protobuf.Struct": (s) => s.type === "object" && s.additionalProperties === true,
  "google.protobuf.Value": (s) => !s.type && !s.$ref,
};

function scalarName(scalar) {
  return SCALARS[scalar]?.name ?? `scalar ${scalar}`;
}

function elementName(field) {
  if (field.listKind === "enum") return field.enum.typeName;
  if (field.listKind === "message") return field.message.typeName;
  return scalarName(field.scalar);
}

function behaviorName(n) {
  return ["UNSPECIFIED", "OPTIONAL", "REQUIRED", "OUTPUT_ONLY", "INPUT_ONLY", "IMMUTABLE"][n] ?? String(n);
}

function describe(schema) {
  if (schema.$ref) return `$ref ${schema.$ref}`;
  const parts = [schema.type ?? "any"];
  if (schema.format) parts.push(`format ${schema.format}`);
  if (schema.enum) parts.push(`enum ${JSON.stringify(schema.enum)}`);
  return parts.join(", ");
}

function sameSet(a, b) {
  return a.length === b.length && a.every((v) => b.includes(v));
}

function refName(ref) {
  return ref.replace(/^#\/components\/(schemas|parameters|responses)\//, "");
}

function paramsOf(ctx, item, op) {
  const resolve = (p) => (p.$ref ? ctx.doc.components?.parameters?.[refName(p.$ref)] ?? {} : p);
  return [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve);
}

function resolveResponse(ctx, response) {
  return response.$ref ? ctx.doc.components?.responses?.[refName(response.$ref)] ?? {} : response;
}

function jsonNameOf(message, fieldName) {
  return message.fields.find((f) => f.name === fieldName)?.jsonName;
}

function leadingComment(file, method) {
  // Comments live in the file's source info; buf includes it by default.
  const info = file.proto.sourceCodeInfo;
  if (!info) return "";
  const sIndex = file.services.indexOf(method.parent);
  const mIndex = method.parent.methods.indexOf(method);
  const loc = info.location.find((l) => l.path.join(".") === `6.${sIndex}.2.${mIndex}`);
  return loc?.leadingComments ?? "";
}

