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
import { Credentials } from "../src/oss/credentials.ts";
import { resolveEndpoint } from "../src/oss/endpoint.ts";
import { OssObjectSource, type OssObjectSourceOptions } from "../src/oss/oss_object_source.ts";
import { v1Signature, v1StringToSign } from "../src/oss/signer_v1.ts";
import { v4CanonicalRequest, v4Scope, v4Signature, v4StringToSign } from "../src/oss/signer_v4.ts";

// A deterministic 1000-byte object.
const DATA = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 255);
const ETAG = '"5B3C1B4C2A9D8E7F6A5B4C3D2E1F0A9B"';
const CREDS = new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" });

interface Seen {
  request: Request;
  cancelled: () => boolean;
}

type Behaviour = (req: Request) => Response | Promise<Response> | undefined;

/** A tiny fake OSS: checks signatures, honours Range + If-Match; `behave` can override. */
function fakeOss(
  behave: Behaviour = () => undefined,
  opts: { verify?: "v4" | "v1" | "none" } = {},
) {
  const seen: Seen[] = [];
  const fetch = async (req: Request): Promise<Response> => {
    let cancelled = false;
    const body = (bytes: Uint8Array) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes);
          c.close();
        },
        cancel() {
          cancelled = true;
        },
      });
    seen.push({ request: req, cancelled: () => cancelled });
    const override = await behave(req);
    if (override) return override;
    const url = new URL(req.url);
    const key = decodeURIComponent(url.pathname).replace(/^\/examplebucket\//, "");
    const verify = opts.verify ?? "v4";
    if (verify !== "none" && !(await signatureOk(req, "examplebucket", key, verify))) {
      return new Response("<Error><Code>SignatureDoesNotMatch</Code></Error>", { status: 403 });
    }
    const common = {
      etag: ETAG,
      "last-modified": "Tue, 02 Jan 2024 03:04:05 GMT",
      "x-oss-hash-crc64ecma": "12345678901234567890",
      "x-oss-object-type": "Normal",
      "x-oss-request-id": "RID",
    };
    const ifMatch = req.headers.get("if-match");
    if (ifMatch !== null && ifMatch !== ETAG) {
      return new Response("<Error><Code>PreconditionFailed</Code></Error>", { status: 412 });
    }
    if (req.method === "HEAD") {
      return new Response(null, { headers: { ...common, "content-length": "1000" } });
    }
    const range = req.headers.get("range");
    if (range) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(range)!;
      const a = Number(m[1]);
      if (a >= DATA.length) {
        return new Response("<Error><Code>InvalidRange</Code></Error>", { status: 416 });
      }
      const b = Math.min(Number(m[2]), DATA.length - 1);
      return new Response(body(DATA.slice(a, b + 1)), {
        status: 206,
        headers: {
          ...common,
          "content-range": `bytes ${a}-${b}/${DATA.length}`,
          "content-length": String(b - a + 1),
        },
      });
    }
    return new Response(body(DATA), {
      headers: { ...common, "content-length": String(DATA.length) },
    });
  };
  return { fetch, seen };
}

async function signatureOk(
  req: Request,
  bucket: string,
  key: string,
  version: "v4" | "v1",
): Promise<boolean> {
  const auth = req.headers.get("authorization") ?? "";
  const query = [...new URL(req.url).searchParams];
  if (version === "v1") {
    const sts = v1StringToSign({
      method: req.method,
      contentMd5: req.headers.get("content-md5") ?? "",
      contentType: req.headers.get("content-type") ?? "",
      date: req.headers.get("x-oss-date") ?? req.headers.get("date") ?? "",
      headers: req.headers,
      bucket,
      key,
      query,
    });
    return auth === `OSS ak:${await v1Signature("sk", sts)}`;
  }
  const m =
    /^OSS4-HMAC-SHA256 Credential=ak\/(\d{8})\/([^/]+)\/oss\/aliyun_v4_request,Signature=([0-9a-f]{64})$/
      .exec(auth);
  if (!m) return false;
  const datetime = req.headers.get("x-oss-date")!;
  const canonical = v4CanonicalRequest({
    method: req.method,
    bucket,
    key,
    query,
    headers: req.headers,
    additionalHeaders: [],
  });
  const sts = await v4StringToSign(datetime, v4Scope(m[1], m[2]), canonical);
  return m[3] === await v4Signature("sk", m[1], m[2], "oss", sts);
}

let tick = 0;
const clock = () => new Date(Date.UTC(2024, 0, 2, 3, 4, 5) + 1000 * tick++);

