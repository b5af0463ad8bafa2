import { test } from "node:test";
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Manifest,
  MANIFEST_MAGIC,
  MANIFEST_NAME,
  type ManifestOptions,
  type ManifestRecord,
} from "../src/batch/manifest.ts";
import { FRAME_OVERHEAD, readFrame } from "../src/journal/journal_codec.ts";
import { crc32c } from "../src/journal/_crc32c.ts";
import {
  type CrashOptions,
  MemoryFileSystem,
  SimulatedCrash,
} from "../src/fs/memory_file_system.ts";
import { NodeFileSystem } from "../src/fs/node_file_system.ts";
import { FileSystemError } from "../src/errors.ts";

const DIR = "/out";
const PATH = `${DIR}/${MANIFEST_NAME}`;
const dec = new TextDecoder();

function rec(key: string, n = 1, over: Partial<ManifestRecord> = {}): ManifestRecord {
  return {
    key,
    size: 1000 * n,
    etag: `"ETAG-${key}-${n}"`,
    crc64: String(18020588380933092773n - BigInt(n)),
    localSize: 1000 * n,
    mtimeMs: 1_718_000_000_000 + n,
    path: key.slice(key.indexOf("/") + 1),
    ...over,
  };
}

function fresh(seed = 1): MemoryFileSystem {
  const fs = new MemoryFileSystem({ seed });
  fs.mkdirDurable(DIR);
  return fs;
}

/** The frames of a manifest file: [type, JSON value] each. */
function framesOf(bytes: Uint8Array): Array<[number, unknown]> {
  assert.deepEqual(bytes.subarray(0, 8), MANIFEST_MAGIC);
  const out: Array<[number, unknown]> = [];
  for (let at = 8; at < bytes.length;) {
    const f = readFrame(bytes, at);
    assert.equal(f.kind, "ok");
    if (f.kind !== "ok") break;
    out.push([f.payload[0], JSON.parse(dec.decode(f.payload.subarray(1)))]);
    at = f.next;
  }
  return out;
}

