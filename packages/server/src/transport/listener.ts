// One port for HTTP/1.1 and cleartext HTTP/2 (h2c, which gRPC needs): a raw
// TCP server peeks at each connection's first bytes and hands the socket to
// the HTTP/2 server when they are the HTTP/2 connection preface, otherwise to
// the HTTP/1.1 server. Both run the same request handler.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

type Handler = (req: any, res: any) => void;

export interface Listening {
  port: number;
  close(): Promise<void>;
}

export async function listen(handler: Handler, port: number, host: string): Promise<Listening> {
  const h1 = http.createServer(handler);
  // Longer than common load balancers' idle timeouts, so they close first.
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({}, handler);
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // Paused-mode read: the chunk goes back with unshift() and the chosen
    // server reads it from the buffer (a 'data' listener plus resume() here
    // would lose it for HTTP/2, whose session consumes the socket directly).
    socket.once("readable", () => {
      const chunk = socket.read() as Buffer | null;
      if (!chunk) {
        socket.destroy();
        return;
      }
      socket.unshift(chunk);
      const n = Math.min(chunk.length, PREFACE.length);
      const isH2 = chunk.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2) {
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        // The 'readable' listener left the stream paused; HTTP/1's parser
        // reads through 'data' events, so later packets (e.g. a body sent
        // after the headers) only arrive once it flows.
        socket.resume();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        h1.closeIdleConnections();
        // Streams (watches) never end by themselves: cut the remaining connections.
        for (const s of sockets) s.destroy();
      });
    },
  };
}
