/**
 * Parses a `text/event-stream` body into the `data` of each event (joined
 * lines), using only web streams so it runs in browsers, edge runtimes, Deno
 * and Bun. Comments (`: keep-alive`) and other fields are skipped.
 */
export async function* parseEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  // A line ended by a "\r" that was the last character read: if the next
  // chunk starts with "\n", that "\n" is the rest of the same "\r\n".
  let afterCR = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      if (afterCR && buffer.length > 0) {
        if (buffer.startsWith("\n")) buffer = buffer.slice(1);
        afterCR = false;
      }
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        const crlf = buffer.startsWith("\r\n", newline);
        afterCR = !crlf && buffer[newline] === "\r" && newline === buffer.length - 1;
        buffer = buffer.slice(newline + (crlf ? 2 : 1));
        if (line === "") {
          if (data.length > 0) yield data.join("\n");
          data = [];
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
        }
      }
    }
    if (data.length > 0) yield data.join("\n");
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
