import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { MemoryStore } from "../src/emulator/memory_store.ts";
import { nodeDirectoryStore } from "../src/emulator/directory_store_node.ts";
import type { ObjectStore } from "../src/emulator/object_store.ts";
import { pageOfSortedKeys } from "../src/emulator/sorted_keys.ts";
import { Credentials } from "../src/oss/credentials.ts";
import { compareKeys } from "../src/oss/key_order.ts";
import { signRequest } from "../src/oss/sign_request.ts";
import { presignQueryV1 } from "../src/oss/signer_v1.ts";
import { presignQueryV4 } from "../src/oss/signer_v4.ts";
import { encodeQuery, uriEncode } from "../src/oss/uri_encode.ts";
import { childElement, childElements, parseXml, type XmlElement } from "../src/oss/xml_reader.ts";

const ENDPOINT = "http://127.0.0.1:9000";

/** GET `/bucket/?query` (query pairs encoded like the client does) and parse the answer. */
async function list(
  emulator: OssEmulator,
  query: [string, string][],
  bucket = "bucket",
): Promise<{ status: number; root: XmlElement }> {
  const q = encodeQuery(query);
  const r = await emulator.handle(new Request(`${ENDPOINT}/${bucket}/${q ? "?" + q : ""}`));
  return { status: r.status, root: parseXml(await r.text()) };
}

function field(root: XmlElement, name: string): string | undefined {
  return childElement(root, name)?.text;
}

function keysOf(root: XmlElement): string[] {
  const encoded = field(root, "EncodingType") === "url";
  return childElements(root, "Contents").map((c) => {
    const k = field(c, "Key")!;
    return encoded ? decodeURIComponent(k) : k;
  });
}

function prefixesOf(root: XmlElement): string[] {
  const encoded = field(root, "EncodingType") === "url";
  return childElements(root, "CommonPrefixes").map((c) => {
    const p = field(c, "Prefix")!;
    return encoded ? decodeURIComponent(p) : p;
  });
}

async function emulatorWith(keys: string[], options = {}): Promise<OssEmulator> {
  const emulator = new OssEmulator(options);
  for (const key of keys) await emulator.put("bucket", key, new TextEncoder().encode(key));
  return emulator;
}

function numbered(n: number, prefix = "k/"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
}

test("emulator list V2: the document, its fields and the object metadata", async () => {
  const emulator = await emulatorWith([]);
  const data = new TextEncoder().encode("hello");
  const { etag } = await emulator.put("bucket", "dir/a.txt", data, {
    lastModified: new Date("2024-01-02T03:04:05Z"),
  });
  const { status, root } = await list(emulator, [["list-type", "2"]]);
  assert.equal(status, 200);
  assert.equal(root.name, "ListBucketResult");
  assert.equal(field(root, "Name"), "bucket");
  assert.equal(field(root, "Prefix"), "");
  assert.equal(field(root, "MaxKeys"), "100");
  assert.equal(field(root, "Delimiter"), "");
  assert.equal(field(root, "IsTruncated"), "false");
  assert.equal(field(root, "KeyCount"), "1");
  assert.equal(field(root, "EncodingType"), undefined);
  assert.equal(field(root, "NextContinuationToken"), undefined);
  const [c] = childElements(root, "Contents");
  assert.equal(field(c, "Key"), "dir/a.txt");
  assert.equal(field(c, "ETag"), etag);
  assert.equal(field(c, "Size"), "5");
  assert.equal(field(c, "LastModified"), "2024-01-02T03:04:05.000Z");
  assert.equal(field(c, "Type"), "Normal");
  assert.equal(field(c, "StorageClass"), "Standard");
  assert.equal(childElement(c, "Owner"), undefined);
  const head = await emulator.handle(
    new Request(`${ENDPOINT}/bucket/dir/a.txt`, { method: "HEAD" }),
  );
  assert.equal(head.headers.get("etag"), field(c, "ETag"));
  const owner = await list(emulator, [["list-type", "2"], ["fetch-owner", "true"]]);
  assert.ok(childElement(childElements(owner.root, "Contents")[0], "Owner"));
});

