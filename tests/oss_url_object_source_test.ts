// deno-lint-ignore-file require-await
import { test } from "node:test";
import assert from "node:assert/strict";
import { OssServiceError, ProtocolError } from "../src/errors.ts";
import { createObjectSource } from "../src/oss/create_object_source.ts";
import { Credentials } from "../src/oss/credentials.ts";
import { OssObjectSource } from "../src/oss/oss_object_source.ts";
import { presignUrl } from "../src/oss/presign_url.ts";
import { v4CanonicalRequest, v4Scope, v4Signature, v4StringToSign } from "../src/oss/signer_v4.ts";
import { stripSignature, UrlObjectSource } from "../src/oss/url_object_source.ts";

const DATA = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) & 255);
const ETAG = '"E1"';

function tracked(
  bytes: Uint8Array,
): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  let sent = false;
  return {
    stream: new ReadableStream({
      pull(c) {
        if (sent) c.close();
        else c.enqueue(bytes);
        sent = true;
      },
      cancel() {
        cancelled = true;
      },
    }),
    cancelled: () => cancelled,
  };
}

function rangeServer(opts: { ignoreRange?: boolean; data?: Uint8Array } = {}) {
  const data = opts.data ?? DATA;
  const requests: Request[] = [];
  const bodies: { cancelled: () => boolean }[] = [];
  const fetch = async (req: Request): Promise<Response> => {
    requests.push(req);
    const range = req.headers.get("range");
    const h = { etag: ETAG, "x-oss-hash-crc64ecma": "99" };
    if (range && !opts.ignoreRange) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(range)!;
      const a = Number(m[1]);
      if (a >= data.length) {
        return new Response(null, {
          status: 416,
          headers: { "content-range": `bytes */${data.length}` },
        });
      }
      const b = Math.min(Number(m[2]), data.length - 1);
      const t = tracked(data.slice(a, b + 1));
      bodies.push(t);
      return new Response(t.stream, {
        status: 206,
        headers: {
          ...h,
          "content-range": `bytes ${a}-${b}/${data.length}`,
          "content-length": String(b - a + 1),
        },
      });
    }
    const t = tracked(data);
    bodies.push(t);
    return new Response(t.stream, { headers: { ...h, "content-length": String(data.length) } });
  };
  return { fetch, requests, bodies };
}

const noSleep = { sleep: async () => {}, random: () => 0 };

test("stat: GET bytes=0-0 → 206 total is the size; body cancelled; no x-oss-* headers", async () => {
  const srv = rangeServer();
  const s = new UrlObjectSource("https://h.example.com/a%20b.bin?x=1", {
    fetch: srv.fetch,
    ...noSleep,
  });
  const meta = await s.stat({});
  assert.equal(meta.size, 300);
  assert.equal(meta.acceptsRanges, true);
  assert.equal(meta.etag, ETAG);
  assert.equal(meta.crc64, 99n);
  const req = srv.requests[0];
  assert.equal(req.method, "GET");
  assert.equal(req.headers.get("range"), "bytes=0-0");
  assert.equal(req.url, "https://h.example.com/a%20b.bin?x=1");
  assert.deepEqual([...req.headers.keys()].filter((k) => k.startsWith("x-oss-")), []);
  assert.ok(srv.bodies[0].cancelled());
});

test("stat: 200 → acceptsRanges false, size from Content-Length, body cancelled", async () => {
  const srv = rangeServer({ ignoreRange: true });
  const meta = await new UrlObjectSource("http://h/x", { fetch: srv.fetch }).stat({});
  assert.equal(meta.size, 300);
  assert.equal(meta.acceptsRanges, false);
  assert.ok(srv.bodies[0].cancelled());
  const r = await new UrlObjectSource("http://h/x", { fetch: srv.fetch }).read({
    start: 0,
    end: 300,
    etag: ETAG,
    whole: true,
  });
  assert.deepEqual([r.ranged, r.start, r.end], [false, 0, 300]);
  assert.equal(srv.requests[1].headers.get("range"), null);
  assert.deepEqual(new Uint8Array(await new Response(r.body).arrayBuffer()), DATA);
});

