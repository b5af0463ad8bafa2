/**
 * A local OSS-compatible server for tests, demos and benchmarks: GetObject/HeadObject with
 * ranges, conditions, versions, CRC-64, error XML, V1/V4 authentication, PutObject/DeleteObject
 * with `x-oss-meta-*` (in memory or written to a directory), and fault injection
 * (dropped connections, 5xx, throttling, corrupted bytes, changing objects, ignored ranges), and
 * bucket listings (ListObjectsV2 / ListObjects V1).
 *
 * @example
 * ```ts ignore
 * import { OssEmulator, serveEmulator } from "@ossdl/ossdl/emulator";
 * const emulator = new OssEmulator();
 * await emulator.put("bucket", "big.bin", new Uint8Array(1 << 20));
 * const server = await serveEmulator((r) => emulator.handle(r));
 * const response = await fetch(`${server.url}/bucket/big.bin`, { headers: { range: "bytes=0-9" } });
 * console.log(response.status); // 206
 * await response.body?.cancel();
 * await server.close();
 * ```
 *
 * @module
 */
export {
  type EmulatorRequestInfo,
  type EmulatorStats,
  OssEmulator,
  type OssEmulatorOptions,
  type RequestLogEntry,
} from "./src/emulator/oss_emulator.ts";
export type { EmulatorCredentials } from "./src/emulator/authenticate.ts";
export {
  requestAccessKeyId,
  SECURITY_TOKEN_EXPIRED,
  type StsKey,
  StsKeys,
} from "./src/emulator/sts_keys.ts";
export type { OssErrorSpec } from "./src/emulator/error_response.ts";
export { DroppedConnectionError, type Faults, seededRandom } from "./src/emulator/faults.ts";
export { MemoryStore, type MemoryStoreOptions } from "./src/emulator/memory_store.ts";
export type {
  ListEntry,
  ListPage,
  ListQuery,
  LookupResult,
  ObjectStore,
  PutOptions,
  PutResult,
  StoredObject,
} from "./src/emulator/object_store.ts";
export { InvalidKeyError } from "./src/emulator/object_store.ts";
export {
  type DirectoryChild,
  type DirectoryEntryInfo,
  type DirectoryReader,
  DirectoryStore,
  type DirectoryStoreOptions,
} from "./src/emulator/directory_store.ts";
export {
  NodeDirectoryReader,
  nodeDirectoryStore,
  type NodeDirectoryStoreOptions,
} from "./src/emulator/directory_store_node.ts";
export {
  type DirectoryWriter,
  WritableDirectoryStore,
} from "./src/emulator/writable_directory_store.ts";
export { NodeDirectoryWriter } from "./src/emulator/directory_store_node_writer.ts";
export {
  type FetchHandler,
  type ServedHandler,
  serveEmulator,
  type ServeOptions,
} from "./src/emulator/serve.ts";
export {
  type ServedDirectory,
  serveDirectory,
  type ServeDirectoryOptions,
} from "./src/emulator/serve_directory.ts";
