/**
 * Serve a fetch-style handler (e.g. `OssEmulator.handle`) on a local port: with `Deno.serve` on
 * Deno, with `node:http` on Node and Bun. Bodies stream through without buffering; a body stream
 * that errors (a dropped-connection fault) destroys the connection mid-body.
 *
 * @module
 */

/** A fetch-style request handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Where to listen. */
export interface ServeOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to bind. @default "127.0.0.1" */
  hostname?: string;
}

/** A running server. */
export interface ServedHandler {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The port listened on. */
  port: number;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/**
 * Listen on a port and answer every request with `handler`.
 *
 * @example
 * ```ts ignore
 * import { serveEmulator } from "./serve.ts";
 * import { OssEmulator } from "./oss_emulator.ts";
 * const emulator = new OssEmulator();
 * const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function serveEmulator(
  handler: FetchHandler,
  options: ServeOptions = {},
): Promise<ServedHandler> {
  const deno = (globalThis as Record<string, unknown>)["Deno"] as { serve?: unknown } | undefined;
  if (typeof deno?.serve === "function") {
    const { serveDeno } = await import("./serve_deno.ts");
    return serveDeno(handler, options);
  }
  const { serveNode } = await import("./serve_node.ts");
  return serveNode(handler, options);
}
