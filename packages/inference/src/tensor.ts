// Typed tensors for the Open Inference Protocol: validation, and encoding to
// and from the three wire forms (gRPC typed contents, raw little-endian bytes
// for gRPC `raw_*_contents` and the HTTP binary extension, and HTTP JSON).
// Every check happens here, before a byte reaches Triton.
import { InvalidTensorError } from "./errors.js";

/** The datatypes this client encodes (the protocol's names). */
export type Datatype = "BOOL" | "INT8" | "INT16" | "INT32" | "INT64" | "UINT8" | "UINT16" | "UINT32" | "UINT64" | "FP32" | "FP64" | "BYTES";

/** The JavaScript element type of each datatype. */
export interface ElementOf {
  BOOL: boolean;
  INT8: number;
  INT16: number;
  INT32: number;
  INT64: bigint | number;
  UINT8: number;
  UINT16: number;
  UINT32: number;
  UINT64: bigint | number;
  FP32: number;
  FP64: number;
  BYTES: Uint8Array | string;
}

/** A tensor: its elements flattened in row-major order. */
export interface Tensor<D extends Datatype = Datatype> {
  name: string;
  datatype: D;
  /** Dimensions; the element count is their product. */
  shape: number[];
  data: ElementOf[D][];
}

/** A tensor signature from model metadata; -1 marks a variable dimension. */
export interface TensorSpec {
  name: string;
  datatype: string;
  shape: readonly (number | bigint)[];
}

interface IntRange {
  min: bigint;
  max: bigint;
  bytes: number;
}

const INTS: Partial<Record<Datatype, IntRange>> = {
  INT8: { min: -128n, max: 127n, bytes: 1 },
  INT16: { min: -32768n, max: 32767n, bytes: 2 },
  INT32: { min: -2147483648n, max: 2147483647n, bytes: 4 },
  INT64: { min: -(2n ** 63n), max: 2n ** 63n - 1n, bytes: 8 },
  UINT8: { min: 0n, max: 255n, bytes: 1 },
  UINT16: { min: 0n, max: 65535n, bytes: 2 },
  UINT32: { min: 0n, max: 4294967295n, bytes: 4 },
  UINT64: { min: 0n, max: 2n ** 64n - 1n, bytes: 8 },
};

/** Bytes per element of a fixed-size datatype (BYTES has none). */
export function elementSize(datatype: Datatype): number | undefined {
  if (datatype === "BOOL") return 1;
  if (datatype === "FP32") return 4;
  if (datatype === "FP64") return 8;
  return INTS[datatype]?.bytes;
}

export function isDatatype(value: string): value is Datatype {
  return value === "BOOL" || value === "FP32" || value === "FP64" || value === "BYTES" || value in INTS;
}

/** The number of elements a shape holds. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * Checks a tensor's shape against its data and every element against its
 * datatype, and, given the model's signature, its datatype and shape too.
 * Throws InvalidTensorError naming the tensor and what is wrong.
 */