test("stat: 416 on an empty object → size 0 (with or without Content-Range)", async () => {
  const srv = rangeServer({ data: new Uint8Array(0) });
  assert.equal((await new UrlObjectSource("http://h/e", { fetch: srv.fetch }).stat({})).size, 0);
  const bare = async () => new Response(null, { status: 416 });
  assert.equal((await new UrlObjectSource("http://h/e", { fetch: bare }).stat({})).size, 0);
  const odd = async () =>
    new Response(null, { status: 416, headers: { "content-range": "bytes */50" } });
  await assert.rejects(new UrlObjectSource("http://h/e", { fetch: odd }).stat({}), ProtocolError);
});

test("stat: 403 (expired URL) is not retried; 503 is", async () => {
  let calls = 0;
  const expired = async () => {
    calls++;
    return new Response(
      "<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>",
      { status: 403 },
    );
  };
  await assert.rejects(
    new UrlObjectSource("https://h/k?Expires=1&Signature=s", { fetch: expired, ...noSleep }).stat(
      {},
    ),
    (e: unknown) =>
      e instanceof OssServiceError && e.status === 403 && e.ossCode === "AccessDenied",
  );
  assert.equal(calls, 1);
  let n = 0;
  const srv = rangeServer();
  const flaky = (
    req: Request,
  ) => (++n < 3 ? Promise.resolve(new Response(null, { status: 503 })) : srv.fetch(req));
  assert.equal(
    (await new UrlObjectSource("http://h/k", { fetch: flaky, ...noSleep }).stat({})).size,
    300,
  );
  assert.equal(n, 3);
});

test("read: Range and If-Match only; 206 checked; identity strips signature params", async () => {
  const srv = rangeServer();
  const url =
    "https://user:pw@b.oss-cn-hangzhou.aliyuncs.com/k%2B1?versionId=v%2B1&x-oss-signature-version=OSS4-HMAC-SHA256" +
    "&x-oss-date=20240102T030405Z&x-oss-expires=3600&x-oss-credential=ak%2F20240102%2Fcn-hangzhou%2Foss%2Faliyun_v4_request" +
    "&x-oss-security-token=TOK&x-oss-additional-headers=host&x-oss-signature=SIG&response-content-type=a%20b#frag";
  const s = new UrlObjectSource(url, { fetch: srv.fetch, userAgent: "ua" });
  assert.equal(
    s.identity,
    "https://b.oss-cn-hangzhou.aliyuncs.com/k%2B1?versionId=v%2B1&response-content-type=a%20b",
  );
  assert.equal(s.displayName, s.identity);
  for (const secret of ["SIG", "TOK", "pw"]) assert.ok(!s.identity.includes(secret));
  assert.equal(
    stripSignature("http://h/k?OSSAccessKeyId=ak&Expires=1&Signature=x%2B&security-token=t&acl"),
    "http://h/k?acl",
  );
  const r = await s.read({ start: 10, end: 20, etag: ETAG });
  assert.deepEqual([r.ranged, r.start, r.end], [true, 10, 20]);
  assert.deepEqual(new Uint8Array(await new Response(r.body).arrayBuffer()), DATA.slice(10, 20));
  const req = srv.requests[0];
  assert.equal(req.headers.get("range"), "bytes=10-19");
  assert.equal(req.headers.get("if-match"), ETAG);
  assert.equal(req.headers.get("user-agent"), "ua");
  assert.deepEqual([...req.headers.keys()].filter((k) => k.startsWith("x-oss-")), []);
});

