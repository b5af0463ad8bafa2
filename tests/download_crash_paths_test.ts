/**
 * Crash tests of every entry path of a download, not only a first run from nothing: a resumed run,
 * `resume: false` over an earlier journal, a missing, short or changed partial file, a damaged
 * journal, a changed part size, an object changed between runs, a server that ignores Range, and
 * downloads small enough to keep no journal. Each scenario prepares a disk by running (and interrupting) earlier downloads or by
 * editing files, then crashes the scenario's run at every counted file-system operation, restarts,
 * and checks the invariants of `_crash_harness.ts`: no durable journal claims bytes the disk does
 * not durably hold, the destination is absent or exact, and the next run ends with the exact object,
 * verified, and leaves nothing behind (or fails with a typed error, and the run after it succeeds).
 *
 * Set `OSSDL_CRASH_REPORT=1` to print what each scenario did.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { download } from "../src/download/download.ts";
import type { DownloadOptions } from "../src/download/options.ts";
import { AbortedError } from "../src/errors.ts";
import { MemoryFileSystem, SimulatedCrash } from "../src/fs/memory_file_system.ts";
import { replayJournal } from "../src/journal/journal.ts";
import {
  CRASH_TUNING,
  crashAtEveryOperation,
  type CrashScenario,
  type DiskSnapshot,
  editSnapshot,
  fromSnapshot,
  JOURNAL,
  PARTIAL,
  snapshot,
  startingClaims,
  summary,
} from "./_crash_harness.ts";
import { type Fixture, fixture, testBytes } from "./_engine_fixture.ts";

const SIZE = 200_000;
const TUNING = CRASH_TUNING;

const EMPTY: DiskSnapshot = new Map();

/**
 * `fetch` whose response bodies arrive in pieces of 4 KiB and fail once the request's signal
 * aborts, as a real `fetch` does (the emulator's bodies come in one piece and ignore the signal, so
 * an aborted run would read every part in flight to its end).
 */
function abortableFetch(inner: typeof fetch): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await inner(input, init);
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (!signal || !response.body) return response;
    const reader = response.body.getReader();
    let pending = new Uint8Array(0);
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (signal.aborted) {
          await reader.cancel().catch(() => {});
          controller.error(signal.reason);
          return;
        }
        if (pending.length === 0) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          pending = value;
        }
        controller.enqueue(pending.slice(0, 4096));
        pending = pending.subarray(4096);
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }) as typeof fetch;
}

/**
 * The disk after a download of `f`'s object was stopped (AbortSignal) once `fraction` of it had
 * arrived: a journal and a partial file, as the stopped process left them.
 */
async function stoppedHalfway(
  f: Fixture,
  extra: Partial<DownloadOptions> = {},
  fraction = 0.5,
): Promise<DiskSnapshot> {
  const fs = new MemoryFileSystem({ seed: 99 });
  fs.mkdirDurable("/data");
  const controller = new AbortController();
  await assert.rejects(
    download(f.options({
      ...TUNING,
      ...extra,
      fs,
      fetch: abortableFetch(f.options().fetch!),
      progressIntervalMs: 0,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesDone >= p.bytesTotal * fraction) controller.abort();
      },
    })),
    AbortedError,
  );
  const disk = snapshot(fs);
  await assertResumable(disk);
  return disk;
}

/** The disk after a power cut (torn un-synced writes) about halfway through a fresh download. */
async function powerCutHalfway(f: Fixture): Promise<DiskSnapshot> {
  const counting = new MemoryFileSystem();
  counting.mkdirDurable("/data");
  await download(f.options({ ...TUNING, fs: counting }));
  const fs = new MemoryFileSystem({ seed: 17, crashAt: Math.floor(counting.operationCount / 2) });
  fs.mkdirDurable("/data");
  await assert.rejects(download(f.options({ ...TUNING, fs })), SimulatedCrash);
  const disk = snapshot(fs.restart({ unsynced: "torn" }));
  await assertResumable(disk);
  return disk;
}

/** The prepared disk really holds an earlier run's work: a partial file and a journal with claims. */
async function assertResumable(disk: DiskSnapshot): Promise<void> {
  assert.ok(disk.get(PARTIAL), "the earlier run left no partial file");
  const journal = disk.get(JOURNAL);
  assert.ok(journal, "the earlier run left no journal");
  const claimed = (await replayJournal(journal)).segments.reduce((n, s) => n + s.end - s.start, 0);
  assert.ok(claimed > 0, "the earlier run's journal claims nothing");
}

/** A scenario on fixture `f`, whose runs use `extra` over the common tuning. */
function scenario(
  name: string,
  f: Fixture,
  start: DiskSnapshot,
  seed: number,
  more: Partial<CrashScenario> & { extra?: Partial<DownloadOptions> } = {},
): CrashScenario {
  const { extra = {}, ...rest } = more;
  return {
    name,
    start,
    seed,
    expected: f.object,
    run: (fs) => f.options({ ...TUNING, ...extra, fs }),
    ...rest,
  };
}

async function check(s: CrashScenario): Promise<void> {
  const report = await crashAtEveryOperation(s);
  if (process.env.OSSDL_CRASH_REPORT) console.log(summary(report));
  assert.ok(report.crashPoints >= report.operations * 0.9, summary(report));
}

