/**
 * A harness for crash tests that start from a prepared disk. Snapshot a memory file system (the
 * files a stopped or crashed earlier run left); then, for every counted file-system operation k of
 * one download, rebuild the disk from the snapshot, crash the download at k, restart in a crash
 * mode, check the durability invariants, and run the download again.
 *
 * Invariants checked at every k:
 * 1. every segment the durable journal claims is durably in the partial file (or, after the final
 *    rename, in the destination) with the claimed CRC-64: at the instant of the crash (what is
 *    durable whatever happens to un-synced data) and after the restart in the chosen mode. A claim
 *    that was already false in the starting disk (damage a test made on purpose, such as a removed
 *    or shortened partial file) is exempt: the engine did not make it;
 * 2. the destination is absent or holds exactly the expected object;
 * 3. the next run ends with exactly the expected object and `verified: true`, or fails with an
 *    `OssdlError`; after such an error the destination is absent or exact and the run after it
 *    (the user runs the command again) succeeds;
 * 4. after success, neither the partial file nor the journal is left.
 *
 * All crash points run; the violations are grouped by kind and reported together.
 */
import assert from "node:assert/strict";
import { download } from "../src/download/download.ts";
import type { DownloadOptions, DownloadResult } from "../src/download/options.ts";
import { createCrc64 } from "../src/crc64/crc64.ts";
import { OssdlError } from "../src/errors.ts";
import {
  MemoryFileSystem,
  type MemoryOperation,
  SimulatedCrash,
} from "../src/fs/memory_file_system.ts";
import { replayJournal } from "../src/journal/journal.ts";
import { DEST, sameBytes } from "./_engine_fixture.ts";

/** The partial file of `DEST`. */
export const PARTIAL = DEST + ".ossdl-part";
/** The journal of `DEST`. */
export const JOURNAL = DEST + ".ossdl-journal";

/**
 * Small parts, blocks and commits, three parts at once and frequent compaction, so that a crash
 * test of a few hundred kilobytes passes every kind of file-system operation many times.
 */
export const CRASH_TUNING = {
  partSize: 48 * 1024,
  chunkSize: 8 * 1024,
  commitBytes: 16 * 1024,
  concurrency: 3,
  journalCompactBytes: 600,
} satisfies Partial<DownloadOptions>;

/**
 * What happens at a crash: a power cut that tears, loses or keeps un-synced operations, or
 * `"process"`, a killed process (`crash({ processOnly: true })`: everything the OS accepted stays).
 */
export type CrashMode = "torn" | "lost" | "kept" | "process";
/** The three power-cut modes. */
export const MODES: readonly CrashMode[] = ["torn", "lost", "kept"];

/** The files of a disk, to rebuild it (all durable) any number of times. */
export type DiskSnapshot = ReadonlyMap<string, Uint8Array>;

/** The live files of `fs`: what is on disk once the process stopped and the OS wrote it out. */
export function snapshot(fs: MemoryFileSystem): DiskSnapshot {
  const files = new Map<string, Uint8Array>();
  for (const path of fs.listFiles()) files.set(path, fs.readLive(path)!);
  return files;
}

/** A memory file system holding `disk`, all durable, with `/data`. */
export function fromSnapshot(
  disk: DiskSnapshot,
  options: { seed?: number; crashAt?: number } = {},
): MemoryFileSystem {
  const fs = new MemoryFileSystem(options);
  fs.mkdirDurable("/data");
  for (const [path, bytes] of disk) fs.writeDurable(path, bytes);
  return fs;
}

/** A copy of `disk` changed by `edit` (which may add, replace or delete files). */
export function editSnapshot(
  disk: DiskSnapshot,
  edit: (files: Map<string, Uint8Array>) => void,
): DiskSnapshot {
  const files = new Map(disk);
  edit(files);
  return files;
}

/** One violated invariant: `kind` groups equal violations, `detail` tells this one. */
class Violation extends Error {
  readonly kind: string;
  constructor(kind: string, detail = "") {
    super(detail ? `${kind}: ${detail}` : kind);
    this.kind = kind;
  }
}

function must(condition: unknown, kind: string, detail?: string): asserts condition {
  if (!condition) throw new Violation(kind, detail);
}

interface Claims {
  /** Claims (`start-end-crc64`) that the data does not hold. */
  bad: string[];
  /** Bytes claimed. */
  claimed: number;
}

