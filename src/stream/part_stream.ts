/**
 * The engine of a stream download: the object's parts in order, fetched in parallel in a bounded
 * window ahead of the reader, the CRC-64 of everything compared with the server's before the last
 * part is handed out. `downloadStream()` wraps it in a `ReadableStream`; the CLI uses it directly
 * and hands each part's buffer back after writing it ({@linkcode PartStream.release}), so that a
 * download reuses a few buffers instead of allocating (and faulting in) new memory for every part.
 *
 * @module
 */
import { AbortedError, ProtocolError } from "../errors.ts";
import { combineCrc64 } from "../crc64/combine.ts";
import { crc64Of } from "../crc64/crc64.ts";
import { createObjectSource } from "../oss/create_object_source.ts";
import type { ObjectMeta, ObjectSource } from "../oss/object_source.ts";
import { readEnv } from "../runtime/env.ts";
import { DEFAULTS, type DownloadNotice } from "../download/options.ts";
import { splitRange } from "../download/plan.ts";
import { ProgressMeter } from "../download/progress_meter.ts";
import { openObjectSource } from "../download/open_object_source.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import { fetchPart, type PartContext } from "./fetch_part.ts";
import { StreamIntegrityError } from "./stream_integrity_error.ts";
import { WorkerCrc } from "./worker_crc.ts";
import {
  DEFAULT_MAX_BUFFER_BYTES,
  type DownloadStreamOptions,
  type DownloadStreamResult,
} from "./stream_options.ts";

interface FetchedPart {
  bytes: Uint8Array;
  crc: bigint;
}

/** Below this many bytes, a hashing thread's start-up is not worth it (as for file downloads). */
const WORKER_MIN_BYTES = DEFAULTS.workerMinBytes;

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return v;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Checks the options and prepares a {@linkcode PartStream} (nothing is sent before the first
 * `next()`).
 *
 * @throws {TypeError} for a malformed source or credentials
 * @throws {RangeError} for a bad part size, concurrency or window
 *
 * @example
 * ```ts ignore
 * import { openPartStream } from "./part_stream.ts";
 * const parts = openPartStream({ source: "oss://bucket/key", region: "cn-hangzhou" });
 * for (let p; (p = await parts.next()) !== null;) {
 *   await write(p);
 *   parts.release(p); // its buffer is reused for a later part
 * }
 * ```
 */
export function openPartStream(options: DownloadStreamOptions): PartStream {
  const partSize = positive("partSize", options.partSize, DEFAULTS.partSize);
  const concurrency = positive("concurrency", options.concurrency, DEFAULTS.concurrency);
  if (concurrency > 256) throw new RangeError("concurrency must be at most 256");
  const maxBuffer = positive("maxBufferBytes", options.maxBufferBytes, DEFAULT_MAX_BUFFER_BYTES);
  const ahead = Math.max(1, Math.min(concurrency, Math.floor(maxBuffer / partSize)));
  const maxAttempts = positive("maxAttempts", options.maxAttempts, DEFAULTS.maxAttempts);
  // The source, endpoint and traffic limit are checked now (a TypeError at once); the credentials
  // chain (files, a credentials URI, ECS metadata) is asked at the first next().
  createObjectSource(options.source, {
    endpoint: options.endpoint,
    region: options.region,
    signatureVersion: options.signatureVersion,
    credentials: null,
    env: options.env ?? readEnv,
    pathStyle: options.pathStyle,
    versionId: options.versionId,
    trafficLimit: options.trafficLimit,
  });
  const openSource = async () =>
    await openObjectSource(options, options.fs ?? await defaultFileSystem(), {
      maxAttempts,
      retryBaseDelayMs: options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
    });
  return new PartStream(options, openSource, partSize, ahead, maxAttempts);
}

/**
 * The parts of one stream download, in order. Made by {@linkcode openPartStream}.
 *
 * @example
 * ```ts ignore
 * const parts = openPartStream({ source: "oss://bucket/key", region: "cn-hangzhou" });
 * const first = await parts.next(); // the first part's bytes, or null for an empty object
 * parts.stop(); // cancels every request
 * ```
 */
