/**
 * `download()`: fetch an object in parallel ranged parts into a temporary file beside the
 * destination, journaling durable progress so that any later run resumes exactly where this one
 * stopped, verify the CRC-64 against the server's, then atomically rename into place.
 *
 * @module
 */
import { IntegrityError, ObjectChangedError, OssdlError, ProtocolError } from "../errors.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import type { BlockWriter, FileSystem, PositionalFile } from "../fs/file_system.ts";
import type { JournalHeader } from "../journal/journal.ts";
import { Journal } from "../journal/journal.ts";
import { createObjectSource } from "../oss/create_object_source.ts";
import type { ObjectMeta, ObjectSource } from "../oss/object_source.ts";
import { isRetryable } from "../oss/retry.ts";
import { basename, dirname } from "../path.ts";
import { readEnv } from "../runtime/env.ts";
import { processProbe } from "../runtime/process_probe.ts";
import { acquireLock, LOCK_SUFFIX } from "./download_lock.ts";
import { RangeIgnoredSignal } from "./fetch_segment.ts";
import { InlineBlockWriter } from "./inline_block_writer.ts";
import {
  DEFAULTS,
  type DownloadNotice,
  type DownloadOptions,
  type DownloadResult,
  JOURNAL_SUFFIX,
  PARTIAL_SUFFIX,
  type ResolvedTuning,
  resolveTuning,
} from "./options.ts";
import { type DurableSegment, remainingWork, splitRange } from "./plan.ts";
import {
  createFresh,
  discard,
  type DownloadPaths,
  openExisting,
  type StartingPoint,
} from "./prepare_files.ts";
import { ProgressMeter } from "./progress_meter.ts";
import { runSegments, type RunStats } from "./run_segments.ts";
import { Segment } from "./segment.ts";
import { finishFromDestination, tiledCrc } from "./recover_finished.ts";

/** The journal format this engine writes. */
const JOURNAL_FORMAT = 1;

/**
 * Download an object to a file: parallel ranged parts, resumable after any crash, verified by
 * CRC-64 against the server's `x-oss-hash-crc64ecma`. The destination appears only when the whole
 * object has arrived and checked out; until then the data lives in `<destination>.ossdl-part` and
 * progress in `<destination>.ossdl-journal`. Run the same call again after an interruption and it
 * continues from the last durable byte.
 *
 * @example
 * ```ts ignore
 * import { download } from "./download.ts";
 * const result = await download({
 *   source: "oss://my-bucket/big/file.zip",
 *   destination: "./file.zip",
 *   region: "cn-hangzhou",
 *   onProgress: (p) => console.log(`${p.bytesDone}/${p.bytesTotal}`),
 * });
 * console.log(result.verified, result.crc64);
 * ```
 */
