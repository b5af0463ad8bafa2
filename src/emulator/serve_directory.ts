/**
 * What `ossdl serve` runs: an {@linkcode OssEmulator} over a directory (`<root>/<bucket>/<key>`),
 * optionally requiring signatures, listening on a local port.
 *
 * @module
 */
import type { EmulatorCredentials } from "./authenticate.ts";
import { nodeDirectoryStore } from "./directory_store_node.ts";
import { OssEmulator } from "./oss_emulator.ts";
import { type ServedHandler, serveEmulator } from "./serve.ts";

/** Options of {@linkcode serveDirectory}. */
export interface ServeDirectoryOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to bind. @default "127.0.0.1" */
  hostname?: string;
  /** Require requests signed with these. @default anonymous access */
  credentials?: EmulatorCredentials;
  /** Compute MD5 ETags and CRC-64 by reading each file once. @default true */
  checksums?: boolean;
  /** Endpoint hosts for virtual-hosted addressing. @default ["localhost"] */
  baseHosts?: readonly string[];
  /**
   * The region V4 signatures must be scoped to (e.g. `cn-hangzhou`); others get 400
   * InvalidArgument. @default any region is accepted
   */
  region?: string;
  /**
   * Take PutObject and DeleteObject (written atomically under `root`, metadata in
   * `<root>/.ossdl-meta`). @default false
   */
  writable?: boolean;
}

/** A running directory emulator. */
export interface ServedDirectory extends ServedHandler {
  /** The emulator (faults, counters). */
  emulator: OssEmulator;
}

/**
 * Serve the buckets under `root` (each sub-directory is a bucket) like OSS.
 *
 * @example
 * ```ts ignore
 * import { serveDirectory } from "./serve_directory.ts";
 * const server = await serveDirectory("/srv/oss", { port: 9000 });
 * console.log(`${server.url}/bucket/key`);
 * await server.close();
 * ```
 */
export async function serveDirectory(
  root: string,
  options: ServeDirectoryOptions = {},
): Promise<ServedDirectory> {
  const emulator = new OssEmulator({
    store: nodeDirectoryStore(root, { checksums: options.checksums, writable: options.writable }),
    credentials: options.credentials,
    baseHosts: options.baseHosts ?? ["localhost"],
    region: options.region,
  });
  const served = await serveEmulator((request) => emulator.handle(request), {
    port: options.port,
    hostname: options.hostname,
  });
  return { ...served, emulator };
}
