import { test } from "node:test";
import assert from "node:assert/strict";
import { crc64 } from "../src/crc64/crc64.ts";
import { finishFromDestination } from "../src/download/recover_finished.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import type { JournalHeader } from "../src/journal/journal.ts";
import { testBytes } from "./_engine_fixture.ts";

const paths = {
  destination: "/d/out.bin",
  partial: "/d/out.bin.ossdl-part",
  journal: "/d/out.bin.ossdl-journal",
  directory: "/d",
};

async function setting(serverCrc: (actual: bigint) => string | null) {
  const data = testBytes(1000, 3);
  const fs = new MemoryFileSystem();
  fs.mkdirDurable("/d");
  fs.writeDurable(paths.destination, data);
  const a = await crc64(data.subarray(0, 600));
  const b = await crc64(data.subarray(600));
  const whole = await crc64(data);
  const header: JournalHeader = {
    format: 1,
    identity: "oss://b/k",
    size: 1000,
    etag: '"E"',
    lastModified: null,
    crc64: serverCrc(whole),
    versionId: null,
    rangeStart: 0,
    rangeEnd: 1000,
    partSize: 600,
    parts: [[0, 600], [600, 1000]],
    createdAt: new Date(0).toISOString(),
  };
  const segments = [{ start: 0, end: 600, crc64: a }, { start: 600, end: 1000, crc64: b }];
  return { fs, header, segments, whole };
}

test("recover: a renamed, complete destination is accepted without fetching", async () => {
  const s = await setting((w) => w.toString());
  assert.equal(await finishFromDestination(s.fs, paths, s.segments, s.header), s.whole);
});

test("recover: not when the journal's CRC disagrees with the server's", async () => {
  const s = await setting(() => "12345");
  assert.equal(await finishFromDestination(s.fs, paths, s.segments, s.header), null);
});

test("recover: not when the destination's bytes differ from the journal", async () => {
  const s = await setting((w) => w.toString());
  const changed = testBytes(1000, 3);
  changed[500] ^= 1;
  s.fs.writeDurable(paths.destination, changed);
  assert.equal(await finishFromDestination(s.fs, paths, s.segments, s.header), null);
});

test("recover: not when the segments leave a gap", async () => {
  const s = await setting((w) => w.toString());
  assert.equal(await finishFromDestination(s.fs, paths, [s.segments[0]], s.header), null);
});
