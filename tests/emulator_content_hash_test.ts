import { test } from "node:test";
import assert from "node:assert/strict";
import { hashBytes, hashChunks } from "../src/emulator/content_hash.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import { pattern } from "./emulator_fixtures.ts";

test("content hash: CRC-64 and ETag of content given in uneven chunks", async () => {
  const data = pattern(200_000);
  const chunks = [data.subarray(0, 1), data.subarray(1, 70_001), data.subarray(70_001)];
  const h = await hashChunks(chunks);
  assert.equal(h.crc64, await crc64(data));
  assert.equal((await hashChunks([data])).etag, h.etag);
  assert.equal((await hashChunks([])).crc64, 0n);
  assert.equal((await hashChunks([])).etag, '"D41D8CD98F00B204E9800998ECF8427E"');
});

test("content hash: hashBytes shares its hashers safely between concurrent calls", async () => {
  const inputs = Array.from({ length: 50 }, (_, i) => pattern(1000 + i * 37));
  const shared = await Promise.all(inputs.map((d) => hashBytes(d)));
  const fresh = await Promise.all(inputs.map((d) => hashChunks([d])));
  assert.deepEqual(shared, fresh);
  assert.deepEqual(await hashBytes(new Uint8Array()), await hashChunks([]));
});
