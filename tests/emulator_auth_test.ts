import { test } from "node:test";
import assert from "node:assert/strict";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { Credentials } from "../src/oss/credentials.ts";
import { signRequest } from "../src/oss/sign_request.ts";
import { presignUrl } from "../src/oss/presign_url.ts";
import { pattern, xmlField } from "./emulator_fixtures.ts";

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5); // 2024-01-02T03:04:05Z
const ENDPOINT = "http://127.0.0.1:9000";
const KEY = "dir/a b+c~!.txt";
const KEY_PATH = "/bucket/dir/a%20b%2Bc~%21.txt";

async function setup(securityToken?: string, now = NOW, region?: string): Promise<OssEmulator> {
  const emulator = new OssEmulator({
    credentials: { accessKeyId: "ak", accessKeySecret: "sk", securityToken },
    now: () => now,
    region,
  });
  await emulator.put("bucket", KEY, pattern(100));
  return emulator;
}

function creds(accessKeySecret = "sk", securityToken?: string, accessKeyId = "ak"): Credentials {
  return new Credentials({ accessKeyId, accessKeySecret, securityToken });
}

async function signed(
  version: "v1" | "v4",
  credentials: Credentials,
  options: {
    at?: number;
    query?: string;
    headers?: Record<string, string>;
    region?: string;
    product?: string;
  } = {},
): Promise<Request> {
  const at = options.at ?? NOW;
  return await signRequest(
    new Request(`${ENDPOINT}${KEY_PATH}${options.query ?? ""}`, { headers: options.headers }),
    {
      credentials,
      signatureVersion: version,
      bucket: "bucket",
      key: KEY,
      region: options.region ?? "cn-hangzhou",
      product: options.product,
      now: () => new Date(at),
    },
  );
}

async function presigned(
  version: "v1" | "v4",
  credentials: Credentials,
  options: {
    at?: number;
    expiresInSeconds?: number;
    versionId?: string;
    region?: string;
    product?: string;
  } = {},
): Promise<string> {
  return await presignUrl({ bucket: "bucket", key: KEY }, {
    endpoint: ENDPOINT,
    region: options.region ?? "cn-hangzhou",
    product: options.product,
    credentials,
    signatureVersion: version,
    expiresInSeconds: options.expiresInSeconds ?? 600,
    versionId: options.versionId,
    now: () => new Date(options.at ?? NOW),
  });
}

async function codeOf(response: Response): Promise<[number, string | undefined, string]> {
  const xml = await response.text();
  return [response.status, xmlField(xml, "Code"), xmlField(xml, "Message") ?? ""];
}

test("auth: anonymous requests are denied when credentials are configured", async () => {
  const emulator = await setup();
  const r = await emulator.handle(new Request(`${ENDPOINT}${KEY_PATH}`));
  assert.equal((await codeOf(r))[1], "AccessDenied");
  assert.equal(r.status, 403);
});

