/**
 * "Verified" holds on the paths the first-run crash tests never enter: a fresh start over a live
 * journal, bytes changed in the partial file between runs, and stray whole-object answers to
 * ranged GETs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { download } from "../src/download/download.ts";
import { AbortedError, FileSystemError } from "../src/errors.ts";
import { MemoryFileSystem, SimulatedCrash } from "../src/fs/memory_file_system.ts";
import { replayJournal } from "../src/journal/journal.ts";
import {
  checkedJournaledBytes,
  DEST,
  fixture,
  interruptedFixture,
  sameBytes,
} from "./_engine_fixture.ts";

const PARTIAL = DEST + ".ossdl-part";
const JOURNAL = DEST + ".ossdl-journal";

test("a fresh start over a live journal removes the journal before it touches the partial file", async () => {
  const size = 400_000;
  const base = await interruptedFixture(size, 0.6, 7);
  const claimedBefore = await checkedJournaledBytes(base.fs, "durable", "before");
  assert.ok(claimedBefore > 0);
  // The operation order of a --no-resume run over that state.
  const probe = await interruptedFixture(size, 0.6, 7);
  await download(probe.options({ resume: false }));
  const firstPartialChange = probe.fs.operations.findIndex((o, i) =>
    i >= base.fs.operationCount && o.path === PARTIAL &&
    (o.op === "open" || o.op === "truncate" || o.op === "write")
  );
  const journalGone = probe.fs.operations.findIndex((o, i) =>
    i >= base.fs.operationCount && o.op === "remove" && o.path === JOURNAL
  );
  assert.ok(journalGone >= 0 && firstPartialChange >= 0);
  assert.ok(journalGone < firstPartialChange, "the partial file changed before the journal went");
  // Crash at every operation of that run: the durable journal never claims what is not on disk,
  // and the next run never reports a wrong file verified.
  const total = probe.fs.operationCount - base.fs.operationCount;
  for (let k = 1; k <= total; k++) {
    const f = await interruptedFixture(size, 0.6, 7);
    f.fs.crashAt = f.fs.operationCount + k;
    try {
      await download(f.options({ resume: false }));
      continue;
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error;
    }
    const fs = f.fs.restart({ unsynced: k % 2 ? "lost" : "torn" });
    await checkedJournaledBytes(fs, "durable", `crash at ${k}`);
    const result = await download(f.options({ fs }));
    assert.ok(sameBytes(fs.readLive(DEST), f.object), `crash at ${k}: wrong bytes`);
    assert.equal(result.verified, true);
  }
});

test("bytes changed in the partial file between runs are read back, re-fetched, and the result is exact", async () => {
  const size = 600_000;
  const f = await interruptedFixture(size, 0.7, 3);
  const replay = await replayJournal(f.fs.readLive(JOURNAL)!);
  const kept = replay.segments.reduce((n, s) => n + (s.end - s.start), 0);
  assert.ok(replay.segments.length >= 2, "need two kept segments");
  // Another program (or a bad disk) flips bytes inside one kept segment.
  const victim = replay.segments[1];
  const partial = f.fs.readLive(PARTIAL)!;
  partial[victim.start + 5] ^= 0xff;
  partial[victim.end - 1] ^= 0x01;
  f.fs.writeDurable(PARTIAL, partial);
  const notices: { code: string; message: string }[] = [];
  const result = await download(f.options({ onNotice: (n) => notices.push(n) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object), "wrong bytes");
  assert.equal(result.verified, true);
  assert.equal(result.bytesReadBack, kept);
  const damaged = notices.find((n) => n.code === "KEPT_BYTES_DAMAGED");
  assert.ok(damaged, "no notice about the damaged bytes");
  assert.match(damaged.message, new RegExp(`${victim.start}-${victim.end - 1}`));
  // Only the damaged segment was trusted less: everything else was kept.
  assert.equal(result.bytesResumed, kept - (victim.end - victim.start));
  assert.equal(result.bytesFetched, size - result.bytesResumed);
});

test("a damaged kept segment is forgotten durably before it is overwritten", async () => {
  const size = 600_000;
  const f = await interruptedFixture(size, 0.7, 4);
  const replay = await replayJournal(f.fs.readLive(JOURNAL)!);
  const victim = replay.segments[0];
  const partial = f.fs.readLive(PARTIAL)!;
  partial[victim.start] ^= 0xff;
  f.fs.writeDurable(PARTIAL, partial);
  const before = f.fs.operationCount;
  await download(f.options());
  const ops = f.fs.operations.slice(before);
  const superseded = ops.findIndex((o) => o.op === "rename" && o.to === JOURNAL);
  const rewrite = ops.findIndex((o) =>
    o.op === "write" && o.path === PARTIAL && o.offset! < victim.end &&
    o.offset! + o.length! > victim.start
  );
  assert.ok(superseded >= 0, "the journal was not superseded");
  assert.ok(rewrite > superseded, "the damaged bytes were rewritten while still journaled");
});

test("a partial file shortened between runs is not trusted", async () => {
  const size = 600_000;
  const f = await interruptedFixture(size, 0.7, 5);
  const partial = f.fs.readLive(PARTIAL)!;
  // Same size, but the kept bytes are gone (zeros), as a fresh start of an old version left them.
  f.fs.writeDurable(PARTIAL, new Uint8Array(partial.length));
  const notices: string[] = [];
  const result = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.bytesResumed, 0);
  assert.ok(notices.includes("KEPT_BYTES_DAMAGED"));
});

test("one stray 200 among 206s is retried: nothing is discarded, its body is not read", async () => {
  const size = 600_000;
  const f = await interruptedFixture(size, 0.5, 6);
  const kept = (await replayJournal(f.fs.readLive(JOURNAL)!)).segments;
  let gets = 0;
  f.emulator.faultsFor = (info) => {
    if (info.method !== "GET") return undefined;
    gets++;
    return gets === 2 ? { ignoreRange: true } : undefined;
  };
  const notices: string[] = [];
  const before = f.fs.operationCount;
  const sentBefore = f.emulator.stats.bytesSent;
  const result = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.verified, true);
  assert.ok(!notices.includes("RANGE_IGNORED"), "one 200 made the engine give up on ranges");
  assert.ok(notices.includes("RETRY"));
  assert.equal(result.restarts, 0);
  assert.ok(result.bytesResumed > 0, "durable progress was thrown away");
  // The kept bytes were never written again.
  for (const op of f.fs.operations.slice(before)) {
    if (op.op !== "write" || op.path !== PARTIAL) continue;
    for (const s of kept) {
      assert.ok(op.offset! >= s.end || op.offset! + op.length! <= s.start, "kept bytes rewritten");
    }
  }
  // The 200 body was cancelled, not drained: far less than the whole object went over the wire.
  const sent = f.emulator.stats.bytesSent - sentBefore;
  assert.ok(sent < size - result.bytesResumed + size / 2, `sent ${sent}`);
});

test("a server that starts ignoring Range keeps the durable bytes and fetches only the rest", async () => {
  const size = 600_000;
  const f = await interruptedFixture(size, 0.5, 8);
  const kept = (await replayJournal(f.fs.readLive(JOURNAL)!)).segments;
  const keptBytes = kept.reduce((n, s) => n + (s.end - s.start), 0);
  f.emulator.setFaults({ ignoreRange: true });
  const notices: string[] = [];
  const before = f.fs.operationCount;
  const result = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.verified, true);
  assert.ok(notices.includes("RANGE_IGNORED"));
  assert.equal(result.bytesResumed, keptBytes);
  for (const op of f.fs.operations.slice(before)) {
    if (op.op !== "write" || op.path !== PARTIAL) continue;
    for (const s of kept) {
      assert.ok(op.offset! >= s.end || op.offset! + op.length! <= s.start, "kept bytes rewritten");
    }
  }
});

test("a server that ignores Range from the start: a journaled, resumable single stream", async () => {
  const size = 600_000;
  const f = await fixture(size, 9);
  f.emulator.setFaults({ ignoreRange: true });
  const controller = new AbortController();
  await assert.rejects(
    download(f.options({
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.bytesDone >= size / 2) controller.abort();
      },
    })),
    AbortedError,
  );
  const claimed = await checkedJournaledBytes(f.fs, "durable", "after abort");
  assert.ok(claimed > 0, "nothing journaled in single-stream mode");
  const result = await download(f.options());
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.verified, true);
  assert.equal(result.bytesResumed, claimed);
  assert.equal(result.bytesFetched, size - claimed);
});

test("a single-stream download survives a dropped connection by reading again from the start", async () => {
  const size = 300_000;
  const f = await fixture(size, 10);
  let gets = 0;
  f.emulator.faultsFor = (info) => {
    if (info.method !== "GET") return { ignoreRange: true };
    gets++;
    return gets === 2 ? { ignoreRange: true, dropAfterBytes: 150_000 } : { ignoreRange: true };
  };
  const result = await download(f.options());
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.verified, true);
});

test("no handle stays open when the final rename fails", async () => {
  const f = await fixture(300_000, 11);
  const fs = new MemoryFileSystem({
    onOperation: (o) => {
      if (o.op === "rename" && o.to === DEST) {
        throw new FileSystemError("FS_PERMISSION", "rename", o.path);
      }
    },
  });
  fs.mkdirDurable("/data");
  await assert.rejects(download(f.options({ fs })), FileSystemError);
  assert.equal(fs.openFiles, 0, "a file or the journal was left open");
  assert.equal(fs.exists(DEST), false);
});

test("a missing destination directory is created", async () => {
  const f = await fixture(300_000, 12);
  const dest = "/data/new/deeper/out.bin";
  const result = await download(f.options({ destination: dest }));
  assert.ok(sameBytes(f.fs.readLive(dest), f.object));
  assert.equal(result.verified, true);
});

test("a destination that already holds the object is kept: nothing fetched, unless forced", async () => {
  const f = await fixture(300_000, 13);
  await download(f.options());
  const sent = f.emulator.stats.bytesSent;
  const notices: string[] = [];
  const again = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.equal(again.upToDate, true);
  assert.equal(again.verified, true);
  assert.equal(again.bytesFetched, 0);
  assert.equal(f.emulator.stats.bytesSent, sent, "object bytes were sent");
  assert.ok(notices.includes("UP_TO_DATE"));
  const forced = await download(f.options({ force: true }));
  assert.equal(forced.upToDate, false);
  assert.equal(forced.bytesFetched, 300_000);
  // Same size, other bytes: downloaded again, and the result is exact.
  const other = f.fs.readLive(DEST)!;
  other[1234] ^= 0xff;
  f.fs.writeDurable(DEST, other);
  const fixed = await download(f.options());
  assert.equal(fixed.upToDate, false);
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
});