function frameBytes(type: number, text: string | Uint8Array): Uint8Array {
  const json = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const out = new Uint8Array(FRAME_OVERHEAD + 1 + json.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 1 + json.length, true);
  view.setUint32(4, ~(1 + json.length) >>> 0, true);
  out[FRAME_OVERHEAD] = type;
  out.set(json, FRAME_OVERHEAD + 1);
  view.setUint32(8, crc32c(out, FRAME_OVERHEAD), true);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const HEADER = () => concat(MANIFEST_MAGIC, frameBytes(1, '{"format":1}'));

function all(m: Manifest): ManifestRecord[] {
  return [...m.records()];
}

test("manifest: opening a missing manifest writes nothing; the first append creates it", async () => {
  const fs = fresh();
  const m = await Manifest.open(fs, PATH);
  assert.equal(m.count, 0);
  assert.equal(m.damage, null);
  assert.equal(m.bytes, 0);
  assert.equal(m.path, PATH);
  assert.equal(m.get("a"), undefined);
  await m.append([]);
  assert.equal(fs.operationCount, 0, "no counted operation");
  assert.equal(fs.exists(PATH), false);

  await m.append([rec("p/a"), rec("p/b")]);
  assert.equal(fs.exists(PATH), true);
  assert.ok(fs.existsDurable(PATH), "created durably (rename and directory sync)");
  assert.equal(fs.exists(`${PATH}.tmp`), false);
  assert.deepEqual(m.get("p/a"), rec("p/a"));
  assert.equal(m.count, 2);
  assert.equal(m.bytes, fs.readLive(PATH)!.length);
  await m.append([rec("p/c", 3)]);
  assert.equal(m.bytes, fs.readLive(PATH)!.length);
  await m.close();
  await m.close();
  await assert.rejects(m.append([rec("p/d")]), /the manifest .* is closed/);

  const again = await Manifest.open(fs, PATH);
  assert.deepEqual(all(again), [rec("p/a"), rec("p/b"), rec("p/c", 3)]);
  assert.equal(again.damage, null);
  await again.close();
});

test("manifest: byte layout: magic, a format header, then one frame of JSON arrays per append", async () => {
  const fs = fresh();
  const m = await Manifest.open(fs, PATH);
  await m.append([rec("p/a")]);
  await m.append([rec("p/b"), rec("p/c", 2, { crc64: null, mtimeMs: null })]);
  await m.close();
  const bytes = fs.readLive(PATH)!;
  assert.equal(dec.decode(bytes.subarray(0, 8)), "OSSDLMAN");
  const r = (x: ManifestRecord) => [x.key, x.size, x.etag, x.crc64, x.localSize, x.mtimeMs, x.path];
  assert.deepEqual(framesOf(bytes), [
    [1, { format: 1 }],
    [2, [r(rec("p/a"))]],
    [2, [r(rec("p/b")), r(rec("p/c", 2, { crc64: null, mtimeMs: null }))]],
  ]);
});

test("manifest: the latest record per key wins, also within one append", async () => {
  const fs = fresh();
  const m = await Manifest.open(fs, PATH);
  await m.append([rec("p/a", 1), rec("p/b", 1), rec("p/a", 2)]);
  await m.append([rec("p/b", 3)]);
  assert.deepEqual(all(m), [rec("p/a", 2), rec("p/b", 3)]);
  await m.close();
  const again = await Manifest.open(fs, PATH);
  assert.deepEqual(all(again), [rec("p/a", 2), rec("p/b", 3)]);
  await again.close();
});

test("manifest: records survive as given (paths that are or are not the key's end, any text)", async () => {
  const fs = fresh();
  const records = [
    rec("p/a", 1, { path: "a" }),
    rec("p/x/y", 1, { path: "x/y" }),
    rec("p/a2", 1, { path: "elsewhere/a2-renamed" }),
    rec("k", 1, { path: "k" }),
    rec("日本/é/\u{1F600}", 1, { path: "é/\u{1F600}", etag: "" }),
    rec('odd\u0000\ud800"\\', 1, { path: '\ud800"\\', crc64: "0" }),
    rec("max", 1, { crc64: "18446744073709551615", size: Number.MAX_SAFE_INTEGER, mtimeMs: 0.5 }),
    rec("neg", 1, { mtimeMs: -1000 }),
    rec("no-etag", 1, { etag: null }),
  ];
  const m = await Manifest.open(fs, PATH);
  await m.append(records);
  for (const r of records) assert.deepEqual(m.get(r.key), r);
  await m.close();
  const again = await Manifest.open(fs, PATH);
  assert.deepEqual(all(again), records);
  // get returns a copy each time.
  again.get("k")!.size = 5;
  assert.equal(again.get("k")!.size, 1000);
  await again.compact();
  await again.close();
  const compacted = await Manifest.open(fs, PATH);
  assert.deepEqual(all(compacted), records);
  await compacted.close();
});

test("manifest: a malformed record is a TypeError and nothing is written", async () => {
  const fs = fresh();
  const m = await Manifest.open(fs, PATH);
  await m.append([rec("p/ok")]);
  const before = fs.readLive(PATH);
  const bad: Array<[Partial<ManifestRecord>, RegExp]> = [
    [{ key: "" }, /key must be a non-empty string/],
    [{ key: 5 as unknown as string }, /key/],
    [{ size: -1 }, /size/],
    [{ size: 1.5 }, /size/],
    [{ size: 2 ** 53 }, /size/],
    [{ etag: 5 as unknown as string }, /etag must be a string or null/],
    [{ crc64: "18446744073709551616" }, /crc64/],
    [{ crc64: "01" }, /crc64/],
    [{ crc64: "-1" }, /crc64/],
    [{ crc64: 5 as unknown as string }, /crc64/],
    [{ localSize: NaN }, /localSize/],
    [{ mtimeMs: Infinity }, /mtimeMs/],
    [{ mtimeMs: "1" as unknown as number }, /mtimeMs/],
    [{ path: "" }, /path/],
  ];
  for (const [over, why] of bad) {
    await assert.rejects(
      m.append([rec("p/fine"), { ...rec("p/x"), ...over }]),
      (e) => e instanceof TypeError && why.test(e.message),
      JSON.stringify(over),
    );
  }
  await assert.rejects(m.append(null as unknown as ManifestRecord[]), TypeError);
  await assert.rejects(m.append([null as unknown as ManifestRecord]), TypeError);
  assert.deepEqual(fs.readLive(PATH), before);
  assert.deepEqual(all(m), [rec("p/ok")]);
  await m.close();
});

test("manifest: a torn last record is dropped, then cut off by the next append", async () => {
  const fs = fresh();
  const m = await Manifest.open(fs, PATH);
  await m.append([rec("p/a")]);
  await m.append([rec("p/b"), rec("p/c")]);
  await m.close();
  const full = fs.readLive(PATH)!;
  const twoFrames = framesOf(full).length;
  assert.equal(twoFrames, 3);
  const cuts = [full.length - 1, full.length - 20, full.length - 60];
  for (const cut of cuts) {
    for (const zeros of [0, 7, 300]) {
      const torn = concat(full.subarray(0, cut), new Uint8Array(zeros));
      const tfs = fresh();
      tfs.writeDurable(PATH, torn);
      const t = await Manifest.open(tfs, PATH);
      assert.equal(t.damage, null, `cut ${cut}, ${zeros} zeros`);
      assert.deepEqual(all(t), [rec("p/a")]);
      await t.append([rec("p/d")]);
      await t.close();
      const again = await Manifest.open(tfs, PATH);
      assert.deepEqual(all(again), [rec("p/a"), rec("p/d")], `cut ${cut}, ${zeros} zeros`);
      assert.deepEqual(framesOf(tfs.readLive(PATH)!).length, 3, "the torn bytes are gone");
      await again.close();
    }
  }
  // Zeros after complete records (a size that reached the disk before the data) are torn too.
  const zfs = fresh();
  zfs.writeDurable(PATH, concat(full, new Uint8Array(100)));
  const z = await Manifest.open(zfs, PATH);
  assert.equal(z.damage, null);
  assert.equal(z.count, 3);
  await z.close();
});

test("manifest: damage is not trusted: it opens empty, says why, and the next append replaces it", async () => {
  const good = (() => {
    const parts = [HEADER(), frameBytes(2, JSON.stringify([["k1", 1, "e", null, 1, null, "k1"]]))];
    return {
      bytes: concat(...parts, frameBytes(2, JSON.stringify([["k2", 2, "e", "7", 2, 5, "k2"]]))),
      firstEnd: parts[0].length + parts[1].length,
    };
  })();
  const flipped = (at: number) => {
    const b = good.bytes.slice();
    b[at] ^= 0x40;
    return b;
  };
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["empty file", new Uint8Array(0), /the file is empty/],
    ["foreign file", new TextEncoder().encode("hello, world"), /not an ossdl manifest/],
    ["magic cut short", MANIFEST_MAGIC.subarray(0, 5), /header record is missing/],
    ["magic only", MANIFEST_MAGIC, /header record is missing/],
    ["journal", new TextEncoder().encode("OSSDLJNL........"), /unknown magic/],
    ["header cut short", HEADER().subarray(0, 20), /header record is damaged/],
    ["header checksum", flipped(8 + 14), /header record is damaged/],
    ["header not JSON", concat(MANIFEST_MAGIC, frameBytes(1, "{")), /not readable JSON/],
    ["header of a record", concat(MANIFEST_MAGIC, frameBytes(2, "[]")), /not a readable header/],
    [
      "unknown format",
      concat(MANIFEST_MAGIC, frameBytes(1, '{"format":2}')),
      /unknown manifest format 2/,
    ],
    ["middle record damaged", flipped(good.firstEnd - 3), /valid record follows/],
    ["middle length damaged", flipped(HEADER().length + 1), /length field is damaged/],
    ["unknown type", concat(HEADER(), frameBytes(9, "[]")), /unknown type 9/],
    ["not a list", concat(HEADER(), frameBytes(2, "{}")), /not a list/],
    [
      "malformed record",
      concat(HEADER(), frameBytes(2, '[["k",-1,"e",null,1,null,"k"]]')),
      /malformed/,
    ],
    ["short record", concat(HEADER(), frameBytes(2, '[["k",1,"e",null,1,null]]')), /malformed/],
    [
      "bad UTF-8",
      concat(HEADER(), frameBytes(2, new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d]))),
      /not readable JSON/,
    ],
  ];
  for (const [name, bytes, why] of cases) {
    const fs = fresh();
    fs.writeDurable(PATH, bytes);
    const m = await Manifest.open(fs, PATH);
    assert.ok(m.damage !== null && why.test(m.damage), `${name}: ${m.damage}`);
    assert.equal(m.count, 0, name);
    assert.equal(m.get("k1"), undefined, name);
    await m.append([rec("p/new")]);
    await m.close();
    const again = await Manifest.open(fs, PATH);
    assert.equal(again.damage, null, name);
    assert.deepEqual(all(again), [rec("p/new")], name);
    await again.close();
  }
});

