import { test } from "node:test";
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { MemoryStore } from "../src/emulator/memory_store.ts";
import { nodeDirectoryStore } from "../src/emulator/directory_store_node.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import { Credentials } from "../src/oss/credentials.ts";
import { signRequest } from "../src/oss/sign_request.ts";
import { xmlField } from "./emulator_fixtures.ts";

const BASE = "http://127.0.0.1:9000";
const HELLO = new TextEncoder().encode("hello world");
/** base64 MD5 of "hello world". */
const HELLO_MD5 = "XrY7u+Ae7tCTyyK7j1rNww==";

function memoryEmulator(options: ConstructorParameters<typeof OssEmulator>[0] = {}): OssEmulator {
  const store = new MemoryStore();
  store.createBucket("bucket");
  return new OssEmulator({ store, ...options });
}

function put(
  emulator: OssEmulator,
  path: string,
  body: Uint8Array<ArrayBuffer> | string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return emulator.handle(new Request(`${BASE}${path}`, { method: "PUT", body, headers }));
}

async function codeOf(r: Response): Promise<[number, string | undefined, string]> {
  const xml = await r.text();
  return [r.status, xmlField(xml, "Code"), xmlField(xml, "Message") ?? ""];
}

test("write: PutObject stores the body, answers ETag, CRC-64 and Content-MD5", async () => {
  const emulator = memoryEmulator();
  const r = await put(emulator, "/bucket/dir/a.txt", HELLO, {
    "content-type": "text/plain",
    "x-oss-meta-Author": "alice",
    "x-oss-meta-magic": "abracadabra",
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("etag"), '"5EB63BBBE01EEED093CB22BB8F5ACDC3"');
  assert.equal(r.headers.get("x-oss-hash-crc64ecma"), String(await crc64(HELLO)));
  assert.equal(r.headers.get("content-md5"), HELLO_MD5);
  assert.ok(r.headers.get("x-oss-request-id"));
  const get = await emulator.handle(new Request(`${BASE}/bucket/dir/a.txt`));
  assert.equal(await get.text(), "hello world");
  assert.equal(get.headers.get("content-type"), "text/plain");
  assert.equal(get.headers.get("x-oss-meta-author"), "alice");
  const head = await emulator.handle(new Request(`${BASE}/bucket/dir/a.txt`, { method: "HEAD" }));
  assert.equal(head.headers.get("x-oss-meta-magic"), "abracadabra");
  assert.equal(head.headers.get("etag"), r.headers.get("etag"));
});

test("write: Content-MD5 is checked when sent (InvalidDigest, BadDigest), nothing stored", async () => {
  const emulator = memoryEmulator();
  const ok = await put(emulator, "/bucket/a", HELLO, { "content-md5": HELLO_MD5 });
  assert.equal(ok.status, 200);
  const invalid = await put(emulator, "/bucket/b", HELLO, { "content-md5": "not-base64" });
  assert.deepEqual((await codeOf(invalid)).slice(0, 2), [400, "InvalidDigest"]);
  assert.equal(invalid.headers.get("x-oss-ec"), "0017-00000502");
  const short = await put(emulator, "/bucket/b", HELLO, { "content-md5": "AAAA" });
  assert.deepEqual((await codeOf(short)).slice(0, 2), [400, "InvalidDigest"]);
  const bad = await put(emulator, "/bucket/b", HELLO, {
    "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==",
  });
  assert.deepEqual((await codeOf(bad)).slice(0, 2), [400, "BadDigest"]);
  const missing = await emulator.handle(new Request(`${BASE}/bucket/b`));
  assert.deepEqual((await codeOf(missing)).slice(0, 2), [404, "NoSuchKey"]);
});

test("write: DeleteObject answers 204, also for a key that does not exist", async () => {
  const emulator = memoryEmulator();
  await put(emulator, "/bucket/a", HELLO);
  const del = await emulator.handle(new Request(`${BASE}/bucket/a`, { method: "DELETE" }));
  assert.equal(del.status, 204);
  assert.equal(await del.text(), "");
  const gone = await emulator.handle(new Request(`${BASE}/bucket/a`));
  assert.deepEqual((await codeOf(gone)).slice(0, 2), [404, "NoSuchKey"]);
  const again = await emulator.handle(new Request(`${BASE}/bucket/a`, { method: "DELETE" }));
  assert.equal(again.status, 204);
  const list = await emulator.handle(new Request(`${BASE}/bucket/?list-type=2`));
  assert.equal(xmlField(await list.text(), "KeyCount"), "0");
  const noBucket = await emulator.handle(new Request(`${BASE}/other/a`, { method: "DELETE" }));
  assert.deepEqual((await codeOf(noBucket)).slice(0, 2), [404, "NoSuchBucket"]);
});

test("write: multipart, append, copy, bucket writes are 501 NotImplemented saying so", async () => {
  const emulator = memoryEmulator();
  const cases: [string, string, Record<string, string>][] = [
    ["POST", "/bucket/big.bin?uploads", {}],
    ["PUT", "/bucket/big.bin?partNumber=1&uploadId=abc", {}],
    ["POST", "/bucket/big.bin?uploadId=abc", {}],
    ["DELETE", "/bucket/big.bin?uploadId=abc", {}],
    ["POST", "/bucket/log.txt?append&position=0", {}],
    ["PUT", "/bucket/copy.bin", { "x-oss-copy-source": "/bucket/a" }],
    ["PUT", "/bucket/", {}],
    ["PUT", "/bucket/a?acl", {}],
    ["DELETE", "/bucket/a?versionId=v1", {}],
  ];
  for (const [method, path, headers] of cases) {
    const body = method === "DELETE" ? undefined : "x";
    const r = await emulator.handle(new Request(`${BASE}${path}`, { method, headers, body }));
    const [status, code, message] = await codeOf(r);
    assert.deepEqual([status, code], [501, "NotImplemented"], `${method} ${path}`);
    assert.ok(message.length > 20, message);
  }
  const r = await emulator.handle(
    new Request(`${BASE}/bucket/big.bin?uploads`, { method: "POST" }),
  );
  assert.match((await codeOf(r))[2], /Multipart uploads .* not implemented/);
  const get = await emulator.handle(new Request(`${BASE}/bucket/a`));
  assert.equal(get.status, 404);
});

test("write: object names follow OSS rules (InvalidObjectName)", async () => {
  const emulator = memoryEmulator();
  const long = await put(emulator, `/bucket/${"k".repeat(1024)}`, HELLO);
  assert.deepEqual((await codeOf(long)).slice(0, 2), [400, "InvalidObjectName"]);
  const slash = await put(emulator, "/bucket/%2Fabs", HELLO);
  assert.deepEqual((await codeOf(slash)).slice(0, 2), [400, "InvalidObjectName"]);
  const ok = await put(emulator, `/bucket/${"k".repeat(1023)}`, HELLO);
  assert.equal(ok.status, 200);
});

test("write: with credentials, writes must be signed like reads (V1 and V4)", async () => {
  const now = Date.UTC(2024, 0, 2, 3, 4, 5);
  const emulator = memoryEmulator({
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    now: () => now,
  });
  const anonymous = await put(emulator, "/bucket/a", HELLO);
  assert.deepEqual((await codeOf(anonymous)).slice(0, 2), [403, "AccessDenied"]);
  const anonymousDelete = await emulator.handle(
    new Request(`${BASE}/bucket/a`, { method: "DELETE" }),
  );
  assert.equal(anonymousDelete.status, 403);
  for (const signatureVersion of ["v1", "v4"] as const) {
    for (const [secret, status] of [["sk", 200], ["wrong", 403]] as const) {
      const request = await signRequest(
        new Request(`${BASE}/bucket/a`, {
          method: "PUT",
          body: HELLO,
          headers: { "content-md5": HELLO_MD5, "content-type": "text/plain" },
        }),
        {
          credentials: new Credentials({ accessKeyId: "ak", accessKeySecret: secret }),
          signatureVersion,
          bucket: "bucket",
          key: "a",
          region: "cn-hangzhou",
          now: () => new Date(now),
        },
      );
      const r = await emulator.handle(request);
      assert.equal(r.status, status, `${signatureVersion} ${secret}`);
      await r.body?.cancel();
    }
  }
});

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "ossdl-write-"));
  try {
    await mkdir(join(root, "bucket"));
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test("write --root: objects and metadata persist on disk; the sidecar is never listed", async () => {
  await withRoot(async (root) => {
    const first = new OssEmulator({ store: nodeDirectoryStore(root, { writable: true }) });
    const r = await put(first, "/bucket/dir/a.txt", HELLO, {
      "content-type": "text/plain",
      "x-oss-meta-author": "alice",
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-oss-version-id"), null);
    assert.deepEqual(new Uint8Array(await readFile(join(root, "bucket", "dir", "a.txt"))), HELLO);
    // No temporary file is left behind; the sidecar lives outside the bucket.
    assert.deepEqual(await readdir(join(root, "bucket", "dir")), ["a.txt"]);
    assert.deepEqual(await readdir(join(root, ".ossdl-meta", "tmp")), []);
    // A new emulator over the same root (a restarted `serve`) sees object and metadata.
    const second = new OssEmulator({ store: nodeDirectoryStore(root) });
    const head = await second.handle(new Request(`${BASE}/bucket/dir/a.txt`, { method: "HEAD" }));
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("etag"), r.headers.get("etag"));
    assert.equal(head.headers.get("x-oss-hash-crc64ecma"), r.headers.get("x-oss-hash-crc64ecma"));
    assert.equal(head.headers.get("content-type"), "text/plain");
    assert.equal(head.headers.get("x-oss-meta-author"), "alice");
    const list = await second.handle(new Request(`${BASE}/bucket/?list-type=2`));
    const xml = await list.text();
    assert.equal(xmlField(xml, "KeyCount"), "1");
    assert.equal(xmlField(xml, "Key"), "dir/a.txt");
    // `.ossdl-meta` is not a bucket.
    const meta = await second.handle(new Request(`${BASE}/.ossdl-meta/?list-type=2`));
    assert.equal(meta.status, 404);
    // A file replaced behind the store's back loses the stale metadata, never shows it.
    await writeFile(join(root, "bucket", "dir", "a.txt"), "other content");
    const stale = await second.handle(new Request(`${BASE}/bucket/dir/a.txt`, { method: "HEAD" }));
    assert.equal(stale.headers.get("x-oss-meta-author"), null);
    assert.equal(stale.headers.get("content-type"), "application/octet-stream");
  });
});

test("write --root: overwrite, delete (204, also missing) and empty directories removed", async () => {
  await withRoot(async (root) => {
    const emulator = new OssEmulator({ store: nodeDirectoryStore(root, { writable: true }) });
    assert.equal((await put(emulator, "/bucket/x/y/z.bin", "one")).status, 200);
    assert.equal((await put(emulator, "/bucket/x/y/z.bin", "second")).status, 200);
    const get = await emulator.handle(new Request(`${BASE}/bucket/x/y/z.bin`));
    assert.equal(await get.text(), "second");
    const del = await emulator.handle(
      new Request(`${BASE}/bucket/x/y/z.bin`, { method: "DELETE" }),
    );
    assert.equal(del.status, 204);
    assert.deepEqual(await readdir(join(root, "bucket")), []);
    const missing = await emulator.handle(
      new Request(`${BASE}/bucket/x/none`, { method: "DELETE" }),
    );
    assert.equal(missing.status, 204);
    // A key through a file (x is a file, x/y cannot exist) is a missing key too.
    await put(emulator, "/bucket/x", "file");
    const through = await emulator.handle(new Request(`${BASE}/bucket/x/y`, { method: "DELETE" }));
    assert.equal(through.status, 204);
    const blocked = await put(emulator, "/bucket/x/y", "nope");
    assert.deepEqual((await codeOf(blocked)).slice(0, 2), [400, "InvalidObjectName"]);
  });
});

test("write --root: traversal keys and symbolic links never reach outside the root", async () => {
  await withRoot(async (root) => {
    const outside = await mkdtemp(join(tmpdir(), "ossdl-outside-"));
    try {
      await symlink(outside, join(root, "bucket", "link"));
      const emulator = new OssEmulator({ store: nodeDirectoryStore(root, { writable: true }) });
      const keys = [
        "..%2Fescape.txt",
        "a%2F..%2F..%2Fescape.txt",
        "%2E%2E%2F%2E%2E%2Fescape.txt",
        "a%2F%2Fb",
        ".%2Fa",
        "a%5C..%5Cb",
        "a%00b",
        "link%2Fescape.txt",
      ];
      for (const key of keys) {
        const r = await put(emulator, `/bucket/${key}`, HELLO);
        assert.deepEqual((await codeOf(r)).slice(0, 2), [400, "InvalidObjectName"], key);
        const d = await emulator.handle(new Request(`${BASE}/bucket/${key}`, { method: "DELETE" }));
        assert.ok(d.status === 400 || d.status === 204, `${key}: ${d.status}`);
        await d.body?.cancel();
      }
      assert.deepEqual(await readdir(outside), []);
      assert.deepEqual(await readdir(root), ["bucket"]);
      assert.deepEqual(await readdir(join(root, "bucket")), ["link"]);
      assert.ok((await lstat(join(root, "bucket", "link"))).isSymbolicLink());
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

test("write: a read-only store answers PutObject and DeleteObject with 501", async () => {
  await withRoot(async (root) => {
    const emulator = new OssEmulator({ store: nodeDirectoryStore(root) });
    const r = await put(emulator, "/bucket/a", HELLO);
    const [status, code, message] = await codeOf(r);
    assert.deepEqual([status, code], [501, "NotImplemented"]);
    assert.match(message, /read-only/);
    const d = await emulator.handle(new Request(`${BASE}/bucket/a`, { method: "DELETE" }));
    assert.equal(d.status, 501);
    assert.deepEqual(await readdir(join(root, "bucket")), []);
  });
});

// Counts this process's descriptors in /proc/self/fd (Linux, where the tests run).
test("directory store: a body cancelled while its file is still opening closes the file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ossdl-cancel-open-"));
  try {
    await writeFile(join(dir, "f.bin"), new Uint8Array(1 << 20));
    const { NodeDirectoryReader } = await import("../src/emulator/directory_store_node.ts");
    const reader = new NodeDirectoryReader();
    const openFds = async () => (await readdir("/proc/self/fd")).length;
    const before = await openFds();
    for (let i = 0; i < 20; i++) {
      const body = reader.readRange(join(dir, "f.bin"), 0, 1 << 20).getReader();
      const first = body.read(); // starts opening the file
      await body.cancel(); // the client went away before the open finished
      await first.catch(() => {});
    }
    // Let the opens that were in flight finish and their files be closed.
    for (let i = 0; i < 50 && (await openFds()) > before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(await openFds(), before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
