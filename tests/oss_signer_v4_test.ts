import { test } from "node:test";
import assert from "node:assert/strict";
import { Credentials } from "../src/oss/credentials.ts";
import { toHex } from "../src/oss/crypto_util.ts";
import { presignUrl } from "../src/oss/presign_url.ts";
import { signHeaders } from "../src/oss/sign_request.ts";
import {
  presignQueryV4,
  signHeadersV4,
  v4AdditionalHeaders,
  v4CanonicalRequest,
  v4Scope,
  v4Signature,
  v4SigningKey,
  v4StringToSign,
} from "../src/oss/signer_v4.ts";
import { encodeQuery } from "../src/oss/uri_encode.ts";

const AK = new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" });
const STS = new Credentials({ accessKeyId: "ak", accessKeySecret: "sk", securityToken: "token" });
const KEY = "1234+-/123/1.txt";
const PARAMS: [string, string][] = [
  ["param1", "value1"],
  ["+param1", "value3"],
  ["|param1", "value4"],
  ["+param2", ""],
  ["|param2", ""],
  ["param2", ""],
];
const CANON_QUERY = "%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2";
const URL_H = new URL(
  `http://bucket.oss-cn-hangzhou.aliyuncs.com/1234%2B-/123/1.txt?${encodeQuery(PARAMS)}`,
);
const at = (unix: number) => () => new Date(unix * 1000);

function headerModeHeaders(): Headers {
  return new Headers({
    "x-oss-head1": "value",
    "abc": "value",
    "ZAbc": "value",
    "XYZ": "value",
    "content-type": "text/plain",
    "x-oss-content-sha256": "UNSIGNED-PAYLOAD",
  });
}

function queryModeHeaders(): Headers {
  return new Headers({
    "x-oss-head1": "value",
    "abc": "value",
    "ZAbc": "value",
    "XYZ": "value",
    "content-type": "application/octet-stream",
  });
}

async function signH(
  unix: number,
  credentials: Credentials,
  extra: { region?: string; product?: string; additionalHeaders?: string[] } = {},
): Promise<Headers> {
  const headers = headerModeHeaders();
  await signHeadersV4({
    method: "PUT",
    url: URL_H,
    headers,
    bucket: "bucket",
    key: KEY,
    credentials,
    region: extra.region ?? "cn-hangzhou",
    product: extra.product,
    additionalHeaders: extra.additionalHeaders,
    now: at(unix),
  });
  return headers;
}

test("H1: header mode, no token (canonical request, string to sign, key, signature)", async () => {
  const headers = await signH(1702743657, AK);
  assert.equal(headers.get("x-oss-date"), "20231216T162057Z");
  assert.equal(headers.get("date"), "Sat, 16 Dec 2023 16:20:57 GMT");
  const canonical = v4CanonicalRequest({
    method: "PUT",
    bucket: "bucket",
    key: KEY,
    query: [...URL_H.searchParams],
    headers,
    additionalHeaders: [],
  });
  assert.equal(
    canonical,
    "PUT\n/bucket/1234%2B-/123/1.txt\n" + CANON_QUERY + "\n" +
      "content-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\n" +
      "x-oss-date:20231216T162057Z\nx-oss-head1:value\n\n\nUNSIGNED-PAYLOAD",
  );
  const scope = v4Scope("20231216", "cn-hangzhou");
  assert.equal(scope, "20231216/cn-hangzhou/oss/aliyun_v4_request");
  const sts = await v4StringToSign("20231216T162057Z", scope, canonical);
  assert.equal(
    sts,
    "OSS4-HMAC-SHA256\n20231216T162057Z\n20231216/cn-hangzhou/oss/aliyun_v4_request\n" +
      "f4613657f1b108998e8dbd10a1aa5da621dc2c6e02c9ddec0f163664848704c4",
  );
  assert.equal(
    toHex(await v4SigningKey("sk", "20231216", "cn-hangzhou", "oss")),
    "b412a03b134ebddd720f5167b5de6db66620ebb3b01cff4d49e3ccb09f8de97f",
  );
  const sig = "e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe";
  assert.equal(await v4Signature("sk", "20231216", "cn-hangzhou", "oss", sts), sig);
  assert.equal(
    headers.get("authorization"),
    `OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=${sig}`,
  );
});

