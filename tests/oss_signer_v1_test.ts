import { test } from "node:test";
import assert from "node:assert/strict";
import { Credentials } from "../src/oss/credentials.ts";
import { presignUrl } from "../src/oss/presign_url.ts";
import { signRequest } from "../src/oss/sign_request.ts";
import { signHeadersV1, v1Signature, v1StringToSign } from "../src/oss/signer_v1.ts";

const AK = new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" });
const DATE = "Wed, 28 Dec 2022 10:27:41 GMT";
const fixed = (ms: number) => () => new Date(ms);

function vector1Headers(): Headers {
  return new Headers({
    "Content-MD5": "eB5eJF1ptWaXm4bijSPyxw==",
    "Content-Type": "text/html",
    "x-oss-meta-author": "alice",
    "x-oss-meta-magic": "abracadabra",
    "x-oss-date": DATE,
    "Date": DATE,
  });
}

test("V1 vector 1: PUT with x-oss headers (string to sign, signature, header signer)", async () => {
  const headers = vector1Headers();
  const sts = v1StringToSign({
    method: "PUT",
    contentMd5: headers.get("content-md5")!,
    contentType: headers.get("content-type")!,
    date: DATE,
    headers,
    bucket: "examplebucket",
    key: "nelson",
    query: [],
  });
  assert.equal(
    sts,
    "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\n" +
      "x-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\n" +
      "x-oss-meta-magic:abracadabra\n/examplebucket/nelson",
  );
  assert.equal(await v1Signature("sk", sts), "kSHKmLxlyEAKtZPkJhG9bZb5k7M=");

  const h = vector1Headers();
  await signHeadersV1({
    method: "PUT",
    url: new URL("http://examplebucket.oss-cn-hangzhou.aliyuncs.com/nelson"),
    headers: h,
    bucket: "examplebucket",
    key: "nelson",
    credentials: AK,
    now: fixed(Date.parse(DATE)),
  });
  assert.equal(h.get("authorization"), "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=");
  assert.equal(h.get("date"), DATE);
});

test("V1 vector 2: ?acl is a sub-resource", async () => {
  const headers = vector1Headers();
  const sts = v1StringToSign({
    method: "PUT",
    contentMd5: "eB5eJF1ptWaXm4bijSPyxw==",
    contentType: "text/html",
    date: DATE,
    headers,
    bucket: "examplebucket",
    key: "nelson",
    query: [["acl", ""]],
  });
  assert.ok(sts.endsWith("\n/examplebucket/nelson?acl"));
  assert.equal(await v1Signature("sk", sts), "/afkugFbmWDQ967j1vr6zygBLQk=");

  const signed = await signRequest(
    new Request("http://examplebucket.oss-cn-hangzhou.aliyuncs.com/nelson?acl", {
      method: "PUT",
      headers: vector1Headers(),
    }),
    {
      credentials: AK,
      signatureVersion: "v1",
      bucket: "examplebucket",
      key: "nelson",
      now: fixed(Date.parse(DATE)),
    },
  );
  assert.equal(signed.headers.get("authorization"), "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=");
});

test("V1 vector 3: bucket-level GET, unknown params are not signed", async () => {
  const headers = new Headers({ "x-oss-date": DATE });
  const input = {
    method: "GET",
    contentMd5: "",
    contentType: "",
    date: DATE,
    headers,
    bucket: "examplebucket",
    query: [["resourceGroup", ""], ["non-resousce", "null"]] as [string, string][],
  };
  const expected = "GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\n" +
    "x-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/?resourceGroup";
  assert.equal(v1StringToSign({ ...input, subResources: ["resourceGroup"] }), expected);
  assert.equal(v1StringToSign(input), expected); // resourceGroup is in the default list too
  assert.equal(await v1Signature("sk", expected), "vkQmfuUDyi1uDi3bKt67oemssIs=");
});

