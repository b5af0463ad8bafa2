import assert from "node:assert/strict";
import { test } from "node:test";
import { RateLimiter } from "../src/throttle/rate_limiter.ts";
import { throttledBody, throttledFetch } from "../src/throttle/throttled_fetch.ts";
import { AbortedError } from "../src/errors.ts";

const KiB = 1024;

test("RateLimiter: a burst passes at once, then bytes wait for the rate", async () => {
  const limiter = new RateLimiter(100 * KiB); // burst: 10 KiB
  const t0 = performance.now();
  await limiter.take(10 * KiB);
  assert.ok(performance.now() - t0 < 100);
  await limiter.take(10 * KiB); // 100 ms at 100 KiB/s
  const ms = performance.now() - t0;
  assert.ok(ms >= 80 && ms < 400, `${ms} ms`);
});

test("RateLimiter: waiters are served in order", async () => {
  const limiter = new RateLimiter(200 * KiB);
  await limiter.take(20 * KiB); // empty the bucket
  const order: number[] = [];
  await Promise.all([1, 2, 3].map((i) => limiter.take(4 * KiB).then(() => order.push(i))));
  assert.deepEqual(order, [1, 2, 3]);
});

test("RateLimiter: changing the rate applies to those already waiting", async () => {
  const limiter = new RateLimiter(10 * KiB); // 10 KiB would take 1 s
  await limiter.take(1 * KiB);
  const t0 = performance.now();
  const waiting = limiter.take(1 * KiB);
  limiter.bytesPerSecond = 10 * 1024 * KiB; // 10 MiB/s: almost no wait
  await waiting;
  assert.ok(performance.now() - t0 < 600, "the new rate applied (the old one needs 1 s)");
  limiter.bytesPerSecond = Infinity;
  const t1 = performance.now();
  await limiter.take(100 * 1024 * KiB);
  assert.ok(performance.now() - t1 < 100, "no limit");
  assert.equal(limiter.bytesPerSecond, Infinity);
});

test("RateLimiter: an abort ends the wait with AbortedError; bad rates are refused", async () => {
  const limiter = new RateLimiter(1024);
  await limiter.take(1024);
  const controller = new AbortController();
  const waiting = limiter.take(1024, controller.signal);
  controller.abort();
  await assert.rejects(waiting, AbortedError);
  assert.throws(() => new RateLimiter(-1), RangeError);
  assert.throws(() => new RateLimiter(NaN), RangeError);
  assert.equal(new RateLimiter(0).bytesPerSecond, Infinity);
});

test("throttledBody: the same bytes, in small pieces, at the limit", async () => {
  const data = new Uint8Array(60 * KiB).map((_, i) => i & 255);
  const limiter = new RateLimiter(200 * KiB); // 20 KiB burst; 40 KiB more take ~200 ms
  const t0 = performance.now();
  const chunks: Uint8Array[] = [];
  for await (const c of throttledBody(new Response(data).body!, limiter)) chunks.push(c);
  const ms = performance.now() - t0;
  assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), data);
  assert.ok(chunks.every((c) => c.length <= limiter.pieceBytes));
  assert.ok(ms >= 150, `${ms} ms`);
});

test("throttledFetch: responses without a body pass unchanged; bodies are throttled", async () => {
  const limiter = new RateLimiter(1024 * KiB);
  const f = throttledFetch(
    (r) =>
      Promise.resolve(
        r.method === "HEAD" ? new Response(null, { status: 204 }) : new Response("abc"),
      ),
    limiter,
  );
  assert.equal((await f(new Request("http://127.0.0.1/", { method: "HEAD" }))).status, 204);
  assert.equal(await (await f(new Request("http://127.0.0.1/"))).text(), "abc");
});
