/**
 * Reading a body keeps no chunk alive after it was consumed. Each `Promise.race([read, p])` with
 * a `p` that stays pending leaves a reaction on `p` that keeps the race's result (the chunk)
 * reachable until `p` settles (nodejs/node#17469): a body guard that raced one long-lived promise
 * per read held every chunk of a body until the body ended (on Bun, 1 GiB for 8 bodies of 128
 * MiB). The spy tests fail on any reuse of a raced promise; where the runtime exposes a
 * collector (`Bun.gc`), chunks read are also checked to be collectable.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { typedBody } from "../src/oss/network_failure.ts";
import { BodyReader, LandingBuffer } from "../src/download/body_reader.ts";

const CHUNK = 64 * 1024;
const CHUNKS = 64;

/** A non-byte stream of fresh chunks (like Bun's fetch bodies), each registered in `refs`. */
function chunkStream(refs: WeakRef<Uint8Array>[]): ReadableStream<Uint8Array> {
  let n = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (n++ === CHUNKS) return controller.close();
      const chunk = new Uint8Array(CHUNK).fill(n);
      refs.push(new WeakRef(chunk));
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

/** Runs `body` while recording every promise passed to `Promise.race`; returns the reused ones. */
async function racedTwice(body: () => Promise<void>): Promise<number> {
  const seen = new Map<unknown, number>();
  const race = Promise.race;
  Promise.race = function <T>(this: PromiseConstructor, values: Iterable<T>) {
    const list = [...values];
    for (const v of list) seen.set(v, (seen.get(v) ?? 0) + 1);
    return race.call(this, list) as Promise<Awaited<T>>;
  } as typeof Promise.race;
  try {
    await body();
  } finally {
    Promise.race = race;
  }
  return [...seen.values()].filter((count) => count > 1).length;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

/** Collects garbage where the runtime lets a test do it; `false` where it cannot. */
function collect(): boolean {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) {
    bun.gc(true);
    return true;
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    return true;
  }
  return false;
}

test("typedBody: no promise is raced by more than one read (chunks are not kept alive)", async () => {
  const refs: WeakRef<Uint8Array>[] = [];
  const controller = new AbortController();
  let body: ReadableStream<Uint8Array> | null = null;
  const reused = await racedTwice(async () => {
    body = typedBody(chunkStream(refs), { signal: controller.signal, idleTimeoutMs: 60_000 });
    assert.equal(await readAll(body), CHUNK * CHUNKS);
  });
  assert.equal(reused, 0);
  // The guard (and its signal listener) is still referenced by `body` here.
  if (collect()) {
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    assert.ok(alive <= 4, `${alive} of ${refs.length} chunks still reachable`);
  }
  assert.ok(body);
});

test("BodyReader with a signal: no promise is raced by more than one read", async () => {
  const refs: WeakRef<Uint8Array>[] = [];
  const controller = new AbortController();
  const reused = await racedTwice(async () => {
    const reader = BodyReader.open(chunkStream(refs), new LandingBuffer(CHUNK), controller.signal);
    const block = new Uint8Array(CHUNK);
    let bytes = 0;
    for (;;) {
      const n = await reader.readInto(block, 0, CHUNK);
      if (n === null) break;
      bytes += n;
    }
    assert.equal(bytes, CHUNK * CHUNKS);
  });
  assert.equal(reused, 0);
});

test("BodyReader and typedBody still settle at once when the signal aborts mid-read", async () => {
  const stalled = () => new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
  const a = new AbortController();
  const reader = BodyReader.open(stalled(), new LandingBuffer(16), a.signal);
  const pending = reader.readInto(new Uint8Array(16), 0, 16);
  a.abort();
  await assert.rejects(pending, { name: "AbortedError" });
  await assert.rejects(reader.readInto(new Uint8Array(16), 0, 16), { name: "AbortedError" });
  const b = new AbortController();
  const typed = typedBody(stalled(), { signal: b.signal }).getReader();
  const read = typed.read();
  b.abort();
  await assert.rejects(read, { name: "AbortedError" });
});
