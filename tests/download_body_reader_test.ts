import { test } from "node:test";
import assert from "node:assert/strict";
import { BodyReader, LandingBuffer } from "../src/download/body_reader.ts";
import { FreshMemoryMeter } from "../src/download/fresh_memory_meter.ts";
import { fullCollection } from "../src/runtime/collect_garbage.ts";
import { typedBody } from "../src/oss/network_failure.ts";
import { AbortedError, NetworkError } from "../src/errors.ts";
import { testBytes } from "./_engine_fixture.ts";

/** A byte stream (BYOB-capable) that serves `data` in reads of at most `step` bytes. */
function byteStream(data: Uint8Array, step: number, failAt = Infinity): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller: ReadableByteStreamController) {
      if (at >= failAt) {
        controller.error(new TypeError("connection reset"));
        return;
      }
      if (at >= data.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const n = Math.min(step, data.length - at, failAt - at);
      const request = controller.byobRequest;
      if (request?.view) {
        const view = new Uint8Array(
          request.view.buffer,
          request.view.byteOffset,
          request.view.byteLength,
        );
        const k = Math.min(n, view.length);
        view.set(data.subarray(at, at + k));
        at += k;
        request.respond(k);
      } else {
        controller.enqueue(data.slice(at, at + n));
        at += n;
      }
    },
  });
}

/** A default stream that serves `data` in chunks of `step` bytes. */
function chunkStream(data: Uint8Array, step: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= data.length) return controller.close();
      controller.enqueue(data.slice(at, at + step));
      at += step;
    },
  });
}

/** Read a whole body into blocks of `blockSize`, with at most `max` bytes per read. */
async function drain(body: BodyReader, size: number, max: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  const block = new Uint8Array(Math.min(size, 1000));
  let total = 0;
  let filled = 0;
  for (;;) {
    const got = await body.readInto(block, filled, Math.min(max, block.length - filled));
    if (got === null) break;
    assert.ok(got > 0 && got <= max, `a read returns 1..max bytes, got ${got}`);
    filled += got;
    if (filled === block.length || total + filled === size) {
      out.set(block.subarray(0, filled), total);
      total += filled;
      filled = 0;
    }
  }
  assert.equal(total, size);
  return out;
}

test("body reader: BYOB reads of a byte stream land in the block, in order, at most max each", async () => {
  const data = testBytes(10_007, 3);
  const body = BodyReader.open(byteStream(data, 300), new LandingBuffer(256));
  assert.equal(body.byob, true);
  assert.deepEqual(await drain(body, data.length, 77), data);
});

test("body reader: chunks larger than a read are split and the rest kept", async () => {
  const data = testBytes(9_001, 4);
  const body = BodyReader.open(chunkStream(data, 4096), new LandingBuffer(256));
  assert.equal(body.byob, false);
  assert.deepEqual(await drain(body, data.length, 333), data);
});

test("body reader: the landing buffer is reused across bodies", async () => {
  const landing = new LandingBuffer(128);
  const before = landing.take().buffer;
  for (const seed of [1, 2]) {
    const data = testBytes(1000, seed);
    assert.deepEqual(await drain(BodyReader.open(byteStream(data, 100), landing), 1000, 128), data);
  }
  // The memory went into the streams and came back: same size, still usable.
  const after = landing.take();
  assert.equal(after.length, 128);
  assert.notEqual(after.buffer.byteLength, 0);
  assert.equal(before.byteLength, 0, "the original ArrayBuffer object was transferred away");
});

test("body reader: a failed BYOB read loses only the landing buffer, not the block", async () => {
  const data = testBytes(600, 5);
  const landing = new LandingBuffer(128);
  const body = BodyReader.open(byteStream(data, 100, 200), landing);
  const block = new Uint8Array(1000);
  assert.equal(await body.readInto(block, 0, 128), 100);
  assert.equal(await body.readInto(block, 100, 128), 100);
  await assert.rejects(body.readInto(block, 200, 128), /connection reset/);
  assert.deepEqual(block.subarray(0, 200), data.subarray(0, 200), "the block keeps its bytes");
  assert.equal(block.buffer.byteLength, 1000);
  assert.equal(landing.take().length, 128, "a fresh landing buffer replaces the lost one");
});