test("H2: header mode with STS token", async () => {
  const headers = await signH(1702784856, STS);
  assert.equal(headers.get("x-oss-security-token"), "token");
  const canonical = v4CanonicalRequest({
    method: "PUT",
    bucket: "bucket",
    key: KEY,
    query: [...URL_H.searchParams],
    headers,
    additionalHeaders: [],
  });
  assert.ok(canonical.includes("x-oss-head1:value\nx-oss-security-token:token\n\n"));
  const sts = await v4StringToSign(
    "20231217T034736Z",
    v4Scope("20231217", "cn-hangzhou"),
    canonical,
  );
  assert.ok(sts.endsWith("\n69494678fb11579d4ee12996e2796d9e2ba43c34aa4c723c4aec018f3d6b86b8"));
  assert.equal(
    toHex(await v4SigningKey("sk", "20231217", "cn-hangzhou", "oss")),
    "0e11d77e422d3484e84ee6b628fdf2a85f3788e1a597f23116b477efb407e94e",
  );
  assert.equal(
    headers.get("authorization"),
    "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request," +
      "Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea",
  );
});

test("H3: header mode with AdditionalHeaders (both list forms)", async () => {
  const expectedAuth =
    "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request," +
    "AdditionalHeaders=abc;zabc," +
    "Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f";
  for (const list of [["ZAbc", "abc"], ["x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"]]) {
    const headers = await signH(1702747512, AK, { additionalHeaders: list });
    assert.deepEqual(v4AdditionalHeaders(list, headers), ["abc", "zabc"]);
    const canonical = v4CanonicalRequest({
      method: "PUT",
      bucket: "bucket",
      key: KEY,
      query: [...URL_H.searchParams],
      headers,
      additionalHeaders: list,
    });
    assert.equal(
      canonical,
      "PUT\n/bucket/1234%2B-/123/1.txt\n" + CANON_QUERY + "\n" +
        "abc:value\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\n" +
        "x-oss-date:20231216T172512Z\nx-oss-head1:value\nzabc:value\n\nabc;zabc\nUNSIGNED-PAYLOAD",
    );
    const sts = await v4StringToSign(
      "20231216T172512Z",
      v4Scope("20231216", "cn-hangzhou"),
      canonical,
    );
    assert.ok(sts.endsWith("\n16b86004ed2cc3406dd7a13081bd940ef6a5ad49e508da2d4fdf84e8a5dd2145"));
    assert.equal(headers.get("authorization"), expectedAuth);
  }
});

test("H4: header mode, CloudBox region and product", async () => {
  const headers = await signH(1702743657, AK, { region: "cb-123", product: "oss-cloudbox" });
  assert.equal(
    v4Scope("20231216", "cb-123", "oss-cloudbox"),
    "20231216/cb-123/oss-cloudbox/aliyun_v4_request",
  );
  assert.equal(
    toHex(await v4SigningKey("sk", "20231216", "cb-123", "oss-cloudbox")),
    "2050b37df4494279f29cb1af160b9123e6a3208413bac32e41fe003432e6a34d",
  );
  assert.equal(
    headers.get("authorization"),
    "OSS4-HMAC-SHA256 Credential=ak/20231216/cb-123/oss-cloudbox/aliyun_v4_request," +
      "Signature=94ce1f12c17d148ea681030275a94449d3357f5b5b21133996eec80af3e08a43",
  );
});

