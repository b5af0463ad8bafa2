/**
 * `download()`: fetch an object in parallel ranged parts into a temporary file beside the
 * destination, journaling durable progress so that any later run resumes exactly where this one
 * stopped, verify the CRC-64 against the server's, then atomically rename into place.
 *
 * @module
 */
import { IntegrityError, ObjectChangedError, OssdlError } from "../errors.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import type { BlockWriter, FileSystem, PositionalFile } from "../fs/file_system.ts";
import type { JournalHeader } from "../journal/journal.ts";
import { Journal } from "../journal/journal.ts";
import type { ObjectMeta, ObjectSource } from "../oss/object_source.ts";
import { ensureDirectory } from "../fs/ensure_directory.ts";
import { NoSyncFileSystem } from "../fs/no_sync_file_system.ts";
import { dirname } from "../path.ts";
import { processProbe } from "../runtime/process_probe.ts";
import { acquireLock, LOCK_SUFFIX } from "./download_lock.ts";
import { RangeIgnoredSignal } from "./fetch_segment.ts";
import { InlineBlockWriter } from "./inline_block_writer.ts";
import { openObjectSource } from "./open_object_source.ts";
import {
  DEFAULTS,
  type DownloadNotice,
  type DownloadOptions,
  type DownloadResult,
  type ResolvedTuning,
  resolveTuning,
} from "./options.ts";
import { type DurableSegment, remainingWork, splitRange } from "./plan.ts";
import { resolveDownloadPaths } from "./destination_path.ts";
import { createFresh, discard, type DownloadPaths, type StartingPoint } from "./prepare_files.ts";
import { ProgressMeter } from "./progress_meter.ts";
import { resumePoint } from "./resume_point.ts";
import { SequentialSource } from "./sequential_source.ts";
import { fileCrc64 } from "../verify/file_crc64.ts";
import { runSegments, type RunStats } from "./run_segments.ts";
import { Segment } from "./segment.ts";
import { tiledCrc } from "./recover_finished.ts";

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
  const given = options.fs ?? await defaultFileSystem();
  // Without durability every sync is skipped at the one place all of them go through.
  const fs = tuning.durability === "none" ? NoSyncFileSystem.wrap(given) : given;
  const source = await openObjectSource(options, given, tuning);
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
  let sequential = false;
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
        sequential,
      });
      return {
        ...outcome,
        durationMs: performance.now() - started,
        bytesFetched: stats.bytesFetched,
        parts: stats.parts,
        steals: stats.steals,
        retries: stats.retries,
        writesOffThread: stats.writesOffThread,
        durability: tuning.durability,
        restarts,
        notices,
      };
    } catch (error) {
      if (error instanceof RangeIgnoredSignal && !sequential) {
        // What is durable stays: the next attempt resumes from the journal and reads one
        // whole-object stream in order, writing only what is missing.
        sequential = true;
        fresh = false;
        notice({
          code: "RANGE_IGNORED",
          message: "the server ignores Range requests (it answered ranged GETs with the whole " +
            "object repeatedly); reading one stream in order instead, keeping what is on disk",
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
  /** Read one whole-object stream in order (the server ignores Range). */
  sequential: boolean;
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
  | "durability"
>;

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
  const sequential = input.sequential || !meta.acceptsRanges;
  const range = objectRange(options, meta);
  const paths = await resolveDownloadPaths(
    fs,
    options.destination,
    options.source,
    options.checkpoint,
  );
  // Missing directories are created (like curl --create-dirs): the lock file needs one.
  await ensureDirectory(fs, paths.directory);
  if (dirname(paths.journal) !== paths.directory) {
    await ensureDirectory(fs, dirname(paths.journal));
  }
  const probe = processProbe();
  const releases = [await acquireLock(fs, paths.destination + LOCK_SUFFIX, probe)];
  try {
    // A journal given by path may be shared by mistake with another destination: lock it too.
    if (options.checkpoint !== undefined) {
      releases.push(await acquireLock(fs, paths.journal + LOCK_SUFFIX, probe));
    }
    return await transfer(input, meta, sequential, range, paths);
  } finally {
    for (const release of releases.reverse()) await release();
  }
}

/** The download proper, under the destination's lock. */
async function transfer(
  input: AttemptInput,
  meta: ObjectMeta,
  sequential: boolean,
  [rangeStart, rangeEnd]: [number, number],
  paths: DownloadPaths,
): Promise<AttemptOutcome> {
  const { options, tuning, fs, notice, stats } = input;
  const isWholeObject = rangeStart === 0 && rangeEnd === meta.size;
  const length = rangeEnd - rangeStart;
  const header: JournalHeader = {
    format: JOURNAL_FORMAT,
    identity: input.source.identity,
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
  const journaled = length > tuning.partSize;

  if (!options.force && isWholeObject && meta.crc64 !== null) {
    const held = await destinationCrc(fs, paths.destination, length, options.signal);
    if (held === meta.crc64) {
      // Leftovers of an earlier attempt at this very object are of no use any more.
      await discard(fs, paths);
      notice({
        code: "UP_TO_DATE",
        message: `${paths.destination} already holds this object (same size and CRC-64 as the ` +
          `server's); nothing fetched (force downloads anyway)`,
      });
      return { ...outcome(paths, meta, length, held, 0, isWholeObject, 0), upToDate: true };
    }
  }

  let start: StartingPoint | null = null;
  let bytesReadBack = 0;
  if (journaled && !input.forceFresh) {
    const point = await resumePoint(fs, paths, header, notice, options.signal);
    if (point?.kind === "finished") {
      return outcome(paths, meta, length, point.crc64, length, isWholeObject, 0);
    }
    if (point) {
      start = point.start;
      bytesReadBack = point.bytesReadBack;
    }
  }
  // A fresh start removes any earlier journal (durably) before it touches the partial file.
  start ??= await createFresh(fs, paths, length, journaled ? header : null);

  const { file, journal } = start;
  const bytesResumed = start.segments.reduce((n, s) => n + (s.end - s.start), 0);
  const partSize = journaled ? tuning.partSize : Math.max(1, length);
  const work = remainingWork(rangeStart, rangeEnd, partSize, start.segments);
  const segments = work.map((w) => new Segment(w.segmentStart, w.from, w.end, w.prefixCrc));
  const meter = new ProgressMeter(
    length,
    bytesResumed,
    tuning.progressIntervalMs,
    options.onProgress,
  );
  const source = sequential ? new SequentialSource(input.source, meta.size) : input.source;
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
      objectSize: meta.size,
      sequential,
      segments,
      tuning,
      meter,
      signal: options.signal,
      slots: options.connectionSlots,
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
    // A run switching to one stream (RangeIgnoredSignal) resumes from these very files.
    const nothingKept = start.fresh && meter.done === 0 && !(error instanceof RangeIgnoredSignal);
    if (nothingKept || error instanceof ObjectChangedError || !journal) {
      await discard(fs, paths).catch(() => {});
    }
    throw error;
  } finally {
    if (source instanceof SequentialSource) await source.close();
  }

  let crc: bigint;
  try {
    await file.close();
    crc = await wholeCrc(rangeStart, rangeEnd, start.segments, live);
    if (isWholeObject && meta.crc64 !== null && crc !== meta.crc64) {
      await journal?.close();
      await discard(fs, paths);
      throw new IntegrityError(meta.crc64, crc);
    }
    await fs.rename(paths.partial, paths.destination);
    await fs.syncDir(paths.directory);
  } finally {
    await journal?.close().catch(() => {});
  }
  if (journal) await Journal.remove(fs, paths.journal);
  return outcome(paths, meta, length, crc, bytesResumed, isWholeObject, bytesReadBack);
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
  bytesReadBack: number,
): AttemptOutcome {
  const verified = isWholeObject && meta.crc64 !== null;
  return {
    upToDate: false,
    destination: paths.destination,
    bytes: length,
    crc64: crc.toString(),
    etag: meta.etag,
    versionId: meta.versionId,
    resumed: bytesResumed > 0,
    bytesResumed,
    bytesReadBack,
    verified,
    verification: verified
      ? "CRC-64 of the whole file matches the server's x-oss-hash-crc64ecma"
      : meta.crc64 === null
      ? "not verified: the server gave no x-oss-hash-crc64ecma; the CRC-64 was computed locally"
      : "not verified: OSS gives a CRC-64 for the whole object only, not for a range; each " +
        "part's CRC-64 was computed as it arrived and carried across resumes",
  };
}

/** The CRC-64 of the file at `path` when it is a file of `length` bytes, else `null`. */
async function destinationCrc(
  fs: FileSystem,
  path: string,
  length: number,
  signal: AbortSignal | undefined,
): Promise<bigint | null> {
  const info = await fs.stat(path);
  if (!info?.isFile || info.size !== length) return null;
  const { crc64, bytes } = await fileCrc64(path, { fs, signal });
  return bytes === length ? crc64 : null;
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
