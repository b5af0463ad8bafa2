/**
 * Run the workers over the segments: each pulls the next segment from the scheduler and streams it
 * into the data file; a committer makes progress durable by size, by time and when a part ends.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";
import type { BlockWriter, PositionalFile } from "../fs/file_system.ts";
import type { Journal } from "../journal/journal.ts";
import type { ObjectSource } from "../oss/object_source.ts";
import { Committer } from "./committer.ts";
import type { ConnectionSlots } from "./connection_slots.ts";
import { BufferPool, fetchSegment } from "./fetch_segment.ts";
import type { ResolvedTuning } from "./options.ts";
import type { ProgressMeter } from "./progress_meter.ts";
import { Scheduler } from "./scheduler.ts";
import { Segment } from "./segment.ts";

/**
 * Whole-object answers to ranged GETs, in a row, after which a run concludes that the server
 * ignores `Range` (one such answer is retried: a proxy or a flaky front end can send one).
 */
export const RANGE_IGNORED_AFTER = 3;

/** Counters a run reports. */
export interface RunStats {
  bytesFetched: number;
  retries: number;
  steals: number;
  parts: number;
  /** Blocks were written and hashed on a worker thread. */
  writesOffThread: boolean;
}

/** Everything a run needs. */
export interface RunInput {
  source: ObjectSource;
  /** The data file (the committer datasyncs it). */
  file: PositionalFile;
  /** Writes and hashes the blocks of the data file. */
  writer: BlockWriter;
  journal: Journal | null;
  fileOrigin: number;
  etag: string | null;
  /** The object's size: every ranged answer must report it as the total. */
  objectSize: number;
  /**
   * The source serves one stream in order (a server that ignores Range, see
   * `SequentialSource`): one worker, segments in order, no tail splitting.
   */
  sequential: boolean;
  segments: Segment[];
  tuning: ResolvedTuning;
  meter: ProgressMeter;
  signal: AbortSignal | undefined;
  /** Shared connection slots: a part's request holds one while it runs. */
  slots?: ConnectionSlots;
  stats: RunStats;
  onRetry(error: unknown, attempt: number, delayMs: number): void;
}

/**
 * Fetch every segment. On success every segment is written and (with a journal) committed. On
 * failure, what was written is committed as far as possible and the first error is thrown.
 * Returns all segments, including tails split off by work stealing.
 */
export async function runSegments(input: RunInput): Promise<readonly Segment[]> {
  const { tuning, meter, stats } = input;
  const internal = new AbortController();
  let failure: unknown = null;
  const fail = (error: unknown) => {
    if (failure === null) failure = error;
    internal.abort();
  };
  const onOuterAbort = () => fail(new AbortedError());
  if (input.signal?.aborted) onOuterAbort();
  input.signal?.addEventListener("abort", onOuterAbort, { once: true });

  // A tail is worth a new request when it is at least two buffers long.
  const minSteal = input.sequential ? Infinity : 2 * tuning.chunkSize;
  const scheduler = new Scheduler(
    input.segments,
    minSteal,
    (from, end) => new Segment(from, from, end, 0n),
  );
  const committer = input.journal
    ? new Committer(input.file, input.journal, () => scheduler.segments, tuning.journalCompactBytes)
    : null;
  const commitSoon = () => committer?.commit().catch(fail);
  let partsDone = 0;
  let active = 0;
  let wholeAnswers = 0;
  const parts = () => ({
    activeParts: active,
    partsDone,
    partsTotal: scheduler.segments.length,
  });

  const context = {
    source: input.source,
    writer: input.writer,
    fileOrigin: input.fileOrigin,
    etag: input.etag,
    objectSize: input.objectSize,
    onRangeAnswer(ranged: boolean): boolean {
      if (ranged) {
        wholeAnswers = 0;
        return false;
      }
      return ++wholeAnswers >= RANGE_IGNORED_AFTER;
    },
    maxAttempts: tuning.maxAttempts,
    retryBaseDelayMs: tuning.retryBaseDelayMs,
    signal: internal.signal,
    onWritten(segment: Segment) {
      if (segment.written - segment.durable >= tuning.commitBytes) commitSoon();
    },
    onReceived(bytes: number) {
      // Progress counts bytes as they arrive (not per buffered write), so slow links still move.
      stats.bytesFetched += bytes;
      meter.add(bytes);
      meter.report(parts());
    },
    onRetry(error: unknown, attempt: number, delayMs: number) {
      stats.retries++;
      input.onRetry(error, attempt, delayMs);
    },
  };

  // Buffers no bigger than the work: a small object does not allocate megabytes per worker.
  const remaining = input.segments.reduce((n, s) => n + s.remaining, 0);
  const bufferSize = Math.max(1, Math.min(tuning.chunkSize, remaining));
  const worker = async () => {
    // One buffer is filled while the previous one is written (a flush waits for the write before
    // it, so a third buffer would only sit in the pool: 1 MiB per connection saved).
    let pool: BufferPool | null = null;
    while (failure === null) {
      const segment = scheduler.next();
      if (!segment) return;
      active++;
      stats.parts++;
      let release: (() => void) | null = null;
      try {
        if (input.slots) release = await input.slots.acquire(internal.signal);
        // Buffers only once a connection is ours: waiting workers hold no memory.
        pool ??= new BufferPool(2, bufferSize);
        await fetchSegment(context, segment, pool);
        partsDone++;
        commitSoon();
      } catch (error) {
        fail(error);
      } finally {
        release?.();
        segment.active = false;
        active--;
      }
    }
  };

  const timer = committer
    ? setInterval(() => {
      if (scheduler.segments.some((s) => s.written > s.durable)) commitSoon();
    }, tuning.commitIntervalMs)
    : undefined;
  try {
    // No more workers than there is work for: the segments, or the tails worth splitting off.
    const workers = input.sequential ? 1 : Math.min(
      tuning.concurrency,
      Math.max(input.segments.length, Math.ceil(remaining / minSteal)),
    );
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    clearInterval(timer);
    input.signal?.removeEventListener("abort", onOuterAbort);
    stats.steals += scheduler.steals;
  }
  if (committer) {
    try {
      await committer.commit();
    } catch (error) {
      fail(error);
    }
  }
  if (failure !== null) throw failure;
  meter.report(parts(), true);
  return scheduler.segments;
}
