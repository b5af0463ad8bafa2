import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemError, JournalDamagedError } from "../src/errors.ts";
import { NodeFileSystem } from "../src/fs/node_file_system.ts";
import {
  describeHeaderMismatch,
  Journal,
  type JournalHeader,
  replayJournal,
  type Segment,
} from "../src/journal/journal.ts";
import {
  encodeJournalStart,
  encodeProgressRecord,
  FRAME_OVERHEAD,
} from "../src/journal/journal_codec.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";

const PATH = "/data/file.bin.ossdl";

/** A memory file system with a durable /data directory. */
function memory(): MemoryFileSystem {
  const fs = new MemoryFileSystem({ seed: 42 });
  fs.mkdirDurable("/data");
  return fs;
}

/** The counted operations of `fs` from `from` on, as "op path" strings. */
function ops(fs: MemoryFileSystem, from = 0): string[] {
  return fs.operations.slice(from).map((o) => `${o.op} ${o.path}${o.to ? ` ${o.to}` : ""}`);
}

function header(over: Partial<JournalHeader> = {}): JournalHeader {
  return {
    format: 1,
    identity: "oss://bucket/big/file.bin",
    size: 10_000,
    etag: '"ABC"',
    lastModified: "Fri, 24 Feb 2012 06:07:48 GMT",
    crc64: "18020588380933092773",
    versionId: null,
    rangeStart: 0,
    rangeEnd: 10_000,
    partSize: 2500,
    parts: [[0, 2500], [2500, 5000], [5000, 7500], [7500, 10_000]],
    createdAt: "2024-01-01T00:00:00.000Z",
    ...over,
  };
}