test("emulator list V2: 2,500 keys in pages of 1000 with continuation tokens", async () => {
  const keys = numbered(2500);
  const emulator = await emulatorWith([...keys].reverse()); // out-of-order puts
  const seen: string[] = [];
  let token: string | undefined;
  const counts: number[] = [];
  do {
    const query: [string, string][] = [["list-type", "2"], ["max-keys", "1000"]];
    if (token !== undefined) query.push(["continuation-token", token]);
    const { status, root } = await list(emulator, query);
    assert.equal(status, 200);
    assert.equal(field(root, "ContinuationToken"), token);
    seen.push(...keysOf(root));
    counts.push(Number(field(root, "KeyCount")));
    token = field(root, "IsTruncated") === "true"
      ? field(root, "NextContinuationToken")
      : undefined;
  } while (token !== undefined);
  assert.deepEqual(counts, [1000, 1000, 500]);
  assert.deepEqual(seen, keys);
});

test("emulator list: prefix, start-after and small max-keys", async () => {
  const emulator = await emulatorWith(["a", "b/1", "b/2", "b/3", "b0", "c"]);
  const p = await list(emulator, [["list-type", "2"], ["prefix", "b/"]]);
  assert.deepEqual(keysOf(p.root), ["b/1", "b/2", "b/3"]);
  assert.equal(field(p.root, "Prefix"), "b/");
  const s = await list(emulator, [["list-type", "2"], ["start-after", "b/1"], ["max-keys", "2"]]);
  assert.deepEqual(keysOf(s.root), ["b/2", "b/3"]);
  assert.equal(field(s.root, "StartAfter"), "b/1");
  assert.equal(field(s.root, "IsTruncated"), "true");
  const missing = await list(emulator, [["list-type", "2"], ["start-after", "b/25"]]);
  assert.deepEqual(keysOf(missing.root), ["b/3", "b0", "c"]);
  const both = await list(emulator, [["list-type", "2"], ["prefix", "b/"], ["start-after", "a"]]);
  assert.deepEqual(keysOf(both.root), ["b/1", "b/2", "b/3"]);
  const none = await list(emulator, [["list-type", "2"], ["prefix", "zzz"]]);
  assert.deepEqual(keysOf(none.root), []);
  assert.equal(field(none.root, "KeyCount"), "0");
});

test("emulator list: delimiter rolls keys up into CommonPrefixes, across pages", async () => {
  const emulator = await emulatorWith([
    "a.txt",
    "dir/x/1",
    "dir/x/2",
    "dir/y",
    "docs/1",
    "docs/2/3",
    "e",
    "f/",
  ]);
  const all = await list(emulator, [["list-type", "2"], ["delimiter", "/"]]);
  assert.deepEqual(keysOf(all.root), ["a.txt", "e"]);
  assert.deepEqual(prefixesOf(all.root), ["dir/", "docs/", "f/"]);
  assert.equal(field(all.root, "KeyCount"), "5");
  assert.equal(field(all.root, "Delimiter"), "/");
  const inner = await list(emulator, [["list-type", "2"], ["delimiter", "/"], ["prefix", "dir/"]]);
  assert.deepEqual(keysOf(inner.root), ["dir/y"]);
  assert.deepEqual(prefixesOf(inner.root), ["dir/x/"]);
  // Page by page with max-keys 1: every item once, a common prefix never twice.
  const items: string[] = [];
  let token: string | undefined;
  do {
    const q: [string, string][] = [["list-type", "2"], ["delimiter", "/"], ["max-keys", "1"]];
    if (token) q.push(["continuation-token", token]);
    const { root } = await list(emulator, q);
    assert.equal(Number(field(root, "KeyCount")), 1);
    items.push(...keysOf(root), ...prefixesOf(root));
    token = field(root, "IsTruncated") === "true"
      ? field(root, "NextContinuationToken")
      : undefined;
  } while (token);
  assert.deepEqual(items, ["a.txt", "dir/", "docs/", "e", "f/"]);
  // start-after inside a group does not list that group again.
  const after = await list(emulator, [["list-type", "2"], ["delimiter", "/"], [
    "start-after",
    "dir/x/1",
  ]]);
  assert.deepEqual(prefixesOf(after.root), ["docs/", "f/"]);
  assert.deepEqual(keysOf(after.root), ["e"]);
});

