/**
 * A fatal answer while parts are in flight cancels the others and settles every pending promise:
 * reads of bodies that ignore the abort, and block writes that could not be sent.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { download } from "../src/download/download.ts";
import { BodyReader, LandingBuffer } from "../src/download/body_reader.ts";
import { AbortedError, FileSystemError } from "../src/errors.ts";
import { WorkerBlockWriter } from "../src/fs/worker_block_writer.ts";
import { DEST, fixture, sameBytes, testBytes } from "./_engine_fixture.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const KiB = 1024;

/** Resolves with `p`'s outcome, or "pending" after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"pending">((r) => (timer = setTimeout(() => r("pending"), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test("a 412 while parts are in flight on bodies that ignore the abort: one restart, then done", {
  timeout: 20000,
}, async () => {
  // In-process, an aborted request does not end the emulator's body: the three parts in flight
  // send 1000 bytes and then nothing, whatever the client does. The fourth GET gets 412.
  const f = await fixture(512 * KiB, 31);
  const changed = f.object.slice();
  changed[5] ^= 0xff;
  const change = { afterRequests: 4, content: changed };
  f.emulator.faultsFor = (info) => ({
    changeObject: change,
    ...(info.index >= 2 && info.index <= 4 ? { stallAfterBytes: 1000 } : {}),
  });
  const started = performance.now();
  const result = await within(download(f.options({ idleTimeoutMs: 60_000 })), 10_000);
  assert.notEqual(result, "pending", "the download hangs after the 412");
  if (result === "pending") return;
  assert.ok(performance.now() - started < 5000);
  assert.equal(result.restarts, 1);
  assert.ok(result.notices.some((n) => n.code === "OBJECT_CHANGED"));
  assert.equal(result.verified, true);
  assert.ok(sameBytes(f.fs.readLive(DEST), changed));
});

test("body reader: a read of a body that ignores the abort settles with AbortedError", async () => {
  for (const bytes of [false, true]) {
    const body = bytes
      ? new ReadableStream({
        type: "bytes",
        pull: () => new Promise<void>(() => {}),
      }) as ReadableStream<Uint8Array>
      : new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) });
    const controller = new AbortController();
    const reader = BodyReader.open(body, new LandingBuffer(64), controller.signal);
    assert.equal(reader.byob, bytes);
    const read = reader.readInto(new Uint8Array(64), 0, 64);
    setTimeout(() => controller.abort(), 10);
    assert.ok((await within(read.catch((e) => e), 2000)) instanceof AbortedError);
    // Aborted already: the next read fails at once.
    await assert.rejects(reader.readInto(new Uint8Array(64), 0, 64), AbortedError);
    await reader.cancel();
  }
});

test("worker block writer: a block that cannot be sent fails its write; close does not wait", {
  timeout: 20000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "ossdl-settles-"));
  try {
    const path = join(dir, "data.bin");
    writeFileSync(path, new Uint8Array(1024));
    const writer = await WorkerBlockWriter.open(path);
    if (!writer) return; // no workers here: the inline writer is used instead
    // A block whose memory was moved elsewhere (detached): it cannot be transferred.
    const block = testBytes(16, 1);
    const memory = block.buffer as ArrayBuffer;
    structuredClone(memory, { transfer: [memory] });
    const write = writer.write(block, 0, 0);
    const outcome = await within(write.then(() => "written", (e) => e), 2000);
    assert.notEqual(await within(writer.close(), 5000), "pending", "close waits for nothing");
    assert.ok(outcome instanceof FileSystemError, String(outcome));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
