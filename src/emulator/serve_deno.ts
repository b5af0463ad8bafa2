/**
 * The Deno adapter of `serve.ts`, on `Deno.serve`. A body stream that errors aborts the response,
 * so the client sees a truncated body / network error.
 *
 * @module
 */
import type { FetchHandler, ServedHandler, ServeOptions } from "./serve.ts";

/**
 * Serve `handler` with `Deno.serve`.
 *
 * @example
 * ```ts ignore
 * import { serveDeno } from "./serve_deno.ts";
 * const s = await serveDeno(() => new Response("hi"), { port: 0 });
 * await s.close();
 * ```
 */
export function serveDeno(
  handler: FetchHandler,
  options: ServeOptions = {},
): Promise<ServedHandler> {
  const hostname = options.hostname ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const abort = new AbortController();
    try {
      const server = Deno.serve({
        port: options.port ?? 0,
        hostname,
        signal: abort.signal,
        onListen: ({ port }) => {
          resolve({
            url: `http://${hostname}:${port}`,
            port,
            close: async () => {
              abort.abort();
              await server.finished;
            },
          });
        },
        onError: () => new Response("internal error", { status: 500 }),
      }, (request) => handler(request));
    } catch (e) {
      reject(e);
    }
  });
}
