import { test } from "node:test";
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import {
  type CrashOptions,
  MemoryFileSystem,
  SimulatedCrash,
} from "../src/fs/memory_file_system.ts";
import {
  Journal,
  type JournalHeader,
  replayJournal,
  type Segment,
} from "../src/journal/journal.ts";

const PATH = "/data/file.bin.ossdl";

function header(etag: string): JournalHeader {
  return {
    format: 1,
    identity: "oss://bucket/big/file.bin",
    size: 10_000,
    etag,
    lastModified: null,
    crc64: null,
    versionId: null,
    rangeStart: 0,
    rangeEnd: 10_000,
    partSize: 2500,
    parts: [[0, 2500], [2500, 5000], [5000, 7500], [7500, 10_000]],
    createdAt: "2024-01-01T00:00:00.000Z",
  };
}

/** A segment no scenario touches, appended after every recovery. */
const PROBE: Segment = { start: 9000, end: 9001, crc64: 99n };

const G: Segment[][] = [
  [{ start: 0, end: 100, crc64: 1n }, { start: 2500, end: 2600, crc64: 2n }],
  [{ start: 0, end: 300, crc64: 3n }, { start: 5000, end: 5100, crc64: 4n }],
  [{ start: 2500, end: 5000, crc64: 5n }],
  [{ start: 7500, end: 7600, crc64: 6n }],
  [{ start: 100, end: 200, crc64: 7n }],
];

interface Context {
  fs: MemoryFileSystem;
  journal: Journal | null;
}

type Step = (ctx: Context) => Promise<void>;

const create = (etag: string): Step => async (ctx) => {
  ctx.journal = await Journal.create(ctx.fs, PATH, header(etag));
};
const open: Step = async (ctx) => {
  ctx.journal = (await Journal.open(ctx.fs, PATH))!.journal;
};
const append = (group: Segment[]): Step => (ctx) => ctx.journal!.append(group);
const compact: Step = (ctx) => ctx.journal!.compact();
const close: Step = (ctx) => ctx.journal!.close();
const remove: Step = (ctx) => Journal.remove(ctx.fs, PATH);

/** What a journal at PATH says: `null` for none, else its etag and segments. */
type State = { etag: string | null; segments: Segment[] } | null;

async function stateOf(fs: MemoryFileSystem): Promise<State> {
  const bytes = fs.readLive(PATH);
  if (bytes === null) return null;
  const r = await replayJournal(bytes);
  return { etag: r.header.etag, segments: r.segments };
}

function fresh(seed: number, initial: Uint8Array | null): MemoryFileSystem {
  const fs = new MemoryFileSystem({ seed });
  fs.mkdirDurable("/data");
  if (initial !== null) fs.writeDurable(PATH, initial);
  return fs;
}

/** Runs the steps without a crash: the states after each step, and the operations counted. */
async function dryRun(steps: Step[], initial: Uint8Array | null) {
  const fs = fresh(1, initial);
  const ctx: Context = { fs, journal: null };
  const states: State[] = [await stateOf(fs)];
  for (const step of steps) {
    await step(ctx);
    states.push(await stateOf(fs));
  }
  return { states, operations: fs.operationCount };
}

const MODES: Array<{ name: string; seed: number; options: CrashOptions }> = [
  { name: "lost", seed: 1, options: { unsynced: "lost" } },
  { name: "kept", seed: 1, options: { unsynced: "kept" } },
  { name: "process only", seed: 1, options: { processOnly: true } },
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed) => ({
    name: `torn/${seed}`,
    seed,
    options: { unsynced: "torn" as const },
  })),
];

/**
 * Crashes the steps at every counted operation, in every crash mode, then proves: the journal
 * opens (never damaged), says exactly what the last completed step or the one in progress left
 * (never more), and takes appends again.
 */
async function crashEverywhere(steps: Step[], initial: Uint8Array | null): Promise<number> {
  const { states, operations } = await dryRun(steps, initial);
  let runs = 0;
  for (let k = 1; k <= operations; k++) {
    for (const mode of MODES) {
      const what = `crash at operation ${k}, ${mode.name}`;
      const fs = fresh(mode.seed, initial);
      fs.crashAt = k;
      const ctx: Context = { fs, journal: null };
      let done = 0;
      try {
        for (const step of steps) {
          await step(ctx);
          done++;
        }
      } catch (e) {
        if (!(e instanceof SimulatedCrash)) throw e;
      }
      assert.ok(done < steps.length, `${what}: the crash happened`);
      fs.crash(mode.options);

      const opened = await Journal.open(fs, PATH); // throws if damaged
      const state: State = opened &&
        { etag: opened.replay.header.etag, segments: opened.replay.segments };
      const allowed = [states[done], states[done + 1]];
      assert.ok(
        allowed.some((s) => isDeepStrictEqual(s, state)),
        `${what} after ${done} steps: ${show(state)} is neither ${show(allowed[0])} nor ${
          show(allowed[1])
        }`,
      );
      if (opened !== null) {
        await opened.journal.append([PROBE]);
        await opened.journal.close();
        const after = await stateOf(fs);
        const segments = [...state!.segments, PROBE].sort((a, b) => a.start - b.start);
        assert.deepEqual(after, { etag: state!.etag, segments }, what);
      }
      runs++;
    }
  }
  return runs;
}

function show(s: State): string {
  return JSON.stringify(s, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
}

test("journal crash: create, appends, compactions, re-create and remove, crashed at every operation", async () => {
  const steps = [
    create('"A"'),
    append(G[0]),
    append(G[1]),
    compact,
    append(G[2]),
    compact,
    append(G[3]),
    close,
    create('"B"'),
    append(G[4]),
    compact,
    close,
    remove,
  ];
  const { states, operations } = await dryRun(steps, null);
  // The dry run itself says what it should.
  assert.equal(states[0], null);
  assert.deepEqual(states[7], {
    etag: '"A"',
    segments: [
      { start: 0, end: 300, crc64: 3n },
      { start: 2500, end: 5000, crc64: 5n },
      { start: 5000, end: 5100, crc64: 4n },
      { start: 7500, end: 7600, crc64: 6n },
    ],
  });
  assert.deepEqual(states[10], { etag: '"B"', segments: G[4] });
  assert.equal(states[13], null);
  assert.ok(operations >= 30, `${operations} operations`);
  const runs = await crashEverywhere(steps, null);
  assert.equal(runs, operations * MODES.length);
});

test("journal crash: recovering a torn journal, crashed at every operation", async () => {
  // A journal whose last record was torn by an earlier crash (a few zero bytes past it, too).
  const fs = fresh(1, null);
  const journal = await Journal.create(fs, PATH, header('"A"'));
  await journal.append(G[0]);
  await journal.append(G[1]);
  await journal.close();
  const full = fs.readLive(PATH)!;
  const torn = new Uint8Array(full.length + 5);
  torn.set(full.subarray(0, full.length - 9));
  assert.equal((await replayJournal(torn)).tornTail, true);

  const steps = [open, append(G[2]), compact, append(G[4]), close];
  const { states } = await dryRun(steps, torn);
  assert.deepEqual(states[0], { etag: '"A"', segments: G[0] });
  await crashEverywhere(steps, torn);
});
