/**
 * One small object of a prefix download (at most one part): one GET, conditional on the ETag the
 * listing gave (no HEAD), streamed into a temporary file beside the destination while it is
 * hashed, checked against the response's `x-oss-hash-crc64ecma`, made durable, and renamed into
 * place; the directory's sync is shared with the other objects renamed there meanwhile. No journal
 * and no per-object lock: the prefix download holds its directory's lock, and the temporary name
 * (`<destination>.ossdl-small`) is its own. A retry continues from the last byte received.
 *
 * @module
 */
import { AbortedError, IntegrityError, NetworkError, OssdlError } from "../errors.ts";
import type { FileSystem, PositionalFile } from "../fs/file_system.ts";
import { combineCrc64 } from "../crc64/combine.ts";
import { crc64Of } from "../crc64/crc64.ts";
import type { ConnectionSlots } from "../download/connection_slots.ts";
import type { ObjectSource, ReadResponse } from "../oss/object_source.ts";
import { waitToRetry } from "../oss/retry.ts";
import { settlesOnAbort } from "../oss/network_failure.ts";
import { BodyReader, LandingBuffer } from "../download/body_reader.ts";
import type { DirectorySyncs } from "./directory_syncs.ts";

/** The suffix of the temporary file of a small object (keys ending in `.ossdl-<word>` are refused). */
export const SMALL_TEMP_SUFFIX = ".ossdl-small";

/** Bytes written to the file at a time (and held per request at most). */
export const STAGE_BYTES = 1024 * 1024;
/**
 * The stage of an object of at most this size: it is written in one piece from a stage of its own
 * size class, so that a run of small objects holds (and touches) a quarter of the memory.
 */
export const SMALL_STAGE_BYTES = 256 * 1024;
/** Bytes per BYOB read at most. */
const LANDING_BYTES = 256 * 1024;

/** The buffers one request uses: what it writes from, and where its body's reads land. */
export interface StageBuffers {
  /** Filled from the body, written to the file when full or at the end. */
  stage: Uint8Array;
  /** Where BYOB reads land before they are copied into the stage. */
  landing: LandingBuffer;
}

/**
 * Staging buffers shared by the small objects of a run: one is taken for each request (while its
 * connection slot is held) and given back after its last write, so a run of thousands of objects
 * reuses a few megabytes instead of allocating (and leaving to the garbage collector) a buffer per
 * object. Two size classes: {@linkcode SMALL_STAGE_BYTES} for the objects that fit in it,
 * {@linkcode STAGE_BYTES} for the others, each kept up to `keep` buffers.
 *
 * @example
 * ```ts
 * import { StagePool } from "./small_object.ts";
 * const pool = new StagePool();
 * const buffers = pool.take(16384); // a stage of SMALL_STAGE_BYTES
 * pool.give(buffers);
 * ```
 */
export class StagePool {
  #small: StageBuffers[] = [];
  #large: StageBuffers[] = [];
  #keep: number;

  /** @param keep buffers kept for reuse at most, per size class (more are left to the collector) */
  constructor(keep = 64) {
    this.#keep = keep;
  }

  /**
   * A stage for an object of `objectSize` bytes ({@linkcode SMALL_STAGE_BYTES} when it fits
   * there, else {@linkcode STAGE_BYTES}) and a landing buffer for the body's reads.
   */
  take(objectSize: number = Infinity): StageBuffers {
    const small = objectSize <= SMALL_STAGE_BYTES;
    return (small ? this.#small : this.#large).pop() ?? {
      stage: new Uint8Array(small ? SMALL_STAGE_BYTES : STAGE_BYTES),
      landing: new LandingBuffer(LANDING_BYTES),
    };
  }

