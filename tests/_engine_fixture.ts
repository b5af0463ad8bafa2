/** Shared set-up for the engine tests: an emulator as `fetch`, a memory file system, test data. */
import assert from "node:assert/strict";
import { crc64 } from "../src/crc64/crc64.ts";
import { download } from "../src/download/download.ts";
import { AbortedError } from "../src/errors.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { replayJournal } from "../src/journal/journal.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import type { DownloadOptions } from "../src/download/options.ts";

/** Deterministic pseudo-random bytes. */
export function testBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const ENDPOINT = "http://127.0.0.1:9";
export const DEST = "/data/out.bin";

export interface Fixture {
  emulator: OssEmulator;
  fs: MemoryFileSystem;
  object: Uint8Array;
  options(extra?: Partial<DownloadOptions>): DownloadOptions;
}

/** An emulator holding `bucket/dir/object.bin` and a memory file system with a durable /data. */
export async function fixture(size: number, seed = 1): Promise<Fixture> {
  const emulator = new OssEmulator();
  const object = testBytes(size, seed);
  await emulator.put("bucket", "dir/object.bin", object);
  const fs = new MemoryFileSystem({ seed });
  fs.mkdirDurable("/data");
  const fetcher = (input: RequestInfo | URL, init?: RequestInit) =>
    emulator.handle(new Request(input, init));
  return {
    emulator,
    fs,
    object,
    options: (extra = {}) => ({
      source: "oss://bucket/dir/object.bin",
      destination: DEST,
      endpoint: ENDPOINT,
      fs,
      fetch: fetcher as typeof fetch,
      env: () => undefined,
      partSize: 64 * 1024,
      chunkSize: 16 * 1024,
      commitBytes: 32 * 1024,
      concurrency: 4,
      retryBaseDelayMs: 1,
      ...extra,
    }),
  };
}

/** Bytes equal, with a short message instead of a huge diff. */
export function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Bytes the journal at `DEST + ".ossdl-journal"` covers, after asserting that each claim holds:
 * in the durable state (what a power cut leaves) or the live one (what the OS shows now). After
 * the final rename the data lives at the destination until the journal is removed.
 */
export async function checkedJournaledBytes(
  fs: MemoryFileSystem,
  state: "durable" | "live" = "durable",
  what = "",
): Promise<number> {
  const read = (p: string) => state === "durable" ? fs.readDurable(p) : fs.readLive(p);
  const journal = read(DEST + ".ossdl-journal");
  if (!journal) return 0;
  // A crash may tear the last record, never damage the journal: replay must succeed.
  const replay = await replayJournal(journal);
  const data = read(DEST + ".ossdl-part") ?? read(DEST);
  let covered = 0;
  for (const s of replay.segments) {
    assert.ok(data, `${what}: the journal claims bytes but there is no ${state} data file`);
    const origin = replay.header.rangeStart;
    const bytes = data.subarray(s.start - origin, s.end - origin);
    assert.equal(bytes.length, s.end - s.start, `${what}: a claim reaches past the ${state} data`);
    assert.equal(
      await crc64(bytes),
      s.crc64,
      `${what}: the journal claims [${s.start}, ${s.end}) but the ${state} data differs`,
    );
    covered += s.end - s.start;
  }
  return covered;
}

/**
 * A fixture whose download was aborted once `fraction` of the bytes had arrived: the journal and
 * the partial file are there, the destination is not.
 */
export async function interruptedFixture(
  size: number,
  fraction: number,
  seed = 1,
): Promise<Fixture> {
  const f = await fixture(size, seed);
  const controller = new AbortController();
  await assert.rejects(
    download(f.options({
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesDone >= size * fraction) controller.abort();
      },
      progressIntervalMs: 0,
    })),
    AbortedError,
  );
  assert.equal(f.fs.exists(DEST), false);
  assert.ok(f.fs.exists(DEST + ".ossdl-journal") && f.fs.exists(DEST + ".ossdl-part"));
  return f;
}