function concat(...chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Latest per start, sorted: what replay should give for these groups. */
function expected(groups: Segment[][]): Segment[] {
  const map = new Map<number, Segment>();
  for (const g of groups) for (const s of g) map.set(s.start, { ...s });
  return [...map.values()].sort((a, b) => a.start - b.start);
}

async function assertDamaged(bytes: Uint8Array, pattern: RegExp, what = ""): Promise<void> {
  await assert.rejects(replayJournal(bytes), (e: unknown) => {
    assert.ok(e instanceof JournalDamagedError, `${what}: ${e}`);
    assert.equal(e.code, "JOURNAL_DAMAGED");
    assert.match(e.message, pattern, what);
    return true;
  }, what);
}

const GROUPS: Segment[][] = [
  [{ start: 0, end: 100, crc64: 1n }, { start: 2500, end: 2600, crc64: 2n }],
  [{ start: 0, end: 300, crc64: 3n }],
  [
    { start: 5000, end: 5001, crc64: 4n },
    { start: 2500, end: 3000, crc64: 5n },
    { start: 7500, end: 10_000, crc64: (1n << 64n) - 1n },
  ],
];

/** A journal on the fake made of GROUPS, with the offset where each record starts. */
async function built(): Promise<{ fs: MemoryFileSystem; starts: number[]; bytes: Uint8Array }> {
  const fs = memory();
  const journal = await Journal.create(fs, PATH, header());
  const starts = [journal.size];
  for (const g of GROUPS) {
    await journal.append(g);
    starts.push(journal.size);
  }
  await journal.close();
  return { fs, starts, bytes: fs.readLive(PATH)! };
}

test("journal: create then open round-trips the header", async () => {
  const fs = memory();
  const h = header({ versionId: "CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFmZjJjZjdi" });
  const journal = await Journal.create(fs, PATH, h);
  assert.deepEqual(journal.header, h);
  assert.deepEqual(journal.segments, []);
  assert.equal(journal.size, fs.readLive(PATH)!.length);
  assert.equal(journal.path, PATH);
  await journal.close();
  assert.deepEqual(fs.listFiles(), [PATH]);
  const opened = await Journal.open(fs, PATH);
  assert.ok(opened);
  assert.deepEqual(opened.replay, {
    header: h,
    segments: [],
    validLength: journal.size,
    tornTail: false,
    recordCount: 1,
  });
  assert.deepEqual(describeHeaderMismatch(opened.replay.header, h), null);
  await opened.journal.close();
});

test("journal: create writes a temporary file, datasyncs, renames and syncs the directory", async () => {
  const fs = memory();
  const journal = await Journal.create(fs, PATH, header());
  await journal.close();
  assert.deepEqual(ops(fs), [
    `open ${PATH}.tmp`,
    `write ${PATH}.tmp`,
    `datasync ${PATH}.tmp`,
    `rename ${PATH}.tmp ${PATH}`,
    "syncDir /data",
    `remove ${PATH}.compact`,
  ]);
  // Durable after create: a crash that loses everything un-synced still finds the header.
  fs.crash({ unsynced: "lost" });
  const opened = await Journal.open(fs, PATH);
  assert.equal(opened?.replay.recordCount, 1);
  await opened?.journal.close();
});

test("journal: open returns null when there is no journal", async () => {
  assert.equal(await Journal.open(memory(), PATH), null);
});

test("journal: group append is one write and one datasync, and replays latest per start", async () => {
  const fs = memory();
  const journal = await Journal.create(fs, PATH, header());
  for (const [i, g] of GROUPS.entries()) {
    const before = fs.operationCount;
    const size = journal.size;
    await journal.append(g);
    assert.deepEqual(ops(fs, before), [`write ${PATH}`, `datasync ${PATH}`]);
    assert.equal(journal.size, size + FRAME_OVERHEAD + 5 + 24 * g.length);
    assert.deepEqual(journal.segments, expected(GROUPS.slice(0, i + 1)));
  }
  const before = fs.operationCount;
  await journal.append([]);
  assert.equal(fs.operationCount, before, "an empty group writes nothing");
  await journal.close();
  const opened = await Journal.open(fs, PATH);
  assert.ok(opened);
  assert.deepEqual(opened.replay.segments, expected(GROUPS));
  assert.equal(opened.replay.recordCount, 1 + GROUPS.length);
  assert.equal(opened.replay.tornTail, false);
  assert.equal(opened.replay.validLength, fs.readLive(PATH)!.length);
  assert.deepEqual(opened.journal.segments, expected(GROUPS));
  // Appending continues after reopening.
  await opened.journal.append([{ start: 5000, end: 7500, crc64: 9n }]);
  await opened.journal.close();
  const again = await replayJournal(fs.readLive(PATH)!);
  assert.deepEqual(again.segments, expected([...GROUPS, [{ start: 5000, end: 7500, crc64: 9n }]]));
});

test("journal: concurrent appends are serialized and all land", async () => {
  const fs = memory();
  const journal = await Journal.create(fs, PATH, header());
  const all: Promise<void>[] = [];
  for (let i = 1; i <= 50; i++) {
    all.push(journal.append([{ start: 0, end: i * 10, crc64: BigInt(i) }]));
    all.push(journal.append([{ start: 2500, end: 2500 + i, crc64: BigInt(-i) & 0xffffn }]));
  }
  await Promise.all(all);
  await journal.close();
  const r = await replayJournal(fs.readLive(PATH)!);
  assert.equal(r.recordCount, 101);
  assert.deepEqual(r.segments, [
    { start: 0, end: 500, crc64: 50n },
    { start: 2500, end: 2550, crc64: BigInt(-50) & 0xffffn },
  ]);
});

test("journal: append rejects inconsistent progress with a RangeError and writes nothing", async () => {
  const fs = memory();
  const journal = await Journal.create(
    fs,
    PATH,
    header({ rangeStart: 1000, parts: [[1000, 10_000]] }),
  );
  await journal.append([{ start: 1000, end: 1500, crc64: 1n }, {
    start: 3000,
    end: 3100,
    crc64: 2n,
  }]);
  const size = journal.size;
  const cases: Array<[Segment[], RegExp]> = [
    [[{ start: 2000, end: 2000, crc64: 0n }], /empty or reversed/],
    [[{ start: 2000, end: 1999, crc64: 0n }], /empty or reversed/],
    [[{ start: 999, end: 1000, crc64: 0n }], /outside the range/],
    [[{ start: 9999, end: 10_001, crc64: 0n }], /outside the range/],
    [[{ start: 1000, end: 1499, crc64: 0n }], /shrinks from 1500 to 1499/],
    [[{ start: 1000, end: 1500, crc64: 7n }], /twice with different CRC-64s/],
    [[{ start: 1000, end: 3001, crc64: 0n }], /overlap/],
    [[{ start: 2000, end: 2500, crc64: 0n }, { start: 2400, end: 2600, crc64: 0n }], /overlap/],
    [[{ start: 4000, end: 4100, crc64: 0n }, { start: 1000, end: 900, crc64: 0n }], /reversed/],
    [[{ start: 0.5, end: 2000, crc64: 0n }], /safe integer/],
    [[{ start: 2000, end: 2100, crc64: -1n }], /64-bit/],
  ];
  for (const [group, pattern] of cases) {
    await assert.rejects(journal.append(group), (e: unknown) => {
      assert.ok(e instanceof RangeError, String(e));
      assert.match(e.message, pattern);
      return true;
    });
    assert.equal(journal.size, size);
  }
  // Same end and CRC again is harmless; so is a duplicate start within one group that grows.
  await journal.append([{ start: 1000, end: 1500, crc64: 1n }]);
  await journal.append([{ start: 2000, end: 2100, crc64: 3n }, {
    start: 2000,
    end: 2200,
    crc64: 4n,
  }]);
  await journal.close();
  const r = await replayJournal(fs.readLive(PATH)!);
  assert.deepEqual(r.segments, [
    { start: 1000, end: 1500, crc64: 1n },
    { start: 2000, end: 2200, crc64: 4n },
    { start: 3000, end: 3100, crc64: 2n },
  ]);
  await assert.rejects(journal.append([{ start: 5000, end: 5001, crc64: 0n }]), /closed/);
  await journal.close(); // idempotent
});

test("journal: identities that only mention secret words in the key or path are fine", async () => {
  const fs = memory();
  for (
    const identity of [
      JSON.stringify([
        "oss",
        "https://oss-cn-hangzhou.aliyuncs.com",
        "b",
        "security-token.txt",
        null,
      ]),
      "https://b.oss-cn-hangzhou.aliyuncs.com/docs/x-oss-signature=howto.pdf",
      "https://b.oss-cn-hangzhou.aliyuncs.com/k?versionId=1",
    ]
  ) {
    const journal = await Journal.create(fs, PATH, header({ identity }));
    await journal.close();
  }
});

test("journal: create rejects malformed headers and identities with secrets, writing nothing", async () => {
  const fs = memory();
  for (
    const identity of [
      "https://b.oss-cn-hangzhou.aliyuncs.com/k?OSSAccessKeyId=AK&Expires=1&Signature=c2VjcmV0",
      "https://b.oss-cn-hangzhou.aliyuncs.com/k?x-oss-signature=0123abcd",
      "https://b.oss-cn-hangzhou.aliyuncs.com/k?x-oss-credential=AK%2F20240101%2Fcn",
      "https://b.oss-cn-hangzhou.aliyuncs.com/k?security-token=CAISsecret",
      "https://b.oss-cn-hangzhou.aliyuncs.com/k?X-OSS-SECURITY-TOKEN=CAISsecret",
    ]
  ) {
    await assert.rejects(Journal.create(fs, PATH, header({ identity })), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.ok(!/c2VjcmV0|0123abcd|CAISsecret/.test(e.message), e.message);
      return true;
    });
  }
  await assert.rejects(Journal.create(fs, PATH, header({ format: 2 })), TypeError);
  await assert.rejects(Journal.create(fs, PATH, header({ rangeEnd: 20_000 })), TypeError);
  await assert.rejects(Journal.create(fs, PATH, header({ parts: [[0, 10]] })), TypeError);
  assert.deepEqual(fs.listFiles(), []);
  assert.equal(fs.operationCount, 0);
});