test("manifest: compaction keeps the latest record per key, on demand and automatically", async () => {
  const fs = fresh();
  const m = await Manifest.open(fs, PATH, { compactMinBytes: 0 });
  let largest = 0;
  for (let round = 1; round <= 50; round++) {
    await m.append([rec("p/a", round), rec("p/b", round)]);
    largest = Math.max(largest, fs.readLive(PATH)!.length);
  }
  const oneRound = framesOf(fs.readLive(PATH)!).length;
  assert.ok(oneRound <= 4, `compacted as it grew: ${oneRound} frames`);
  assert.ok(largest < 1500, `the file stays small: ${largest} bytes`);
  assert.deepEqual(all(m), [rec("p/a", 50), rec("p/b", 50)]);
  await m.close();
  const again = await Manifest.open(fs, PATH);
  assert.deepEqual(all(again), [rec("p/a", 50), rec("p/b", 50)]);

  // Without superseded records, no automatic compaction: one frame per append.
  const gfs = fresh();
  const g = await Manifest.open(gfs, PATH, { compactMinBytes: 0 });
  for (let i = 0; i < 30; i++) await g.append([rec(`p/${i}`)]);
  assert.equal(framesOf(gfs.readLive(PATH)!).length, 31);
  // Explicit compaction: one frame.
  await g.compact();
  assert.deepEqual(
    framesOf(gfs.readLive(PATH)!).map(([t]) => t),
    [1, 2],
  );
  assert.equal(g.bytes, gfs.readLive(PATH)!.length);
  await g.append([rec("p/after")]);
  await g.close();
  const reopened = await Manifest.open(gfs, PATH);
  assert.equal(reopened.count, 31);
  await reopened.close();

  // The default threshold (1 MiB) leaves small files alone.
  const dfs = fresh();
  const d = await Manifest.open(dfs, PATH);
  for (let round = 1; round <= 50; round++) await d.append([rec("p/a", round)]);
  assert.equal(framesOf(dfs.readLive(PATH)!).length, 51);
  await d.close();
  await assert.rejects(Manifest.open(dfs, PATH, { compactMinBytes: -1 }), RangeError);
});