test("emulator list V1: marker, NextMarker and owners", async () => {
  const emulator = await emulatorWith(["a", "b/1", "b/2", "c"]);
  const first = await list(emulator, [["max-keys", "2"], ["delimiter", "/"]]);
  assert.equal(first.status, 200);
  assert.equal(field(first.root, "Marker"), "");
  assert.deepEqual(keysOf(first.root), ["a"]);
  assert.deepEqual(prefixesOf(first.root), ["b/"]);
  assert.equal(field(first.root, "IsTruncated"), "true");
  assert.equal(field(first.root, "NextMarker"), "b/");
  assert.equal(field(first.root, "KeyCount"), undefined);
  assert.ok(childElement(childElements(first.root, "Contents")[0], "Owner"));
  const second = await list(emulator, [["max-keys", "2"], ["delimiter", "/"], ["marker", "b/"]]);
  assert.equal(field(second.root, "Marker"), "b/");
  assert.deepEqual(keysOf(second.root), ["c"]);
  assert.deepEqual(prefixesOf(second.root), []);
  assert.equal(field(second.root, "IsTruncated"), "false");
  assert.equal(field(second.root, "NextMarker"), undefined);
  const plain = await list(emulator, [["marker", "a"]]);
  assert.deepEqual(keysOf(plain.root), ["b/1", "b/2", "c"]);
});

const ODD_KEYS = [
  "sp ace/a b.txt",
  "plus/a+b",
  "pct/100%",
  "pct/%2F",
  "amp/x&y<z>\"q'",
  "uni/été/日本語",
  "emoji/\u{1F600}",
  "bmp/\uFFFD",
  "ctl/new\nline",
  "ctl/cr\rtab\t",
  "ctl/\x01\x1f\x7f",
  " lead and trail ",
];

test("emulator list: encoding-type=url percent-encodes keys and key-like fields", async () => {
  const emulator = await emulatorWith(ODD_KEYS);
  const r = await emulator.handle(
    new Request(`${ENDPOINT}/bucket/?list-type=2&encoding-type=url&max-keys=1000`),
  );
  const xml = await r.text();
  assert.match(xml, /<Key>plus%2Fa%2Bb<\/Key>/);
  assert.match(xml, /<Key>sp%20ace%2Fa%20b.txt<\/Key>/);
  assert.match(xml, /<Key>pct%2F100%25<\/Key>/);
  const root = parseXml(xml);
  assert.equal(field(root, "EncodingType"), "url");
  assert.deepEqual(keysOf(root), [...ODD_KEYS].sort(compareKeys));
  const d = await list(emulator, [
    ["list-type", "2"],
    ["encoding-type", "url"],
    ["delimiter", "/"],
    ["prefix", "sp ace/"],
    ["start-after", "a b"],
  ]);
  assert.equal(field(d.root, "Prefix"), "sp%20ace%2F");
  assert.equal(field(d.root, "Delimiter"), "%2F");
  assert.equal(field(d.root, "StartAfter"), "a%20b");
});

test("emulator list: without encoding-type keys are XML-escaped and still exact", async () => {
  const emulator = await emulatorWith(ODD_KEYS);
  const { root } = await list(emulator, [["list-type", "2"]]);
  assert.deepEqual(keysOf(root), [...ODD_KEYS].sort(compareKeys));
});

