/**
 * `verifyFile()`: check a local file against an object's CRC-64 (`x-oss-hash-crc64ecma`) without
 * downloading it: one HEAD (a `GET bytes=0-0` for URL sources), then the file is hashed locally.
 * Web standards only; the file is read through the {@linkcode FileSystem} port.
 *
 * @module
 */
import { DEFAULTS, type DownloadNotice, type DownloadSource } from "../download/options.ts";
import type { FileSystem } from "../fs/file_system.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import { FileSystemError } from "../errors.ts";
import type { CredentialLookupOptions } from "../credentials/credential_lookup.ts";
import { openObjectSource } from "../download/open_object_source.ts";
import { Crc64UnavailableError } from "./crc64_unavailable_error.ts";
import { fileCrc64 } from "./file_crc64.ts";

/** Options of {@linkcode verifyFile}. */
export interface VerifyFileOptions extends CredentialLookupOptions {
  /** The object: `oss://bucket/key`, a (presigned) http(s) URL, or `{ bucket, key, versionId }`. */
  source: DownloadSource;
  /** The local file to check. */
  file: string;
  /** Region id such as `cn-hangzhou`; gives the endpoint and the V4 signing region. */
  region?: string;
  /** Endpoint such as `oss-cn-hangzhou.aliyuncs.com` or `http://127.0.0.1:9000`. */
  endpoint?: string;
  /** Signature version. @default "v4" */
  signatureVersion?: "v1" | "v4";
  /** Use path-style addressing. @default false (automatic for IP and localhost endpoints) */
  pathStyle?: boolean;
  /** Check against this version of the object. */
  versionId?: string;
  /** Environment lookup for credentials. @default the process environment */
  env?: (name: string) => string | undefined;
  /** The fetch to use (proxies, tests). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The file system. @default picked by runtime (Deno or node:fs) */
  fs?: FileSystem;
  /** Stops the request and the hashing (an `AbortedError` or the fetch's abort error). */
  signal?: AbortSignal;
  /** Attempts of the HEAD request for retryable failures. @default 6 */
  maxAttempts?: number;
  /** First retry backoff in ms (full jitter, doubling, capped at 20 s). @default 200 */
  retryBaseDelayMs?: number;
  /** Give up on an attempt whose response headers have not come after this many ms. @default 30000 */
  connectTimeoutMs?: number;
  /** Bytes read from the file at a time. @default 8388608 (8 MiB) */
  chunkSize?: number;
  /** Receives a `RETRY` notice before each retry of the HEAD request. */
  onNotice?: (notice: DownloadNotice) => void;
}

/** What {@linkcode verifyFile} found. */
export interface VerifyFileResult {
  /** `true` when the sizes and the CRC-64 values are equal. */
  match: boolean;
  /**
   * What differs: `"size"` (the file was not hashed), `"crc64"`, or `null` when `match` is `true`.
   */
  mismatch: "size" | "crc64" | null;
  /** The file checked. */
  file: string;
  /** The object, as named in messages (no secrets). */
  source: string;
  /** Bytes in the local file (hashed bytes, when it was hashed). */
  bytes: number;
  /** Bytes in the object. */
  serverBytes: number;
  /** CRC-64/XZ of the file (decimal), or `null` when the sizes differ (not hashed). */
  localCrc64: string | null;
  /** The object's `x-oss-hash-crc64ecma` (decimal), or `null` when the server gave none. */
  serverCrc64: string | null;
  /** The object's ETag, or `null`. */
  etag: string | null;
  /** The object's version id, or `null`. */
  versionId: string | null;
  /** Wall time in ms. */
  durationMs: number;
}

