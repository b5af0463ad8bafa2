/**
 * The options and the result of {@linkcode downloadStream}.
 *
 * @module
 */
import type { DownloadOptions } from "../download/options.ts";

/** The largest window of parts held in memory by default: 256 MiB. */
export const DEFAULT_MAX_BUFFER_BYTES = 256 * 1024 * 1024;

/**
 * Options of `downloadStream()`: those of `download()` that make sense without a file (no
 * destination, journal, file system, lock or worker), plus the memory window.
 */
export interface DownloadStreamOptions extends
  Pick<
    DownloadOptions,
    | "source"
    | "region"
    | "endpoint"
    | "signatureVersion"
    | "credentials"
    | "pathStyle"
    | "versionId"
    | "range"
    | "partSize"
    | "concurrency"
    | "maxAttempts"
    | "retryBaseDelayMs"
    | "connectTimeoutMs"
    | "idleTimeoutMs"
    | "signal"
    | "onProgress"
    | "onNotice"
    | "progressIntervalMs"
    | "fetch"
    | "env"
    | "rateLimiter"
    | "trafficLimit"
    | "profile"
    | "configFile"
    | "ecsRole"
    | "onCredentials"
    | "fs"
  > {
  /**
   * The most bytes of parts fetched ahead and not yet taken by the reader: at most
   * `min(concurrency, floor(maxBufferBytes / partSize))` parts (at least one) are fetched or held
   * at once, plus the one being handed over.
   * @default 268435456 (256 MiB)
   */
  maxBufferBytes?: number;
  /**
   * Hash the parts (CRC-64) on a worker thread, so that the thread receiving them only receives.
   * `undefined` uses the worker when at least 16 MiB are to be fetched; falls back to this thread
   * where workers are unavailable.
   * @default undefined
   */
  hashInWorker?: boolean;
  /** Told once, before the stream closes, when every byte was delivered and checked. */
  onResult?: (result: DownloadStreamResult) => void;
}

/** What a stream download reports when it ends well. */
export interface DownloadStreamResult {
  /** Bytes delivered. */
  bytes: number;
  /** CRC-64/XZ of the bytes delivered (decimal). */
  crc64: string;
  /** `true` when the CRC-64 was compared with the server's and matched. */
  verified: boolean;
  /** How the bytes were checked, in one sentence. */
  verification: string;
  /** The object's ETag. */
  etag: string | null;
  /** The object's version id, when the server gave one. */
  versionId: string | null;
  /** Requests retried. */
  retries: number;
  /** Parts fetched. */
  parts: number;
  /** Wall time in ms. */
  durationMs: number;
}
