import assert from "node:assert/strict";
import { test } from "node:test";
import { AbortedError, NetworkError } from "../src/errors.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { createObjectSource } from "../src/oss/create_object_source.ts";
import { type FetchFunction, send } from "../src/oss/http_send.ts";
import { typedBody } from "../src/oss/network_failure.ts";
import { isRetryable } from "../src/oss/retry.ts";

const URL_ = "http://127.0.0.1:9/bucket/key";

/** A fetch that never answers and ignores every abort; it records the requests it saw. */
function deafFetch() {
  const seen: Request[] = [];
  const fetch: FetchFunction = (request) => {
    seen.push(request);
    return new Promise<Response>(() => {});
  };
  return { fetch, seen };
}

/** A body that sends `head` bytes, then nothing (ignoring aborts), and records a cancel. */
function stalledBody(head: number, bytes = false) {
  const state = { cancelled: false };
  let sent = false;
  const source = bytes
    ? new ReadableStream({
      type: "bytes",
      pull(c: ReadableByteStreamController) {
        if (sent) return new Promise<void>(() => {});
        sent = true;
        c.enqueue(new Uint8Array(head).fill(7));
      },
      cancel: () => void (state.cancelled = true),
    })
    : new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) return new Promise<void>(() => {});
        sent = true;
        c.enqueue(new Uint8Array(head).fill(7));
      },
      cancel: () => void (state.cancelled = true),
    }, { highWaterMark: 0 });
  return { body: source as ReadableStream<Uint8Array>, state };
}

async function elapsed<T>(fn: () => Promise<T>): Promise<[number, T | unknown]> {
  const t0 = performance.now();
  try {
    const v = await fn();
    return [performance.now() - t0, v];
  } catch (e) {
    return [performance.now() - t0, e];
  }
}

test("send: no headers within connectTimeoutMs → retryable NetworkError, the request aborted", async () => {
  const deaf = deafFetch();
  const [ms, error] = await elapsed(() =>
    send(deaf.fetch, new Request(URL_), { connectTimeoutMs: 100 })
  );
  assert.ok(error instanceof NetworkError, String(error));
  assert.match((error as Error).message, /no response within 0\.1 s/);
  assert.ok(isRetryable(error));
  assert.ok(ms >= 90 && ms < 2000, `took ${ms} ms`);
  assert.equal(deaf.seen.length, 1);
  assert.equal(deaf.seen[0].signal.aborted, true, "the request is aborted (its socket freed)");
});

test("send: the caller's abort while waiting for headers is AbortedError, not a timeout", async () => {
  const deaf = deafFetch();
  const caller = new AbortController();
  setTimeout(() => caller.abort(), 30);
  const [ms, error] = await elapsed(() =>
    send(deaf.fetch, new Request(URL_), { signal: caller.signal, connectTimeoutMs: 5000 })
  );
  assert.ok(error instanceof AbortedError, String(error));
  assert.ok(ms < 2000, `took ${ms} ms`);
  assert.equal(deaf.seen[0].signal.aborted, true);
  // Already aborted: nothing is sent.
  await assert.rejects(
    send(deaf.fetch, new Request(URL_), { signal: caller.signal }),
    AbortedError,
  );
  assert.equal(deaf.seen.length, 1);
});

for (const bytes of [false, true]) {
  const kind = bytes ? "byte stream" : "default stream";
  test(`send: a body silent for idleTimeoutMs fails the read (NetworkError) and aborts the request (${kind})`, async () => {
    const stalled = stalledBody(10, bytes);
    const seen: Request[] = [];
    const response = await send(
      (request) => {
        seen.push(request);
        return Promise.resolve(new Response(stalled.body, { status: 200 }));
      },
      new Request(URL_),
      { idleTimeoutMs: 100, connectTimeoutMs: 1000 },
    );
    if (bytes) {
      // Still a byte stream: the engine reads it with BYOB reads.
      response.body!.getReader({ mode: "byob" }).releaseLock();
    }
    const reader = response.body!.getReader();
    assert.equal((await reader.read()).value?.length, 10);
    const [ms, error] = await elapsed(() => reader.read());
    assert.ok(error instanceof NetworkError, String(error));
    assert.match((error as Error).message, /no data for 0\.1 s/);
    assert.ok(isRetryable(error));
    assert.ok(ms >= 90 && ms < 2000, `took ${ms} ms`);
    assert.equal(seen[0].signal.aborted, true, "the request is aborted");
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(stalled.state.cancelled, true, "the original body is cancelled");
  });
}

test("send: the caller's abort ends a pending body read at once with AbortedError", async () => {
  for (const bytes of [false, true]) {
    const stalled = stalledBody(5, bytes);
    const caller = new AbortController();
    const response = await send(
      () => Promise.resolve(new Response(stalled.body)),
      new Request(URL_),
      { signal: caller.signal, idleTimeoutMs: 60_000 },
    );
    const reader = response.body!.getReader();
    await reader.read();
    setTimeout(() => caller.abort(), 20);
    const [ms, error] = await elapsed(() => reader.read());
    assert.ok(error instanceof AbortedError, String(error));
    assert.ok(ms < 2000, `took ${ms} ms`);
  }
});