/**
 * Checks a local file against an object without downloading it: HEAD the object, compare sizes
 * (a different size is a mismatch, decided without hashing), then hash the file with CRC-64/XZ in
 * large chunks and compare with the server's `x-oss-hash-crc64ecma`. The file is looked at first,
 * so a missing file fails before any request.
 *
 * @returns `{ match: true }` when equal; `{ match: false, mismatch }` when the size or the CRC-64
 *   differs
 * @throws {FileSystemError} when the file is missing, a directory, or unreadable
 * @throws {Crc64UnavailableError} when the sizes are equal but the server gives no CRC-64
 * @throws {OssServiceError} and the other errors of a request (not found, denied, network)
 * @throws {TypeError} on a malformed source, endpoint or option
 *
 * @example Against OSS
 * ```ts ignore
 * import { verifyFile } from "./verify_file.ts";
 * const r = await verifyFile({
 *   source: "oss://my-bucket/big/file.zip",
 *   file: "./file.zip",
 *   region: "cn-hangzhou",
 * });
 * console.log(r.match ? "same bytes" : `differs: ${r.mismatch}`);
 * ```
 *
 * @example Against the emulator, with a file in memory
 * ```ts
 * import { verifyFile } from "./verify_file.ts";
 * import { OssEmulator } from "../emulator/oss_emulator.ts";
 * import { MemoryFileSystem } from "../fs/memory_file_system.ts";
 * const emulator = new OssEmulator();
 * const bytes = new TextEncoder().encode("hello, world");
 * await emulator.put("bucket", "a.txt", bytes);
 * const fs = new MemoryFileSystem();
 * fs.writeDurable("/a.txt", bytes);
 * const r = await verifyFile({
 *   source: "oss://bucket/a.txt",
 *   file: "/a.txt",
 *   endpoint: "http://127.0.0.1:9",
 *   fetch: (input, init) => emulator.handle(new Request(input, init)),
 *   fs,
 *   env: () => undefined,
 * });
 * console.log(r.match, r.localCrc64 === r.serverCrc64); // true true
 * ```
 */
export async function verifyFile(options: VerifyFileOptions): Promise<VerifyFileResult> {
  if (typeof options.file !== "string" || options.file === "") {
    throw new TypeError("file must be a non-empty file path");
  }
  const started = performance.now();
  const fs = options.fs ?? await defaultFileSystem();
  const source = await openObjectSource(options, fs, {
    maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
  });
  const info = await fs.stat(options.file);
  if (info === null) throw new FileSystemError("FS_NOT_FOUND", "read", options.file);
  if (info.isDirectory) throw new FileSystemError("FS_ERROR", "read (a directory)", options.file);
  const meta = await source.stat({
    signal: options.signal,
    onRetry: ({ attempt, delayMs, error }) =>
      options.onNotice?.({
        code: "RETRY",
        message: `${error instanceof Error ? error.message : String(error)}; retry ${attempt} ` +
          `in ${Math.round(delayMs)} ms`,
      }),
  });
  const base = {
    file: options.file,
    source: source.displayName,
    serverBytes: meta.size,
    serverCrc64: meta.crc64 === null ? null : meta.crc64.toString(),
    etag: meta.etag,
    versionId: meta.versionId,
  };
  const done = (
    match: boolean,
    mismatch: VerifyFileResult["mismatch"],
    bytes: number,
    localCrc64: string | null,
  ): VerifyFileResult => ({
    match,
    mismatch,
    bytes,
    localCrc64,
    ...base,
    durationMs: performance.now() - started,
  });
  if (info.size !== meta.size) return done(false, "size", info.size, null);
  if (meta.crc64 === null) throw new Crc64UnavailableError(source.displayName);
  const local = await fileCrc64(options.file, {
    fs,
    signal: options.signal,
    chunkSize: options.chunkSize,
  });
  // The file may have changed size while it was read: the bytes hashed are what counts.
  if (local.bytes !== meta.size) return done(false, "size", local.bytes, null);
  const crc = local.crc64.toString();
  return local.crc64 === meta.crc64
    ? done(true, null, local.bytes, crc)
    : done(false, "crc64", local.bytes, crc);
}
