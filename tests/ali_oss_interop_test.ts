// The official Node SDK `ali-oss` against `serve` (serveDirectory over a real port, writable,
// signatures required), on Deno, Bun and Node (scripts/test.sh runs this file with `node --test`).
// The client options are those of the README's "Test your own code against a local OSS".
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Buffer } from "node:buffer";
import { serveDirectory } from "../src/emulator/serve_directory.ts";
import type { EmulatorCredentials } from "../src/emulator/authenticate.ts";
import { download } from "../src/download/download.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import { type AliOssClient, type AliOssOptions, loadAliOss, runtimeName } from "./_ali_oss.ts";

const loaded = await loadAliOss();
const skip = loaded.ok ? false : loaded.reason;
if (!loaded.ok) console.log(`ali-oss interop tests skipped on ${runtimeName()}: ${loaded.reason}`);

const DATA = (() => {
  const out = new Uint8Array(300_000);
  for (let i = 0; i < out.length; i++) out[i] = (i * 131 + 17) & 255;
  return out;
})();

interface Setup {
  root: string;
  port: number;
  client(options?: Partial<AliOssOptions>): AliOssClient;
}

async function withServe(
  fn: (s: Setup) => Promise<void>,
  credentials: EmulatorCredentials = { accessKeyId: "test", accessKeySecret: "test-secret" },
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "ossdl-ali-oss-"));
  await mkdir(join(root, "my-bucket"));
  const server = await serveDirectory(root, {
    port: 0,
    credentials,
    region: "cn-hangzhou",
    writable: true,
  });
  const client = (options: Partial<AliOssOptions> = {}): AliOssClient => {
    if (!loaded.ok) throw new Error(loaded.reason);
    return new loaded.OSS({
      endpoint: `http://localhost:${server.port}`, // the README: http://localhost:9000
      sldEnable: true, // path style: http://localhost:9000/my-bucket/key
      region: "oss-cn-hangzhou",
      bucket: "my-bucket",
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      stsToken: credentials.securityToken,
      authorizationV4: true,
      ...options,
    });
  };
  try {
    await fn({ root, port: server.port, client });
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function sdkError(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error("the SDK call succeeded");
}

async function streamBytes(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

for (const v4 of [true, false]) {
  const mode = v4 ? "V4" : "V1";
  test(`ali-oss ${mode}: put with meta, head, get with a range, getStream`, { skip }, async () => {
    await withServe(async ({ root, client }) => {
      const oss = client({ authorizationV4: v4 });
      const put = await oss.put("dir/data.bin", Buffer.from(DATA), {
        meta: { author: "alice", run: "7" },
      });
      assert.equal(put.res.status, 200);
      const crc = String(await crc64(DATA));
      assert.equal(put.res.headers["x-oss-hash-crc64ecma"], crc);
      assert.deepEqual(
        new Uint8Array(await readFile(join(root, "my-bucket", "dir", "data.bin"))),
        DATA,
      );
      const head = await oss.head("dir/data.bin");
      assert.equal(head.status, 200);
      assert.deepEqual({ ...head.meta }, { author: "alice", run: "7" });
      assert.equal(head.res.headers["content-length"], String(DATA.length));
      assert.equal(head.res.headers["etag"], put.res.headers["etag"]);
      const part = await oss.get("dir/data.bin", { headers: { Range: "bytes=1000-1999" } });
      assert.equal(part.res.status, 206);
      assert.deepEqual(new Uint8Array(part.content!), DATA.subarray(1000, 2000));
      const whole = await oss.getStream("dir/data.bin");
      assert.equal(whole.res.status, 200);
      assert.deepEqual(await streamBytes(whole.stream!), DATA);
    });
  });
}

test("ali-oss: signatureUrl (V1) and signatureUrlV4 work for the SDK, fetch and ossdl download()", {
  skip,
}, async () => {
  await withServe(async ({ root, client }) => {
    const oss = client();
    await oss.put("big/object.bin", Buffer.from(DATA));
    const urls = {
      v1: oss.signatureUrl("big/object.bin", { expires: 600 }),
      v4: await oss.signatureUrlV4("GET", 600, undefined, "big/object.bin"),
    };
    assert.match(urls.v1, /[?&]Signature=/);
    assert.match(urls.v4, /[?&]x-oss-signature=/);
    for (const [name, url] of Object.entries(urls)) {
      const viaSdk = await oss.urllib.request(url, { timeout: 30_000 });
      assert.equal(viaSdk.status, 200, name);
      assert.deepEqual(new Uint8Array(viaSdk.data), DATA, name);
      const viaFetch = await fetch(url, { headers: { range: "bytes=0-9" } });
      assert.equal(viaFetch.status, 206, name);
      assert.deepEqual(new Uint8Array(await viaFetch.arrayBuffer()), DATA.subarray(0, 10), name);
      const destination = join(root, `downloaded-${name}.bin`);
      const result = await download({
        source: url,
        destination,
        partSize: 64 * 1024,
        concurrency: 3,
        writeInWorker: false,
        env: () => undefined,
      });
      assert.equal(result.verified, true, name);
      assert.deepEqual(new Uint8Array(await readFile(destination)), DATA, name);
    }
    const tampered = urls.v4.replace(/x-oss-expires=\d+/, "x-oss-expires=601");
    const refused = await fetch(tampered);
    assert.equal(refused.status, 403);
    await refused.body?.cancel();
  });
});

test("ali-oss: STS tokens are signed and checked; a wrong token is InvalidSecurityToken", {
  skip,
}, async () => {
  await withServe(async ({ root, client }) => {
    for (const authorizationV4 of [true, false]) {
      const oss = client({ authorizationV4 });
      await oss.put("sts.bin", Buffer.from(DATA.subarray(0, 1000)));
      const head = await oss.head("sts.bin");
      assert.equal(head.status, 200);
      const wrong = client({ authorizationV4, stsToken: "OTHER-TOKEN" });
      const error = await sdkError(wrong.head("sts.bin"));
      assert.equal(error.code, "InvalidSecurityToken");
      assert.equal(error.status, 403);
    }
    const oss = client();
    const url = oss.signatureUrl("sts.bin");
    assert.match(url, /security-token=STS.TOKEN/);
    const result = await download({
      source: url,
      destination: join(root, "sts.bin"),
      writeInWorker: false,
      env: () => undefined,
    });
    assert.equal(result.verified, true);
    const v4 = await oss.signatureUrlV4("GET", 600, undefined, "sts.bin");
    assert.match(v4, /x-oss-security-token=STS.TOKEN/);
    assert.equal((await oss.urllib.request(v4)).status, 200);
  }, { accessKeyId: "STS.id", accessKeySecret: "sts-secret", securityToken: "STS.TOKEN" });
});

test("ali-oss: a wrong secret is SignatureDoesNotMatch, parsed into the SDK's error fields", {
  skip,
}, async () => {
  await withServe(async ({ client }) => {
    await client().put("k.txt", Buffer.from("hello"));
    for (const authorizationV4 of [true, false]) {
      const wrong = client({ authorizationV4, accessKeySecret: "wrong-secret" });
      const get = await sdkError(wrong.get("k.txt"));
      assert.equal(get.name, "SignatureDoesNotMatchError");
      assert.equal(get.code, "SignatureDoesNotMatch");
      assert.equal(get.status, 403);
      assert.equal(get.ecCode, "0002-00000040");
      assert.match(String(get.requestId), /^[0-9A-F]{24}$/);
      assert.match(String(get.message), /signature we calculated does not match/);
      // HEAD has no body: the SDK decodes the error from the x-oss-err header.
      const head = await sdkError(wrong.head("k.txt"));
      assert.equal(head.code, "SignatureDoesNotMatch");
      assert.equal(head.status, 403);
      const put = await sdkError(wrong.put("k.txt", Buffer.from([1])));
      assert.equal(put.code, "SignatureDoesNotMatch");
    }
    const unknown = client({ accessKeyId: "nobody" });
    assert.equal((await sdkError(unknown.get("k.txt"))).code, "InvalidAccessKeyId");
  });
});

test("ali-oss: listV2 pages with max-keys and continuation tokens, prefix and delimiter", {
  skip,
}, async () => {
  await withServe(async ({ client }) => {
    const oss = client();
    const keys = ["a/1.txt", "a/2.txt", "a/b/3.txt", "c.txt", "d/4.txt", "e.txt", "f.txt"];
    for (const key of keys) await oss.put(key, Buffer.from(key));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await oss.listV2({ "max-keys": 2, "continuation-token": token });
      pages++;
      seen.push(...(page.objects ?? []).map((o) => o.name));
      token = page.isTruncated ? page.nextContinuationToken : undefined;
      if (page.isTruncated) assert.ok(token, "a truncated page has a continuation token");
    } while (token);
    assert.deepEqual(seen, keys);
    assert.equal(pages, 4);
    const grouped = await oss.listV2({ prefix: "a/", delimiter: "/", "max-keys": 10 });
    assert.deepEqual((grouped.objects ?? []).map((o) => o.name), ["a/1.txt", "a/2.txt"]);
    assert.deepEqual(grouped.prefixes, ["a/b/"]);
    const sized = await oss.listV2({ prefix: "c" });
    assert.equal(sized.objects?.[0].size, 5);
  });
});

test("ali-oss: delete (also of a missing key), Content-MD5 mismatch, multipart refused", {
  skip,
}, async () => {
  await withServe(async ({ root, client }) => {
    const oss = client();
    await oss.put("gone.txt", Buffer.from("bye"));
    assert.equal((await oss.delete("gone.txt")).res.status, 204);
    assert.equal((await oss.delete("never-there.txt")).res.status, 204);
    const missing = await sdkError(oss.head("gone.txt"));
    assert.equal(missing.code, "NoSuchKey");
    assert.equal(missing.status, 404);
    const bad = await sdkError(
      oss.put("md5.txt", Buffer.from("hello"), {
        headers: { "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==" },
      }),
    );
    assert.equal(bad.code, "BadDigest");
    assert.equal(bad.status, 400);
    const multipart = await sdkError(
      oss.multipartUpload("multi.bin", Buffer.from(DATA), { partSize: 100 * 1024 }),
    );
    assert.equal(multipart.code, "NotImplemented");
    assert.match(String(multipart.message), /Multipart uploads/);
    // The URL path /my-bucket/../escape.txt may be normalized by the client to /escape.txt (a
    // missing bucket) or arrive as is (an invalid name): either way nothing is written.
    const outside = await sdkError(oss.put("../escape.txt", Buffer.from([1])));
    assert.ok(outside.status === 400 || outside.status === 404, `status ${outside.status}`);
    await assert.rejects(readFile(join(root, "escape.txt")));
    await assert.rejects(readFile(join(root, "..", "escape.txt")));
  });
});

/** The repository root: the nearest folder above this file holding README.md and package.json. */
async function repositoryRoot(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (true) {
    const found = await Promise.all(
      ["README.md", "package.json"].map((f) => stat(join(dir, f)).then(() => true, () => false)),
    );
    if (found.every(Boolean)) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("no repository root above " + import.meta.url);
    dir = up;
  }
}

test("ali-oss: the README's snippet runs as written (its port aside)", { skip }, async () => {
  const repo = await repositoryRoot();
  const readme = await readFile(join(repo, "README.md"), "utf8");
  const marker = readme.indexOf("<!-- ali-oss snippet:");
  assert.ok(marker > 0, "the README marks its ali-oss snippet");
  const start = readme.indexOf("```js\n", marker) + "```js\n".length;
  const code = readme.slice(start, readme.indexOf("```", start));
  assert.match(code, /endpoint: "http:\/\/localhost:9000"/);
  await withServe(async ({ root, port }) => {
    await mkdir(join(repo, ".tmp"), { recursive: true });
    const file = join(repo, ".tmp", `readme-ali-oss-${port}.mjs`);
    await writeFile(file, code.replaceAll("localhost:9000", `localhost:${port}`));
    const printed: unknown[][] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args);
    try {
      await import(pathToFileURL(file).href);
    } finally {
      console.log = log;
      await rm(file, { force: true });
    }
    assert.deepEqual(printed, [["alice", "hello", true]]);
    const written = await readFile(join(root, "my-bucket", "dir", "hello.txt"), "utf8");
    assert.equal(written, "hello world");
  });
});