/** The claims of `journal` that `data` does not hold. Throws when the journal does not replay. */
async function checkAgainst(journal: Uint8Array | null, data: Uint8Array | null): Promise<Claims> {
  if (!journal) return { bad: [], claimed: 0 };
  const replay = await replayJournal(journal);
  const origin = replay.header.rangeStart;
  const bad: string[] = [];
  let claimed = 0;
  // One hasher, reset per segment (a new one per call is slow on Bun).
  const hasher = await createCrc64();
  for (const s of replay.segments) {
    claimed += s.end - s.start;
    const bytes = data?.subarray(s.start - origin, s.end - origin);
    hasher.reset();
    if (bytes) hasher.update(bytes);
    if (!bytes || bytes.length !== s.end - s.start || hasher.digest() !== s.crc64) {
      bad.push(`${s.start}-${s.end}-${s.crc64}`);
    }
  }
  return { bad, claimed };
}

/**
 * The claims of the starting disk's journal that its partial file does not hold; a journal that
 * does not replay (damaged on purpose) claims nothing.
 */
export async function startingClaims(disk: DiskSnapshot): Promise<Claims> {
  try {
    return await checkAgainst(disk.get(JOURNAL) ?? null, disk.get(PARTIAL) ?? null);
  } catch {
    return { bad: [], claimed: 0 };
  }
}

/** What the checks of invariant 1 tolerate because the starting disk already had it. */
interface Exempt {
  /** Claims (`start-end-crc64`) that were already false. */
  claims: ReadonlySet<string>;
  /** The starting journal, whose damage (if any) the engine did not make. */
  journal: Uint8Array | null;
}

