// deno-lint-ignore-file require-await
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AbortedError,
  NetworkError,
  ObjectChangedError,
  OssServiceError,
  ProtocolError,
  RetriesExhaustedError,
} from "../src/errors.ts";
import {
  abortableSleep,
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  withRetries,
} from "../src/oss/retry.ts";

const svc = (status: number, ossCode = "") =>
  new OssServiceError({ status, ossCode, ossMessage: "", requestId: "", ec: "" });

test("isRetryable: network, 5xx, 408, 429 yes; 403/404/412/416 and others no", () => {
  assert.ok(isRetryable(new NetworkError("reset")));
  for (const s of [500, 502, 503, 504, 408, 429]) assert.ok(isRetryable(svc(s)), String(s));
  for (const s of [400, 401, 403, 404, 412, 416, 304]) assert.ok(!isRetryable(svc(s)), String(s));
  assert.ok(!isRetryable(svc(403, "RequestTimeTooSkewed")));
  assert.ok(!isRetryable(new ObjectChangedError("etag")));
  assert.ok(!isRetryable(new AbortedError()));
  assert.ok(!isRetryable(new ProtocolError("x")));
  assert.ok(!isRetryable(new TypeError("x")));
});

test("backoffDelay: full jitter over min(base * 2^attempt, max)", () => {
  const p = DEFAULT_RETRY_POLICY;
  assert.deepEqual(p, { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 20000 });
  assert.equal(backoffDelay(0, p, () => 1), 200);
  assert.equal(backoffDelay(1, p, () => 1), 400);
  assert.equal(backoffDelay(3, p, () => 0.5), 800);
  assert.equal(backoffDelay(6, p, () => 1), 12800);
  assert.equal(backoffDelay(7, p, () => 1), 20000);
  assert.equal(backoffDelay(50, p, () => 0.25), 5000);
  assert.equal(backoffDelay(4, p, () => 0), 0);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(2, p);
    assert.ok(d >= 0 && d < 800);
  }
});

test("withRetries retries retryable errors with the computed delays, then succeeds", async () => {
  const sleeps: number[] = [];
  const attempts: number[] = [];
  const value = await withRetries(async (attempt) => {
    attempts.push(attempt);
    if (attempt === 0) throw new NetworkError("reset");
    if (attempt === 1) throw svc(503, "ServiceUnavailable");
    return "ok";
  }, { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 });
  assert.equal(value, "ok");
  assert.deepEqual(attempts, [0, 1, 2]);
  assert.deepEqual(sleeps, [100, 200]);
});

test("withRetries throws RetriesExhaustedError after maxAttempts", async () => {
  let calls = 0;
  const sleeps: number[] = [];
  await assert.rejects(
    withRetries(async () => {
      calls++;
      throw svc(500);
    }, {
      policy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15 },
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 1,
    }),
    (e: unknown) =>
      e instanceof RetriesExhaustedError && e.attempts === 3 && e.cause instanceof OssServiceError,
  );
  assert.equal(calls, 3);
  assert.deepEqual(sleeps, [10, 15]);
  await assert.rejects(
    withRetries(async () => {
      throw new NetworkError("x");
    }, { policy: { maxAttempts: 1 }, sleep: async () => {} }),
    (e: unknown) => e instanceof RetriesExhaustedError && e.attempts === 1,
  );
});

test("withRetries rethrows non-retryable errors immediately", async () => {
  for (
    const error of [svc(403), svc(404), new ObjectChangedError("x"), svc(416), new TypeError()]
  ) {
    let calls = 0;
    await assert.rejects(
      withRetries(async () => {
        calls++;
        throw error;
      }, { sleep: async () => assert.fail("must not sleep") }),
      (e: unknown) => e === error,
    );
    assert.equal(calls, 1);
  }
});

test("withRetries stops on abort: before a try, during the sleep, after a failure", async () => {
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(withRetries(async () => 1, { signal: pre.signal }), AbortedError);

  const during = new AbortController();
  const started = Date.now();
  const p = withRetries(async () => {
    throw new NetworkError("down");
  }, { signal: during.signal, policy: { baseDelayMs: 60000, maxDelayMs: 60000 }, random: () => 1 });
  setTimeout(() => during.abort(), 20);
  await assert.rejects(p, AbortedError);
  assert.ok(Date.now() - started < 5000);

  const after = new AbortController();
  await assert.rejects(
    withRetries(async () => {
      after.abort();
      throw new NetworkError("aborted fetch");
    }, { signal: after.signal, sleep: async () => assert.fail("must not sleep") }),
    AbortedError,
  );
});

test("abortableSleep waits, and rejects at once when aborted", async () => {
  const t = Date.now();
  await abortableSleep(15);
  assert.ok(Date.now() - t >= 10);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(abortableSleep(10000, ac.signal), AbortedError);
});
