import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator, type OssEmulatorOptions } from "../src/emulator/oss_emulator.ts";
import { serveDirectory } from "../src/emulator/serve_directory.ts";
import {
  AbortedError,
  OssServiceError,
  ProtocolError,
  RetriesExhaustedError,
} from "../src/errors.ts";
import { compareKeys } from "../src/oss/key_order.ts";
import {
  type ListedObject,
  listObjects,
  type ListObjectsOptions,
  parseOssPrefix,
} from "../src/oss/list_objects.ts";
import { parseListObjectsV2 } from "../src/oss/parse_list_result.ts";

const ENDPOINT = "http://127.0.0.1:9000";
const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const noSleep = () => Promise.resolve();

function numbered(n: number, prefix = "k/"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
}

async function emulatorWith(
  keys: string[],
  options: OssEmulatorOptions = {},
): Promise<OssEmulator> {
  const emulator = new OssEmulator(options);
  for (const key of keys) await emulator.put("bucket", key, new TextEncoder().encode(key));
  return emulator;
}

function options(
  emulator: OssEmulator,
  extra: Partial<ListObjectsOptions> = {},
): ListObjectsOptions {
  return {
    endpoint: ENDPOINT,
    credentials: null,
    fetch: (r) => emulator.handle(r),
    sleep: noSleep,
    ...extra,
  };
}