export class PartStream {
  #options: DownloadStreamOptions;
  #openSource: () => Promise<ObjectSource>;
  #source: ObjectSource | null = null;
  #partSize: number;
  #ahead: number;
  #maxAttempts: number;
  #controller = new AbortController();
  #started = performance.now();
  #meta: ObjectMeta | null = null;
  #parts: Array<[number, number]> = [];
  #next = 0;
  #pending: Promise<FetchedPart>[] = [];
  #active = 0;
  #partsDone = 0;
  #crc = 0n;
  #delivered = 0;
  #retries = 0;
  #hash: ((data: Uint8Array) => bigint) | null = null;
  #meter: ProgressMeter | null = null;
  #failure: unknown = null;
  #unlink: () => void = () => {};
  /** Part buffers handed back by the reader, for later parts. */
  #free: Uint8Array[] = [];
  /** Hashes parts on another thread, when one could be started. */
  #worker: WorkerCrc | null = null;
  #stopped = false;

  /** Use {@linkcode openPartStream}. */
  constructor(
    options: DownloadStreamOptions,
    openSource: () => Promise<ObjectSource>,
    partSize: number,
    ahead: number,
    maxAttempts: number,
  ) {
    this.#options = options;
    this.#openSource = openSource;
    this.#partSize = partSize;
    this.#ahead = ahead;
    this.#maxAttempts = maxAttempts;
    const signal = options.signal;
    if (signal) {
      const onAbort = () => this.#controller.abort();
      if (signal.aborted) onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#unlink = () => signal.removeEventListener("abort", onAbort);
    }
  }

