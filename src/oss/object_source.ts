/**
 * The contract between the download engine and the protocol layer: an {@linkcode ObjectSource} can
 * describe an object (`stat`) and stream a byte range of it (`read`). `createObjectSource()` in
 * `create_object_source.ts` builds one for `oss://bucket/key` or an http(s) URL.
 *
 * @module
 */

/** What the engine needs to know about an object. */
export interface ObjectMeta {
  /** Total size of the object in bytes. */
  size: number;
  /** The ETag as sent (quotes included), or `null` when the server sent none. */
  etag: string | null;
  /** `Last-Modified` as sent, or `null`. */
  lastModified: string | null;
  /** `x-oss-hash-crc64ecma` of the whole object, or `null` when the server gave none. */
  crc64: bigint | null;
  /** `x-oss-object-type` (`Normal`, `Multipart`, `Appendable`, `Symlink`), or `null`. */
  objectType: string | null;
  /** `x-oss-version-id`, or `null`. */
  versionId: string | null;
  /**
   * `false` when the probe showed that the server ignores `Range` (it answered 200 to a ranged
   * request); the engine then downloads with one plain GET.
   */
  acceptsRanges: boolean;
}

/** A request for bytes `[start, end)` of the object. */
export interface ReadRequest {
  /** First byte (inclusive). */
  start: number;
  /** End (exclusive); `end > start`. */
  end: number;
  /** Sent as `If-Match` when not `null`. */
  etag: string | null;
  /** Send no `Range` header at all (whole object, for servers without range support). */
  whole?: boolean;
  /**
   * The object's size as the download knows it: an answer that shows another size (the total of
   * a 206's `Content-Range`, the `Content-Length` of a whole-object 200, the total of a 416's
   * `bytes *\/total`) fails with `ObjectChangedError`.
   */
  objectSize?: number;
  /** Cancels the request and its body. */
  signal?: AbortSignal;
}

/** A response body positioned in the object. */
export interface ReadResponse {
  /**
   * `true` when the server honoured the range (206 with a matching `Content-Range`), `false` when
   * it sent the whole object with 200. A `false` body must never be written at `start` unless
   * `start` is 0.
   */
  ranged: boolean;
  /** First byte of `body` in the object. */
  start: number;
  /** End (exclusive) of `body` in the object. */
  end: number;
  /** The ETag of the response, or `null`. */
  etag: string | null;
  /** `x-oss-hash-crc64ecma` of the response (the whole object's, on OSS), or `null`. */
  crc64: bigint | null;
  /** The bytes. Cancel it when not consumed. */
  body: ReadableStream<Uint8Array>;
}

/** Options of {@linkcode ObjectSource.stat}. */
export interface StatOptions {
  /** Cancels the request and its retries. */
  signal?: AbortSignal;
  /** Told before each retry of a failed attempt. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * An object that can be described and read by ranges. Implementations sign requests when they have
 * credentials, map error responses to `OssServiceError`, a 412 to `ObjectChangedError`, a network
 * failure to `NetworkError`, and a malformed answer to `ProtocolError`.
 *
 * @example
 * ```ts
 * import type { ObjectSource } from "./object_source.ts";
 * async function firstByte(source: ObjectSource): Promise<number> {
 *   const meta = await source.stat({});
 *   const r = await source.read({ start: 0, end: 1, etag: meta.etag });
 *   const reader = r.body.getReader();
 *   const { value } = await reader.read();
 *   await reader.cancel();
 *   return value![0];
 * }
 * ```
 */
export interface ObjectSource {
  /**
   * Identifies the object across runs, without secrets: endpoint, bucket, key and version, or the
   * URL without signature parameters. Stored in the journal.
   */
  readonly identity: string;
  /** A short name for messages, e.g. `oss://bucket/key`. No secrets. */
  readonly displayName: string;
  /** HEAD the object (URL sources: GET `bytes=0-0`), with retries. */
  stat(options: StatOptions): Promise<ObjectMeta>;
  /** GET a range (no retries: the engine retries and continues from the last byte received). */
  read(request: ReadRequest): Promise<ReadResponse>;
}
