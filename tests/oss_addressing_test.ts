import { test } from "node:test";
import assert from "node:assert/strict";
import { isValidBucketName, parseOssUrl } from "../src/oss/oss_url.ts";
import {
  isIpOrLocalhost,
  normalizeRegion,
  objectUrl,
  regionFromHost,
  resolveEndpoint,
} from "../src/oss/endpoint.ts";
import { encodeQuery, escapeKey, uriEncode } from "../src/oss/uri_encode.ts";

test("parseOssUrl keeps the key literally: spaces, +, ~, unicode, slashes, ? and %", () => {
  assert.deepEqual(parseOssUrl("oss://my-bucket/dir/a b+c~!.txt"), {
    bucket: "my-bucket",
    key: "dir/a b+c~!.txt",
  });
  assert.deepEqual(parseOssUrl("OSS://b12/été/数据/x?y#z%20"), {
    bucket: "b12",
    key: "été/数据/x?y#z%20",
  });
  assert.deepEqual(parseOssUrl("oss://bkt//lead/trail/"), { bucket: "bkt", key: "/lead/trail/" });
});

test("parseOssUrl rejects bad input with a clear TypeError", () => {
  for (
    const bad of [
      "s3://bucket/key",
      "bucket/key",
      "oss://bucket",
      "oss://bucket/",
      "oss://Bucket/key",
      "oss://bu/key",
      "oss://-bucket/key",
      "oss://bucket-/key",
      "oss://bucket_1/key",
      `oss://${"a".repeat(64)}/key`,
      "oss://bucket/a/../b",
      "oss://bucket/./b",
      `oss://bucket/${"k".repeat(1024)}`,
    ]
  ) {
    assert.throws(() => parseOssUrl(bad), TypeError, bad);
  }
  assert.throws(() => parseOssUrl("oss://Bucket/key"), /invalid bucket name/);
});

test("bucket names: 3-63 chars of a-z0-9-, no leading/trailing dash", () => {
  assert.ok(isValidBucketName("abc"));
  assert.ok(isValidBucketName("a-b-1"));
  assert.ok(isValidBucketName("a".repeat(63)));
  assert.ok(!isValidBucketName("ab"));
  assert.ok(!isValidBucketName("a.b.c"));
});

test("key escaping keeps A-Za-z0-9-._~/ and percent-encodes UTF-8 bytes of the rest", () => {
  assert.equal(escapeKey("dir/a b+c~!.txt"), "dir/a%20b%2Bc~%21.txt");
  assert.equal(escapeKey("é*'()%"), "%C3%A9%2A%27%28%29%25");
  assert.equal(escapeKey("😀"), "%F0%9F%98%80");
  assert.equal(uriEncode("a/b"), "a%2Fb");
  assert.equal(encodeQuery([["b", "1 2"], ["a", ""], ["+x", "y"]]), "%2Bx=y&a&b=1%202");
});

test("endpoint from region: public, internal, accelerate; region normalized", () => {
  assert.deepEqual(resolveEndpoint({ region: "cn-hangzhou" }), {
    protocol: "https:",
    host: "oss-cn-hangzhou.aliyuncs.com",
    region: "cn-hangzhou",
    style: "virtual",
  });
  assert.equal(
    resolveEndpoint({ region: "oss-cn-beijing", internal: true }).host,
    "oss-cn-beijing-internal.aliyuncs.com",
  );
  const acc = resolveEndpoint({ region: "ap-southeast-1", accelerate: true });
  assert.equal(acc.host, "oss-accelerate.aliyuncs.com");
  assert.equal(acc.region, "ap-southeast-1");
  assert.equal(normalizeRegion("OSS-CN-Shanghai"), "cn-shanghai");
  assert.throws(() => normalizeRegion("cn hangzhou"), TypeError);
  assert.throws(() => resolveEndpoint({}), TypeError);
});

test("custom endpoint: with or without scheme, http allowed, region inferred", () => {
  const e = resolveEndpoint({ endpoint: "oss-cn-shenzhen.aliyuncs.com" });
  assert.equal(e.protocol, "https:");
  assert.equal(e.region, "cn-shenzhen");
  assert.equal(
    resolveEndpoint({ endpoint: "http://oss-eu-central-1-internal.aliyuncs.com/" }).region,
    "eu-central-1",
  );
  assert.equal(resolveEndpoint({ endpoint: "http://x.example.com" }).protocol, "http:");
  assert.equal(resolveEndpoint({ endpoint: "x.example.com" }).region, undefined);
  assert.equal(
    resolveEndpoint({ endpoint: "x.example.com", region: "cn-hangzhou" }).region,
    "cn-hangzhou",
  );
  assert.equal(
    resolveEndpoint({ endpoint: "oss-cn-hangzhou.aliyuncs.com", region: "cn-beijing" }).region,
    "cn-beijing",
  );
  assert.equal(regionFromHost("cn-hangzhou.oss.aliyuncs.com"), "cn-hangzhou");
  assert.equal(regionFromHost("oss-accelerate.aliyuncs.com"), undefined);
  assert.equal(regionFromHost("oss-accelerate-overseas.aliyuncs.com"), undefined);
  for (const bad of ["ftp://h", "http://h/path", "http://u:p@h", "http://h?x=1", "http://"]) {
    assert.throws(() => resolveEndpoint({ endpoint: bad }), TypeError, bad);
  }
});

test("addressing: virtual by default, path for IP / localhost / when asked, CNAME", () => {
  const key = "dir/a b+c~!.txt";
  const v = resolveEndpoint({ region: "cn-hangzhou" });
  assert.equal(
    objectUrl(v, "examplebucket", key, [["versionId", "CAEQ+abc/="]]).href,
    "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc~%21.txt?versionId=CAEQ%2Babc%2F%3D",
  );
  const ip = resolveEndpoint({ endpoint: "http://127.0.0.1:9000" });
  assert.equal(ip.style, "path");
  assert.equal(objectUrl(ip, "bkt", "a b").href, "http://127.0.0.1:9000/bkt/a%20b");
  assert.equal(objectUrl(ip, "bkt").href, "http://127.0.0.1:9000/bkt/");
  assert.equal(resolveEndpoint({ endpoint: "localhost:8080" }).style, "path");
  assert.equal(resolveEndpoint({ endpoint: "http://[::1]:8080" }).style, "path");
  assert.equal(resolveEndpoint({ region: "cn-hangzhou", pathStyle: true }).style, "path");
  assert.equal(resolveEndpoint({ endpoint: "127.0.0.1", pathStyle: false }).style, "virtual");
  const c = resolveEndpoint({ endpoint: "cdn.example.com", cname: true, region: "cn-hangzhou" });
  assert.equal(objectUrl(c, "bkt", "k/é").href, "https://cdn.example.com/k/%C3%A9");
  assert.ok(isIpOrLocalhost("10.0.0.1"));
  assert.ok(!isIpOrLocalhost("bucket.localhost.example.com"));
  assert.throws(() => objectUrl(v, "bkt", "a/../b"), TypeError);
});
