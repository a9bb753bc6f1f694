import { describe, expect, it } from "vitest";
import { decodeRaw, encodeRaw, InvalidTensorError, validateTensor, type Tensor } from "../src/index.js";

describe("tensor encoding", () => {
  const cases: Tensor[] = [
    { name: "B", datatype: "BOOL", shape: [3], data: [true, false, true] },
    { name: "I", datatype: "INT32", shape: [2, 2], data: [1, -2, 2147483647, -2147483648] },
    { name: "L", datatype: "INT64", shape: [3], data: [-1n, 9007199254740993n, 4294967295n] },
    { name: "F", datatype: "FP32", shape: [2], data: [0.5, -1.25] },
    { name: "D", datatype: "FP64", shape: [2], data: [Math.PI, -0.1] },
    { name: "S", datatype: "BYTES", shape: [3], data: ["Aurora", "", "Übernahme"] },
  ];

  it.each(cases)("round-trips $datatype through raw little-endian bytes", (tensor) => {
    validateTensor(tensor);
    const decoded = decodeRaw(tensor.name, tensor.datatype, tensor.shape, encodeRaw(tensor));
    const expected = tensor.datatype === "BYTES" ? tensor.data.map((s) => new TextEncoder().encode(s as string)) : tensor.data;
    expect(decoded.data).toEqual(expected.map((v) => (tensor.datatype === "INT64" ? BigInt(v as bigint) : v)));
  });

  it("lays BYTES out as a 4-byte little-endian length then the bytes", () => {
    expect([...encodeRaw({ name: "S", datatype: "BYTES", shape: [2], data: ["ab", "c"] })]).toEqual([2, 0, 0, 0, 97, 98, 1, 0, 0, 0, 99]);
  });

  it("lays FP64 out little-endian", () => {
    expect([...encodeRaw({ name: "D", datatype: "FP64", shape: [1], data: [1] })]).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  });
});

describe("tensor validation refuses bad tensors before they are sent", () => {
  const bad = (t: Tensor) => () => validateTensor(t);

  it("a shape that does not match the data", () => {
    expect(bad({ name: "X", datatype: "FP64", shape: [2, 2], data: [1, 2, 3] })).toThrow(new InvalidTensorError("tensor X: shape [2,2] holds 4 elements, data has 3"));
  });

  it("a negative or fractional dimension", () => {
    expect(bad({ name: "X", datatype: "FP64", shape: [-1], data: [] })).toThrow("tensor X: shape must be a list of non-negative integers, got [-1]");
  });

  it("an element of the wrong type", () => {
    expect(bad({ name: "X", datatype: "INT32", shape: [2], data: [1, 1.5] })).toThrow("tensor X element 1: expected an integer for INT32, got 1.5");
    expect(bad({ name: "X", datatype: "BOOL", shape: [1], data: [1 as never] })).toThrow("tensor X element 0: expected a boolean for BOOL, got 1");
    expect(bad({ name: "X", datatype: "BYTES", shape: [1], data: [5 as never] })).toThrow("expected a string or Uint8Array for BYTES");
  });

  it("an integer out of its datatype's range", () => {
    expect(bad({ name: "X", datatype: "INT32", shape: [1], data: [2147483648] })).toThrow("expected an integer in [-2147483648, 2147483647] for INT32, got 2147483648");
  });

  it("a datatype or shape the model does not take", () => {
    const t: Tensor = { name: "SEED", datatype: "INT32", shape: [1], data: [1] };
    expect(() => validateTensor(t, { name: "SEED", datatype: "INT64", shape: [1] })).toThrow("tensor SEED: the model expects datatype INT64, got INT32");
    const u: Tensor = { name: "FACTOR_MEAN", datatype: "FP64", shape: [2, 1], data: [1, 2] };
    expect(() => validateTensor(u, { name: "FACTOR_MEAN", datatype: "FP64", shape: [-1] })).toThrow("tensor FACTOR_MEAN: the model expects shape [-1], got [2,1]");
    expect(() => validateTensor({ ...u, shape: [2] }, { name: "FACTOR_MEAN", datatype: "FP64", shape: [-1] })).not.toThrow();
  });

  it("an unsupported datatype", () => {
    expect(bad({ name: "X", datatype: "FP16" as never, shape: [1], data: [1] })).toThrow("tensor X: unsupported datatype FP16");
  });
});

describe("raw decoding refuses malformed bytes", () => {
  it("BYTES with a length prefix past the end", () => {
    const raw = new Uint8Array([5, 0, 0, 0, 97, 98]);
    expect(() => decodeRaw("S", "BYTES", [1], raw)).toThrow("tensor S: BYTES element 0 has length prefix 5, but only 2 bytes remain");
  });

  it("BYTES with a truncated length prefix", () => {
    const raw = new Uint8Array([1, 0, 0, 0, 97, 2, 0]);
    expect(() => decodeRaw("S", "BYTES", [2], raw)).toThrow("tensor S: BYTES element 1 has a truncated length prefix (2 bytes left, 4 needed)");
  });

  it("BYTES with bytes left over", () => {
    expect(() => decodeRaw("S", "BYTES", [1], new Uint8Array([0, 0, 0, 0, 9]))).toThrow("tensor S: 1 bytes left over after 1 BYTES elements");
  });

  it("a fixed-size tensor of the wrong byte length", () => {
    expect(() => decodeRaw("D", "FP64", [2], new Uint8Array(12))).toThrow("tensor D: shape [2] of FP64 needs 16 bytes, got 12");
  });
});