  #notice(n: DownloadNotice): void {
    this.#options.onNotice?.(n);
  }

  /**
   * The next part's bytes, or `null` after the last (once the result is known). The window moves
   * on only when this is called again: a reader that does not ask holds the download.
   *
   * @throws the download's failure (a typed error), `StreamIntegrityError` on a CRC-64 mismatch
   */
  async next(): Promise<Uint8Array | null> {
    // After an error or stop() nothing starts again.
    if (this.#stopped) throw this.#failure ?? new AbortedError();
    try {
      if (!this.#meta) await this.#start();
      this.#fill();
      if (this.#pending.length === 0) {
        this.#finish();
        return null;
      }
      const part = await this.#pending.shift()!;
      const last = this.#pending.length === 0 && this.#next >= this.#parts.length;
      this.#crc = this.#delivered === 0
        ? part.crc
        : combineCrc64(this.#crc, part.crc, part.bytes.length);
      if (last) this.#verify(this.#delivered + part.bytes.length);
      this.#delivered += part.bytes.length;
      this.#meter!.add(part.bytes.length);
      this.#partsDone++;
      this.#report(false);
      return part.bytes;
    } catch (error) {
      this.stop();
      this.#unlink();
      throw this.#failure ?? (this.#options.signal?.aborted ? new AbortedError() : error);
    }
  }

  /**
   * Hands back the buffer of a part returned by {@linkcode PartStream.next} once its bytes are no
   * longer needed: a later part is fetched into it. Optional (unreturned buffers are collected).
   */
  release(bytes: Uint8Array): void {
    if (bytes.buffer.byteLength === this.#partSize && this.#free.length <= this.#ahead) {
      this.#free.push(new Uint8Array(bytes.buffer as ArrayBuffer));
    }
  }

  /** Cancels every request (the reader went away, or an error ended the stream). */
  stop(): void {
    this.#stopped = true;
    this.#worker?.close();
    this.#worker = null;
    this.#controller.abort();
    for (const p of this.#pending) p.catch(() => {});
    this.#pending = [];
    this.#unlink();
  }

  async #start(): Promise<void> {
    this.#hash = await crc64Of();
    this.#source = await this.#openSource();
    const meta = await this.#source.stat({
      signal: this.#controller.signal,
      onRetry: ({ attempt, delayMs, error }) => this.#retry(error, attempt + 1, delayMs),
    });
    const start = this.#options.range?.start ?? 0;
    const end = this.#options.range?.end ?? meta.size;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new RangeError(`range must satisfy 0 <= start <= end, got ${start}-${end}`);
    }
    if (end > meta.size) {
      throw new RangeError(`range end ${end} is past the end of the object (${meta.size} bytes)`);
    }
    if (!meta.acceptsRanges && (start !== 0 || end - start > this.#partSize)) {
      throw new ProtocolError(
        "the server ignores Range requests: a stream download needs ranged GETs (download to " +
          "a file instead)",
      );
    }
    const wanted = this.#options.hashInWorker ?? end - start >= WORKER_MIN_BYTES;
    if (wanted && end - start > 0) {
      const worker = await WorkerCrc.start();
      if (this.#stopped) worker?.close();
      else this.#worker = worker;
    }
    this.#meta = meta;
    this.#parts = splitRange(start, end, this.#partSize);
    this.#meter = new ProgressMeter(
      end - start,
      0,
      this.#options.progressIntervalMs ?? DEFAULTS.progressIntervalMs,
      this.#options.onProgress,
    );
    this.#fill();
  }

  /** Starts parts until the window is full. */
  #fill(): void {
    while (this.#pending.length < this.#ahead && this.#next < this.#parts.length) {
      const [start, end] = this.#parts[this.#next++];
      const fetched = this.#fetch(start, end);
      fetched.catch((error) => {
        // The first failure stops the others at once; it is what the reader gets.
        if (this.#failure === null && !(error instanceof AbortedError)) this.#failure = error;
        this.#controller.abort();
      });
      this.#pending.push(fetched);
    }
  }

  async #fetch(start: number, end: number): Promise<FetchedPart> {
    this.#active++;
    try {
      const context: PartContext = {
        source: this.#source!,
        etag: this.#meta!.etag,
        objectSize: this.#meta!.size,
        maxAttempts: this.#maxAttempts,
        retryBaseDelayMs: this.#options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
        signal: this.#controller.signal,
        onReceived: () => {},
        onRetry: (error, attempt, delayMs) => this.#retry(error, attempt, delayMs),
      };
      const buffer = this.#free.pop() ?? new Uint8Array(this.#partSize);
      const bytes = await fetchPart(context, start, end, buffer);
      if (this.#worker) return await this.#worker.hash(bytes);
      return { bytes, crc: this.#hash!(bytes) };
    } finally {
      this.#active--;
    }
  }

  #retry(error: unknown, attempt: number, delayMs: number): void {
    this.#retries++;
    this.#notice({
      code: "RETRY",
      message: `${messageOf(error)}; retry ${attempt} in ${Math.round(delayMs)} ms`,
    });
  }

  #report(force: boolean): void {
    this.#meter?.report({
      activeParts: this.#active,
      partsDone: this.#partsDone,
      partsTotal: this.#parts.length,
    }, force);
  }

  #wholeObject(): boolean {
    const [first, last] = [this.#parts[0], this.#parts[this.#parts.length - 1]];
    return (first?.[0] ?? 0) === 0 && (last?.[1] ?? 0) === this.#meta!.size;
  }

  /** Compares the CRC-64 of all `bytes` with the server's (whole objects only). */
  #verify(bytes: number): void {
    const meta = this.#meta!;
    if (this.#wholeObject() && meta.crc64 !== null && bytes === meta.size) {
      if (this.#crc !== meta.crc64) throw new StreamIntegrityError(meta.crc64, this.#crc);
    }
  }

  #finish(): void {
    const meta = this.#meta!;
    if (this.#parts.length === 0) this.#verify(0);
    const verified = this.#wholeObject() && meta.crc64 !== null;
    const result: DownloadStreamResult = {
      bytes: this.#delivered,
      crc64: this.#crc.toString(),
      verified,
      verification: verified
        ? "CRC-64 of the bytes streamed matches the server's x-oss-hash-crc64ecma"
        : meta.crc64 === null
        ? "not verified: the server gave no x-oss-hash-crc64ecma; the CRC-64 was computed locally"
        : "not verified: OSS gives a CRC-64 for the whole object only, not for a range",
      etag: meta.etag,
      versionId: meta.versionId,
      retries: this.#retries,
      parts: this.#parts.length,
      durationMs: performance.now() - this.#started,
    };
    this.#report(true);
    this.#unlink();
    this.#worker?.close();
    this.#worker = null;
    this.#options.onResult?.(result);
  }
}
