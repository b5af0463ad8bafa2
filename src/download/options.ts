/**
 * The options and the result of {@linkcode download}, with their defaults.
 *
 * @module
 */
import type { FileSystem } from "../fs/file_system.ts";
import type { ConnectionSlots } from "./connection_slots.ts";
import type { CredentialLookupOptions } from "../credentials/credential_lookup.ts";
import type { RateLimiter } from "../throttle/rate_limiter.ts";

/** Where the bytes come from: `oss://bucket/key`, an http(s) URL, or a bucket and key. */
export type DownloadSource = string | { bucket: string; key: string; versionId?: string };

/** Access key credentials (optionally STS). */
export interface DownloadCredentials {
  /** AccessKey ID. */
  accessKeyId: string;
  /** AccessKey secret. Never logged or stored. */
  accessKeySecret: string;
  /** STS security token. */
  securityToken?: string;
}

/** A progress report, delivered a few times a second and once at the end. */
export interface DownloadProgress {
  /** Bytes of the range received so far (resumed bytes included). */
  bytesDone: number;
  /** Bytes in the range. */
  bytesTotal: number;
  /** Bytes already on disk when this run started. */
  bytesResumed: number;
  /** Recent transfer rate, bytes per second. */
  bytesPerSecond: number;
  /** Estimated seconds to go, or `null` when unknown. */
  etaSeconds: number | null;
  /** Parts being fetched now. */
  activeParts: number;
  /** Parts finished. */
  partsDone: number;
  /** Parts in all (grows when a lagging part's tail is split off). */
  partsTotal: number;
}

/** Something a person should know, which is not an error: a restart, a damaged journal. */
export interface DownloadNotice {
  /** A stable code: `JOURNAL_DAMAGED`, `JOURNAL_FOREIGN`, `OBJECT_CHANGED`, `RANGE_IGNORED`, `PARTIAL_MISSING`, `KEPT_BYTES_DAMAGED`, `UP_TO_DATE`, `RETRY`. */
  code: string;
  /** One sentence. */
  message: string;
}

/**
 * What is made durable (fsync'd) while downloading:
 * - `"full"`: the data file is `fdatasync`'d before the journal records its bytes, the journal
 *   after each append, and directories after each create, rename and remove: a power cut loses
 *   at most the bytes not yet journaled, and a finished download is on disk when it returns.
 * - `"none"` (`--no-fsync`): no `fdatasync` and no directory sync at all. A killed process loses
 *   nothing (its writes are in the operating system's page cache; the journal is appended only
 *   after the bytes it claims were written); a power cut or an operating-system crash may lose
 *   progress, the journal, or the finished file. The content guarantee does not change: kept
 *   bytes are read back against the journal's CRC-64 before they are trusted, a destination
 *   that already holds the object is read back too, and every result is checked against the
 *   server's CRC-64, so the next run after a power cut fetches what was lost and never yields a
 *   wrong file.
 */
export type Durability = "full" | "none";

