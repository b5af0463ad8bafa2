/**
 * The Node/Bun adapter of `serve.ts`, on `node:http`. Response bodies are written chunk by chunk
 * with back-pressure; when a body stream errors (a dropped-connection fault) the socket is
 * destroyed, so the client sees a truncated body / network error.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { FetchHandler, ServedHandler, ServeOptions } from "./serve.ts";

function toRequest(req: IncomingMessage, defaultHost: string): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const url = `http://${req.headers.host ?? defaultHost}${req.url ?? "/"}`;
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
}

async function send(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  // The client may be gone already (it closed while the handler ran): then "close" has fired
  // before this listener, and neither "drain" nor "close" will ever come. Such a body must still
  // be cancelled, or what it holds (an open file) is left to the collector.
  let closed = res.destroyed || res.socket === null || res.socket.destroyed;
  res.on("close", () => {
    if (!res.writableFinished) closed = true;
    reader.cancel().catch(() => {});
  });
  try {
    while (!closed) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value) && !closed && !res.destroyed) {
        await new Promise<void>((resume) => {
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resume();
          };
          res.on("drain", done);
          res.on("close", done);
        });
      }
      if (res.destroyed) closed = true;
    }
    if (closed) await reader.cancel().catch(() => {});
    res.end();
  } catch {
    await reader.cancel().catch(() => {});
    res.socket?.destroy();
    res.destroy();
  }
}

/**
 * Serve `handler` with `node:http` (Node and Bun).
 *
 * @example
 * ```ts ignore
 * import { serveNode } from "./serve_node.ts";
 * const s = await serveNode(() => new Response("hi"), { port: 0 });
 * await s.close();
 * ```
 */
export function serveNode(
  handler: FetchHandler,
  options: ServeOptions = {},
): Promise<ServedHandler> {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = createServer((req, res) => {
    (async () => {
      let response: Response;
      try {
        response = await handler(toRequest(req, hostname));
      } catch {
        response = new Response("internal error", { status: 500 });
      }
      await send(response, res);
    })().catch(() => res.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://${hostname}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}