test("send: only time spent waiting in a read counts; the caller's signal is let go at the end", async () => {
  const caller = new AbortController();
  let listeners = 0;
  const add = caller.signal.addEventListener.bind(caller.signal);
  const remove = caller.signal.removeEventListener.bind(caller.signal);
  caller.signal.addEventListener = ((...a: Parameters<typeof add>) => {
    listeners++;
    add(...a);
  }) as typeof add;
  caller.signal.removeEventListener = ((...a: Parameters<typeof remove>) => {
    listeners--;
    remove(...a);
  }) as typeof remove;
  const response = await send(
    () => Promise.resolve(new Response(new Blob([new Uint8Array(100), new Uint8Array(100)]))),
    new Request(URL_),
    { signal: caller.signal, idleTimeoutMs: 50 },
  );
  const reader = response.body!.getReader();
  let n = 0;
  for (;;) {
    // A slow consumer: longer between reads than the idle timeout.
    await new Promise((r) => setTimeout(r, 80));
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
  }
  assert.equal(n, 200);
  assert.equal(listeners, 0, "no listener is left on the caller's signal");
  // A HEAD-like answer without a body lets go at once.
  await send(() => Promise.resolve(new Response(null)), new Request(URL_), {
    signal: caller.signal,
  });
  assert.equal(listeners, 0);
});

test("typedBody: an already typed body is returned as is", () => {
  const once = typedBody(new Response("x").body!);
  assert.equal(typedBody(once), once);
});

async function emulatorSource(
  faultsFor: OssEmulator["faultsFor"],
  timeouts: { connectTimeoutMs?: number; idleTimeoutMs?: number },
) {
  const emulator = new OssEmulator();
  const object = new Uint8Array(100_000).map((_, i) => i % 251);
  await emulator.put("bucket", "k.bin", object);
  emulator.faultsFor = faultsFor;
  const source = createObjectSource("oss://bucket/k.bin", {
    endpoint: "http://127.0.0.1:9",
    credentials: null,
    fetch: (request) => emulator.handle(new Request(request)),
    retry: { baseDelayMs: 1 },
    ...timeouts,
  });
  return { emulator, source, object };
}

test("stat: a HEAD whose headers never come times out and is retried", async () => {
  const { emulator, source } = await emulatorSource(
    (info) => (info.index === 1 ? { stallHeaders: true } : undefined),
    { connectTimeoutMs: 100 },
  );
  const retries: unknown[] = [];
  const [ms, meta] = await elapsed(() =>
    source.stat({ onRetry: ({ error }) => retries.push(error) })
  );
  assert.equal((meta as { size: number }).size, 100_000);
  assert.equal(retries.length, 1);
  assert.match(String(retries[0]), /no response within 0\.1 s/);
  assert.ok(ms < 3000, `took ${ms} ms`);
  assert.equal(emulator.stats.requests, 2);
});

test("read: a body stalled by the emulator fails with NetworkError after idleTimeoutMs", async () => {
  const { source, object } = await emulatorSource(
    () => ({ stallAfterBytes: 30_000 }),
    { idleTimeoutMs: 100 },
  );
  const r = await source.read({ start: 0, end: object.length, etag: null });
  const reader = r.body.getReader();
  let n = 0;
  const error = await (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return null;
        n += value.length;
      }
    } catch (e) {
      return e;
    }
  })();
  assert.equal(n, 30_000);
  assert.ok(error instanceof NetworkError, String(error));
  assert.match((error as Error).message, /no data for 0\.1 s/);
});

test("read: delayed headers within the timeout are fine; longer ones time out", async () => {
  const { source } = await emulatorSource(
    (info) => ({ delayHeadersMs: info.index === 1 ? 20 : 2000 }),
    { connectTimeoutMs: 300 },
  );
  const ok = await source.read({ start: 0, end: 10, etag: null });
  assert.equal((await new Response(ok.body).arrayBuffer()).byteLength, 10);
  const [ms, error] = await elapsed(() => source.read({ start: 0, end: 10, etag: null }));
  assert.ok(error instanceof NetworkError, String(error));
  assert.match((error as Error).message, /no response within 0\.3 s/);
  assert.ok(ms < 1500, `took ${ms} ms`);
});

test("timeouts must be positive numbers", () => {
  for (const bad of [0, -1, Number.NaN]) {
    assert.throws(
      () =>
        createObjectSource("oss://bucket/k", {
          endpoint: "http://127.0.0.1:9",
          connectTimeoutMs: bad,
          credentials: null,
        }),
      RangeError,
    );
    assert.throws(
      () => createObjectSource("https://example.com/k", { idleTimeoutMs: bad }),
      RangeError,
    );
  }
  createObjectSource("https://example.com/k", { idleTimeoutMs: Infinity });
});