test("manifest: a leftover temporary file is removed by the first write, never read", async () => {
  const fs = fresh();
  const m = await Manifest.open(fs, PATH);
  await m.append([rec("p/a")]);
  await m.close();
  fs.writeDurable(
    `${PATH}.tmp`,
    concat(HEADER(), frameBytes(2, '[["zz",1,"e",null,1,null,"zz"]]')),
  );
  const again = await Manifest.open(fs, PATH);
  assert.deepEqual(all(again), [rec("p/a")]);
  assert.ok(fs.exists(`${PATH}.tmp`), "opening writes nothing");
  await again.append([rec("p/b")]);
  assert.equal(fs.exists(`${PATH}.tmp`), false);
  await again.close();
  // Only a temporary file (a crash before the first rename): no manifest.
  const only = fresh();
  only.writeDurable(
    `${PATH}.tmp`,
    concat(HEADER(), frameBytes(2, '[["zz",1,"e",null,1,null,"zz"]]')),
  );
  const none = await Manifest.open(only, PATH);
  assert.equal(none.count, 0);
  assert.equal(none.damage, null);
  await none.close();
});

test("manifest: large manifests replay across read windows and compact into several frames", async () => {
  const fs = fresh();
  const m = await Manifest.open(fs, PATH);
  const big = (i: number, n = 1) =>
    rec(`data/${String(i).padStart(7, "0")}/${"x".repeat(i % 50)}`, n);
  for (let start = 0; start < 30_000; start += 1000) {
    await m.append(Array.from({ length: 1000 }, (_, j) => big(start + j)));
  }
  // A single append larger than a read window.
  await m.append(Array.from({ length: 12_000 }, (_, i) => big(i, 2)));
  await m.close();
  const size = fs.readLive(PATH)!.length;
  assert.ok(size > 3 << 20, `${size} bytes`);
  const again = await Manifest.open(fs, PATH);
  assert.equal(again.count, 30_000);
  assert.deepEqual(again.get(big(5).key), big(5, 2));
  assert.deepEqual(again.get(big(29_999).key), big(29_999));
  await again.compact();
  await again.close();
  const frames = framesOf(fs.readLive(PATH)!);
  assert.ok(frames.length >= 4, `${frames.length} frames`);
  assert.ok(fs.readLive(PATH)!.length < size);
  const compacted = await Manifest.open(fs, PATH);
  assert.equal(compacted.count, 30_000);
  assert.deepEqual(compacted.get(big(11_999).key), big(11_999, 2));
  assert.deepEqual(compacted.get(big(12_000).key), big(12_000));
  await compacted.close();
});

