import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c } from "../src/journal/_crc32c.ts";
import {
  decodeProgressPayload,
  encodeJournalStart,
  encodeProgressRecord,
  FRAME_OVERHEAD,
  JOURNAL_MAGIC,
  readFrame,
} from "../src/journal/journal_codec.ts";
import {
  assertNoSecrets,
  checkJournalHeader,
  describeHeaderMismatch,
  type JournalHeader,
} from "../src/journal/journal_header.ts";

const text = (s: string) => new TextEncoder().encode(s);

function header(over: Partial<JournalHeader> = {}): JournalHeader {
  return {
    format: 1,
    identity: "https://oss-cn-hangzhou.aliyuncs.com/bucket/big/file.zip",
    size: 1000,
    etag: '"5B3C1A2E053D763E1B002CC607C5A0FE"',
    lastModified: "Fri, 24 Feb 2012 06:07:48 GMT",
    crc64: "18020588380933092773",
    versionId: null,
    rangeStart: 0,
    rangeEnd: 1000,
    partSize: 400,
    parts: [[0, 400], [400, 800], [800, 1000]],
    createdAt: "2024-01-01T00:00:00.000Z",
    ...over,
  };
}

test("journal codec: crc32c check values", () => {
  assert.equal(crc32c(text("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array()), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // RFC 3720 B.4: 32 x 0xff
  assert.equal(crc32c(text("xx123456789yy"), 2, 11), 0xe3069283);
});

test("journal codec: progress frame layout and round trip", () => {
  const segments = [
    { start: 0, end: 10, crc64: 0n },
    { start: 2 ** 40, end: Number.MAX_SAFE_INTEGER, crc64: (1n << 64n) - 1n },
  ];
  const bytes = encodeProgressRecord(segments);
  assert.equal(bytes.length, FRAME_OVERHEAD + 1 + 4 + 24 * 2);
  const view = new DataView(bytes.buffer);
  const n = view.getUint32(0, true);
  assert.equal(n, bytes.length - FRAME_OVERHEAD);
  assert.equal(view.getUint32(4, true), ~n >>> 0);
  assert.equal(view.getUint32(8, true), crc32c(bytes, FRAME_OVERHEAD));
  const frame = readFrame(bytes, 0);
  assert.equal(frame.kind, "ok");
  if (frame.kind !== "ok") return;
  assert.equal(frame.next, bytes.length);
  assert.deepEqual(decodeProgressPayload(frame.payload), segments);
});

test("journal codec: readFrame says incomplete for every prefix and bad for damage", () => {
  const bytes = encodeProgressRecord([{ start: 1, end: 2, crc64: 3n }]);
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.equal(readFrame(bytes.subarray(0, cut), 0).kind, "incomplete", `cut ${cut}`);
  }
  for (let i = 0; i < bytes.length; i++) {
    const copy = bytes.slice();
    copy[i] ^= 0x10;
    const r = readFrame(copy, 0);
    // A flipped length byte may also make the frame look longer than the bytes.
    assert.notEqual(r.kind, "ok", `flip at ${i}`);
  }
  assert.deepEqual(readFrame(new Uint8Array(20), 0), {
    kind: "bad",
    reason: "its length field is damaged",
  });
});

test("journal codec: encodeProgressRecord rejects bad offsets and CRCs", () => {
  assert.throws(() => encodeProgressRecord([{ start: -1, end: 2, crc64: 0n }]), RangeError);
  assert.throws(() => encodeProgressRecord([{ start: 0.5, end: 2, crc64: 0n }]), RangeError);
  assert.throws(() => encodeProgressRecord([{ start: 0, end: 2 ** 53, crc64: 0n }]), RangeError);
  assert.throws(() => encodeProgressRecord([{ start: 0, end: 2, crc64: -1n }]), RangeError);
  assert.throws(() => encodeProgressRecord([{ start: 0, end: 2, crc64: 1n << 64n }]), RangeError);
});

test("journal codec: decodeProgressPayload names malformed payloads", () => {
  assert.equal(decodeProgressPayload(new Uint8Array([1, 0])), "a second header record");
  assert.equal(decodeProgressPayload(new Uint8Array([9])), "unknown record type 9");
  assert.equal(decodeProgressPayload(new Uint8Array([2, 1])), "a truncated progress record");
  assert.equal(
    decodeProgressPayload(new Uint8Array([2, 1, 0, 0, 0])),
    "a progress record of the wrong length",
  );
  const big = new Uint8Array(29);
  big[0] = 2;
  big[1] = 1;
  new DataView(big.buffer).setBigUint64(5, 1n << 60n, true);
  assert.equal(decodeProgressPayload(big), "a progress record with an offset beyond 2^53");
});

test("journal codec: the file starts with the magic and a JSON header frame", () => {
  const h = header();
  const bytes = encodeJournalStart({ ...h, extra: "not written" } as JournalHeader);
  assert.deepEqual(bytes.subarray(0, 8), text("OSSDLJNL"));
  assert.deepEqual(bytes.subarray(0, 8), JOURNAL_MAGIC);
  const frame = readFrame(bytes, 8);
  assert.equal(frame.kind, "ok");
  if (frame.kind !== "ok") return;
  assert.equal(frame.next, bytes.length);
  assert.equal(frame.payload[0], 1);
  const json = new TextDecoder().decode(frame.payload.subarray(1));
  assert.deepEqual(JSON.parse(json), h);
  assert.ok(!json.includes("not written"));
  assert.deepEqual(Object.keys(JSON.parse(json)), Object.keys(h));
});

test("journal header: checkJournalHeader accepts a good header and names problems", () => {
  assert.equal(checkJournalHeader(header()), null);
  assert.equal(checkJournalHeader(header({ rangeStart: 5, rangeEnd: 5, parts: [] })), null);
  assert.equal(
    checkJournalHeader(header({ rangeStart: 100, rangeEnd: 900, parts: [[100, 900]] })),
    null,
  );
  const cases: Array<[unknown, RegExp]> = [
    [null, /not an object/],
    [[], /not an object/],
    [{ ...header(), format: undefined }, /no format version/],
    [header({ format: 2 }), /unknown journal format version 2/],
    [header({ identity: "" }), /no identity/],
    [{ ...header(), etag: 5 }, /etag/],
    [{ ...header(), createdAt: undefined }, /createdAt/],
    [header({ size: -1 }), /size/],
    [header({ size: 1.5 }), /size/],
    [header({ rangeEnd: 1001 }), /does not lie within/],
    [header({ rangeStart: 10, rangeEnd: 5 }), /does not lie within/],
    [header({ partSize: 0 }), /partSize is not positive/],
    [header({ crc64: "abc" }), /crc64/],
    [header({ crc64: "18446744073709551616" }), /crc64/],
    [header({ crc64: "01" }), /crc64/],
    [{ ...header(), parts: "x" }, /parts is not an array/],
    [{ ...header(), parts: [[0]] }, /part 0 is not a pair/],
    [header({ parts: [[0, 400], [500, 1000]] }), /do not tile/],
    [header({ parts: [[0, 400], [400, 400], [400, 1000]] }), /do not tile/],
    [header({ parts: [[0, 400], [400, 900]] }), /do not tile/],
  ];
  for (const [value, pattern] of cases) {
    assert.match(String(checkJournalHeader(value)), pattern, JSON.stringify(value));
  }
  assert.equal(checkJournalHeader(header({ crc64: "18446744073709551615" })), null);
});

test("journal header: describeHeaderMismatch names the first differing field", () => {
  const a = header();
  assert.equal(describeHeaderMismatch(a, header()), null);
  assert.equal(describeHeaderMismatch(a, header({ createdAt: "later" })), null);
  assert.equal(
    describeHeaderMismatch(a, header({ identity: "oss://other/key" })),
    'identity differs: "https://oss-cn-hangzhou.aliyuncs.com/bucket/big/file.zip" vs "oss://other/key"',
  );
  assert.equal(describeHeaderMismatch(a, header({ size: 999 })), "size differs: 1000 vs 999");
  assert.match(String(describeHeaderMismatch(a, header({ etag: '"B"' }))), /^etag differs: /);
  assert.match(
    String(describeHeaderMismatch(a, header({ lastModified: null }))),
    /^lastModified differs: ".*" vs null$/,
  );
  assert.match(String(describeHeaderMismatch(a, header({ crc64: "1" }))), /^crc64 differs: /);
  assert.equal(
    describeHeaderMismatch(a, header({ versionId: "v2" })),
    'versionId differs: null vs "v2"',
  );
  assert.equal(
    describeHeaderMismatch(a, header({ rangeEnd: 900 })),
    "range differs: [0, 1000) vs [0, 900)",
  );
  assert.equal(
    describeHeaderMismatch(a, header({ rangeStart: 1 })),
    "range differs: [0, 1000) vs [1, 1000)",
  );
  assert.equal(describeHeaderMismatch(a, header({ partSize: 8 })), "partSize differs: 400 vs 8");
  // The first differing field in the documented order wins.
  assert.match(
    String(describeHeaderMismatch(a, header({ partSize: 8, etag: null, size: 5 }))),
    /^size differs/,
  );
});

test("journal header: assertNoSecrets rejects signatures and tokens, in any case", () => {
  assertNoSecrets("oss://bucket/key");
  assertNoSecrets("https://bucket.oss-cn-hangzhou.aliyuncs.com/a/b.zip?versionId=CAEQ");
  // Only secret-bearing query parameters count: names of other parameters, and keys or paths
  // that merely contain such words, are fine.
  assertNoSecrets("https://b.oss.aliyuncs.com/k?X-OSS-SIGNATURE-version=OSS4");
  assertNoSecrets("oss://bucket/key signature=1");
  for (
    const bad of [
      "https://b.oss.aliyuncs.com/k?OSSAccessKeyId=AK&Expires=1&Signature=abc%3D",
      "https://b.oss.aliyuncs.com/k?x-oss-signature=deadbeef",
      "https://b.oss.aliyuncs.com/k?X-OSS-SIGNATURE=deadbeef",
      "https://b.oss.aliyuncs.com/k?security-token=CAIS",
      "https://b.oss.aliyuncs.com/k?x-oss-security-token=CAIS",
      "https://b.oss.aliyuncs.com/k?x-oss-credential=AK%2F20240101",
      "https://b.s3.amazonaws.com/k?X-Amz-Signature=deadbeef",
    ]
  ) {
    assert.throws(() => assertNoSecrets(bad), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.ok(!e.message.includes("abc") && !e.message.includes("CAIS"), e.message);
      return true;
    }, bad);
  }
});