test("V1 vector 4: sub-resources are sorted", async () => {
  const sts = v1StringToSign({
    method: "GET",
    contentMd5: "",
    contentType: "",
    date: DATE,
    headers: new Headers({ "x-oss-date": DATE }),
    bucket: "examplebucket",
    query: [["resourceGroup", ""], ["acl", ""]],
    subResources: ["resourceGroup"],
  });
  assert.ok(sts.endsWith("\n/examplebucket/?acl&resourceGroup"));
  assert.equal(await v1Signature("sk", sts), "x3E5TgOvl/i7PN618s5mEvpJDYk=");
});

test("V1 vector 5: presigned GET with versionId", async () => {
  const sts = v1StringToSign({
    method: "GET",
    contentMd5: "",
    contentType: "",
    date: "1699807420",
    headers: new Headers(),
    bucket: "bucket",
    key: "key",
    query: [["versionId", "versionId"], ["OSSAccessKeyId", "ak"], ["Expires", "1699807420"]],
  });
  assert.equal(sts, "GET\n\n\n1699807420\n/bucket/key?versionId=versionId");
  assert.equal(await v1Signature("sk", sts), "dcLTea+Yh9ApirQ8o8dOPqtvJXQ=");
  const url = await presignUrl("oss://bucket/key", {
    endpoint: "http://oss-cn-hangzhou.aliyuncs.com",
    signatureVersion: "v1",
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    versionId: "versionId",
    expiresInSeconds: 600,
    now: fixed((1699807420 - 600) * 1000 + 123),
  });
  assert.equal(
    url,
    "http://bucket.oss-cn-hangzhou.aliyuncs.com/key?Expires=1699807420&OSSAccessKeyId=ak" +
      "&Signature=dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D&versionId=versionId",
  );
});

test("V1 vector 6: presigned GET with STS token and a + in the key", async () => {
  const sts = v1StringToSign({
    method: "GET",
    contentMd5: "",
    contentType: "",
    date: "1699808204",
    headers: new Headers(),
    bucket: "bucket",
    key: "key+123",
    query: [["versionId", "versionId"], ["security-token", "token"]],
  });
  assert.equal(
    sts,
    "GET\n\n\n1699808204\n/bucket/key+123?security-token=token&versionId=versionId",
  );
  assert.equal(await v1Signature("sk", sts), "jzKYRrM5y6Br0dRFPaTGOsbrDhY=");
  const url = await presignUrl({ bucket: "bucket", key: "key+123", versionId: "versionId" }, {
    endpoint: "http://oss-cn-hangzhou.aliyuncs.com",
    signatureVersion: "v1",
    credentials: { accessKeyId: "ak", accessKeySecret: "sk", securityToken: "token" },
    expiresInSeconds: 900,
    now: fixed((1699808204 - 900) * 1000),
  });
  assert.equal(
    url,
    "http://bucket.oss-cn-hangzhou.aliyuncs.com/key%2B123?Expires=1699808204&OSSAccessKeyId=ak" +
      "&Signature=jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D&security-token=token&versionId=versionId",
  );
});

const D_URL = "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc~%21.txt" +
  "?versionId=CAEQ%2Babc%2F%3D&response-content-type=text%2Fplain%3B%20charset%3Dutf-8";
const D_KEY = "dir/a b+c~!.txt";
const D_CREDS = new Credentials({ accessKeyId: "AKIDEXAMPLE", accessKeySecret: "SECRETEXAMPLE" });
const D_TIME = 1704164645000;