for (const version of ["v1", "v4"] as const) {
  test(`auth ${version}: a header-signed GET with range and query is accepted`, async () => {
    const emulator = await setup();
    const r = await emulator.handle(
      await signed(version, creds(), {
        query: "?response-content-type=text%2Fplain",
        headers: { range: "bytes=0-9", "x-oss-range-behavior": "standard" },
      }),
    );
    assert.equal(r.status, 206);
    assert.equal((await r.arrayBuffer()).byteLength, 10);
  });

  test(`auth ${version}: wrong secret is SignatureDoesNotMatch, wrong id InvalidAccessKeyId`, async () => {
    const emulator = await setup();
    const bad = await emulator.handle(await signed(version, creds("wrong")));
    assert.equal((await codeOf(bad))[1], "SignatureDoesNotMatch");
    assert.equal(bad.status, 403);
    const id = await emulator.handle(await signed(version, creds("sk", undefined, "other")));
    assert.deepEqual((await codeOf(id)).slice(0, 2), [403, "InvalidAccessKeyId"]);
  });

  test(`auth ${version}: STS token must match the configured one`, async () => {
    const emulator = await setup("TOKEN/+=");
    const good = await emulator.handle(await signed(version, creds("sk", "TOKEN/+=")));
    assert.equal(good.status, 200);
    await good.body?.cancel();
    const wrong = await emulator.handle(await signed(version, creds("sk", "OTHER")));
    assert.deepEqual((await codeOf(wrong)).slice(0, 2), [403, "InvalidSecurityToken"]);
    const missing = await emulator.handle(await signed(version, creds("sk")));
    assert.deepEqual((await codeOf(missing)).slice(0, 2), [403, "InvalidSecurityToken"]);
  });

  test(`auth ${version}: a clock skew over 15 minutes is RequestTimeTooSkewed`, async () => {
    const emulator = await setup();
    const ok = await emulator.handle(await signed(version, creds(), { at: NOW - 14 * 60_000 }));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const r = await emulator.handle(await signed(version, creds(), { at: NOW - 16 * 60_000 }));
    assert.deepEqual((await codeOf(r)).slice(0, 2), [403, "RequestTimeTooSkewed"]);
  });

  test(`auth ${version}: a tampered signed header is rejected`, async () => {
    const emulator = await setup();
    const request = await signed(version, creds(), {
      headers: { "x-oss-range-behavior": "standard" },
    });
    const headers = new Headers(request.headers);
    headers.set("x-oss-range-behavior", "other");
    const r = await emulator.handle(new Request(request.url, { headers }));
    assert.equal((await codeOf(r))[1], "SignatureDoesNotMatch");
  });

  test(`auth ${version}: a presigned URL (with STS) is accepted until it expires`, async () => {
    const emulator = await setup("TOKEN");
    const url = await presigned(version, creds("sk", "TOKEN"), { expiresInSeconds: 60 });
    const r = await emulator.handle(new Request(url));
    assert.equal(r.status, 200);
    assert.equal((await r.arrayBuffer()).byteLength, 100);
    const late = await setup("TOKEN", NOW + 61_000);
    const expired = await late.handle(new Request(url));
    assert.deepEqual(await codeOf(expired), [403, "AccessDenied", "Request has expired."]);
    assert.equal(expired.headers.get("x-oss-ec"), "0002-00000069");
  });

  test(`auth ${version}: presigned with wrong secret, wrong token or tampered query fails`, async () => {
    const emulator = await setup("TOKEN");
    const wrongSecret = await presigned(version, creds("bad", "TOKEN"));
    assert.equal(
      (await codeOf(await emulator.handle(new Request(wrongSecret))))[1],
      "SignatureDoesNotMatch",
    );
    const wrongToken = await presigned(version, creds("sk", "OTHER"));
    assert.equal(
      (await codeOf(await emulator.handle(new Request(wrongToken))))[1],
      "InvalidSecurityToken",
    );
    const url = new URL(await presigned(version, creds("sk", "TOKEN"), { versionId: "v1" }));
    url.searchParams.set("versionId", "v2");
    assert.equal(
      (await codeOf(await emulator.handle(new Request(url))))[1],
      "SignatureDoesNotMatch",
    );
    const longer = new URL(await presigned(version, creds("sk", "TOKEN")));
    const param = version === "v1" ? "Expires" : "x-oss-expires";
    longer.searchParams.set(param, String(Number(longer.searchParams.get(param)) + 1000));
    assert.equal(
      (await codeOf(await emulator.handle(new Request(longer))))[1],
      "SignatureDoesNotMatch",
    );
  });
}