/** Options of {@linkcode download}. */
export interface DownloadOptions extends CredentialLookupOptions {
  /** The object: `oss://bucket/key`, a (presigned) http(s) URL, or `{ bucket, key, versionId }`. */
  source: DownloadSource;
  /** The file to create. It appears only when complete and verified (atomic rename). */
  destination: string;
  /** Region id such as `cn-hangzhou`; gives the endpoint and the V4 signing region. */
  region?: string;
  /** Endpoint such as `oss-cn-hangzhou.aliyuncs.com` or `http://127.0.0.1:9000`. */
  endpoint?: string;
  /** Signature version. @default "v4" */
  signatureVersion?: "v1" | "v4";
  /** Use path-style addressing. @default false (automatic for IP and localhost endpoints) */
  pathStyle?: boolean;
  /** Download this version of the object. */
  versionId?: string;
  /** Download only bytes `[start, end)` of the object. `end` defaults to the object's size. */
  range?: { start: number; end?: number };
  /** Bytes per part. @default 8388608 (8 MiB) */
  partSize?: number;
  /** Parts fetched at once. @default 8 */
  concurrency?: number;
  /** Bytes buffered per part before one write. @default 1048576 (1 MiB) */
  chunkSize?: number;
  /** Commit (fsync data, then journal) after this many unjournaled bytes in any part. @default 8388608 */
  commitBytes?: number;
  /** Commit at least this often while bytes arrive, in ms. @default 1000 */
  commitIntervalMs?: number;
  /**
   * Write and hash blocks on a worker thread, so that the thread driving the downloads only
   * receives (the file system must offer it: the default one does; the memory file system and
   * `DenoFileSystem` do not). `undefined` uses the worker when at least 16 MiB remain to fetch;
   * `false` writes and hashes on the calling thread. Falls back to that thread where workers are
   * unavailable. Measured on Deno: 1.4-1.9x faster than on the calling thread (bench/README.md).
   * @default undefined
   */
  writeInWorker?: boolean;
  /**
   * Largest single write system call of the worker, in bytes. Small writes avoid a large-folio
   * slowdown on VMs that return free memory to the host (bench/README.md). @default 16384
   */
  maxWriteBytes?: number;
  /** Compact the journal when it grows past this many bytes. @default 1048576 */
  journalCompactBytes?: number;
  /**
   * `"none"` skips every fsync (data, journal, directories) for speed: safe against a killed
   * process, not against a power cut (see {@linkcode Durability}). @default "full"
   */
  durability?: Durability;
  /** Journal path. @default `${destination}.ossdl-journal` */
  checkpoint?: string;
  /** Resume from an existing journal. `false` starts over. @default true */
  resume?: boolean;
  /**
   * Download even when the destination already holds the object. Without it, a destination with
   * the object's size and the server's CRC-64 (read back and hashed) is kept as it is and nothing
   * is fetched (`upToDate: true` in the result, an `UP_TO_DATE` notice).
   * @default false
   */
  force?: boolean;
  /** Attempts per request for retryable failures. @default 6 */
  maxAttempts?: number;
  /** First retry backoff in ms (full jitter, doubling, capped at 20 s). @default 200 */
  retryBaseDelayMs?: number;
  /**
   * Give up on a request whose response headers have not arrived within this many ms (connect,
   * TLS and the server's first answer); it is retried like any network failure. @default 30000
   */
  connectTimeoutMs?: number;
  /**
   * Abort a response body that delivers no byte for this many ms (a stalled connection) and
   * continue from the last byte received, like any retry. @default 60000
   */
  idleTimeoutMs?: number;
  /** Stops the download, leaving a resumable state. */
  signal?: AbortSignal;
  /** Receives progress a few times a second and once at the end. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Receives notices (restarts, damaged journals, retries). */
  onNotice?: (notice: DownloadNotice) => void;
  /** Minimum ms between progress reports. @default 200 */
  progressIntervalMs?: number;
  /** The fetch to use (proxies, tests). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The file system. @default picked by runtime (Deno or node:fs) */
  fs?: FileSystem;
  /**
   * Connection slots shared with other downloads, to cap their open connections together (a
   * prefix download passes one): each part's request holds a slot while it runs.
   * @default undefined (only `concurrency` limits this download)
   */
  connectionSlots?: ConnectionSlots;
  /** Environment lookup for credentials. @default the process environment */
  env?: (name: string) => string | undefined;
  /**
   * A bandwidth limit shared with every other download given the same limiter (change its
   * `bytesPerSecond` while they run). The journal does not depend on it.
   * @default undefined (no limit)
   */
  rateLimiter?: RateLimiter;
  /**
   * OSS's own per-connection limit in bit/s, sent as `x-oss-traffic-limit` on every GET of an
   * `oss://` source (819200 to 838860800).
   * @default undefined (not sent)
   */
  trafficLimit?: number;
}

/** What {@linkcode download} returns. */
export interface DownloadResult {
  /** The file written. */
  destination: string;
  /** Bytes in the file. */
  bytes: number;
  /** CRC-64/XZ of the file, as OSS writes it (decimal). */
  crc64: string;
  /** The object's ETag. */
  etag: string | null;
  /** The object's version id, when the server gave one. */
  versionId: string | null;
  /** `true` when bytes from an earlier run were reused. */
  resumed: boolean;
  /** Bytes reused from an earlier run. */
  bytesResumed: number;
  /**
   * Bytes kept from an earlier run that were read back from the partial file and checked against
   * the CRC-64 the journal recorded for them before being trusted (damaged ones are fetched again).
   */
  bytesReadBack: number;
  /** Bytes received from the network in this run (retries and overlaps included). */
  bytesFetched: number;
  /** Wall time of this run in ms. */
  durationMs: number;
  /** `true` when the CRC-64 was compared with the server's and matched. */
  verified: boolean;
  /**
   * `true` when the destination already held the object (same size and CRC-64 as the server's)
   * and nothing was fetched (see `force`).
   */
  upToDate: boolean;
  /** How the bytes were checked, in one sentence. */
  verification: string;
  /** Parts fetched in this run. */
  parts: number;
  /** Times a lagging part's tail was split off to an idle worker. */
  steals: number;
  /** Requests retried. */
  retries: number;
  /** Times the download started over (object changed, range ignored). */
  restarts: number;
  /** `true` when blocks were written and hashed on a worker thread (see `writeInWorker`). */
  writesOffThread: boolean;
  /** The `durability` the run used: `"none"` means the file may not survive a power cut yet. */
  durability: Durability;
  /** Notices given during the run. */
  notices: DownloadNotice[];
}