test("emulator list: keys are in UTF-8 byte order", async () => {
  const keys = ["z", "\uFFFD", "\u{1F600}", "a", "é", "A", "a/"];
  const emulator = await emulatorWith(keys);
  const { root } = await list(emulator, [["list-type", "2"], ["encoding-type", "url"]]);
  const bytes = (s: string) => [...new TextEncoder().encode(s)];
  const byBytes = [...keys].sort((a, b) => {
    const x = bytes(a);
    const y = bytes(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  });
  assert.deepEqual(keysOf(root), byBytes);
  assert.deepEqual(byBytes.slice(-2), ["\uFFFD", "\u{1F600}"]);
});

test("emulator list: bad parameters are 400 InvalidArgument, a missing bucket 404", async () => {
  const emulator = await emulatorWith(["a"]);
  for (
    const query of [
      [["list-type", "2"], ["max-keys", "0"]],
      [["list-type", "2"], ["max-keys", "1001"]],
      [["list-type", "2"], ["max-keys", "ten"]],
      [["max-keys", "-1"]],
      [["list-type", "3"]],
      [["list-type", "2"], ["encoding-type", "base64"]],
      [["list-type", "2"], ["continuation-token", "not a token"]],
      [["list-type", "2"], ["prefix", "p".repeat(1024)]],
    ] as [string, string][][]
  ) {
    const { status, root } = await list(emulator, query);
    assert.equal(status, 400, JSON.stringify(query));
    assert.equal(field(root, "Code"), "InvalidArgument");
  }
  const ok = await list(emulator, [["list-type", "2"], ["max-keys", "1000"]]);
  assert.equal(ok.status, 200);
  const missing = await list(emulator, [["list-type", "2"]], "nobucket");
  assert.equal(missing.status, 404);
  assert.equal(field(missing.root, "Code"), "NoSuchBucket");
  assert.equal(field(missing.root, "BucketName"), "nobucket");
});

test("emulator list: HEAD on a bucket and stores that cannot list are 501", async () => {
  const emulator = await emulatorWith(["a"]);
  const head = await emulator.handle(new Request(`${ENDPOINT}/bucket/`, { method: "HEAD" }));
  assert.equal(head.status, 501);
  const inner = new MemoryStore();
  await inner.put("bucket", "a", new Uint8Array(1));
  const noList: ObjectStore = {
    hasBucket: (b) => inner.hasBucket(b),
    lookup: (b, k, v) => inner.lookup(b, k, v),
  };
  const plain = new OssEmulator({ store: noList });
  const r = await list(plain, [["list-type", "2"]]);
  assert.equal(r.status, 501);
  assert.equal(field(r.root, "Code"), "NotImplemented");
});

test("emulator list: virtual-hosted addressing", async () => {
  const emulator = await emulatorWith(["a", "b"], { baseHosts: ["oss-cn-hangzhou.aliyuncs.com"] });
  const r = await emulator.handle(
    new Request("https://bucket.oss-cn-hangzhou.aliyuncs.com/?list-type=2&prefix=b"),
  );
  assert.equal(r.status, 200);
  assert.deepEqual(keysOf(parseXml(await r.text())), ["b"]);
});

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

async function signedEmulator(securityToken?: string): Promise<OssEmulator> {
  return await emulatorWith(numbered(5), {
    credentials: { accessKeyId: "ak", accessKeySecret: "sk", securityToken },
    now: () => NOW,
    region: "cn-hangzhou",
  });
}

async function signedList(
  version: "v1" | "v4",
  secret: string,
  query: [string, string][],
  token?: string,
): Promise<Request> {
  const url = `${ENDPOINT}/bucket/?${encodeQuery(query)}`;
  return await signRequest(new Request(url), {
    credentials: new Credentials({
      accessKeyId: "ak",
      accessKeySecret: secret,
      securityToken: token,
    }),
    signatureVersion: version,
    bucket: "bucket",
    region: "cn-hangzhou",
    now: () => new Date(NOW),
  });
}

for (const version of ["v1", "v4"] as const) {
  test(`emulator list auth ${version}: header-signed listings, tokens included`, async () => {
    const emulator = await signedEmulator();
    const first = await emulator.handle(
      await signedList(version, "sk", [["list-type", "2"], ["max-keys", "2"]]),
    );
    assert.equal(first.status, 200);
    const root = parseXml(await first.text());
    const token = field(root, "NextContinuationToken")!;
    assert.ok(token);
    const second = await emulator.handle(
      await signedList(version, "sk", [["list-type", "2"], ["max-keys", "2"], [
        "continuation-token",
        token,
      ]]),
    );
    assert.equal(second.status, 200);
    assert.deepEqual(keysOf(parseXml(await second.text())), ["k/00002", "k/00003"]);
    const bad = await emulator.handle(await signedList(version, "wrong", [["list-type", "2"]]));
    assert.equal(bad.status, 403);
    assert.equal(field(parseXml(await bad.text()), "Code"), "SignatureDoesNotMatch");
    const anonymous = await list(emulator, [["list-type", "2"]]);
    assert.equal(anonymous.status, 403);
    assert.equal(field(anonymous.root, "Code"), "AccessDenied");
  });

  test(`emulator list auth ${version}: STS token must match`, async () => {
    const emulator = await signedEmulator("TOKEN/+=");
    const good = await emulator.handle(
      await signedList(version, "sk", [["list-type", "2"]], "TOKEN/+="),
    );
    assert.equal(good.status, 200);
    await good.body?.cancel();
    const wrong = await emulator.handle(
      await signedList(version, "sk", [["list-type", "2"]], "OTHER"),
    );
    assert.equal(wrong.status, 403);
    assert.equal(field(parseXml(await wrong.text()), "Code"), "InvalidSecurityToken");
  });
}

test("emulator list auth: presigned V1 and V4 bucket URLs", async () => {
  const emulator = await signedEmulator();
  const credentials = new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" });
  const query: [string, string][] = [["list-type", "2"], ["prefix", "k/0000"]];
  const v1 = await presignQueryV1({
    method: "GET",
    bucket: "bucket",
    query,
    credentials,
    expires: NOW / 1000 + 600,
  });
  const r1 = await emulator.handle(new Request(`${ENDPOINT}/bucket/?${encodeQuery(v1)}`));
  assert.equal(r1.status, 200);
  assert.equal(keysOf(parseXml(await r1.text())).length, 5);
  const v4 = await presignQueryV4({
    method: "GET",
    bucket: "bucket",
    query,
    credentials,
    region: "cn-hangzhou",
    now: new Date(NOW),
    expiresInSeconds: 600,
  });
  const r4 = await emulator.handle(new Request(`${ENDPOINT}/bucket/?${encodeQuery(v4)}`));
  assert.equal(r4.status, 200);
  await r4.body?.cancel();
  // The prefix is signed: changing it breaks the signature.
  const tampered = encodeQuery(v4).replace(`prefix=${uriEncode("k/0000")}`, "prefix=k");
  assert.notEqual(tampered, encodeQuery(v4));
  const r5 = await emulator.handle(new Request(`${ENDPOINT}/bucket/?${tampered}`));
  assert.equal(r5.status, 403);
  await r5.body?.cancel();
});

test("sorted keys: pages by binary search over many keys", () => {
  const keys = numbered(50000, "");
  const started = performance.now();
  let after = "";
  let count = 0;
  let pages = 0;
  while (true) {
    const page = pageOfSortedKeys(keys, { prefix: "", delimiter: "", after, maxKeys: 1000 });
    count += page.keys.length;
    pages++;
    if (!page.truncated) break;
    after = page.nextAfter!;
  }
  assert.equal(count, 50000);
  assert.equal(pages, 50);
  assert.ok(performance.now() - started < 5000);
  const grouped = pageOfSortedKeys(["a/1", "a/2", "b/1", "c"], {
    prefix: "",
    delimiter: "/",
    after: "a/",
    maxKeys: 10,
  });
  assert.deepEqual(grouped, {
    keys: ["c"],
    commonPrefixes: ["b/"],
    truncated: false,
    nextAfter: null,
  });
});

test("emulator list: 20,000 keys in the memory store page through", async () => {
  const store = new MemoryStore();
  const keys = numbered(20000, "");
  for (const key of keys) await store.put("bucket", key, new Uint8Array(0));
  const emulator = new OssEmulator({ store });
  let token: string | undefined;
  let count = 0;
  do {
    const q: [string, string][] = [["list-type", "2"], ["max-keys", "1000"]];
    if (token) q.push(["continuation-token", token]);
    const { root } = await list(emulator, q);
    count += keysOf(root).length;
    token = field(root, "IsTruncated") === "true"
      ? field(root, "NextContinuationToken")
      : undefined;
  } while (token);
  assert.equal(count, 20000);
  // A key added out of order shows up in the right place.
  await store.put("bucket", "00000-x", new Uint8Array(0));
  const { root } = await list(emulator, [["list-type", "2"], ["max-keys", "3"]]);
  assert.deepEqual(keysOf(root), ["00000", "00000-x", "00001"]);
});

test("emulator list: the directory store lists files recursively", async () => {
  const root = await mkdtemp(join(tmpdir(), "ossdl-list-"));
  try {
    const b = join(root, "bucket");
    await mkdir(join(b, "dir", "sub"), { recursive: true });
    await mkdir(join(b, "empty"), { recursive: true });
    await mkdir(join(b, "other"), { recursive: true });
    await writeFile(join(b, "top.txt"), "top");
    await writeFile(join(b, "dir", "a b+c.txt"), "abc");
    await writeFile(join(b, "dir", "sub", "deep.bin"), new Uint8Array(10));
    await writeFile(join(b, "dir", "été"), "x");
    await writeFile(join(b, "other", "z"), "z");
    await utimes(
      join(b, "top.txt"),
      new Date("2024-01-02T03:04:05Z"),
      new Date("2024-01-02T03:04:05Z"),
    );
    let linked = true;
    try {
      await symlink(join(b, "top.txt"), join(b, "other", "link"));
    } catch {
      linked = false; // no symlinks here (e.g. Windows without rights)
    }
    const emulator = new OssEmulator({ store: nodeDirectoryStore(root) });
    const all = await list(emulator, [["list-type", "2"], ["encoding-type", "url"]]);
    assert.equal(all.status, 200);
    const expected = [
      "dir/a b+c.txt",
      "dir/sub/deep.bin",
      "dir/été",
      ...(linked ? ["other/link"] : []),
      "other/z",
      "top.txt",
    ];
    assert.deepEqual(keysOf(all.root), expected);
    const top = childElements(all.root, "Contents").find((c) => field(c, "Key") === "top.txt")!;
    assert.equal(field(top, "Size"), "3");
    assert.equal(field(top, "LastModified"), "2024-01-02T03:04:05.000Z");
    const head = await emulator.handle(
      new Request(`${ENDPOINT}/bucket/top.txt`, { method: "HEAD" }),
    );
    assert.equal(head.headers.get("etag"), field(top, "ETag"));
    const prefixed = await list(emulator, [["list-type", "2"], ["prefix", "dir/s"]]);
    assert.deepEqual(keysOf(prefixed.root), ["dir/sub/deep.bin"]);
    const grouped = await list(emulator, [["list-type", "2"], ["delimiter", "/"]]);
    assert.deepEqual(keysOf(grouped.root), ["top.txt"]);
    assert.deepEqual(prefixesOf(grouped.root), ["dir/", "other/"]);
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const q: [string, string][] = [["list-type", "2"], ["max-keys", "2"]];
      if (token) q.push(["continuation-token", token]);
      const { root: page } = await list(emulator, q);
      paged.push(...keysOf(page));
      token = field(page, "IsTruncated") === "true"
        ? field(page, "NextContinuationToken")
        : undefined;
    } while (token);
    assert.deepEqual(paged, expected);
    const after = await list(emulator, [["list-type", "2"], ["start-after", "dir/zzz"]]);
    assert.deepEqual(keysOf(after.root), expected.filter((k) => k > "dir/zzz"));
    const missing = await list(emulator, [["list-type", "2"]], "nobucket");
    assert.equal(missing.status, 404);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