test("auth v4: with a region set, a scope naming another region is 400 InvalidArgument", async () => {
  for (const configured of ["cn-hangzhou", "oss-cn-hangzhou"]) {
    const emulator = await setup(undefined, NOW, configured);
    const good = await emulator.handle(await signed("v4", creds()));
    assert.equal(good.status, 200, configured);
    await good.body?.cancel();
    const goodUrl = await emulator.handle(new Request(await presigned("v4", creds())));
    assert.equal(goodUrl.status, 200, configured);
    await goodUrl.body?.cancel();
    for (const region of ["cn-beijing", "cn-hangzhou-internal"]) {
      for (
        const request of [
          await signed("v4", creds(), { region }),
          new Request(await presigned("v4", creds(), { region })),
        ]
      ) {
        const r = await emulator.handle(request);
        assert.deepEqual(await codeOf(r), [
          400,
          "InvalidArgument",
          "Invalid signing region in Authorization header.",
        ]);
        assert.equal(r.headers.get("x-oss-ec"), "0002-00000226");
      }
    }
    // V1 carries no region.
    const v1 = await emulator.handle(await signed("v1", creds()));
    assert.equal(v1.status, 200);
    await v1.body?.cancel();
  }
});

test("auth v4: without a region option any scope region is accepted", async () => {
  const emulator = await setup();
  const r = await emulator.handle(await signed("v4", creds(), { region: "cn-beijing" }));
  assert.equal(r.status, 200);
  await r.body?.cancel();
  const u = await emulator.handle(new Request(await presigned("v4", creds(), { region: "x-1" })));
  assert.equal(u.status, 200);
  await u.body?.cancel();
});

test("auth v4: a scope product other than oss is 400 InvalidArgument", async () => {
  const emulator = await setup();
  for (
    const request of [
      await signed("v4", creds(), { product: "oss-cloudbox" }),
      new Request(await presigned("v4", creds(), { product: "ecs" })),
    ]
  ) {
    const r = await emulator.handle(request);
    assert.deepEqual(await codeOf(r), [
      400,
      "InvalidArgument",
      "Invalid signing product in Authorization header.",
    ]);
    assert.equal(r.headers.get("x-oss-ec"), "0002-00000227");
  }
});

test("auth: presigned and header signature together is refused", async () => {
  const emulator = await setup();
  const url = await presigned("v1", creds());
  const headerSigned = await signed("v4", creds());
  const r = await emulator.handle(new Request(url, { headers: headerSigned.headers }));
  assert.deepEqual((await codeOf(r)).slice(0, 2), [400, "InvalidArgument"]);
});

// Independent of the signer helpers: the exact requests of oss-protocol.md §2.9 (D1, D3, D4, D5).
// The version does not exist, so an accepted signature yields 404 NoSuchVersion (never 403).
const D_URL = "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc~%21.txt" +
  "?versionId=CAEQ%2Babc%2F%3D&response-content-type=text%2Fplain%3B%20charset%3Dutf-8";

async function docEmulator(): Promise<OssEmulator> {
  const emulator = new OssEmulator({
    credentials: { accessKeyId: "AKIDEXAMPLE", accessKeySecret: "SECRETEXAMPLE" },
    now: () => 1704164645000,
    baseHosts: ["oss-cn-hangzhou.aliyuncs.com"],
  });
  await emulator.put("examplebucket", KEY, pattern(10));
  return emulator;
}