/** The defaults, chosen by measurement (see bench/README.md). */
export const DEFAULTS = {
  partSize: 8 * 1024 * 1024,
  concurrency: 8,
  chunkSize: 1024 * 1024,
  commitBytes: 8 * 1024 * 1024,
  commitIntervalMs: 1000,
  maxAttempts: 6,
  retryBaseDelayMs: 200,
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  progressIntervalMs: 200,
  journalCompactBytes: 1024 * 1024,
  maxWriteBytes: 16 * 1024,
  /** Below this many bytes to fetch, a worker's start-up is not worth it. */
  workerMinBytes: 16 * 1024 * 1024,
} as const;

/** The suffix of the temporary data file beside the destination. */
export const PARTIAL_SUFFIX = ".ossdl-part";
/** The suffix of the default journal beside the destination. */
export const JOURNAL_SUFFIX = ".ossdl-journal";

/** Options with defaults applied and validated. */
export interface ResolvedTuning {
  partSize: number;
  concurrency: number;
  chunkSize: number;
  commitBytes: number;
  commitIntervalMs: number;
  maxAttempts: number;
  retryBaseDelayMs: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  progressIntervalMs: number;
  journalCompactBytes: number;
  maxWriteBytes: number;
  durability: Durability;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return v;
}

/**
 * Apply defaults to the tuning options and validate them.
 *
 * @example
 * ```ts
 * import { resolveTuning } from "./options.ts";
 * resolveTuning({ source: "oss://b/k", destination: "f", concurrency: 4 }).concurrency; // 4
 * ```
 */
export function resolveTuning(options: DownloadOptions): ResolvedTuning {
  const t: ResolvedTuning = {
    partSize: positiveInteger("partSize", options.partSize, DEFAULTS.partSize),
    concurrency: positiveInteger("concurrency", options.concurrency, DEFAULTS.concurrency),
    chunkSize: positiveInteger("chunkSize", options.chunkSize, DEFAULTS.chunkSize),
    commitBytes: positiveInteger("commitBytes", options.commitBytes, DEFAULTS.commitBytes),
    commitIntervalMs: positiveInteger(
      "commitIntervalMs",
      options.commitIntervalMs,
      DEFAULTS.commitIntervalMs,
    ),
    maxAttempts: positiveInteger("maxAttempts", options.maxAttempts, DEFAULTS.maxAttempts),
    retryBaseDelayMs: options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
    connectTimeoutMs: positiveInteger(
      "connectTimeoutMs",
      options.connectTimeoutMs,
      DEFAULTS.connectTimeoutMs,
    ),
    idleTimeoutMs: positiveInteger("idleTimeoutMs", options.idleTimeoutMs, DEFAULTS.idleTimeoutMs),
    progressIntervalMs: options.progressIntervalMs ?? DEFAULTS.progressIntervalMs,
    journalCompactBytes: positiveInteger(
      "journalCompactBytes",
      options.journalCompactBytes,
      DEFAULTS.journalCompactBytes,
    ),
    maxWriteBytes: positiveInteger("maxWriteBytes", options.maxWriteBytes, DEFAULTS.maxWriteBytes),
    durability: options.durability ?? "full",
  };
  if (t.durability !== "full" && t.durability !== "none") {
    throw new TypeError(`durability must be "full" or "none", got ${JSON.stringify(t.durability)}`);
  }
  if (t.concurrency > 256) throw new RangeError(`concurrency must be at most 256`);
  if (t.retryBaseDelayMs < 0) throw new RangeError(`retryBaseDelayMs must be >= 0`);
  return t;
}