/** Invariant 1 on the durable state of `fs`; returns the bytes the journal claims. */
async function checkClaims(fs: MemoryFileSystem, exempt: Exempt, when: string): Promise<number> {
  // After the final rename the data lives at the destination until the journal is removed.
  const partial = fs.readDurable(PARTIAL);
  const data = partial ?? fs.readDurable(DEST);
  const journal = fs.readDurable(JOURNAL);
  let claims: Claims;
  try {
    claims = await checkAgainst(journal, data);
  } catch (error) {
    // A crash may tear the last record, never damage the journal; damage it started with is not.
    if (journal && exempt.journal && sameBytes(journal, exempt.journal)) return 0;
    throw new Violation(`${when}: the durable journal does not replay`, messageOf(error));
  }
  const bad = claims.bad.filter((k) => !exempt.claims.has(k));
  const file = partial ? "partial file" : data ? "destination" : "partial file (absent)";
  must(
    bad.length === 0,
    `${when}: the durable journal claims bytes the durable ${file} does not hold`,
    `${bad.length} segment(s) [${bad.slice(0, 3).join(", ")}${bad.length > 3 ? ", ..." : ""}]` +
      " (start-end-crc64)",
  );
  return claims.claimed;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** One scenario: a starting disk and the run to crash. */
export interface CrashScenario {
  /** Shown in failures. */
  name: string;
  /** The disk the crashed run starts from. */
  start: DiskSnapshot;
  /** The object the download must end with. */
  expected: Uint8Array;
  /** Options of the run that is crashed, on `fs`. */
  run(fs: MemoryFileSystem): DownloadOptions;
  /** Options of the runs after the restart (default: `run`). */
  next?(fs: MemoryFileSystem): DownloadOptions;
  /** Also check that the next run fetches no more than the bytes the journal did not claim. */
  refetchBound?: boolean;
  /** The crash modes to rotate through. @default MODES (the three power cuts) */
  modes?: readonly CrashMode[];
  /**
   * `false` for runs that promise nothing at a power cut (`durability: "none"`): after a power-cut
   * mode, the journal's claims are not checked (the next run's read-back must catch false ones)
   * and neither is the refetch bound; the destination and the next run are checked as always.
   * Process crashes are checked in full. @default true
   */
  powerCutSafe?: boolean;
  /** Seed of the crash randomness. */
  seed: number;
}

/** What a scenario did. */
export interface CrashReport {
  name: string;
  /** Bytes the starting journal claims, and how many of its segments are false. */
  startClaimed: number;
  startFalseClaims: number;
  /** Counted operations of a clean run from the starting disk. */
  operations: number;
  /** Crashed runs (one per k and mode). */
  crashes: number;
  /** Operations k at which a run crashed (a run that ends before k does not). */
  crashPoints: number;
  /** Crashed runs per outcome of the next run. */
  outcomes: Record<string, number>;
  /** Files left beside the destination after a successful next run (not a failure). */
  leftovers: Set<string>;
  /** Violations by kind: how many, at which operations and modes, and the first one in full. */
  violations: Map<string, { count: number; at: Set<string>; modes: Set<CrashMode>; first: string }>;
}

/**
 * Crash modes to try at operation k, in order: all three where a run decides what to keep (until
 * just after its first write of data) and where it finishes (from just before the rename into
 * place), one in turn while data flows. The modes differ only in what becomes of un-synced data,
 * so the others are skipped when the first crash left none (see `crashOnce`).
 */
function modesAt(
  k: number,
  firstWrite: number,
  finish: number,
  modes: readonly CrashMode[] = MODES,
): readonly CrashMode[] {
  const n = modes.length;
  const first = k % n;
  if (k <= firstWrite + 1 || k >= finish - 2) {
    return Array.from({ length: n }, (_, i) => modes[(first + i) % n]);
  }
  return [modes[first]];
}

/**
 * Crash the scenario's run at every operation, in the crash modes of {@linkcode modesAt}, and
 * check the invariants. Throws an `AssertionError` that lists the violations, if any.
 */
export async function crashAtEveryOperation(scenario: CrashScenario): Promise<CrashReport> {
  const starting = await startingClaims(scenario.start);
  const exempt: Exempt = {
    claims: new Set(starting.bad),
    journal: scenario.start.get(JOURNAL) ?? null,
  };
  // A clean run to count the operations; it must succeed (the scenario starts from a valid disk).
  const counting = fromSnapshot(scenario.start, { seed: scenario.seed });
  const clean = await download(scenario.run(counting));
  try {
    checkSuccess(counting, scenario, clean, "the run without a crash");
  } catch (error) {
    assert.fail(`${scenario.name}: ${error instanceof Error ? error.message : error}`);
  }
  const ops = counting.operations;
  const total = ops.length;
  const firstWrite = ops.findIndex((o) => o.op === "write" && o.path === PARTIAL) + 1 || total;
  const finish = ops.findIndex((o) => o.op === "rename" && o.to === DEST) + 1 || total;
  const report: CrashReport = {
    name: scenario.name,
    startClaimed: starting.claimed,
    startFalseClaims: starting.bad.length,
    operations: total,
    crashes: 0,
    crashPoints: 0,
    outcomes: {},
    leftovers: new Set(),
    violations: new Map(),
  };
  for (let k = 1; k <= total; k++) {
    const before = report.crashes;
    for (const mode of modesAt(k, firstWrite, finish, scenario.modes)) {
      const at = `${k} ${describe(ops[k - 1])}`;
      const { problems, unsynced } = await crashOnce(scenario, k, mode, exempt, report);
      for (const p of problems) {
        const kind = p instanceof Violation ? p.kind : `unexpected ${messageOf(p)}`;
        const seen = report.violations.get(kind) ??
          {
            count: 0,
            at: new Set(),
            modes: new Set(),
            first: `crash at ${at}, ${mode}: ${p instanceof Error ? p.message : p}`,
          };
        seen.count++;
        seen.at.add(at);
        seen.modes.add(mode);
        report.violations.set(kind, seen);
      }
      if (!unsynced) break; // the other modes would leave the same disk
    }
    if (report.crashes > before) report.crashPoints++;
  }
  if (report.violations.size > 0) assert.fail(describeViolations(report));
  return report;
}

/** The violations of a report, one paragraph per kind. */
export function describeViolations(report: CrashReport): string {
  const lines = [`${report.name}: ${report.crashes} crashes of ${report.operations} operations`];
  for (const [kind, v] of report.violations) {
    const at = [...v.at];
    lines.push(
      `- ${kind}: ${v.count} time(s), modes ${[...v.modes].join("/")}, at operation(s) ` +
        `${at.slice(0, 8).join("; ")}${at.length > 8 ? `; ... (${at.length} in all)` : ""}`,
      `    first: ${v.first}`,
    );
  }
  return lines.join("\n");
}

function describe(op: MemoryOperation | undefined): string {
  if (!op) return "?";
  const short = (p: string) => p.replace(/^\/data\/out\.bin/, "") || "<dest>";
  return `${op.op} ${short(op.path)}${op.to ? " -> " + short(op.to) : ""}`;
}

/**
 * One crash at `k` in `mode`, then the checks. Returns the violations (and unexpected errors), and
 * whether the crash left un-synced data in the download's files (so that another mode could
 * leave another disk).
 */
async function crashOnce(
  scenario: CrashScenario,
  k: number,
  mode: CrashMode,
  exempt: Exempt,
  report: CrashReport,
): Promise<{ problems: unknown[]; unsynced: boolean }> {
  const fs = fromSnapshot(scenario.start, { seed: scenario.seed * 7919 + k, crashAt: k });
  let error: unknown = null;
  try {
    await download(scenario.run(fs));
  } catch (e) {
    error = e;
  }
  if (!fs.halted) {
    // The run ended before operation k (the operations of a run may vary a little).
    return { problems: error === null ? [] : [error], unsynced: false };
  }
  if (error !== null && !(error instanceof SimulatedCrash)) {
    // The engine turned the crash into another error; a real crash would have killed it anyway.
    count(report, `crash surfaced as ${(error as Error).name}`);
  }
  report.crashes++;
  const unsynced = hasUnsyncedData(fs);
  // Every check runs, so that a crash point reports all that is wrong with it.
  const problems: unknown[] = [];
  const check = async <T>(f: () => T | Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (e) {
      problems.push(e);
      return undefined;
    }
  };
  // Invariant 1 at the instant of the crash (durable whatever the mode), then after the restart.
  await check(() => checkClaims(fs, exempt, "at the crash"));
  const after = fs.restart(mode === "process" ? { processOnly: true } : { unsynced: mode });
  const claimsHold = mode === "process" || scenario.powerCutSafe !== false;
  const journaled = claimsHold
    ? await check(() => checkClaims(after, exempt, "after the restart"))
    : undefined;
  // Invariant 2.
  await check(() => {
    const dest = after.readDurable(DEST);
    must(!dest || sameBytes(dest, scenario.expected), "after the restart: a wrong destination");
  });
  // Invariants 3 and 4.
  const options = (scenario.next ?? scenario.run)(after);
  let result: DownloadResult | null = null;
  try {
    result = await download(options);
  } catch (e) {
    if (!(e instanceof OssdlError)) {
      problems.push(new Violation("the next run failed with an untyped error", messageOf(e)));
      return { problems, unsynced };
    }
    count(report, `next run: ${e.code}`);
    await check(() => {
      const left = after.readLive(DEST);
      must(
        !left || sameBytes(left, scenario.expected),
        `the next run failed (${e.code}) and left a wrong destination`,
      );
    });
    await check(async () => {
      let again: DownloadResult;
      try {
        again = await download(options);
      } catch (e2) {
        throw new Violation(`the run after ${e.code} failed too`, messageOf(e2));
      }
      checkSuccess(after, scenario, again, `the run after ${e.code}`);
    });
    return { problems, unsynced };
  }
  const r = result;
  count(report, r.resumed ? "next run resumed" : "next run from scratch");
  await check(() => checkSuccess(after, scenario, r, "the next run"));
  if (scenario.refetchBound && journaled !== undefined) {
    await check(() =>
      must(
        r.bytesFetched <= scenario.expected.length - journaled,
        "the next run fetched bytes the journal claimed",
        `fetched ${r.bytesFetched}, the journal claimed ${journaled} of ${scenario.expected.length}`,
      )
    );
  }
  for (const path of after.listFiles()) if (path !== DEST) report.leftovers.add(path);
  return { problems, unsynced };
}

/**
 * Whether a crashed file system holds data operations that are not durable in the files of the
 * download (a live image that differs from the durable one; the lock's record, never synced, does
 * not count). Conservative: a name changed but not synced counts too.
 */
function hasUnsyncedData(fs: MemoryFileSystem): boolean {
  for (const path of fs.listFiles({ durable: true })) {
    if (path.includes(".ossdl-lock")) continue;
    const live = fs.readLive(path);
    if (!live || !sameBytes(live, fs.readDurable(path)!)) return true;
  }
  return false;
}

function count(report: CrashReport, outcome: string): void {
  report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
}

/** Invariants 3 and 4 after a run that succeeded. */
function checkSuccess(
  fs: MemoryFileSystem,
  scenario: CrashScenario,
  result: DownloadResult,
  which: string,
): void {
  const bytes = fs.readLive(DEST);
  must(
    sameBytes(bytes, scenario.expected),
    `${which} succeeded with a wrong destination` +
      (result.verified ? " and reported verified: true" : ""),
    `${describeDifference(bytes, scenario.expected)}; it resumed ${result.bytesResumed} bytes`,
  );
  must(result.verified === true, `${which} did not verify`);
  must(!fs.exists(PARTIAL), `${which} left the partial file`);
  must(!fs.exists(JOURNAL), `${which} left the journal`);
}

function describeDifference(actual: Uint8Array | null, expected: Uint8Array): string {
  if (!actual) return "no file";
  if (actual.length !== expected.length) {
    return `${actual.length} bytes instead of ${expected.length}`;
  }
  let first = -1;
  let differ = 0;
  let zeros = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === expected[i]) continue;
    if (first < 0) first = i;
    differ++;
    if (actual[i] === 0) zeros++;
  }
  return `${differ} bytes differ (the first at ${first}; ${zeros} of them are zeros)`;
}

/** One line per scenario, for the test log. */
export function summary(report: CrashReport): string {
  const outcomes = Object.entries(report.outcomes).map(([k, v]) => `${k}: ${v}`).join(", ");
  const left = report.leftovers.size ? `; left beside it: ${[...report.leftovers].join(", ")}` : "";
  const start = `start claims ${report.startClaimed} bytes` +
    (report.startFalseClaims ? ` (${report.startFalseClaims} false segments)` : "");
  return `${report.name}: ${start}; crashed at ${report.crashPoints} of ${report.operations} ` +
    `operations, ${report.crashes} crashes in all ` +
    `(${outcomes})${left}`;
}