function source(
  fetch: (r: Request) => Promise<Response>,
  extra: Partial<OssObjectSourceOptions> = {},
): OssObjectSource {
  return new OssObjectSource({
    bucket: "examplebucket",
    key: "dir/a b+c~!.txt",
    endpoint: resolveEndpoint({ endpoint: "http://127.0.0.1:9000", region: "cn-hangzhou" }),
    credentials: CREDS,
    fetch,
    now: clock,
    sleep: async () => {},
    random: () => 0,
    ...extra,
  });
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

test("stat: signed V4 HEAD, path-style URL with escaped key and versionId, full meta", async () => {
  const oss = fakeOss();
  const s = source(oss.fetch, { versionId: "CAEQ+abc/=" });
  const meta = await s.stat({});
  assert.deepEqual(meta, {
    size: 1000,
    etag: ETAG,
    lastModified: "Tue, 02 Jan 2024 03:04:05 GMT",
    crc64: 12345678901234567890n,
    objectType: "Normal",
    versionId: null,
    acceptsRanges: true,
  });
  const req = oss.seen[0].request;
  assert.equal(req.method, "HEAD");
  assert.equal(
    req.url,
    "http://127.0.0.1:9000/examplebucket/dir/a%20b%2Bc~%21.txt?versionId=CAEQ%2Babc%2F%3D",
  );
  assert.match(req.headers.get("authorization")!, /^OSS4-HMAC-SHA256 Credential=ak\/20240102\//);
  assert.equal(req.headers.get("x-oss-content-sha256"), "UNSIGNED-PAYLOAD");
  assert.equal(req.headers.get("accept-encoding"), "identity");
  assert.equal(s.displayName, "oss://examplebucket/dir/a b+c~!.txt (version CAEQ+abc/=)");
  assert.equal(
    s.identity,
    JSON.stringify([
      "oss",
      "http://127.0.0.1:9000",
      "examplebucket",
      "dir/a b+c~!.txt",
      "CAEQ+abc/=",
    ]),
  );
});

test("read: Range + x-oss-range-behavior + If-Match, 206 checked, fresh signature per request", async () => {
  const oss = fakeOss();
  const s = source(oss.fetch, { userAgent: "ossdl-test" });
  const r1 = await s.read({ start: 100, end: 300, etag: ETAG });
  assert.equal(r1.ranged, true);
  assert.equal(r1.start, 100);
  assert.equal(r1.end, 300);
  assert.equal(r1.etag, ETAG);
  assert.equal(r1.crc64, 12345678901234567890n);
  assert.deepEqual(await bytesOf(r1.body), DATA.slice(100, 300));
  const r2 = await s.read({ start: 999, end: 1000, etag: null });
  assert.deepEqual(await bytesOf(r2.body), DATA.slice(999));
  const [a, b] = oss.seen.map((x) => x.request);
  assert.equal(a.headers.get("range"), "bytes=100-299");
  assert.equal(a.headers.get("x-oss-range-behavior"), "standard");
  assert.equal(a.headers.get("if-match"), ETAG);
  assert.equal(a.headers.get("user-agent"), "ossdl-test");
  assert.equal(b.headers.get("if-match"), null);
  assert.notEqual(a.headers.get("x-oss-date"), b.headers.get("x-oss-date"));
  assert.notEqual(a.headers.get("authorization"), b.headers.get("authorization"));
});

test("read whole: no Range header; 200 → ranged false with start 0 and end = size", async () => {
  const oss = fakeOss();
  const r = await source(oss.fetch).read({ start: 0, end: 1000, etag: ETAG, whole: true });
  assert.equal(r.ranged, false);
  assert.equal(r.start, 0);
  assert.equal(r.end, 1000);
  assert.deepEqual(await bytesOf(r.body), DATA);
  const req = oss.seen[0].request;
  assert.equal(req.headers.get("range"), null);
  assert.equal(req.headers.get("x-oss-range-behavior"), null);
});

test("a server ignoring Range (200) → ranged false, start 0, end = Content-Length", async () => {
  const oss = fakeOss(() =>
    new Response(DATA, { headers: { etag: ETAG, "content-length": "1000" } })
  );
  const r = await source(oss.fetch).read({ start: 500, end: 600, etag: ETAG });
  assert.deepEqual([r.ranged, r.start, r.end], [false, 0, 1000]);
  await r.body.cancel();
});

test("a Content-Range that does not match the request → ProtocolError, body cancelled", async () => {
  for (
    const [cr, len] of [
      ["bytes 0-99/1000", "100"],
      ["bytes 100-198/1000", "99"],
      ["bytes 100-199/1000", "50"],
      ["garbage", "100"],
      [null, "100"],
    ] as const
  ) {
    let cancelled = false;
    const oss = fakeOss(() => {
      const headers: Record<string, string> = { "content-length": len };
      if (cr) headers["content-range"] = cr;
      return new Response(
        new ReadableStream({
          cancel() {
            cancelled = true;
          },
        }),
        { status: 206, headers },
      );
    });
    await assert.rejects(
      source(oss.fetch).read({ start: 100, end: 200, etag: null }),
      ProtocolError,
      String(cr),
    );
    assert.ok(cancelled, `body cancelled for ${cr}`);
  }
});

test("412 → ObjectChangedError; ETag differing from If-Match → ObjectChangedError", async () => {
  const oss = fakeOss();
  await assert.rejects(
    source(oss.fetch).read({ start: 0, end: 10, etag: '"OTHER"' }),
    ObjectChangedError,
  );
  const liar = fakeOss(() =>
    new Response("x", {
      status: 206,
      headers: { etag: '"NEW"', "content-range": "bytes 0-0/1000" },
    })
  );
  await assert.rejects(
    source(liar.fetch).read({ start: 0, end: 1, etag: ETAG }),
    ObjectChangedError,
  );
});

test("416 → OssServiceError InvalidRange; a 206 to a whole read → ProtocolError", async () => {
  const oss = fakeOss();
  await assert.rejects(
    source(oss.fetch).read({ start: 1000, end: 1001, etag: null }),
    (e: unknown) =>
      e instanceof OssServiceError && e.status === 416 && e.ossCode === "InvalidRange",
  );
  const odd = fakeOss(() =>
    new Response("x", { status: 206, headers: { "content-range": "bytes 0-0/1000" } })
  );
  await assert.rejects(
    source(odd.fetch).read({ start: 0, end: 1000, etag: null, whole: true }),
    ProtocolError,
  );
});

test("stat retries 503 and network errors, not 404 (x-oss-err header decoded)", async () => {
  let n = 0;
  const flaky = fakeOss(() => {
    n++;
    if (n === 1) return new Response(null, { status: 503 });
    if (n === 2) throw new TypeError("connection reset");
    return undefined;
  });
  assert.equal((await source(flaky.fetch).stat({})).size, 1000);
  assert.equal(flaky.seen.length, 3);
  const err = btoa("<Error><Code>NoSuchKey</Code><EC>0026-00000001</EC></Error>");
  const missing = fakeOss(() => new Response(null, { status: 404, headers: { "x-oss-err": err } }));
  await assert.rejects(
    source(missing.fetch).stat({}),
    (e: unknown) => e instanceof OssServiceError && e.ossCode === "NoSuchKey" && e.ec.length > 0,
  );
  assert.equal(missing.seen.length, 1);
  const down = fakeOss(() => new Response(null, { status: 500 }));
  await assert.rejects(
    source(down.fetch, { retry: { maxAttempts: 2 } }).stat({}),
    (e: unknown) => e instanceof RetriesExhaustedError && e.attempts === 2,
  );
});

test("anonymous access sends no Authorization; V1 and STS sign as expected", async () => {
  const anon = fakeOss(undefined, { verify: "none" });
  await source(anon.fetch, { credentials: null }).stat({});
  assert.equal(anon.seen[0].request.headers.get("authorization"), null);
  assert.equal(anon.seen[0].request.headers.get("x-oss-date"), null);

  const v1 = fakeOss(undefined, { verify: "v1" });
  const r = await source(v1.fetch, { signatureVersion: "v1" }).read({
    start: 0,
    end: 5,
    etag: ETAG,
  });
  assert.deepEqual(await bytesOf(r.body), DATA.slice(0, 5));
  assert.match(v1.seen[0].request.headers.get("authorization")!, /^OSS ak:/);

  const sts = fakeOss(undefined, { verify: "none" });
  await source(sts.fetch, {
    credentials: new Credentials({ accessKeyId: "ak", accessKeySecret: "sk", securityToken: "T" }),
  }).stat({});
  assert.equal(sts.seen[0].request.headers.get("x-oss-security-token"), "T");
});

test("fetch rejection → NetworkError (read is not retried); aborted → AbortedError", async () => {
  const broken = fakeOss(() => {
    throw new TypeError("error sending request for url (http://x/?Signature=S3CRET)");
  });
  await assert.rejects(
    source(broken.fetch).read({ start: 0, end: 1, etag: null }),
    (e: unknown) => e instanceof NetworkError && !e.message.includes("S3CRET"),
  );
  assert.equal(broken.seen.length, 1);
  const ac = new AbortController();
  const hang = fakeOss((req) =>
    new Promise((_, reject) => {
      req.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    })
  );
  const p = source(hang.fetch).read({ start: 0, end: 1, etag: null, signal: ac.signal });
  setTimeout(() => ac.abort(), 5);
  await assert.rejects(p, AbortedError);
});

test("bad read ranges are a RangeError before any request", async () => {
  const oss = fakeOss();
  const s = source(oss.fetch);
  for (const [start, end] of [[5, 5], [-1, 3], [0.5, 2], [10, 2]]) {
    await assert.rejects(s.read({ start, end, etag: null }), RangeError);
  }
  assert.equal(oss.seen.length, 0);
});
