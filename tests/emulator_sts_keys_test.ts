import { test } from "node:test";
import assert from "node:assert/strict";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { requestAccessKeyId, StsKeys } from "../src/emulator/sts_keys.ts";
import { signRequest } from "../src/oss/sign_request.ts";
import { Credentials } from "../src/oss/credentials.ts";
import { presignUrl } from "../src/oss/presign_url.ts";

const URL_ = "http://127.0.0.1:9000/bucket/k.txt";

async function setup(options: ConstructorParameters<typeof OssEmulator>[0] = {}) {
  let clock = Date.now();
  const sts = new StsKeys({ now: () => clock });
  const emulator = new OssEmulator({ ...options, stsKeys: sts, now: () => clock });
  await emulator.put("bucket", "k.txt", new TextEncoder().encode("hello"));
  return { sts, emulator, advance: (ms: number) => (clock += ms), now: () => clock };
}

async function signed(key: Credentials, version: "v1" | "v4", now: number): Promise<Request> {
  return await signRequest(new Request(URL_), {
    credentials: key,
    signatureVersion: version,
    bucket: "bucket",
    key: "k.txt",
    region: "cn-hangzhou",
    now: () => new Date(now),
  });
}

async function code(response: Response): Promise<string> {
  return /<Code>([^<]*)<\/Code>/.exec(await response.text())?.[1] ?? String(response.status);
}

test("sts keys: an issued key works (V1 and V4, header and presigned) until it expires", async () => {
  const { sts, emulator, advance, now } = await setup();
  const k = new Credentials(sts.issue(2000));
  for (const version of ["v1", "v4"] as const) {
    const r = await emulator.handle(await signed(k, version, now()));
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(await r.text(), "hello");
  }
  const presigned = await presignUrl("oss://bucket/k.txt", {
    endpoint: "http://127.0.0.1:9000",
    region: "cn-hangzhou",
    credentials: k,
    now: () => new Date(now()),
  });
  assert.equal((await emulator.handle(new Request(presigned))).status, 200);
  advance(2000);
  const late = await emulator.handle(await signed(k, "v4", now()));
  assert.equal(late.status, 403);
  assert.equal(await code(late), "SecurityTokenExpired");
  assert.equal(sts.issued, 1);
});

test("sts keys: a wrong token, an unknown key and anonymous requests are refused", async () => {
  const { sts, emulator, now } = await setup();
  const k = sts.issue(60_000);
  const wrongToken = new Credentials({ ...k, securityToken: "other" });
  assert.equal(
    await code(await emulator.handle(await signed(wrongToken, "v4", now()))),
    "InvalidSecurityToken",
  );
  const unknown = new Credentials({ accessKeyId: "STS.unknown", accessKeySecret: "x" });
  assert.equal(
    await code(await emulator.handle(await signed(unknown, "v4", now()))),
    "InvalidAccessKeyId",
  );
  assert.equal(await code(await emulator.handle(new Request(URL_))), "AccessDenied");
});

test("sts keys: the emulator's own credentials still work beside them", async () => {
  const { emulator, now } = await setup({
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
  });
  const own = new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" });
  assert.equal((await emulator.handle(await signed(own, "v1", now()))).status, 200);
});

test("requestAccessKeyId: header V1/V4 and presigned V1/V4", () => {
  const h = (v: string) => new Request(URL_, { headers: { authorization: v } });
  assert.equal(requestAccessKeyId(h("OSS STS.a:sig"), []), "STS.a");
  assert.equal(
    requestAccessKeyId(
      h("OSS4-HMAC-SHA256 Credential=STS.b/20240101/cn-hangzhou/oss/aliyun_v4_request,Signature=x"),
      [],
    ),
    "STS.b",
  );
  assert.equal(requestAccessKeyId(new Request(URL_), [["OSSAccessKeyId", "STS.c"]]), "STS.c");
  assert.equal(
    requestAccessKeyId(new Request(URL_), [["x-oss-credential", "STS.d/2024/r/oss/x"]]),
    "STS.d",
  );
  assert.equal(requestAccessKeyId(new Request(URL_), []), null);
});