test("manifest: a failed append changes nothing it reports, and the next one works", async () => {
  // A write that fails (disk full) and a datasync that fails (writeback error).
  for (const failure of ["write", "datasync", "rename", "syncDir"] as const) {
    let armed = false;
    const fs = new MemoryFileSystem({
      onOperation(op) {
        if (armed && op.op === failure) {
          armed = false;
          throw new FileSystemError("FS_NO_SPACE", op.op, op.path);
        }
      },
    });
    fs.mkdirDurable(DIR);
    const m = await Manifest.open(fs, PATH, { compactMinBytes: 0 });
    await m.append([rec("p/a"), rec("p/b")]);
    armed = true;
    // A rename or directory sync only happens in a rewrite: supersede enough to compact.
    const next = failure === "rename" || failure === "syncDir"
      ? [rec("p/a", 2), rec("p/b", 2)]
      : [rec("p/c")];
    await assert.rejects(m.append(next), FileSystemError, failure);
    assert.equal(armed, false, `${failure} was hit`);
    assert.deepEqual(all(m), [rec("p/a"), rec("p/b")], failure);
    await m.append([rec("p/d")]);
    assert.deepEqual(all(m), [rec("p/a"), rec("p/b"), rec("p/d")], failure);
    await m.close();
    // Whatever the failed append left, a later reopen (and a power cut) shows the good appends.
    const cut = fs.restart({ unsynced: "lost" });
    const again = await Manifest.open(cut, PATH);
    assert.equal(again.damage, null, failure);
    const keys = all(again).map((r) => `${r.key}@${r.size}`);
    assert.ok(keys.includes("p/d@1000"), `${failure}: ${keys}`);
    assert.ok(!keys.includes("p/c@1000") || failure === "datasync" || failure === "write");
    await again.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Crashes at every counted operation.

type Model = Map<string, ManifestRecord>;

interface Context {
  fs: MemoryFileSystem;
  manifest: Manifest | null;
}

interface Step {
  run(ctx: Context): Promise<void>;
  /** The records the step adds (appends only). */
  records?: ManifestRecord[];
}

const OPTIONS: ManifestOptions = { compactMinBytes: 0 };
const openStep: Step = {
  run: async (ctx) => {
    ctx.manifest = await Manifest.open(ctx.fs, PATH, OPTIONS);
  },
};
const appendStep = (records: ManifestRecord[]): Step => ({
  run: (ctx) => ctx.manifest!.append(records),
  records,
});
const compactStep: Step = { run: (ctx) => ctx.manifest!.compact() };
const closeStep: Step = { run: (ctx) => ctx.manifest!.close() };

function models(steps: Step[], initial: Model): Model[] {
  const out: Model[] = [new Map(initial)];
  let m = new Map(initial);
  for (const s of steps) {
    m = new Map(m);
    for (const r of s.records ?? []) m.set(r.key, r);
    out.push(m);
  }
  return out;
}

const MODES: Array<{ name: string; seed: number; options: CrashOptions }> = [
  { name: "lost", seed: 1, options: { unsynced: "lost" } },
  { name: "kept", seed: 1, options: { unsynced: "kept" } },
  { name: "process only", seed: 1, options: { processOnly: true } },
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed) => ({
    name: `torn/${seed}`,
    seed,
    options: { unsynced: "torn" as const },
  })),
];

function show(m: Model | Map<string, ManifestRecord>): string {
  return JSON.stringify([...m.values()].map((r) => `${r.key}@${r.size}`).sort());
}

async function crashEverywhere(
  steps: Step[],
  setup: (fs: MemoryFileSystem) => void,
  initial: Model,
): Promise<number> {
  const expected = models(steps, initial);
  // Dry run: count the operations and check the model.
  const dry = fresh();
  setup(dry);
  const ctx0: Context = { fs: dry, manifest: null };
  for (const s of steps) await s.run(ctx0);
  const operations = dry.operationCount;
  const final = await Manifest.open(dry, PATH);
  assert.equal(show(new Map(all(final).map((r) => [r.key, r]))), show(expected.at(-1)!));
  await final.close();

  let runs = 0;
  for (let k = 1; k <= operations; k++) {
    for (const mode of MODES) {
      const what = `crash at operation ${k}, ${mode.name}`;
      const fs = fresh(mode.seed);
      setup(fs);
      fs.crashAt = k;
      const ctx: Context = { fs, manifest: null };
      let done = 0;
      try {
        for (const s of steps) {
          await s.run(ctx);
          done++;
        }
      } catch (e) {
        if (!(e instanceof SimulatedCrash)) throw e;
      }
      assert.ok(done < steps.length, `${what}: the crash happened`);
      const next = fs.restart(mode.options);

      const m = await Manifest.open(next, PATH, OPTIONS);
      assert.equal(m.damage, null, `${what}: never damaged`);
      const got = new Map(all(m).map((r) => [r.key, r]));
      // Every completed append survives; the one in progress is all or nothing.
      const allowed = [expected[done], expected[done + 1]];
      assert.ok(
        allowed.some((a) => isDeepStrictEqual(a, got)),
        `${what} after ${done} steps: ${show(got)} is neither ${show(allowed[0])} nor ${
          show(allowed[1])
        }`,
      );
      // The manifest takes appends again, and they survive the next crash.
      const probe = rec("probe/after-crash", 9);
      await m.append([probe]);
      const after = await Manifest.open(next.restart({ unsynced: "lost" }), PATH);
      assert.equal(after.damage, null, what);
      got.set(probe.key, probe);
      assert.ok(isDeepStrictEqual(new Map(all(after).map((r) => [r.key, r])), got), what);
      runs++;
    }
  }
  return runs;
}

test("manifest crash: create, appends, automatic and explicit compactions, crashed at every operation", async () => {
  const steps = [
    openStep,
    appendStep([rec("p/a", 1), rec("p/b", 1)]),
    appendStep([rec("p/c", 1)]),
    appendStep([rec("p/a", 2), rec("p/b", 2)]), // supersedes: compacts (compactMinBytes 0)
    appendStep([rec("p/d", 1)]),
    compactStep,
    appendStep([rec("p/a", 3), rec("p/c", 3), rec("p/e", 1)]),
    closeStep,
    openStep,
    appendStep([rec("p/f", 1)]),
    appendStep([rec("p/e", 4), rec("p/f", 4), rec("p/d", 4)]),
    closeStep,
  ];
  const runs = await crashEverywhere(steps, () => {}, new Map());
  assert.ok(runs >= 25 * MODES.length, `${runs} runs`);
});

test("manifest crash: recovering a torn manifest with a leftover temporary file, crashed at every operation", async () => {
  // A manifest whose last append was torn by an earlier crash, and a compaction's leftover.
  const base = fresh();
  const m = await Manifest.open(base, PATH);
  await m.append([rec("p/a"), rec("p/b")]);
  await m.append([rec("p/c"), rec("p/d")]);
  await m.close();
  const full = base.readLive(PATH)!;
  const torn = concat(full.subarray(0, full.length - 25), new Uint8Array(9));
  const setup = (fs: MemoryFileSystem) => {
    fs.writeDurable(PATH, torn);
    fs.writeDurable(`${PATH}.tmp`, full.subarray(0, 40));
  };
  const initial: Model = new Map([["p/a", rec("p/a")], ["p/b", rec("p/b")]]);
  const steps = [
    openStep,
    appendStep([rec("p/e")]),
    appendStep([rec("p/a", 2)]),
    appendStep([rec("p/b", 2), rec("p/e", 2)]),
    closeStep,
  ];
  await crashEverywhere(steps, setup, initial);
});

test("manifest crash: a damaged manifest is replaced durably, crashed at every operation", async () => {
  const setup = (fs: MemoryFileSystem) => fs.writeDurable(PATH, new TextEncoder().encode("junk"));
  let damage: string | null = null;
  const steps: Step[] = [
    {
      run: async (ctx) => {
        ctx.manifest = await Manifest.open(ctx.fs, PATH, OPTIONS);
        damage = ctx.manifest.damage;
      },
    },
    appendStep([rec("p/a")]),
    appendStep([rec("p/b")]),
    closeStep,
  ];
  // The crash loop reopens after a crash and requires no damage: a crash before the replacement
  // leaves the junk, so check that window separately.
  const fs = fresh();
  setup(fs);
  const ctx: Context = { fs, manifest: null };
  for (const s of steps) await s.run(ctx);
  assert.match(damage ?? "", /unknown magic/);
  const ops = fs.operationCount;
  for (let k = 1; k <= ops; k++) {
    for (const mode of MODES) {
      const cfs = fresh(mode.seed);
      setup(cfs);
      cfs.crashAt = k;
      const c: Context = { fs: cfs, manifest: null };
      let done = 0;
      try {
        for (const s of steps) {
          await s.run(c);
          done++;
        }
      } catch (e) {
        if (!(e instanceof SimulatedCrash)) throw e;
      }
      const m = await Manifest.open(cfs.restart(mode.options), PATH);
      const keys = all(m).map((r) => r.key);
      const what = `crash at ${k}, ${mode.name}, ${done} steps: ${m.damage} ${keys}`;
      if (done >= 2) assert.equal(m.damage, null, what);
      if (m.damage !== null) assert.deepEqual(keys, [], what);
      else if (done >= 3) assert.deepEqual(keys, ["p/a", "p/b"], what);
      else if (done === 2) assert.ok(["p/a", "p/a,p/b"].includes(keys.join(",")), what);
      else assert.ok(["", "p/a"].includes(keys.join(",")), what);
      await m.close();
    }
  }
});

test("manifest: works on the real file system (NodeFileSystem)", async () => {
  const root = await mkdtemp(join(tmpdir(), "ossdl-manifest-"));
  try {
    const fs = new NodeFileSystem();
    const path = join(root, MANIFEST_NAME);
    const m = await Manifest.open(fs, path, { compactMinBytes: 0 });
    await m.append([rec("p/a"), rec("p/b")]);
    await m.append([rec("p/a", 2)]);
    await m.append([rec("p/b", 2)]); // compacts
    await m.close();
    assert.equal(await fs.stat(`${path}.tmp`), null);
    const again = await Manifest.open(fs, path);
    assert.equal(again.damage, null);
    assert.deepEqual(all(again), [rec("p/a", 2), rec("p/b", 2)]);
    await again.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("manifest: a record written without fsync keeps its mark across reopen and compaction", async () => {
  const fs = fresh(41);
  const m = await Manifest.open(fs, PATH, { compactMinBytes: 1 });
  await m.append([rec("d/a", 1, { unsynced: true }), rec("d/b", 2)]);
  await m.append([rec("d/b", 3)]); // supersedes: the next append may compact
  await m.append([rec("d/c", 4, { unsynced: true })]);
  await m.close();
  const again = await Manifest.open(fs, PATH);
  assert.equal(again.damage, null);
  assert.equal(again.get("d/a")?.unsynced, true);
  assert.equal(again.get("d/b")?.unsynced, undefined);
  assert.equal(again.get("d/c")?.unsynced, true);
  assert.deepEqual(again.get("d/a"), rec("d/a", 1, { unsynced: true }));
  await again.close();
  // On disk: an eighth field 0, only for those records; any other eighth field is damage.
  const records = framesOf(fs.readLive(PATH)!).filter(([t]) => t === 2).flatMap(([, v]) =>
    v as unknown[][]
  );
  assert.ok(records.some((r) => r[0] === "d/a" && r.length === 8 && r[7] === 0));
  assert.ok(records.some((r) => r[0] === "d/b" && r.length === 7));
  const bad = fresh(42);
  bad.writeDurable(
    PATH,
    concat(
      MANIFEST_MAGIC,
      frameBytes(1, JSON.stringify({ format: 1 })),
      frameBytes(2, JSON.stringify([["k", 1, null, "1", 1, 1, "k", 1]])),
    ),
  );
  const damaged = await Manifest.open(bad, PATH);
  assert.notEqual(damaged.damage, null);
  await damaged.close();
});