test("journal: create replaces an old journal", async () => {
  const { fs } = await built();
  const journal = await Journal.create(fs, PATH, header({ etag: '"NEW"' }));
  await journal.close();
  const r = await replayJournal(fs.readLive(PATH)!);
  assert.equal(r.header.etag, '"NEW"');
  assert.deepEqual(r.segments, []);
  assert.deepEqual(fs.listFiles(), [PATH]);
});

test("journal: a torn last record at every byte offset is dropped and appending continues", async () => {
  const { bytes, starts } = await built();
  const lastStart = starts[starts.length - 2];
  const before = expected(GROUPS.slice(0, -1));
  const extra: Segment = { start: 5000, end: 6000, crc64: 77n };
  for (let cut = lastStart; cut < bytes.length; cut++) {
    const torn = bytes.slice(0, cut);
    const r = await replayJournal(torn);
    assert.deepEqual(r.segments, before, `cut ${cut}`);
    assert.equal(r.tornTail, cut > lastStart, `cut ${cut}`);
    assert.equal(r.validLength, lastStart);
    assert.equal(r.recordCount, GROUPS.length);

    const fs = memory();
    fs.writeDurable(PATH, torn);
    const opened = await Journal.open(fs, PATH);
    assert.ok(opened);
    assert.equal(opened.journal.size, lastStart);
    assert.deepEqual(fs.readDurable(PATH), bytes.slice(0, lastStart), "the cut is durable");
    await opened.journal.append([extra]);
    await opened.journal.close();
    const after = await replayJournal(fs.readLive(PATH)!);
    assert.equal(after.tornTail, false, `cut ${cut}`);
    assert.deepEqual(after.segments, expected([...GROUPS.slice(0, -1), [extra]]), `cut ${cut}`);
  }
});