export async function download(options: DownloadOptions): Promise<DownloadResult> {
  if (typeof options.destination !== "string" || options.destination === "") {
    throw new TypeError("destination must be a non-empty file path");
  }
  const tuning = resolveTuning(options);
  const fs = options.fs ?? await defaultFileSystem();
  const source = createObjectSource(options.source, {
    endpoint: options.endpoint,
    region: options.region,
    signatureVersion: options.signatureVersion,
    credentials: options.credentials,
    env: options.env ?? readEnv,
    pathStyle: options.pathStyle,
    versionId: options.versionId,
    fetch: options.fetch,
    retry: { maxAttempts: tuning.maxAttempts, baseDelayMs: tuning.retryBaseDelayMs },
  });
  const started = performance.now();
  const notices: DownloadNotice[] = [];
  const notice = (n: DownloadNotice) => {
    notices.push(n);
    options.onNotice?.(n);
  };
  const stats: RunStats = {
    bytesFetched: 0,
    retries: 0,
    steals: 0,
    parts: 0,
    writesOffThread: false,
  };
  let restarts = 0;
  let changes = 0;
  let fresh = options.resume === false;
  let whole = false;
  for (;;) {
    try {
      const outcome = await attempt({
        options,
        tuning,
        fs,
        source,
        notice,
        stats,
        forceFresh: fresh,
        whole,
      });
      return {
        ...outcome,
        durationMs: performance.now() - started,
        bytesFetched: stats.bytesFetched,
        parts: stats.parts,
        steals: stats.steals,
        retries: stats.retries,
        writesOffThread: stats.writesOffThread,
        restarts,
        notices,
      };
    } catch (error) {
      if (error instanceof RangeIgnoredSignal && !whole) {
        whole = true;
        fresh = true;
        restarts++;
        notice({
          code: "RANGE_IGNORED",
          message: "the server ignores Range requests; downloading with one stream instead",
        });
        continue;
      }
      if (error instanceof ObjectChangedError && changes === 0) {
        changes++;
        restarts++;
        fresh = true;
        notice({ code: "OBJECT_CHANGED", message: `${error.message}; starting over` });
        continue;
      }
      if (whole && isRetryable(error) && restarts < tuning.maxAttempts) {
        restarts++;
        fresh = true;
        notice({
          code: "RETRY",
          message: `${messageOf(error)}; this server cannot resume, starting over`,
        });
        continue;
      }
      throw error;
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface AttemptInput {
  options: DownloadOptions;
  tuning: ResolvedTuning;
  fs: FileSystem;
  source: ObjectSource;
  notice: (n: DownloadNotice) => void;
  stats: RunStats;
  forceFresh: boolean;
  whole: boolean;
}

type AttemptOutcome = Omit<
  DownloadResult,
  | "durationMs"
  | "bytesFetched"
  | "parts"
  | "steals"
  | "retries"
  | "restarts"
  | "notices"
  | "writesOffThread"
>;

async function resolvePaths(fs: FileSystem, options: DownloadOptions, key: string) {
  let destination = options.destination;
  const info = await fs.stat(destination);
  if (info?.isDirectory || /[\\/]$/.test(destination)) {
    let name = basename(key.split("?")[0]);
    try {
      if (/^https?:/.test(key)) name = decodeURIComponent(name);
    } catch { /* keep it encoded */ }
    if (!name) throw new TypeError(`cannot name a file in ${destination}: the key ends with "/"`);
    destination = destination.replace(/[\\/]*$/, "/") + name;
  }
  return {
    destination,
    partial: destination + PARTIAL_SUFFIX,
    journal: options.checkpoint ?? destination + JOURNAL_SUFFIX,
    directory: dirname(destination),
  } satisfies DownloadPaths;
}

function objectRange(options: DownloadOptions, meta: ObjectMeta): [number, number] {
  const start = options.range?.start ?? 0;
  const end = options.range?.end ?? meta.size;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`range must satisfy 0 <= start <= end, got ${start}-${end}`);
  }
  if (end > meta.size) {
    throw new RangeError(`range end ${end} is past the end of the object (${meta.size} bytes)`);
  }
  return [start, end];
}

async function attempt(input: AttemptInput): Promise<AttemptOutcome> {
  const { options, fs, source, notice, stats } = input;
  const meta = await source.stat({
    signal: options.signal,
    onRetry: ({ attempt, delayMs, error }) => {
      stats.retries++;
      notice({
        code: "RETRY",
        message: `${messageOf(error)}; retry ${attempt} in ${Math.round(delayMs)} ms`,
      });
    },
  });
  const whole = input.whole || !meta.acceptsRanges;
  const [rangeStart, rangeEnd] = objectRange(options, meta);
  const isWholeObject = rangeStart === 0 && rangeEnd === meta.size;
  if (whole && !isWholeObject) {
    throw new ProtocolError("the server ignores Range requests, so a byte range cannot be fetched");
  }
  const paths = await resolvePaths(fs, options, source.displayName);
  const release = await acquireLock(fs, paths.destination + LOCK_SUFFIX, processProbe());
  try {
    return await transfer(input, meta, whole, [rangeStart, rangeEnd], paths);
  } finally {
    await release();
  }
}

/** The download proper, under the destination's lock. */
async function transfer(
  input: AttemptInput,
  meta: ObjectMeta,
  whole: boolean,
  [rangeStart, rangeEnd]: [number, number],
  paths: DownloadPaths,
): Promise<AttemptOutcome> {
  const { options, tuning, fs, source, notice, stats } = input;
  const isWholeObject = rangeStart === 0 && rangeEnd === meta.size;
  const length = rangeEnd - rangeStart;
  const header: JournalHeader = {
    format: JOURNAL_FORMAT,
    identity: source.identity,
    size: meta.size,
    etag: meta.etag,
    lastModified: meta.lastModified,
    crc64: meta.crc64 === null ? null : meta.crc64.toString(),
    versionId: options.versionId ?? meta.versionId,
    rangeStart,
    rangeEnd,
    partSize: tuning.partSize,
    parts: splitRange(rangeStart, rangeEnd, tuning.partSize),
    createdAt: new Date().toISOString(),
  };
  const journaled = !whole && length > tuning.partSize;

  let start: StartingPoint | null = null;
  if (journaled && !input.forceFresh) {
    const existing = await openExisting(fs, paths, header, notice);
    if (existing) {
      const info = await fs.stat(paths.partial);
      if (info?.isFile && info.size === length) {
        const file = await fs.open(paths.partial);
        start = { file, journal: existing.journal, segments: existing.segments, fresh: false };
      } else {
        const finished = await finishFromDestination(fs, paths, existing.segments, header);
        if (finished) {
          await existing.journal.close();
          await Journal.remove(fs, paths.journal);
          return outcome(paths, meta, length, finished, length, isWholeObject);
        }
        await existing.journal.close();
        notice({
          code: "PARTIAL_MISSING",
          message:
            `the partial file ${paths.partial} is missing or has the wrong size; starting over`,
        });
      }
    }
  }
  if (!start) {
    start = await createFresh(fs, paths, length, journaled ? header : null);
    if (!journaled) await Journal.remove(fs, paths.journal).catch(() => {});
  }

  const { file, journal } = start;
  const bytesResumed = start.segments.reduce((n, s) => n + (s.end - s.start), 0);
  // A server without ranges is read in one stream; so is anything kept without a journal.
  const partSize = journaled ? tuning.partSize : Math.max(1, length);
  const work = remainingWork(rangeStart, rangeEnd, partSize, start.segments);
  const segments = work.map((w) => new Segment(w.segmentStart, w.from, w.end, w.prefixCrc));
  const meter = new ProgressMeter(
    length,
    bytesResumed,
    tuning.progressIntervalMs,
    options.onProgress,
  );
  let live: readonly Segment[];
  let writer: BlockWriter | null = null;
  try {
    writer = await blockWriter(fs, paths.partial, file, options, tuning, length - bytesResumed);
    stats.writesOffThread = !(writer instanceof InlineBlockWriter);
    live = await runSegments({
      source,
      file,
      writer,
      journal,
      fileOrigin: rangeStart,
      etag: meta.etag,
      whole,
      segments,
      tuning,
      meter,
      signal: options.signal,
      stats,
      onRetry: (error, attempt, delayMs) =>
        notice({
          code: "RETRY",
          message: `${messageOf(error)}; retry ${attempt} in ${Math.round(delayMs)} ms`,
        }),
    });
    await writer.close();
    if (!journal) await file.datasync();
  } catch (error) {
    await writer?.close().catch(() => {});
    await file.close().catch(() => {});
    await journal?.close().catch(() => {});
    const nothingKept = start.fresh && meter.done === 0;
    const changed = error instanceof ObjectChangedError || error instanceof RangeIgnoredSignal;
    if (nothingKept || changed || !journal) {
      await discard(fs, paths).catch(() => {});
    }
    throw error;
  }
  await file.close();

  const crc = await wholeCrc(rangeStart, rangeEnd, start.segments, live);
  if (isWholeObject && meta.crc64 !== null && crc !== meta.crc64) {
    await journal?.close();
    await discard(fs, paths);
    throw new IntegrityError(meta.crc64, crc);
  }
  await fs.rename(paths.partial, paths.destination);
  await fs.syncDir(paths.directory);
  if (journal) {
    await journal.close();
    await Journal.remove(fs, paths.journal);
  }
  return outcome(paths, meta, length, crc, bytesResumed, isWholeObject);
}

/**
 * Write and hash on a worker thread when the file system offers it and the work is worth a
 * thread's start-up (`writeInWorker` forces either way), else on this thread.
 */
async function blockWriter(
  fs: FileSystem,
  path: string,
  file: PositionalFile,
  options: DownloadOptions,
  tuning: ResolvedTuning,
  bytesToFetch: number,
): Promise<BlockWriter> {
  const wanted = options.writeInWorker ?? bytesToFetch >= DEFAULTS.workerMinBytes;
  const offThread = wanted && fs.openBlockWriter
    ? await fs.openBlockWriter(path, { maxWriteBytes: tuning.maxWriteBytes })
    : null;
  return offThread ?? await InlineBlockWriter.create(file);
}

function outcome(
  paths: DownloadPaths,
  meta: ObjectMeta,
  length: number,
  crc: bigint,
  bytesResumed: number,
  isWholeObject: boolean,
): AttemptOutcome {
  const verified = isWholeObject && meta.crc64 !== null;
  return {
    destination: paths.destination,
    bytes: length,
    crc64: crc.toString(),
    etag: meta.etag,
    versionId: meta.versionId,
    resumed: bytesResumed > 0,
    bytesResumed,
    verified,
    verification: verified
      ? "CRC-64 of the whole file matches the server's x-oss-hash-crc64ecma"
      : meta.crc64 === null
      ? "not verified: the server gave no x-oss-hash-crc64ecma; the CRC-64 was computed locally"
      : "not verified: OSS gives a CRC-64 for the whole object only, not for a range; each " +
        "part's CRC-64 was computed as it arrived and carried across resumes",
  };
}

/** Combine every segment's CRC in order; they must tile `[start, end)` exactly. */
async function wholeCrc(
  start: number,
  end: number,
  durable: readonly DurableSegment[],
  live: readonly Segment[],
): Promise<bigint> {
  const byStart = new Map<number, DurableSegment>();
  for (const s of durable) byStart.set(s.start, s);
  for (const s of live) {
    byStart.set(s.start, { start: s.start, end: s.written, crc64: await s.crc() });
  }
  const crc = tiledCrc(start, end, [...byStart.values()]);
  if (crc === null) {
    throw new OssdlError(
      "INTEGRITY_MISMATCH",
      "internal error: the parts do not tile the range",
      "report this bug; run again with --no-resume",
    );
  }
  return crc;
}