test("body reader: chunks of a default stream are counted as fresh memory, a collection per `every` bytes", async () => {
  const data = testBytes(10_000, 6);
  const collections: number[] = [];
  let counted = 0;
  const meter = new FreshMemoryMeter(3000, () => collections.push(counted) > 0);
  const add = meter.add.bind(meter);
  meter.add = (bytes) => {
    counted += bytes;
    add(bytes);
  };
  const body = BodyReader.open(chunkStream(data, 1000), new LandingBuffer(256), undefined, meter);
  // Reads smaller than a chunk: each chunk is counted once, when it arrives, not per read.
  assert.deepEqual(await drain(body, data.length, 333), data);
  assert.equal(counted, 10_000);
  assert.deepEqual(collections, [3000, 6000, 9000]);
});

test("body reader: BYOB reads of a byte stream are not fresh memory, never counted", async () => {
  const data = testBytes(10_000, 7);
  let collections = 0;
  const meter = new FreshMemoryMeter(1, () => ++collections > 0);
  const body = BodyReader.open(byteStream(data, 1000), new LandingBuffer(256), undefined, meter);
  assert.deepEqual(await drain(body, data.length, 333), data);
  assert.equal(collections, 0);
});

test("FreshMemoryMeter: a collector that declines is asked again a quarter step later", () => {
  const asked: number[] = [];
  let counted = 0;
  let accept = false;
  const meter = new FreshMemoryMeter(400, () => {
    asked.push(counted);
    return accept;
  });
  const add = (bytes: number) => {
    counted += bytes;
    meter.add(bytes);
  };
  for (let i = 0; i < 6; i++) add(100); // asked at 400 (declined), again at 500 and 600
  accept = true;
  for (let i = 0; i < 5; i++) add(100); // 700 (collected), then a full step: 1100
  assert.deepEqual(asked, [400, 500, 600, 700, 1100]);
});

test("FreshMemoryMeter: refuses a non-positive step, counts without a collector", () => {
  assert.throws(() => new FreshMemoryMeter(0, null), RangeError);
  assert.throws(() => new FreshMemoryMeter(1.5, null), RangeError);
  const meter = new FreshMemoryMeter(10, null);
  for (let i = 0; i < 5; i++) meter.add(7); // nothing to call, nothing thrown
});

test("fullCollection: Bun.gc(true) on Bun while the process is big enough, nothing elsewhere", () => {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (!bun) {
    assert.equal(fullCollection(), null);
    return;
  }
  const original = bun.gc;
  const calls: boolean[] = [];
  bun.gc = (force) => calls.push(force);
  let rss = 99;
  try {
    const collect = fullCollection({ aboveRss: 100, rss: () => rss })!;
    assert.equal(collect(), false, "below: not worth its time");
    rss = 100;
    assert.equal(collect(), true);
    rss = 500;
    assert.equal(collect(), true);
    assert.equal(typeof fullCollection(), "function", "the default floor and reader");
  } finally {
    bun.gc = original;
  }
  assert.deepEqual(calls, [true, true]);
});

test("body reader: cancel releases the body", async () => {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull: (c) => c.enqueue(new Uint8Array(10)),
    cancel: () => {
      cancelled = true;
    },
  });
  const body = BodyReader.open(stream, new LandingBuffer(16));
  await body.readInto(new Uint8Array(16), 0, 16);
  await body.cancel();
  assert.equal(cancelled, true);
});

test("typedBody keeps a byte stream a byte stream, so BYOB reads pass through", async () => {
  const data = testBytes(5_000, 6);
  const wrapped = typedBody(byteStream(data, 700));
  const body = BodyReader.open(wrapped, new LandingBuffer(512));
  assert.equal(body.byob, true);
  assert.deepEqual(await drain(body, data.length, 512), data);
});

test("typedBody over a byte stream: a failing read is a NetworkError, or AbortedError after abort", async () => {
  const data = testBytes(1_000, 7);
  const failing = BodyReader.open(typedBody(byteStream(data, 100, 300)), new LandingBuffer(128));
  const block = new Uint8Array(1000);
  let n = 0;
  const error = await (async () => {
    try {
      for (;;) n += (await failing.readInto(block, n, 128)) ?? 0;
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof NetworkError, String(error));
  assert.equal(n, 300);

  const controller = new AbortController();
  controller.abort();
  const aborted = BodyReader.open(
    typedBody(byteStream(data, 100, 0), controller.signal),
    new LandingBuffer(128),
  );
  await assert.rejects(aborted.readInto(block, 0, 128), AbortedError);
});

test("typedBody over a default stream still reads (no BYOB)", async () => {
  const data = testBytes(2_000, 8);
  const body = BodyReader.open(typedBody(chunkStream(data, 999)), new LandingBuffer(64));
  assert.equal(body.byob, false);
  assert.deepEqual(await drain(body, data.length, 300), data);
});