test("journal: garbage or zeros after the last record are a torn tail", async () => {
  const { bytes } = await built();
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (
    const tail of [
      new Uint8Array(1),
      new Uint8Array(4096),
      Uint8Array.from({ length: 300 }, random),
      new Uint8Array(12).fill(0xff),
    ]
  ) {
    const r = await replayJournal(concat(bytes, tail));
    assert.equal(r.tornTail, true);
    assert.equal(r.validLength, bytes.length);
    assert.deepEqual(r.segments, expected(GROUPS));
  }
});

test("journal: a damaged byte anywhere before the last record makes the journal damaged", async () => {
  const { bytes, starts } = await built();
  const lastStart = starts[starts.length - 2];
  for (const mask of [0x01, 0x80, 0xff]) {
    for (let i = 0; i < lastStart; i++) {
      const copy = bytes.slice();
      copy[i] ^= mask;
      const what = `byte ${i} ^ ${mask}`;
      if (i < 8) await assertDamaged(copy, /unknown magic/, what);
      else if (i < starts[0]) await assertDamaged(copy, /header/, what);
      else await assertDamaged(copy, /damaged .* but a valid record follows/, what);
    }
  }
});

test("journal: a damaged byte in the last record drops that record only", async () => {
  const { bytes, starts } = await built();
  const lastStart = starts[starts.length - 2];
  for (let i = lastStart; i < bytes.length; i++) {
    const copy = bytes.slice();
    copy[i] ^= 0x20;
    const r = await replayJournal(copy);
    assert.equal(r.tornTail, true);
    assert.deepEqual(r.segments, expected(GROUPS.slice(0, -1)));
  }
});

test("journal: bad header, unknown version and foreign magic are damaged", async () => {
  const start = encodeJournalStart(header());
  const record = encodeProgressRecord([{ start: 0, end: 1, crc64: 0n }]);
  await assertDamaged(new Uint8Array(), /empty/);
  await assertDamaged(new TextEncoder().encode("OSSDL"), /header record is missing/);
  await assertDamaged(new TextEncoder().encode("OSSDLJNL"), /header record is incomplete/);
  await assertDamaged(start.subarray(0, start.length - 1), /header record is incomplete/);
  await assertDamaged(new TextEncoder().encode('{"format":1}'), /unknown magic/);
  await assertDamaged(concat(new TextEncoder().encode("OSSDLJNX"), start.subarray(8)), /magic/);
  await assertDamaged(new TextEncoder().encode("PK\x03\x04 a zip file"), /unknown magic/);
  // A well-framed header of another format version.
  await assertDamaged(
    concat(rawHeader({ ...header(), format: 2 }), record),
    /unknown journal format version 2 \(this ossdl reads 1\)/,
  );
  await assertDamaged(rawHeader({ ...header(), size: "10" }), /size/);
  await assertDamaged(rawHeader({ ...header(), parts: [[0, 5]] }), /do not tile/);
  await assertDamaged(
    rawPayload(new TextEncoder().encode("\x01not json")),
    /not a readable header/,
  );
  // A progress record where the header should be.
  await assertDamaged(concat(start.subarray(0, 8), record), /not a readable header/);
  // A second header, an unknown record type.
  await assertDamaged(concat(start, start.subarray(8)), /record 2 .* is a second header record/);
  const unknown = rawPayload(new Uint8Array([7, 0, 0, 0, 0])).subarray(8);
  await assertDamaged(concat(start, unknown), /unknown record type 7/);
});

