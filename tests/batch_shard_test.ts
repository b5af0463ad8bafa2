import { test } from "node:test";
import assert from "node:assert/strict";
import { inShard, MAX_SHARDS, parseShard, type Shard, shardHash } from "../src/batch/shard.ts";
import { seededRandom } from "../src/seeded_random.ts";

const M64 = (1n << 64n) - 1n;

/** FNV-1a 64, the slow and obvious way. */
function fnv1a64(key: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(key)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & M64;
  return h;
}

function fmix64(h: bigint): bigint {
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M64;
  return h ^ (h >> 33n);
}

/** 100,000 keys shaped like real listings: shared prefixes, counters, odd characters. */
function keys(): string[] {
  const r = seededRandom(99);
  const out: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    switch (i % 4) {
      case 0:
        out.push(`logs/2024/01/${String(i).padStart(8, "0")}.json`);
        break;
      case 1:
        out.push(`images/img${i}.jpg`);
        break;
      case 2:
        out.push(`u/${Math.floor(r() * 1e9).toString(36)}/é/\u{1F600}${i}`);
        break;
      default:
        out.push(String(i));
    }
  }
  return out;
}

test("shard: K/N parses; malformed text is a TypeError, out of range a RangeError", () => {
  assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
  assert.deepEqual(parseShard("0/4"), { index: 0, count: 4 });
  assert.deepEqual(parseShard("3/4"), { index: 3, count: 4 });
  assert.deepEqual(parseShard("99/100"), { index: 99, count: 100 });
  assert.deepEqual(parseShard(`0/${MAX_SHARDS}`), { index: 0, count: MAX_SHARDS });
  for (const text of ["", "1", "/", "1/", "/4", "a/4", "1/b", "-1/4", "1/-4", "+1/4", " 1/4"]) {
    assert.throws(() => parseShard(text), TypeError, text);
  }
  for (
    const text of ["1/4 ", "1 /4", "01/4", "1/04", "1.0/4", "1/4/5", "1e1/20", "0x1/4", "1\\4"]
  ) {
    assert.throws(() => parseShard(text), TypeError, text);
  }
  assert.throws(() => parseShard("x"), /invalid shard "x": expected K\/N, e\.g\. 0\/4/);
  assert.throws(() => parseShard("0/0"), RangeError);
  assert.throws(() => parseShard("4/4"), /invalid shard "4\/4": K must be from 0 to 3 \(N-1\)/);
  assert.throws(() => parseShard("5/4"), RangeError);
  assert.throws(() => parseShard(`0/${MAX_SHARDS + 1}`), RangeError);
  assert.throws(() => parseShard("0/99999999999999999999999"), RangeError);
});

test("shard: inShard refuses shards parseShard would refuse", () => {
  for (
    const shard of [{ index: 0, count: 0 }, { index: 4, count: 4 }, { index: -1, count: 4 }, {
      index: 0.5,
      count: 4,
    }, { index: 0, count: NaN }] as Shard[]
  ) {
    assert.throws(() => inShard("k", shard), RangeError, JSON.stringify(shard));
  }
  assert.equal(inShard("k", { index: 0, count: 1 }), true);
});

test("shard: the hash is FNV-1a 64 then fmix64, with golden values that never change", () => {
  // FNV-1a 64 reference vectors (the published ones), to check the reference itself.
  assert.equal(fnv1a64(""), 0xcbf29ce484222325n);
  assert.equal(fnv1a64("a"), 0xaf63dc4c8601ec8cn);
  assert.equal(fnv1a64("foobar"), 0x85944171f73967e8n);
  // Golden values: changing any of them re-partitions every sharded download.
  const golden: Array<[string, bigint]> = [
    ["", 17280346270528514342n],
    ["a", 9413272369427828315n],
    ["foobar", 3180132088784447275n],
    ["data/2024/x/y.bin", 9487610912130475206n],
    ["日本/\u{1F600}.png", 2993220544297397672n],
    ["ÿÿÿÿ", 2934385108528188209n],
  ];
  for (const [key, value] of golden) {
    assert.equal(shardHash(key), value, JSON.stringify(key));
    assert.equal(shardHash(key), fmix64(fnv1a64(key)), JSON.stringify(key));
  }
  // Golden shard assignments too.
  const of4 = golden.map(([key]) => [0, 1, 2, 3].find((k) => inShard(key, { index: k, count: 4 })));
  assert.deepEqual(of4, golden.map(([, v]) => Number(v % 4n)));
  assert.deepEqual(of4, [2, 3, 3, 2, 0, 1]);
});

test("shard: the fast hash equals the BigInt reference on random keys", () => {
  const r = seededRandom(5);
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(r() * 40);
    let key = "";
    for (let j = 0; j < n; j++) {
      const c = Math.floor(r() ** 3 * 0x10ffff);
      key += c >= 0xd800 && c <= 0xdfff ? "x" : String.fromCodePoint(c);
    }
    assert.equal(shardHash(key), fmix64(fnv1a64(key)), JSON.stringify(key));
  }
});

test("shard: N shards cover 100,000 keys exactly once, with balanced shares", () => {
  const all = keys();
  // Exactly once, through inShard itself.
  for (const count of [1, 2, 3, 7]) {
    for (const key of all) {
      let owners = 0;
      for (let index = 0; index < count; index++) if (inShard(key, { index, count })) owners++;
      if (owners !== 1) assert.fail(`${key} is in ${owners} of ${count} shards`);
    }
  }
  // Balance, from the hash (inShard is hash mod N, as the golden values show).
  const hashes = all.map(shardHash);
  for (const count of [2, 3, 4, 7, 10, 16, 64]) {
    const sizes = new Array(count).fill(0);
    for (const h of hashes) sizes[Number(h % BigInt(count))]++;
    const expected = all.length / count;
    // Binomial noise: the standard deviation is at most sqrt(n/N), 158 keys for N = 4; allow
    // 5 of them, and 3% for the larger shares.
    const tolerance = Math.max(5 * Math.sqrt(expected), 0.03 * expected);
    for (const size of sizes) {
      assert.ok(Math.abs(size - expected) <= tolerance, `N=${count}: ${sizes.join(", ")}`);
    }
  }
});

test("shard: keys that differ only in their last character or order spread out", () => {
  // Plain FNV-1a's lowest bit is the parity of the bytes' lowest bits: permutations would share a
  // shard of 2. The finalizer breaks that.
  const perms = ["abc", "acb", "bac", "bca", "cab", "cba", "abd", "abf", "abh", "abj"];
  const halves = perms.map((k) => inShard(k, { index: 0, count: 2 }));
  assert.ok(halves.includes(true) && halves.includes(false), JSON.stringify(halves));
  const sizes = [0, 0];
  for (let i = 0; i < 10_000; i++) {
    sizes[inShard(`x${String.fromCharCode(97 + (i % 26))}${i}`, { index: 0, count: 2 }) ? 0 : 1]++;
  }
  assert.ok(Math.abs(sizes[0] - 5000) < 300, sizes.join(", "));
});