test("D4: V1 header-mode ranged GET with sub-resources and a tricky key", async () => {
  const headers = new Headers({ range: "bytes=0-99", "x-oss-range-behavior": "standard" });
  await signHeadersV1({
    method: "GET",
    url: new URL(D_URL),
    headers,
    bucket: "examplebucket",
    key: D_KEY,
    credentials: D_CREDS,
    now: fixed(D_TIME),
  });
  assert.equal(headers.get("date"), "Tue, 02 Jan 2024 03:04:05 GMT");
  const sts = v1StringToSign({
    method: "GET",
    contentMd5: "",
    contentType: "",
    date: headers.get("date")!,
    headers,
    bucket: "examplebucket",
    key: D_KEY,
    query: [...new URL(D_URL).searchParams],
  });
  assert.equal(
    sts,
    "GET\n\n\nTue, 02 Jan 2024 03:04:05 GMT\nx-oss-range-behavior:standard\n" +
      "/examplebucket/dir/a b+c~!.txt?response-content-type=text/plain; charset=utf-8" +
      "&versionId=CAEQ+abc/=",
  );
  assert.equal(headers.get("authorization"), "OSS AKIDEXAMPLE:k+F7oDUA9ja4ANsWTXQ3QGJM2PU=");
});

test("D5: V1 presigned GET", async () => {
  const url = await presignUrl(`oss://examplebucket/${D_KEY}`, {
    region: "cn-hangzhou",
    signatureVersion: "v1",
    credentials: D_CREDS,
    versionId: "CAEQ+abc/=",
    query: [["response-content-type", "text/plain; charset=utf-8"]],
    expiresInSeconds: 3600,
    now: fixed(D_TIME),
  });
  const u = new URL(url);
  assert.equal(u.pathname, "/dir/a%20b%2Bc~%21.txt");
  assert.equal(u.searchParams.get("Expires"), "1704168245");
  assert.equal(u.searchParams.get("Signature"), "+QoxnaaTUvej6370ZFOIc4ZZiCI=");
  assert.ok(url.includes("Signature=%2BQoxnaaTUvej6370ZFOIc4ZZiCI%3D"));
  assert.equal(
    await v1Signature(
      "SECRETEXAMPLE",
      "GET\n\n\n1704168245\n/examplebucket/dir/a b+c~!.txt" +
        "?response-content-type=text/plain; charset=utf-8&versionId=CAEQ+abc/=",
    ),
    "+QoxnaaTUvej6370ZFOIc4ZZiCI=",
  );
});

test("V1 header mode with STS sends and signs x-oss-security-token", async () => {
  const headers = new Headers();
  const creds = new Credentials({ accessKeyId: "ak", accessKeySecret: "sk", securityToken: "tok" });
  await signHeadersV1({
    method: "GET",
    url: new URL("https://b.oss-cn-hangzhou.aliyuncs.com/k"),
    headers,
    bucket: "b",
    key: "k",
    credentials: creds,
    now: fixed(D_TIME),
  });
  assert.equal(headers.get("x-oss-security-token"), "tok");
  const sts = "GET\n\n\nTue, 02 Jan 2024 03:04:05 GMT\nx-oss-security-token:tok\n/b/k";
  assert.equal(headers.get("authorization"), `OSS ak:${await v1Signature("sk", sts)}`);
});

test("V1 x-oss-* query params are sub-resources; x-oss header names are case-folded", () => {
  const sts = v1StringToSign({
    method: "GET",
    contentMd5: "",
    contentType: "",
    date: "d",
    headers: new Headers({ "X-OSS-Meta-Z": " z ", "x-oss-meta-a": "a", "x-other": "no" }),
    bucket: "b",
    key: "k",
    query: [["x-oss-process", "image/resize,w_10"], ["foo", "bar"]],
  });
  assert.equal(
    sts,
    "GET\n\n\nd\nx-oss-meta-a:a\nx-oss-meta-z:z\n/b/k?x-oss-process=image/resize,w_10",
  );
});

test("presignUrl rejects a bad lifetime and a bad source", async () => {
  await assert.rejects(
    presignUrl("oss://bucket/key", {
      region: "cn-hangzhou",
      signatureVersion: "v1",
      credentials: AK,
      expiresInSeconds: 0,
    }),
    RangeError,
  );
  await assert.rejects(
    presignUrl("https://bucket/key?Signature=secret", { region: "cn-hangzhou", credentials: AK }),
    (e: unknown) => e instanceof TypeError && !e.message.includes("secret"),
  );
});