async function collect(pages: AsyncIterable<ListedObject[]>): Promise<ListedObject[][]> {
  const out: ListedObject[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

test("parseOssPrefix: bucket and raw prefix", () => {
  assert.deepEqual(parseOssPrefix("oss://my-bucket/photos/2024/"), {
    bucket: "my-bucket",
    prefix: "photos/2024/",
  });
  assert.deepEqual(parseOssPrefix("oss://my-bucket"), { bucket: "my-bucket", prefix: "" });
  assert.deepEqual(parseOssPrefix("oss://my-bucket/"), { bucket: "my-bucket", prefix: "" });
  assert.deepEqual(parseOssPrefix("OSS://b-1/a b+c%20?#x"), {
    bucket: "b-1",
    prefix: "a b+c%20?#x",
  });
  assert.throws(() => parseOssPrefix("s3://b/x"), TypeError);
  assert.throws(() => parseOssPrefix("oss://B_ad/x"), TypeError);
  assert.throws(() => parseOssPrefix("oss:///x"), TypeError);
  assert.throws(() => parseOssPrefix(`oss://bucket/${"é".repeat(512)}`), TypeError);
});

test("listObjects: 2,500 keys in three pages of 1000, lazily", async () => {
  const keys = numbered(2500);
  const emulator = await emulatorWith(keys);
  emulator.resetStats();
  const pages = listObjects("bucket", options(emulator));
  assert.equal(emulator.stats.requests, 0);
  const first = await pages.next();
  assert.equal(first.done, false);
  assert.equal(first.value!.length, 1000);
  assert.equal(emulator.stats.requests, 1);
  const second = await pages.next();
  assert.equal(second.value!.length, 1000);
  assert.equal(emulator.stats.requests, 2);
  const third = await pages.next();
  assert.equal(third.value!.length, 500);
  assert.equal((await pages.next()).done, true);
  assert.equal(emulator.stats.requests, 3);
  const all = [first.value!, second.value!, third.value!].flat();
  assert.deepEqual(all.map((o) => o.key), keys);
  const o = all[0];
  assert.equal(o.size, new TextEncoder().encode(keys[0]).length);
  assert.match(o.etag!, /^"[0-9A-F]{32}"$/);
  assert.match(o.lastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
});

test("listObjects: small pages, prefix and start-after", async () => {
  const emulator = await emulatorWith([...numbered(25, "a/"), ...numbered(5, "b/"), "a"]);
  const pages = await collect(
    listObjects("bucket", options(emulator, { prefix: "a/", maxKeys: 7 })),
  );
  assert.deepEqual(pages.map((p) => p.length), [7, 7, 7, 4]);
  assert.deepEqual(pages.flat().map((o) => o.key), numbered(25, "a/"));
  const after = await collect(
    listObjects("bucket", options(emulator, { startAfter: "a/00022", maxKeys: 3 })),
  );
  assert.deepEqual(after.flat().map((o) => o.key), [
    "a/00023",
    "a/00024",
    ...numbered(5, "b/"),
  ]);
  const none = await collect(listObjects("bucket", options(emulator, { prefix: "zzz" })));
  assert.deepEqual(none, []);
});

const ODD_KEYS = [
  "odd/sp ace/a b.txt",
  "odd/plus/a+b",
  "odd/plus/+",
  "odd/pct/100%",
  "odd/pct/%2F%20",
  "odd/amp/x&y<z>\"q'",
  "odd/uni/été/日本語",
  "odd/emoji/\u{1F600}",
  "odd/bmp/\uFFFD",
  "odd/ctl/new\nline",
  "odd/ctl/cr\rtab\t",
  "odd/ctl/\x01\x1f\x7f",
  "odd/ trail ",
];

test("listObjects: keys with spaces, +, %, &, <, unicode and control characters round-trip", async () => {
  const emulator = await emulatorWith(ODD_KEYS);
  for (const maxKeys of [1000, 2]) {
    const pages = await collect(
      listObjects("bucket", options(emulator, { prefix: "odd/", maxKeys })),
    );
    assert.deepEqual(pages.flat().map((o) => o.key), [...ODD_KEYS].sort(compareKeys));
  }
  // A prefix and a start-after with special characters are sent and matched exactly.
  const plus = await collect(listObjects("bucket", options(emulator, { prefix: "odd/plus/a+" })));
  assert.deepEqual(plus.flat().map((o) => o.key), ["odd/plus/a+b"]);
  const after = await collect(
    listObjects("bucket", options(emulator, { prefix: "odd/pct/", startAfter: "odd/pct/%2F%20" })),
  );
  assert.deepEqual(after.flat().map((o) => o.key), ["odd/pct/100%"]);
});

for (const signatureVersion of ["v4", "v1"] as const) {
  test(`listObjects: ${signatureVersion}-signed listing with STS across pages`, async () => {
    const emulator = await emulatorWith(numbered(12), {
      credentials: { accessKeyId: "ak", accessKeySecret: "sk", securityToken: "TOKEN/+=" },
      now: () => NOW,
      region: "cn-hangzhou",
    });
    const signed = (secret: string) =>
      options(emulator, {
        region: "cn-hangzhou",
        signatureVersion,
        credentials: { accessKeyId: "ak", accessKeySecret: secret, securityToken: "TOKEN/+=" },
        now: () => new Date(NOW),
        maxKeys: 5,
        prefix: "k/",
      });
    const pages = await collect(listObjects("bucket", signed("sk")));
    assert.deepEqual(pages.map((p) => p.length), [5, 5, 2]);
    const error = await collect(listObjects("bucket", signed("wrong"))).catch((e) => e);
    assert.ok(error instanceof OssServiceError, String(error));
    assert.equal(error.status, 403);
    assert.equal(error.ossCode, "SignatureDoesNotMatch");
    const anonymous = await collect(listObjects("bucket", options(emulator))).catch((e) => e);
    assert.ok(anonymous instanceof OssServiceError);
    assert.equal(anonymous.ossCode, "AccessDenied");
  });
}

test("listObjects: credentials from the environment", async () => {
  const emulator = await emulatorWith(["a"], {
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    now: () => NOW,
  });
  const env: Record<string, string> = { OSS_ACCESS_KEY_ID: "ak", OSS_ACCESS_KEY_SECRET: "sk" };
  const pages = await collect(listObjects("bucket", {
    ...options(emulator),
    credentials: undefined,
    env: (n) => env[n],
    region: "cn-hangzhou",
    now: () => new Date(NOW),
  }));
  assert.deepEqual(pages.flat().map((o) => o.key), ["a"]);
});

test("listObjects: virtual-hosted URL and the query sent", async () => {
  const emulator = await emulatorWith(["dir/a b"], {
    baseHosts: ["oss-cn-hangzhou.aliyuncs.com"],
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    now: () => NOW,
  });
  const urls: string[] = [];
  const pages = await collect(listObjects("bucket", {
    region: "cn-hangzhou",
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    now: () => new Date(NOW),
    prefix: "dir/a ",
    startAfter: "dir/",
    userAgent: "ossdl-test",
    fetch: (r) => {
      urls.push(r.url);
      assert.equal(r.headers.get("user-agent"), "ossdl-test");
      return emulator.handle(r);
    },
  }));
  assert.deepEqual(pages.flat().map((o) => o.key), ["dir/a b"]);
  assert.deepEqual(urls, [
    "https://bucket.oss-cn-hangzhou.aliyuncs.com/?encoding-type=url&list-type=2&max-keys=1000" +
    "&prefix=dir%2Fa%20&start-after=dir%2F",
  ]);
});

test("listObjects: a 503 page is retried, then the listing goes on", async () => {
  const emulator = await emulatorWith(numbered(30));
  emulator.faultsFor = (info) => (info.index === 2 ? { serverError: { status: 503 } } : undefined);
  const retries: unknown[] = [];
  const pages = await collect(listObjects(
    "bucket",
    options(emulator, {
      maxKeys: 10,
      onRetry: (info) => retries.push(info.error),
    }),
  ));
  assert.deepEqual(pages.flat().map((o) => o.key), numbered(30));
  assert.equal(retries.length, 1);
  assert.ok(retries[0] instanceof OssServiceError);
  assert.equal(emulator.stats.requests, 4);
  // Always failing: the retries run out.
  emulator.faultsFor = () => ({ serverError: { status: 503 } });
  const error = await collect(
    listObjects("bucket", options(emulator, { retry: { maxAttempts: 3 } })),
  )
    .catch((e) => e);
  assert.ok(error instanceof RetriesExhaustedError, String(error));
});

test("listObjects: a missing bucket is NoSuchBucket, not retried", async () => {
  const emulator = await emulatorWith(["a"]);
  emulator.resetStats();
  const error = await collect(listObjects("nobucket", options(emulator))).catch((e) => e);
  assert.ok(error instanceof OssServiceError);
  assert.equal(error.status, 404);
  assert.equal(error.ossCode, "NoSuchBucket");
  assert.equal(emulator.stats.requests, 1);
});

test("listObjects: the signal stops the listing", async () => {
  const emulator = await emulatorWith(numbered(30));
  const controller = new AbortController();
  const pages = listObjects(
    "bucket",
    options(emulator, { maxKeys: 10, signal: controller.signal }),
  );
  assert.equal((await pages.next()).value!.length, 10);
  controller.abort();
  await assert.rejects(pages.next(), AbortedError);
});

test("listObjects: bad arguments throw at once", () => {
  const emulator = new OssEmulator();
  assert.throws(() => listObjects("Bad_Bucket", options(emulator)), TypeError);
  assert.throws(() => listObjects("bucket", options(emulator, { maxKeys: 0 })), RangeError);
  assert.throws(() => listObjects("bucket", options(emulator, { maxKeys: 1001 })), RangeError);
  assert.throws(() => listObjects("bucket", options(emulator, { maxKeys: 2.5 })), RangeError);
  assert.throws(
    () => listObjects("bucket", options(emulator, { prefix: "x".repeat(1024) })),
    TypeError,
  );
  assert.throws(
    () =>
      listObjects("bucket", {
        ...options(emulator),
        credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
      }),
    /region/,
  );
  assert.throws(() => listObjects("bucket", { credentials: null }), TypeError); // no endpoint
});

function fakeFetch(bodies: string[]): (r: Request) => Promise<Response> {
  let i = 0;
  return () =>
    Promise.resolve(new Response(bodies[Math.min(i++, bodies.length - 1)], { status: 200 }));
}

const page = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>${body}</ListBucketResult>`;

test("listObjects: malformed answers are ProtocolError", async () => {
  const cases: [string, string[]][] = [
    ["not XML", ["not xml at all"]],
    ["another document", ["<Error><Code>X</Code></Error>"]],
    ["no IsTruncated", [page("<Contents><Key>a</Key><Size>1</Size></Contents>")]],
    ["bad size", [
      page("<IsTruncated>false</IsTruncated><Contents><Key>a</Key><Size>-1</Size></Contents>"),
    ]],
    ["no key", [page("<IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents>")]],
    [
      "bad escape",
      [page(
        "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Contents><Key>%E0%A4%A</Key><Size>1</Size></Contents>",
      )],
    ],
    ["truncated without token", [page("<IsTruncated>true</IsTruncated>")]],
    [
      "token that does not advance",
      [page("<IsTruncated>true</IsTruncated><NextContinuationToken>t</NextContinuationToken>")],
    ],
    [
      "out of order",
      [page(
        "<IsTruncated>false</IsTruncated><Contents><Key>b</Key><Size>1</Size></Contents>" +
          "<Contents><Key>a</Key><Size>1</Size></Contents>",
      )],
    ],
    [
      "outside the prefix",
      [page("<IsTruncated>false</IsTruncated><Contents><Key>zzz</Key><Size>1</Size></Contents>")],
    ],
  ];
  for (const [name, bodies] of cases) {
    const error = await collect(listObjects("bucket", {
      endpoint: ENDPOINT,
      credentials: null,
      prefix: name === "outside the prefix" ? "a" : "",
      fetch: fakeFetch(bodies),
    })).catch((e) => e);
    assert.ok(error instanceof ProtocolError, `${name}: ${error}`);
  }
});

test("parseListObjectsV2: decoding, entities and answers without EncodingType", () => {
  const encoded = parseListObjectsV2(page(
    "<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>" +
      "<NextContinuationToken>YS%2Bb%2F%3D</NextContinuationToken>" +
      "<Contents><Key>a%20b%2Bc+d%25</Key><ETag>&quot;E&quot;</ETag><Size>12</Size>" +
      "<LastModified>2024-01-02T03:04:05.000Z</LastModified></Contents>" +
      "<CommonPrefixes><Prefix>p%2F</Prefix></CommonPrefixes>",
  ));
  assert.deepEqual(encoded, {
    objects: [{
      key: "a b+c d%",
      size: 12,
      etag: '"E"',
      lastModified: "2024-01-02T03:04:05.000Z",
    }],
    commonPrefixes: ["p/"],
    truncated: true,
    nextContinuationToken: "YS+b/=",
  });
  const raw = parseListObjectsV2(page(
    "<IsTruncated>false</IsTruncated>" +
      "<Contents><Key> a&amp;b+c%20&#13;</Key><Size>0</Size></Contents>",
  ));
  assert.deepEqual(raw.objects, [{ key: " a&b+c%20\r", size: 0, etag: null, lastModified: null }]);
  assert.equal(raw.nextContinuationToken, null);
});

test("listObjects: over a port from `serve --root`, signed V4 with the real fetch", async () => {
  const root = await mkdtemp(join(tmpdir(), "ossdl-list-port-"));
  const keys = ["data/a b+c.txt", "data/sub/été.bin", ...numbered(1500, "data/n/")];
  try {
    for (const key of keys) {
      const path = join(root, "bucket", ...key.split("/"));
      await mkdir(join(path, ".."), { recursive: true });
      await writeFile(path, key);
    }
    const credentials = { accessKeyId: "ak", accessKeySecret: "sk" };
    const server = await serveDirectory(root, {
      port: 0,
      credentials,
      region: "cn-hangzhou",
      checksums: false,
    });
    try {
      const pages = await collect(listObjects("bucket", {
        endpoint: server.url,
        region: "cn-hangzhou",
        credentials,
        prefix: "data/",
      }));
      assert.deepEqual(pages.map((p) => p.length), [1000, 502]);
      assert.deepEqual(pages.flat().map((o) => o.key), [...keys].sort(compareKeys));
      assert.equal(pages[0][0].size, new TextEncoder().encode(keys[0]).length);
    } finally {
      await server.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
