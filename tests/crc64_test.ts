import { test } from "node:test";
import assert from "node:assert/strict";
import { crc64, createCrc64 } from "../src/crc64/crc64.ts";
import { combineCrc64 } from "../src/crc64/combine.ts";
import { seededRandom } from "../src/seeded_random.ts";

const text = (s: string) => new TextEncoder().encode(s);

const rng = seededRandom;

test("crc64: check value of 123456789 is 0x995DC9BBDF1939FA", async () => {
  assert.equal(await crc64(text("123456789")), 0x995DC9BBDF1939FAn);
  assert.equal(await crc64(text("123456789")), 11051210869376104954n);
});

test("crc64: empty input is 0", async () => {
  assert.equal(await crc64(new Uint8Array()), 0n);
});

test("crc64: vectors from oss-protocol.md §4.1", async () => {
  const sentence = "This is a test of the emergency broadcast system.";
  assert.equal(await crc64(text(sentence)), 0x27db187fc15bbc72n);
  assert.equal(await crc64(text("123456789" + sentence)), 0x6a7aa19fcbf48688n);
  assert.equal(await crc64(text("12345")), 6748440630437108969n);
  assert.equal(await crc64(text("67890")), 6285347597771850461n);
  assert.equal(await crc64(text("1234567890")), 12811388247244714686n);
});

test("crc64: streaming in pieces equals one shot, and digest does not disturb the state", async () => {
  const h = await createCrc64();
  h.update(text("1234"));
  assert.equal(h.digest(), await crc64(text("1234")));
  h.update(text("56789"));
  assert.equal(h.digest(), 0x995DC9BBDF1939FAn);
  h.reset();
  assert.equal(h.digest(), 0n);
});

test("combine: vectors from oss-protocol.md §4.1", () => {
  assert.equal(combineCrc64(0x995dc9bbdf1939fan, 0x27db187fc15bbc72n, 49), 0x6a7aa19fcbf48688n);
  assert.equal(
    combineCrc64(6748440630437108969n, 6285347597771850461n, 5),
    12811388247244714686n,
  );
});

test("combine: an empty B leaves A unchanged, an empty A gives B", async () => {
  assert.equal(combineCrc64(0x1234n, 0n, 0), 0x1234n);
  const b = await crc64(text("hello"));
  assert.equal(combineCrc64(0n, b, 5), b);
});

test("combine: rejects a negative or fractional length", () => {
  assert.throws(() => combineCrc64(1n, 2n, -1), RangeError);
  assert.throws(() => combineCrc64(1n, 2n, 1.5), RangeError);
});

test("combine property: random splits of random data combine to the CRC of the whole", async () => {
  const random = rng(0xC0FFEE);
  for (let round = 0; round < 60; round++) {
    const size = Math.floor(random() * 5000);
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = Math.floor(random() * 256);
    const cuts = [0, size];
    const pieces = Math.floor(random() * 6);
    for (let i = 0; i < pieces; i++) cuts.push(Math.floor(random() * (size + 1)));
    cuts.sort((a, b) => a - b);
    let combined = 0n;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const piece = data.subarray(cuts[i], cuts[i + 1]);
      combined = combineCrc64(combined, await crc64(piece), piece.length);
    }
    assert.equal(combined, await crc64(data), `round ${round}, cuts ${cuts}`);
  }
});

test("combine: large lengths (multi-GiB) are handled without the data", async () => {
  // CRC(A ‖ zeros(n)) computed two ways for an n that exercises high bits.
  const a = await crc64(text("abc"));
  const n = 5 * 1024 * 1024 + 3;
  const zeros = new Uint8Array(n);
  const whole = new Uint8Array(3 + n);
  whole.set(text("abc"));
  const direct = await crc64(whole);
  assert.equal(combineCrc64(a, await crc64(zeros), n), direct);
  // And a length beyond 2^32 at least runs and is deterministic.
  const big = combineCrc64(a, 0n, 9 * 1024 ** 3);
  assert.equal(big, combineCrc64(a, 0n, 9 * 1024 ** 3));
  assert.notEqual(big, a);
  // Appending n1 then n2 zero bytes is appending n1 + n2 of them, also past 2^32.
  for (const [n1, n2] of [[1, 2 ** 32 - 1], [3 * 2 ** 31 + 5, 2 ** 33 + 7], [12345, 678901]]) {
    assert.equal(
      combineCrc64(combineCrc64(a, 0n, n1), 0n, n2),
      combineCrc64(a, 0n, n1 + n2),
      `${n1} + ${n2}`,
    );
  }
});

/** CRC-64/XZ a bit at a time: the definition, independent of any table or kernel. */
function bitwiseCrc64(data: Uint8Array): bigint {
  const poly = 0xC96C5795D7870F42n;
  let crc = 0xFFFFFFFFFFFFFFFFn;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ 0xFFFFFFFFFFFFFFFFn;
}

test("crc64: the slicing-by-16 kernel equals the bit-at-a-time definition at every length 0-100", async () => {
  const random = rng(0x5EED);
  const data = new Uint8Array(100);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
  for (let n = 0; n <= data.length; n++) {
    assert.equal(
      await crc64(data.subarray(0, n)),
      bitwiseCrc64(data.subarray(0, n)),
      `length ${n}`,
    );
  }
});

test("crc64: updates across the kernel's 256 KiB input area, and hashers interleaved, match hash-wasm", async () => {
  const { createCRC64 } = await import("hash-wasm");
  const reference = await createCRC64();
  const random = rng(0xFEED);
  const data = new Uint8Array((1 << 20) + 4099);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
  reference.init();
  reference.update(data);
  const expected = BigInt("0x" + reference.digest("hex"));
  assert.equal(await crc64(data), expected);
  // Two hashers fed in odd pieces, alternately: each keeps its own state in the shared module.
  const a = await createCrc64();
  const b = await createCrc64();
  const cuts = [0, 1, 17, 262143, 262160, 600001, 786432, data.length];
  for (let i = 0; i + 1 < cuts.length; i++) {
    a.update(data.subarray(cuts[i], cuts[i + 1]));
    b.update(data.subarray(cuts[i], cuts[i + 1]));
    b.update(new Uint8Array(0));
  }
  assert.equal(a.digest(), expected);
  assert.equal(b.digest(), expected);
});