  /** Give buffers back (their bytes are no longer needed). */
  give(buffers: StageBuffers): void {
    const free = buffers.stage.length === SMALL_STAGE_BYTES ? this.#small : this.#large;
    if (free.length < this.#keep) free.push(buffers);
  }
}

/** What {@linkcode fetchSmallObject} needs. */
export interface SmallObjectInput {
  /** The object. */
  source: ObjectSource;
  /** The file system. */
  fs: FileSystem;
  /** Where the object goes. */
  destination: string;
  /** The destination's directory (synced after the rename). */
  directory: string;
  /** The size the listing gave (> 0). */
  size: number;
  /** The ETag the listing gave, sent as `If-Match`; `null` sends none. */
  etag: string | null;
  /** The cap on open connections. */
  slots: ConnectionSlots;
  /** Shared directory syncs. */
  syncs: DirectorySyncs;
  /** Staging buffers shared with the other objects. @default a buffer of its own */
  stages?: StagePool;
  /** Attempts in total. */
  maxAttempts: number;
  /** Backoff base in ms. */
  retryBaseDelayMs: number;
  /** Stops the fetch (the temporary file is removed). */
  signal: AbortSignal;
  /** Told of every byte received and kept. */
  onReceived?: (bytes: number) => void;
  /** Told before each retry. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** What {@linkcode fetchSmallObject} found. */
export interface SmallObjectResult {
  /** CRC-64 of the file (the object's). */
  crc64: bigint;
  /** `true` when the server gave a CRC-64 and it matched. */
  verified: boolean;
  /** The ETag of the answer (the listed one, by `If-Match`), or `null`. */
  etag: string | null;
  /** Bytes received from the network (more than the size after retries). */
  bytesFetched: number;
}

/**
 * Fetch a small object into `destination`, verified and durable when it resolves. Rejects with
 * `ObjectChangedError` when the object is no longer the listed one (412, another size), with
 * `IntegrityError` on a CRC-64 mismatch (nothing is renamed), with `RetriesExhaustedError` after
 * the last retry, with `AbortedError` when stopped.
 *
 * @example
 * ```ts ignore
 * const r = await fetchSmallObject({ source, fs, destination: "d/a.txt", directory: "d",
 *   size: 3, etag: '"..."', slots, syncs, maxAttempts: 5, retryBaseDelayMs: 200, signal });
 * console.log(r.verified, r.crc64);
 * ```
 */
export async function fetchSmallObject(input: SmallObjectInput): Promise<SmallObjectResult> {
  const { fs, destination, size, signal } = input;
  const temp = destination + SMALL_TEMP_SUFFIX;
  const hash = await crc64Of();
  const stages = input.stages ?? new StagePool(0);
  let stage: Uint8Array = new Uint8Array(0); // taken for each request
  let landing = new LandingBuffer(0);
  let staged = 0;
  let written = 0; // bytes in the file
  let crc = 0n; // of the bytes in the file
  let etag = input.etag;
  let serverCrc: bigint | null = null;
  let bytesFetched = 0;
  let attempt = 0;
  let file: PositionalFile | null = await fs.open(temp, { create: true, truncate: true });
  const flush = async () => {
    if (staged === 0) return;
    const block = stage.subarray(0, staged);
    await file!.write(block, written);
    crc = written === 0 ? hash(block) : combineCrc64(crc, hash(block), staged);
    written += staged;
    staged = 0;
  };
  try {
    while (written + staged < size) {
      if (signal.aborted) throw new AbortedError();
      const from = written + staged;
      const progressBefore = from;
      const release = await input.slots.acquire(signal);
      ({ stage, landing } = stages.take(size));
      let response: ReadResponse | null = null;
      try {
        response = await input.source.read({
          start: from,
          end: size,
          whole: from === 0,
          etag,
          objectSize: size,
          signal,
        });
        if (from > 0 && !response.ranged) {
          // The whole object again (a server or proxy that ignores Range): take it from byte 0.
          written = 0;
          staged = 0;
          crc = 0n;
        }
        etag ??= response.etag;
        if (response.crc64 !== null) serverCrc = response.crc64;
        // BYOB reads into a reused landing buffer where the body allows them (no chunk
        // allocated per read); bodies of the OSS layer settle on abort by themselves.
        const guard = settlesOnAbort(response.body) ? undefined : signal;
        const body = BodyReader.open(response.body, landing, guard);
        response = null;
        try {
          while (written + staged < size) {
            const room = Math.min(stage.length - staged, size - written - staged);
            const n = await body.readInto(stage, staged, room);
            if (n === null) break;
            bytesFetched += n;
            input.onReceived?.(n);
            staged += n;
            if (staged === stage.length) await flush();
          }
          // Read to the end (the connection then goes back to the pool), and refuse more bytes.
          if (written + staged === size && (await body.readInto(stage, staged, 1)) !== null) {
            throw new NetworkError(`the response is longer than the object (${size} bytes)`);
          }
        } finally {
          await body.cancel();
        }
        if (written + staged < size) {
          throw new NetworkError(`the response ended early at byte ${written + staged} of ${size}`);
        }
        await flush();
      } catch (error) {
        release(); // not held through the backoff
        await response?.body.cancel().catch(() => {});
        // What arrived intact is valid data at its offset: keep it, continue after it.
        await flush();
        if (signal.aborted) {
          throw error instanceof OssdlError ? error : new AbortedError({ cause: error });
        }
        if (written > progressBefore) attempt = 0;
        attempt++;
        await waitToRetry(
          error,
          attempt,
          { maxAttempts: input.maxAttempts, baseDelayMs: input.retryBaseDelayMs },
          signal,
          input.onRetry,
        );
      } finally {
        // Everything received is in the file by now (or the fetch failed for good).
        staged = 0;
        stages.give({ stage, landing });
        release();
      }
    }
    if (serverCrc !== null && serverCrc !== crc) throw new IntegrityError(serverCrc, crc);
    await file.datasync();
    const open = file;
    file = null;
    await open.close();
    await fs.rename(temp, destination);
  } catch (error) {
    await file?.close().catch(() => {});
    await fs.remove(temp).catch(() => {});
    throw error;
  }
  await input.syncs.sync(input.directory);
  return { crc64: crc, verified: serverCrc !== null, etag, bytesFetched };
}