test("auth: accepts the documented V1/V4 header and presigned vectors (§2.9)", async () => {
  const emulator = await docEmulator();
  const d1 = new Request(D_URL, {
    headers: {
      range: "bytes=0-99",
      "x-oss-range-behavior": "standard",
      "x-oss-date": "20240102T030405Z",
      "x-oss-content-sha256": "UNSIGNED-PAYLOAD",
      authorization: "OSS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/cn-hangzhou/oss/" +
        "aliyun_v4_request,Signature=1be9e9fb9cfcef745ceb143bd91c5cc139691d40fdc7c3fb9613ad3d7446bbb2",
    },
  });
  const d3 = D_URL +
    "&x-oss-credential=AKIDEXAMPLE%2F20240102%2Fcn-hangzhou%2Foss%2Faliyun_v4_request" +
    "&x-oss-date=20240102T030405Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256" +
    "&x-oss-signature=af41e7d85ed88b5f7c539b5961a7bcc90171e899ea985e5c297d6ee736e1696a";
  const d4 = new Request(D_URL, {
    headers: {
      range: "bytes=0-99",
      "x-oss-range-behavior": "standard",
      date: "Tue, 02 Jan 2024 03:04:05 GMT",
      authorization: "OSS AKIDEXAMPLE:k+F7oDUA9ja4ANsWTXQ3QGJM2PU=",
    },
  });
  const d5 = D_URL + "&OSSAccessKeyId=AKIDEXAMPLE&Expires=1704168245" +
    "&Signature=%2BQoxnaaTUvej6370ZFOIc4ZZiCI%3D";
  for (const request of [d1, new Request(d3), d4, new Request(d5)]) {
    const [status, code] = await codeOf(await emulator.handle(request));
    assert.deepEqual([status, code], [404, "NoSuchVersion"], request.url);
  }
  const tampered = d5.replace("Expires=1704168245", "Expires=1704168246");
  const [status, code] = await codeOf(await emulator.handle(new Request(tampered)));
  assert.deepEqual([status, code], [403, "SignatureDoesNotMatch"]);
});

// The Go SDK v1 in V4 mode sends no x-oss-date: it signs the raw `Date` header (RFC 1123) as the
// request time and takes the scope day from it (aliyun-oss-go-sdk oss/auth.go). Vector computed
// independently (Python hmac/hashlib) for request D1 of §2.9 with only `Date`.
const GO1_V4_SIGNATURE = "5b639a44efdf5b14dcfaf5eceb2af902c0a0920c9c7289c864c1151e45b9ae4f";

function go1V4Request(date: string, scopeDay = "20240102", signature = GO1_V4_SIGNATURE): Request {
  return new Request(D_URL, {
    headers: {
      date,
      "x-oss-content-sha256": "UNSIGNED-PAYLOAD",
      authorization: `OSS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${scopeDay}/cn-hangzhou/oss/` +
        `aliyun_v4_request,Signature=${signature}`,
    },
  });
}

test("auth v4: a request with only a Date header (Go SDK v1) is accepted (vector)", async () => {
  const emulator = await docEmulator();
  const r = await emulator.handle(go1V4Request("Tue, 02 Jan 2024 03:04:05 GMT"));
  assert.deepEqual((await codeOf(r)).slice(0, 2), [404, "NoSuchVersion"]);
  const wrong = await emulator.handle(
    go1V4Request("Tue, 02 Jan 2024 03:04:05 GMT", "20240102", "0".repeat(64)),
  );
  const [status, code] = await codeOf(wrong);
  assert.deepEqual([status, code], [403, "SignatureDoesNotMatch"]);
});

test("auth v4: Date-only requests get the scope-day and skew checks; x-oss-date wins", async () => {
  const emulator = await docEmulator();
  const otherDay = await emulator.handle(go1V4Request("Tue, 02 Jan 2024 03:04:05 GMT", "20240101"));
  assert.deepEqual((await codeOf(otherDay)).slice(0, 2), [400, "InvalidArgument"]);
  const skewed = await emulator.handle(go1V4Request("Tue, 02 Jan 2024 03:24:05 GMT"));
  assert.deepEqual((await codeOf(skewed)).slice(0, 2), [403, "RequestTimeTooSkewed"]);
  const notGmt = await emulator.handle(go1V4Request("2024-01-02T03:04:05Z"));
  assert.deepEqual((await codeOf(notGmt)).slice(0, 2), [403, "AccessDenied"]);
  // With both headers, x-oss-date is the request time: the Date-signed signature no longer fits.
  const both = go1V4Request("Tue, 02 Jan 2024 03:04:05 GMT");
  const headers = new Headers(both.headers);
  headers.set("x-oss-date", "20240102T030405Z");
  const r = await emulator.handle(new Request(D_URL, { headers }));
  assert.deepEqual((await codeOf(r)).slice(0, 2), [403, "SignatureDoesNotMatch"]);
});