async function presignQ(
  unix: number,
  expires: number,
  credentials: Credentials,
  extra: { region?: string; product?: string; additionalHeaders?: string[] } = {},
): Promise<{ query: [string, string][]; canonical: string; sts: string; signature: string }> {
  const headers = queryModeHeaders();
  const query = await presignQueryV4({
    method: "PUT",
    bucket: "bucket",
    key: KEY,
    query: PARAMS,
    headers,
    additionalHeaders: extra.additionalHeaders,
    credentials,
    region: extra.region ?? "cn-hangzhou",
    product: extra.product,
    now: new Date(unix * 1000),
    expiresInSeconds: expires,
  });
  const last = query.at(-1)!;
  assert.equal(last[0], "x-oss-signature");
  const unsigned = query.slice(0, -1);
  const canonical = v4CanonicalRequest({
    method: "PUT",
    bucket: "bucket",
    key: KEY,
    query: unsigned,
    headers,
    additionalHeaders: extra.additionalHeaders ?? [],
  });
  const datetime = unsigned.find(([k]) => k === "x-oss-date")![1];
  const scope = v4Scope(datetime.slice(0, 8), extra.region ?? "cn-hangzhou", extra.product);
  const sts = await v4StringToSign(datetime, scope, canonical);
  return { query, canonical, sts, signature: last[1] };
}

test("Q1: presigned, no token (canonical request, hash, signature, URL)", async () => {
  const q = await presignQ(1702781677, 599, AK);
  assert.equal(
    q.canonical,
    "PUT\n/bucket/1234%2B-/123/1.txt\n" + CANON_QUERY +
      "&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request" +
      "&x-oss-date=20231217T025437Z&x-oss-expires=599&x-oss-signature-version=OSS4-HMAC-SHA256\n" +
      "content-type:application/octet-stream\nx-oss-head1:value\n\n\nUNSIGNED-PAYLOAD",
  );
  assert.ok(q.sts.endsWith("\n48814c11f278d51662015bf2f896b66ca10b6de0187ed8d952e341bbce0aa336"));
  const sig = "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe";
  assert.equal(q.signature, sig);

  const url = await presignUrl({ bucket: "bucket", key: KEY }, {
    endpoint: "http://oss-cn-hangzhou.aliyuncs.com",
    credentials: AK,
    method: "PUT",
    query: PARAMS,
    headers: queryModeHeaders(),
    expiresInSeconds: 599,
    now: at(1702781677),
  });
  // GO1's URL for this case, except that GO1 also escapes "/" in the path as %2F.
  assert.equal(
    url,
    "http://bucket.oss-cn-hangzhou.aliyuncs.com/1234%2B-/123/1.txt?%2Bparam1=value3&%2Bparam2" +
      "&param1=value1&param2&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request" +
      `&x-oss-date=20231217T025437Z&x-oss-expires=599&x-oss-signature=${sig}` +
      "&x-oss-signature-version=OSS4-HMAC-SHA256&%7Cparam1=value4&%7Cparam2",
  );
});

test("Q2: presigned with STS token", async () => {
  const q = await presignQ(1702785388, 1702785987 - 1702785388, STS);
  assert.ok(
    q.canonical.includes("&x-oss-expires=599&x-oss-security-token=token&x-oss-signature-version="),
  );
  assert.ok(q.sts.endsWith("\n458705026c021c95dd317d008cff79df19ce99bf2b241d1ecb20f4d65bb851a5"));
  assert.equal(q.signature, "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5");
});

test("Q3: presigned with AdditionalHeaders", async () => {
  const q = await presignQ(1702783809, 599, AK, { additionalHeaders: ["ZAbc", "abc"] });
  assert.ok(q.canonical.includes("&x-oss-additional-headers=abc%3Bzabc&"));
  assert.ok(
    q.canonical.endsWith(
      "\nabc:value\ncontent-type:application/octet-stream\nx-oss-head1:value\nzabc:value\n\n" +
        "abc;zabc\nUNSIGNED-PAYLOAD",
    ),
  );
  assert.ok(q.sts.endsWith("\ne06541af14a8dc30dd12d3b75557af47f405e37784a76eae1a844c3426777df9"));
  assert.equal(q.signature, "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7");
});

