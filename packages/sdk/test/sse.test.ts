import { describe, expect, it } from "vitest";
import { parseEventStream } from "../src/transports/sse.js";

const encoder = new TextEncoder();

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function events(chunks: Uint8Array[]): Promise<string[]> {
  const out: string[] = [];
  for await (const data of parseEventStream(streamOf(chunks))) out.push(data);
  return out;
}

/** The body cut at every pair of byte offsets (three chunks), and byte by byte. */
function* cuts(bytes: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i; j <= bytes.length; j++) yield [bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)];
  }
  yield [...bytes].map((b) => Uint8Array.of(b));
}

describe("parseEventStream", () => {
  it.each([
    ["LF", "\n"],
    ["CRLF", "\r\n"],
    ["CR", "\r"],
  ])("reads %s line endings the same however the body is chunked", async (_, eol) => {
    const body = encoder.encode(
      [": keep-alive", "event: operation", "data: {\"a\":1}", "", "data: first", "data: second", "id: 7", "", "data:é€😀", "", ""].join(eol),
    );
    const expected = ['{"a":1}', "first\nsecond", "é€😀"];
    for (const chunks of cuts(body)) expect(await events(chunks), JSON.stringify(chunks.map((c) => c.length))).toEqual(expected);
  });

  it("does not read a CRLF split across chunks as two line ends", async () => {
    // "\r" ends one chunk and "\n" starts the next: still one line end, so the
    // two data lines stay one event.
    expect(await events([encoder.encode("data: a\r"), encoder.encode("\ndata: b\r\n\r\n")])).toEqual(["a\nb"]);
    // A lone CR at a chunk's end followed by a new line is a line end on its own.
    expect(await events([encoder.encode("data: a\r"), encoder.encode("\r")])).toEqual(["a"]);
  });
});