/** The magic and a correctly framed header payload holding `value` as JSON. */
function rawHeader(value: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(value));
  return rawPayload(concat(new Uint8Array([1]), json));
}

function rawPayload(payload: Uint8Array): Uint8Array {
  // Borrow the framing of encodeProgressRecord by re-framing by hand.
  const frame = new Uint8Array(FRAME_OVERHEAD + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, ~payload.length >>> 0, true);
  view.setUint32(8, crc32cOf(payload), true);
  frame.set(payload, FRAME_OVERHEAD);
  return concat(new TextEncoder().encode("OSSDLJNL"), frame);
}

function crc32cOf(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test("journal: inconsistent records are damaged", async () => {
  const start = encodeJournalStart(header({ rangeStart: 1000, parts: [[1000, 10_000]] }));
  const rec = (...s: Segment[]) => encodeProgressRecord(s);
  const ok = rec({ start: 1000, end: 2000, crc64: 1n });
  const cases: Array<[Uint8Array, RegExp]> = [
    [rec({ start: 3000, end: 3000, crc64: 0n }), /record 2 .*: segment \[3000, 3000\) is empty/],
    [rec({ start: 3000, end: 2000, crc64: 0n }), /empty or reversed/],
    [rec({ start: 0, end: 10, crc64: 0n }), /outside the range \[1000, 10000\)/],
    [rec({ start: 9000, end: 10_001, crc64: 0n }), /outside the range/],
    [concat(ok, rec({ start: 1000, end: 1999, crc64: 0n })), /record 3 .*shrinks from 2000/],
    [concat(ok, rec({ start: 1000, end: 2000, crc64: 2n })), /different CRC-64s/],
    [concat(ok, rec({ start: 1500, end: 1600, crc64: 0n })), /\[1000, 2000\) and \[1500, 1600\)/],
    [concat(rec({ start: 1500, end: 3000, crc64: 0n }), ok), /overlap/],
  ];
  for (const [records, pattern] of cases) await assertDamaged(concat(start, records), pattern);
  const fine = await replayJournal(concat(start, ok, rec({ start: 2000, end: 10_000, crc64: 3n })));
  assert.equal(fine.segments.length, 2);
});

test("journal: open throws JournalDamagedError and leaves the file alone", async () => {
  const { fs, bytes, starts } = await built();
  const copy = bytes.slice();
  copy[starts[0] + 20] ^= 1;
  fs.writeDurable(PATH, copy);
  await assert.rejects(Journal.open(fs, PATH), JournalDamagedError);
  assert.deepEqual(fs.readLive(PATH), copy);
});

test("journal: compaction keeps the content, shrinks the file and appending continues", async () => {
  const fs = memory();
  const journal = await Journal.create(fs, PATH, header());
  for (let i = 1; i <= 100; i++) {
    await journal.append([
      { start: 0, end: i * 10, crc64: BigInt(i) },
      { start: 5000, end: 5000 + i, crc64: BigInt(i * 3) },
    ]);
  }
  const segments = journal.segments;
  const before = journal.size;
  await journal.compact();
  assert.ok(journal.size < before / 10, `${journal.size} < ${before}`);
  assert.equal(journal.size, fs.readLive(PATH)!.length);
  assert.deepEqual(journal.segments, segments);
  assert.deepEqual(fs.listFiles(), [PATH], "no leftover .compact file");
  const r = await replayJournal(fs.readLive(PATH)!);
  assert.deepEqual(r.segments, segments);
  assert.deepEqual(r.header, header());
  assert.equal(r.recordCount, 2);
  // Appends go to the compacted file.
  await journal.append([{ start: 0, end: 1001, crc64: 5n }]);
  await journal.compact();
  await journal.compact();
  await journal.close();
  const again = await replayJournal(fs.readLive(PATH)!);
  assert.deepEqual(again.segments, [{ start: 0, end: 1001, crc64: 5n }, segments[1]]);
  // A journal without progress compacts to the header alone.
  const empty = await Journal.create(fs, "/data/empty.ossdl", header());
  const size = empty.size;
  await empty.compact();
  assert.equal(empty.size, size);
  await empty.close();
});

test("journal: a failed append leaves no stale bytes behind the next record", async () => {
  let failDatasync = false;
  const fs = new MemoryFileSystem({
    onOperation: (o) => {
      if (failDatasync && o.op === "datasync") {
        failDatasync = false;
        throw new FileSystemError("FS_ERROR", "datasync", o.path);
      }
    },
  });
  fs.mkdirDurable("/data");
  const journal = await Journal.create(fs, PATH, header());
  await journal.append([{ start: 0, end: 10, crc64: 1n }]);
  const size = journal.size;
  const big = Array.from({ length: 20 }, (_, i) => ({
    start: 2500 + i * 10,
    end: 2505 + i * 10,
    crc64: 9n,
  }));
  // The big record is written, then its datasync fails; the next, smaller record goes to the same
  // offset and the rest of the big one must not remain behind it.
  failDatasync = true;
  await assert.rejects(journal.append(big), FileSystemError);
  assert.equal(journal.size, size);
  assert.deepEqual(journal.segments, [{ start: 0, end: 10, crc64: 1n }]);
  await journal.append([{ start: 0, end: 20, crc64: 2n }]);
  await journal.close();
  const r = await replayJournal(fs.readLive(PATH)!);
  assert.equal(r.tornTail, false);
  assert.deepEqual(r.segments, [{ start: 0, end: 20, crc64: 2n }]);
});

test("journal: remove deletes the journal and leftovers, durably", async () => {
  const { fs } = await built();
  fs.writeDurable(`${PATH}.tmp`, new Uint8Array(3));
  fs.writeDurable(`${PATH}.compact`, new Uint8Array(3));
  fs.writeDurable("/data/other", new Uint8Array(3));
  await Journal.remove(fs, PATH);
  assert.deepEqual(fs.listFiles(), ["/data/other"]);
  fs.crash({ unsynced: "lost" });
  assert.deepEqual(fs.listFiles(), ["/data/other"]);
  await Journal.remove(fs, PATH); // nothing there: fine
});

test("journal: on the real disk (NodeFileSystem)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ossdl-journal-"));
  try {
    const fs = new NodeFileSystem();
    const path = join(dir, "file.bin.ossdl");
    const journal = await Journal.create(fs, path, header());
    for (const g of GROUPS) await journal.append(g);
    const size = journal.size;
    await journal.close();
    assert.equal((await readFile(path)).length, size);

    // Tear the last record, as a crash in the middle of an append would.
    await truncate(path, size - 7);
    const opened = await Journal.open(fs, path);
    assert.ok(opened);
    assert.equal(opened.replay.tornTail, true);
    assert.deepEqual(opened.replay.segments, expected(GROUPS.slice(0, -1)));
    await opened.journal.append(GROUPS[GROUPS.length - 1]);
    await opened.journal.compact();
    await opened.journal.append([{ start: 5000, end: 7500, crc64: 11n }]);
    await opened.journal.close();

    const reopened = await Journal.open(fs, path);
    assert.ok(reopened);
    assert.equal(reopened.replay.tornTail, false);
    assert.equal(reopened.replay.recordCount, 3);
    assert.deepEqual(
      reopened.replay.segments,
      expected([...GROUPS, [{ start: 5000, end: 7500, crc64: 11n }]]),
    );
    await reopened.journal.close();

    await writeFile(path, new TextEncoder().encode("not a journal"));
    await assert.rejects(Journal.open(fs, path), JournalDamagedError);

    await Journal.remove(fs, path);
    assert.equal(await fs.stat(path), null);
    assert.equal(await Journal.open(fs, path), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