test("Q4: presigned with a 5-day lifetime; more than 7 days is refused", async () => {
  const q = await presignQ(1702781677, 432000, AK);
  assert.ok(q.canonical.includes("&x-oss-expires=432000&"));
  assert.ok(q.sts.endsWith("\n39c7f5784b29b48491317edd4b6c375e3df26979f1bdac8fc7de4c01cf6b7736"));
  assert.equal(q.signature, "31029123dc7732d2d2cfd4006ea4fdb6cf86da6478f813e2bf8f87877c7b9fec");
  await assert.rejects(presignQ(1702781677, 604801, AK), RangeError);
  await assert.rejects(presignQ(1702781677, 0, AK), RangeError);
  assert.equal((await presignQ(1702781677, 604800, AK)).signature.length, 64);
});

test("Q5: presigned CloudBox with AdditionalHeaders, at two signing times", async () => {
  const cb = { region: "cb-123", product: "oss-cloudbox", additionalHeaders: ["ZAbc", "abc"] };
  const q1 = await presignQ(1702781677, 1702782276 - 1702781677, AK, cb);
  assert.ok(q1.canonical.includes("x-oss-credential=ak%2F20231217%2Fcb-123%2Foss-cloudbox%2F"));
  assert.equal(q1.signature, "07284191b9b4978ac3520cd39ee2dea2747eda454089359371ff463a6c7ba20f");
  const q2 = await presignQ(1702783809, 1702784408 - 1702783809, AK, cb);
  assert.equal(q2.signature, "16782cc8a7a554523db055eb804b508522e7e370073108ad88ee2f47496701dd");
});

const D_URL = new URL(
  "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc~%21.txt" +
    "?versionId=CAEQ%2Babc%2F%3D&response-content-type=text%2Fplain%3B%20charset%3Dutf-8",
);
const D_KEY = "dir/a b+c~!.txt";
const D_TIME = () => new Date(1704164645000);
const D_CANON_HEAD = "GET\n/examplebucket/dir/a%20b%2Bc~%21.txt\n" +
  "response-content-type=text%2Fplain%3B%20charset%3Dutf-8&versionId=CAEQ%2Babc%2F%3D\n" +
  "x-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20240102T030405Z\n" +
  "x-oss-range-behavior:standard\n";

async function signD(token?: string): Promise<Headers> {
  const headers = new Headers({ range: "bytes=0-99", "x-oss-range-behavior": "standard" });
  await signHeaders("GET", D_URL, headers, {
    credentials: new Credentials({
      accessKeyId: "AKIDEXAMPLE",
      accessKeySecret: "SECRETEXAMPLE",
      securityToken: token,
    }),
    bucket: "examplebucket",
    key: D_KEY,
    region: "cn-hangzhou",
    now: D_TIME,
  });
  return headers;
}

test("D1: V4 header-mode ranged GET (Range is not signed)", async () => {
  const headers = await signD();
  const canonical = v4CanonicalRequest({
    method: "GET",
    bucket: "examplebucket",
    key: D_KEY,
    query: [...D_URL.searchParams],
    headers,
    additionalHeaders: [],
  });
  assert.equal(canonical, D_CANON_HEAD + "\n\nUNSIGNED-PAYLOAD");
  const sts = await v4StringToSign(
    "20240102T030405Z",
    v4Scope("20240102", "cn-hangzhou"),
    canonical,
  );
  assert.ok(sts.endsWith("\n6fb3a9b22eec25b78669ef43ff07957ae49931d72c0d47d1f1f3ec87fc93c4d8"));
  assert.equal(
    headers.get("authorization"),
    "OSS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/cn-hangzhou/oss/aliyun_v4_request," +
      "Signature=1be9e9fb9cfcef745ceb143bd91c5cc139691d40fdc7c3fb9613ad3d7446bbb2",
  );
});

test("D2: V4 header-mode ranged GET with an STS token", async () => {
  const headers = await signD("TOKEN/+=");
  const canonical = v4CanonicalRequest({
    method: "GET",
    bucket: "examplebucket",
    key: D_KEY,
    query: [...D_URL.searchParams],
    headers,
    additionalHeaders: [],
  });
  assert.equal(
    canonical,
    D_CANON_HEAD + "x-oss-security-token:TOKEN/+=\n\n\nUNSIGNED-PAYLOAD",
  );
  const sts = await v4StringToSign(
    "20240102T030405Z",
    v4Scope("20240102", "cn-hangzhou"),
    canonical,
  );
  assert.ok(sts.endsWith("\n4c6154b35a9e6020d953daea7289b357c84c857ea69375614020c3aabd11978d"));
  assert.ok(
    headers.get("authorization")!.endsWith(
      ",Signature=4592140cdb7c79fe9af95d00bc90930f7169d8efdff2116a0662c97463fc3a9b",
    ),
  );
});