export function validateTensor(tensor: Tensor, spec?: TensorSpec): void {
  const where = `tensor ${tensor.name}`;
  if (!isDatatype(tensor.datatype)) throw new InvalidTensorError(`${where}: unsupported datatype ${String(tensor.datatype)}`);
  if (!Array.isArray(tensor.shape) || tensor.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new InvalidTensorError(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(tensor.shape)}`);
  }
  const count = elementCount(tensor.shape);
  if (tensor.data.length !== count) {
    throw new InvalidTensorError(`${where}: shape ${JSON.stringify(tensor.shape)} holds ${count} elements, data has ${tensor.data.length}`);
  }
  tensor.data.forEach((value, i) => checkElement(tensor.datatype, value, `${where} element ${i}`));
  if (!spec) return;
  if (spec.datatype !== tensor.datatype) {
    throw new InvalidTensorError(`${where}: the model expects datatype ${spec.datatype}, got ${tensor.datatype}`);
  }
  const dims = spec.shape.map(Number);
  const fits = dims.length === tensor.shape.length && dims.every((d, i) => d === -1 || d === tensor.shape[i]);
  if (!fits) {
    throw new InvalidTensorError(`${where}: the model expects shape ${JSON.stringify(dims)}, got ${JSON.stringify(tensor.shape)}`);
  }
}

function checkElement(datatype: Datatype, value: unknown, where: string): void {
  const fail = (expected: string) => {
    throw new InvalidTensorError(`${where}: expected ${expected} for ${datatype}, got ${typeof value === "bigint" ? `${value}n` : JSON.stringify(value)}`);
  };
  if (datatype === "BOOL") return void (typeof value !== "boolean" && fail("a boolean"));
  if (datatype === "BYTES") return void (typeof value !== "string" && !(value instanceof Uint8Array) && fail("a string or Uint8Array"));
  if (datatype === "FP32" || datatype === "FP64") return void (typeof value !== "number" && fail("a number"));
  const range = INTS[datatype];
  if (!range) return fail("a supported datatype");
  const big = typeof value === "bigint" ? value : typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (big === undefined) return fail("an integer");
  if (big < range.min || big > range.max) fail(`an integer in [${range.min}, ${range.max}]`);
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

function bytesOf(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? utf8.encode(value) : value;
}

/** Encodes a (validated) tensor's elements as raw little-endian bytes; BYTES elements get a 4-byte length prefix. */
export function encodeRaw(tensor: Tensor): Uint8Array {
  if (tensor.datatype === "BYTES") {
    const parts = (tensor.data as (Uint8Array | string)[]).map(bytesOf);
    const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
    const view = new DataView(out.buffer);
    let at = 0;
    for (const part of parts) {
      view.setUint32(at, part.length, true);
      out.set(part, at + 4);
      at += 4 + part.length;
    }
    return out;
  }
  const size = elementSize(tensor.datatype)!;
  const out = new Uint8Array(tensor.data.length * size);
  const view = new DataView(out.buffer);
  tensor.data.forEach((v, i) => writeElement(view, i * size, tensor.datatype, v));
  return out;
}

function writeElement(view: DataView, at: number, datatype: Datatype, v: unknown): void {
  switch (datatype) {
    case "BOOL": return view.setUint8(at, v ? 1 : 0);
    case "INT8": return view.setInt8(at, Number(v));
    case "INT16": return view.setInt16(at, Number(v), true);
    case "INT32": return view.setInt32(at, Number(v), true);
    case "INT64": return view.setBigInt64(at, BigInt(v as bigint | number), true);
    case "UINT8": return view.setUint8(at, Number(v));
    case "UINT16": return view.setUint16(at, Number(v), true);
    case "UINT32": return view.setUint32(at, Number(v), true);
    case "UINT64": return view.setBigUint64(at, BigInt(v as bigint | number), true);
    case "FP32": return view.setFloat32(at, Number(v), true);
    case "FP64": return view.setFloat64(at, Number(v), true);
    default: throw new InvalidTensorError(`cannot encode ${datatype}`);
  }
}

/**
 * Decodes raw little-endian bytes into a tensor. Refuses a byte length that
 * does not match the shape, and BYTES elements whose length prefix is
 * truncated or runs past the end.
 */
export function decodeRaw<D extends Datatype>(name: string, datatype: D, shape: number[], raw: Uint8Array): Tensor<D> {
  const count = elementCount(shape);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const data: unknown[] = [];
  if (datatype === "BYTES") {
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at + 4 > raw.length) throw new InvalidTensorError(`tensor ${name}: BYTES element ${i} has a truncated length prefix (${raw.length - at} bytes left, 4 needed)`);
      const len = view.getUint32(at, true);
      if (at + 4 + len > raw.length) {
        throw new InvalidTensorError(`tensor ${name}: BYTES element ${i} has length prefix ${len}, but only ${raw.length - at - 4} bytes remain`);
      }
      data.push(raw.slice(at + 4, at + 4 + len));
      at += 4 + len;
    }
    if (at !== raw.length) throw new InvalidTensorError(`tensor ${name}: ${raw.length - at} bytes left over after ${count} BYTES elements`);
    return { name, datatype, shape, data: data as ElementOf[D][] };
  }
  const size = elementSize(datatype);
  if (size === undefined) throw new InvalidTensorError(`tensor ${name}: unsupported datatype ${datatype}`);
  if (raw.length !== count * size) {
    throw new InvalidTensorError(`tensor ${name}: shape ${JSON.stringify(shape)} of ${datatype} needs ${count * size} bytes, got ${raw.length}`);
  }
  for (let i = 0; i < count; i++) data.push(readElement(view, i * size, datatype));
  return { name, datatype, shape, data: data as ElementOf[D][] };
}

function readElement(view: DataView, at: number, datatype: Datatype): unknown {
  switch (datatype) {
    case "BOOL": return view.getUint8(at) !== 0;
    case "INT8": return view.getInt8(at);
    case "INT16": return view.getInt16(at, true);
    case "INT32": return view.getInt32(at, true);
    case "INT64": return view.getBigInt64(at, true);
    case "UINT8": return view.getUint8(at);
    case "UINT16": return view.getUint16(at, true);
    case "UINT32": return view.getUint32(at, true);
    case "UINT64": return view.getBigUint64(at, true);
    case "FP32": return view.getFloat32(at, true);
    case "FP64": return view.getFloat64(at, true);
    default: throw new InvalidTensorError(`cannot decode ${datatype}`);
  }
}

/** The text of a BYTES element, which must be UTF-8. */
export function bytesToText(value: Uint8Array | string, where: string): string {
  if (typeof value === "string") return value;
  try {
    return utf8Strict.decode(value);
  } catch {
    throw new InvalidTensorError(`${where}: BYTES element is not valid UTF-8`);
  }
}

/** One element of a tensor as a JavaScript number (INT64 must be within the safe range). */
export function numberAt(tensor: Tensor, index = 0): number {
  const value = tensor.data[index];
  if (typeof value === "number") return value;
  if (typeof value === "bigint") {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new InvalidTensorError(`tensor ${tensor.name} element ${index}: ${value} is outside the safe integer range`);
    }
    return Number(value);
  }
  throw new InvalidTensorError(`tensor ${tensor.name} element ${index}: expected a number, got ${typeof value}`);
}
