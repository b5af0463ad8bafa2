import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, call, emulatorWithObjects, xmlField } from "./emulator_fixtures.ts";
import { resolveRange } from "../src/emulator/range.ts";
import { crc64 } from "../src/crc64/crc64.ts";

const STD = { "x-oss-range-behavior": "standard" };

test("range: resolveRange table (1000-byte object)", () => {
  const cases: [string | null, boolean, ReturnType<typeof resolveRange>][] = [
    [null, false, { kind: "whole" }],
    ["bytes=0-9", false, { kind: "partial", start: 0, end: 10 }],
    ["bytes=990-999", true, { kind: "partial", start: 990, end: 1000 }],
    ["bytes=500-", false, { kind: "partial", start: 500, end: 1000 }],
    ["bytes=0-", false, { kind: "partial", start: 0, end: 1000 }],
    ["bytes=-100", false, { kind: "partial", start: 900, end: 1000 }],
    ["bytes=500-2000", false, { kind: "whole" }],
    ["bytes=500-2000", true, { kind: "partial", start: 500, end: 1000 }],
    ["bytes=1000-2000", false, { kind: "whole" }],
    ["bytes=1000-2000", true, { kind: "unsatisfiable" }],
    ["bytes=1000-", true, { kind: "unsatisfiable" }],
    ["bytes=1000-", false, { kind: "whole" }],
    ["bytes=-2000", false, { kind: "whole" }],
    ["bytes=-2000", true, { kind: "partial", start: 0, end: 1000 }],
    ["bytes=-0", true, { kind: "unsatisfiable" }],
    ["bytes=9-1", true, { kind: "whole" }],
    ["bytes=0-1,5-6", true, { kind: "whole" }],
    ["items=0-1", false, { kind: "whole" }],
    ["bytes=-", true, { kind: "whole" }],
  ];
  for (const [header, standard, want] of cases) {
    assert.deepEqual(resolveRange(header, 1000, standard), want, `${header} ${standard}`);
  }
  assert.deepEqual(resolveRange("bytes=0-", 0, true), { kind: "unsatisfiable" });
  assert.deepEqual(resolveRange("bytes=0-", 0, false), { kind: "whole" });
});

test("range: a-b, a- and -n give 206 with Content-Range and the whole object's CRC", async () => {
  const { emulator, data } = await emulatorWithObjects();
  const crc = String(await crc64(data));
  for (
    const [header, start, end] of [
      ["bytes=10-19", 10, 20],
      ["bytes=990-", 990, 1000],
      ["bytes=-5", 995, 1000],
      ["bytes=0-0", 0, 1],
    ] as const
  ) {
    const r = await call(emulator, "/bucket/obj.bin", { headers: { range: header } });
    assert.equal(r.status, 206, header);
    assert.equal(r.headers.get("content-range"), `bytes ${start}-${end - 1}/1000`);
    assert.equal(r.headers.get("content-length"), String(end - start));
    assert.equal(r.headers.get("x-oss-hash-crc64ecma"), crc);
    assert.deepEqual(await bytes(r), data.subarray(start, end));
  }
});

test("range: default behaviour ignores an out-of-range Range (200, whole object)", async () => {
  const { emulator, data } = await emulatorWithObjects();
  for (const header of ["bytes=500-2000", "bytes=1000-2000", "bytes=x", "bytes=5-1"]) {
    const r = await call(emulator, "/bucket/obj.bin", { headers: { range: header } });
    assert.equal(r.status, 200, header);
    assert.equal(r.headers.get("content-range"), null);
    assert.deepEqual(await bytes(r), data);
  }
});

test("range: standard behaviour clamps the end and answers 416 InvalidRange past the end", async () => {
  const { emulator, data } = await emulatorWithObjects();
  const r = await call(emulator, "/bucket/obj.bin", {
    headers: { range: "bytes=500-2000", ...STD },
  });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get("content-range"), "bytes 500-999/1000");
  assert.deepEqual(await bytes(r), data.subarray(500));
  const bad = await call(emulator, "/bucket/obj.bin", {
    headers: { range: "bytes=1000-2000", ...STD },
  });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers.get("content-range"), "bytes */1000");
  const xml = await bad.text();
  assert.equal(xmlField(xml, "Code"), "InvalidRange");
  assert.equal(xmlField(xml, "Message"), "The requested range cannot be satisfied");
});