test("D3: V4 presigned GET through presignUrl", async () => {
  const url = await presignUrl(`oss://examplebucket/${D_KEY}`, {
    region: "cn-hangzhou",
    credentials: { accessKeyId: "AKIDEXAMPLE", accessKeySecret: "SECRETEXAMPLE" },
    versionId: "CAEQ+abc/=",
    query: [["response-content-type", "text/plain; charset=utf-8"]],
    expiresInSeconds: 3600,
    now: D_TIME,
  });
  const u = new URL(url);
  assert.equal(
    u.origin + u.pathname,
    `https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc~%21.txt`,
  );
  const sig = "af41e7d85ed88b5f7c539b5961a7bcc90171e899ea985e5c297d6ee736e1696a";
  assert.equal(u.searchParams.get("x-oss-signature"), sig);
  const query = [...u.searchParams].filter(([k]) => k !== "x-oss-signature");
  const canonical = v4CanonicalRequest({
    method: "GET",
    bucket: "examplebucket",
    key: D_KEY,
    query,
    headers: new Headers(),
    additionalHeaders: [],
  });
  assert.equal(
    canonical.split("\n")[2],
    "response-content-type=text%2Fplain%3B%20charset%3Dutf-8&versionId=CAEQ%2Babc%2F%3D" +
      "&x-oss-credential=AKIDEXAMPLE%2F20240102%2Fcn-hangzhou%2Foss%2Faliyun_v4_request" +
      "&x-oss-date=20240102T030405Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256",
  );
  const sts = await v4StringToSign(
    "20240102T030405Z",
    v4Scope("20240102", "cn-hangzhou"),
    canonical,
  );
  assert.ok(sts.endsWith("\ndc1f81393b499424c1837bd4c17f6dbcb31dd5f0414194aa93c40897980a3616"));
});

test("V4 signing needs a region; presignUrl infers it from the endpoint", async () => {
  await assert.rejects(
    signHeaders("GET", new URL("http://127.0.0.1:9000/b/k"), new Headers(), {
      credentials: AK,
      bucket: "b",
      key: "k",
    }),
    TypeError,
  );
  await assert.rejects(
    presignUrl("oss://bucket/key", { endpoint: "http://127.0.0.1:9000", credentials: AK }),
    TypeError,
  );
  const url = await presignUrl("oss://bucket/key", {
    endpoint: "oss-cn-shanghai-internal.aliyuncs.com",
    credentials: AK,
    now: at(1702781677),
  });
  assert.ok(url.startsWith("https://bucket.oss-cn-shanghai-internal.aliyuncs.com/key?"));
  assert.ok(url.includes("x-oss-credential=ak%2F20231217%2Fcn-shanghai%2Foss%2Faliyun_v4_request"));
});

test("V4 canonical URI and query: bucket always included; empty key; encoded sort", () => {
  const h = new Headers();
  assert.equal(
    v4CanonicalRequest({ method: "GET", bucket: "b", query: [], headers: h, additionalHeaders: [] })
      .split("\n")[1],
    "/b/",
  );
  assert.equal(
    v4CanonicalRequest({ method: "GET", query: [], headers: h, additionalHeaders: [] })
      .split("\n")[1],
    "/",
  );
  const c = v4CanonicalRequest({
    method: "GET",
    bucket: "b",
    key: "é ~*",
    query: [["b", "x y"], ["a", "1+1"], ["é", ""]],
    headers: h,
    additionalHeaders: [],
  });
  assert.deepEqual(c.split("\n").slice(1, 3), ["/b/%C3%A9%20~%2A", "%C3%A9&a=1%2B1&b=x%20y"]);
});