test("a. a resumed run (an earlier run was stopped halfway)", async () => {
  const f = await fixture(SIZE, 11);
  await check(scenario("a. resume after a stop", f, await stoppedHalfway(f), 11, {
    refetchBound: true,
  }));
});

test("a. a resumed run (an earlier run lost power halfway, torn writes)", async () => {
  const f = await fixture(SIZE, 12);
  await check(scenario("a. resume after a power cut", f, await powerCutHalfway(f), 12, {
    refetchBound: true,
  }));
});

test("b. resume: false over an earlier journal and partial file", async () => {
  const f = await fixture(SIZE, 13);
  await check(scenario("b. --no-resume", f, await stoppedHalfway(f), 13, {
    extra: { resume: false },
    // After a crash, the user runs the plain command again (which resumes when it can).
    next: (fs) => f.options({ ...TUNING, fs }),
  }));
});

test("c. the partial file is missing (the journal is there)", async () => {
  const f = await fixture(SIZE, 14);
  const start = editSnapshot(await stoppedHalfway(f), (files) => files.delete(PARTIAL));
  await check(scenario("c. missing partial", f, start, 14));
});

test("c. the partial file is short (truncated)", async () => {
  const f = await fixture(SIZE, 15);
  const start = editSnapshot(await stoppedHalfway(f), (files) => {
    files.set(PARTIAL, files.get(PARTIAL)!.slice(0, 70_000));
  });
  await check(scenario("c. short partial", f, start, 15));
});

test("c. bytes the journal vouches for were changed in the partial file (read back)", async () => {
  const f = await fixture(SIZE, 24);
  const start = editSnapshot(await stoppedHalfway(f), (files) => {
    const partial = files.get(PARTIAL)!.slice();
    partial.fill(0, 10_000, 14_096); // a zeroed page in the first part
    partial[49152 + 1000] ^= 0xff; // one flipped byte in the second
    files.set(PARTIAL, partial);
  });
  assert.ok((await startingClaims(start)).bad.length >= 2);
  await check(scenario("c. changed kept bytes", f, start, 24));
});

test("c. the journal is damaged (its header record)", async () => {
  const f = await fixture(SIZE, 25);
  const start = editSnapshot(await stoppedHalfway(f), (files) => {
    const journal = files.get(JOURNAL)!.slice();
    journal[8 + 30] ^= 0xff; // inside the header record (after the 8-byte magic)
    files.set(JOURNAL, journal);
  });
  await assert.rejects(replayJournal(start.get(JOURNAL)!));
  await check(scenario("c. damaged journal", f, start, 25));
});

test("d. the part size changed between runs", async () => {
  const f = await fixture(SIZE, 16);
  await check(scenario("d. part size 48 KiB -> 40 KiB", f, await stoppedHalfway(f), 16, {
    extra: { partSize: 40 * 1024 },
  }));
});

test("e. the object changed between runs (same size)", async () => {
  const f = await fixture(SIZE, 17);
  const start = await stoppedHalfway(f);
  const changed = testBytes(SIZE, 1017);
  await f.emulator.put("bucket", "dir/object.bin", changed);
  await check(scenario("e. object changed, same size", f, start, 17, { expected: changed }));
});

test("e. the object changed between runs (another size)", async () => {
  const f = await fixture(SIZE, 18);
  const start = await stoppedHalfway(f);
  const changed = testBytes(170_000, 1018);
  await f.emulator.put("bucket", "dir/object.bin", changed);
  await check(scenario("e. object changed, new size", f, start, 18, { expected: changed }));
});

test("f. a server that ignores Range, from nothing", async () => {
  const f = await fixture(SIZE, 19);
  f.emulator.setFaults({ ignoreRange: true });
  await check(scenario("f. range ignored, fresh", f, EMPTY, 19));
});

test("f. a server that starts ignoring Range after a run was stopped halfway", async () => {
  const f = await fixture(SIZE, 20);
  const start = await stoppedHalfway(f);
  f.emulator.setFaults({ ignoreRange: true });
  await check(scenario("f. range ignored, over a journal", f, start, 20));
});

test("g. a download small enough to keep no journal, from nothing", async () => {
  const f = await fixture(40_000, 21);
  await check(scenario("g. small, fresh", f, EMPTY, 21));
});

test("g. a download without a journal over an earlier journal of smaller parts", async () => {
  const f = await fixture(SIZE, 22);
  await check(scenario("g. no journal over a journal", f, await stoppedHalfway(f), 22, {
    extra: { partSize: 256 * 1024 },
  }));
});

test("the harness rebuilds a disk exactly and sees claims the partial file does not hold", async () => {
  const f = await fixture(SIZE, 23);
  const start = await stoppedHalfway(f);
  const fs = fromSnapshot(start);
  for (const [path, bytes] of start) assert.deepEqual(fs.readDurable(path), bytes);
  assert.equal((await startingClaims(start)).bad.length, 0);
  const zeroed = editSnapshot(start, (files) => files.set(PARTIAL, new Uint8Array(SIZE)));
  assert.ok((await startingClaims(zeroed)).bad.length > 0);
});