test("a V4 presigned URL from presignUrl verifies server-side when read by UrlObjectSource", async () => {
  const srv = rangeServer();
  const verified: boolean[] = [];
  const verifying = async (req: Request) => {
    const u = new URL(req.url);
    const query = [...u.searchParams];
    const sig = u.searchParams.get("x-oss-signature")!;
    const datetime = u.searchParams.get("x-oss-date")!;
    const canonical = v4CanonicalRequest({
      method: req.method,
      bucket: "bkt",
      key: decodeURIComponent(u.pathname.slice(1)),
      query: query.filter(([k]) => k !== "x-oss-signature"),
      headers: req.headers,
      additionalHeaders: [],
    });
    const sts = await v4StringToSign(
      datetime,
      v4Scope(datetime.slice(0, 8), "cn-hangzhou"),
      canonical,
    );
    verified.push(sig === await v4Signature("sk", datetime.slice(0, 8), "cn-hangzhou", "oss", sts));
    return srv.fetch(req);
  };
  const url = await presignUrl("oss://bkt/dir/é x+y.bin", {
    region: "cn-hangzhou",
    credentials: new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" }),
    expiresInSeconds: 60,
  });
  const s = createObjectSource(url, {
    fetch: verifying,
    credentials: { accessKeyId: "x", accessKeySecret: "y" },
  });
  assert.ok(s instanceof UrlObjectSource);
  assert.equal(s.identity, "https://bkt.oss-cn-hangzhou.aliyuncs.com/dir/%C3%A9%20x%2By.bin");
  await s.stat({});
  const r = await s.read({ start: 0, end: 100, etag: ETAG });
  await r.body.cancel();
  assert.deepEqual(verified, [true, true]);
});

test("createObjectSource picks the implementation and resolves credentials", async () => {
  const seen: Request[] = [];
  const fetch = async (req: Request) => {
    seen.push(req);
    return new Response(null, { headers: { "content-length": "5" } });
  };
  const env = (n: string) =>
    ({ OSS_ACCESS_KEY_ID: "envak", OSS_ACCESS_KEY_SECRET: "envsk" } as Record<string, string>)[n];
  const a = createObjectSource("oss://bkt/k", { region: "cn-hangzhou", env, fetch });
  assert.ok(a instanceof OssObjectSource);
  await a.stat({});
  assert.match(seen[0].headers.get("authorization")!, /Credential=envak\//);
  assert.equal(seen[0].url, "https://bkt.oss-cn-hangzhou.aliyuncs.com/k");

  const b = createObjectSource({ bucket: "bkt", key: "k", versionId: "v1" }, {
    endpoint: "http://localhost:9000",
    env: () => undefined,
    signatureVersion: "v1",
    fetch,
  });
  await b.stat({});
  assert.equal(seen[1].url, "http://localhost:9000/bkt/k?versionId=v1");
  assert.equal(seen[1].headers.get("authorization"), null);

  const c = createObjectSource("oss://bkt/k", {
    region: "cn-hangzhou",
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    signatureVersion: "v1",
    versionId: "v2",
    fetch,
  });
  await c.stat({});
  assert.match(seen[2].headers.get("authorization")!, /^OSS ak:/);
  assert.ok(seen[2].url.endsWith("?versionId=v2"));

  assert.ok(createObjectSource("http://127.0.0.1:1/x", {}) instanceof UrlObjectSource);
  assert.throws(() => createObjectSource("s3://b/k", {}), TypeError);
  assert.throws(
    () => createObjectSource({ bucket: "B", key: "k" }, { region: "cn-hangzhou" }),
    TypeError,
  );
  assert.throws(
    () =>
      createObjectSource({ bucket: "bkt", key: "k", versionId: "1" }, {
        region: "cn-hangzhou",
        versionId: "2",
        env: () => undefined,
      }),
    TypeError,
  );
  assert.throws(() => createObjectSource("oss://bkt/k", { env: () => undefined }), TypeError);
  assert.throws(
    () =>
      createObjectSource("oss://bkt/k", {
        endpoint: "http://127.0.0.1:9000",
        credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
      }),
    /needs the region/,
  );
  assert.ok(
    createObjectSource("oss://bkt/k", { endpoint: "http://127.0.0.1:9000", credentials: null }),
  );
  assert.throws(() => createObjectSource("ftp://h/x" as string, {}), TypeError);
  assert.throws(() => new UrlObjectSource("not a url"), TypeError);
});
