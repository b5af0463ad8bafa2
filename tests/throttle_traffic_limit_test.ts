import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { download } from "../src/download/download.ts";
import { createObjectSource } from "../src/oss/create_object_source.ts";
import { parseCommand } from "../src/cli/parse_command.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { main } from "../src/cli/main.ts";
import { fakeIo } from "./cli_fake_io.ts";

const KiB = 1024;
const CREDS = { accessKeyId: "LTAItestkeyid", accessKeySecret: "test-secret-value-123" };

test("emulator: x-oss-traffic-limit slows that response to its bit rate", async () => {
  const emulator = new OssEmulator();
  await emulator.put("bkt", "k", seededBytes(60 * KiB, 1));
  const t0 = performance.now();
  const r = await emulator.handle(
    new Request("http://127.0.0.1:9000/bkt/k", { headers: { "x-oss-traffic-limit": "819200" } }),
  );
  assert.equal((await r.arrayBuffer()).byteLength, 60 * KiB);
  // 819200 bit/s = 100 KiB/s: 50 KiB after the 10 KiB burst take 0.5 s.
  const ms = performance.now() - t0;
  assert.ok(ms >= 400, `${ms} ms`);
  const q = await emulator.handle(
    new Request("http://127.0.0.1:9000/bkt/k?x-oss-traffic-limit=819200"),
  );
  const t1 = performance.now();
  await q.arrayBuffer();
  assert.ok(performance.now() - t1 >= 400, "as a query parameter too");
});

test("emulator: a traffic limit OSS refuses gets 400 InvalidArgument", async () => {
  const emulator = new OssEmulator();
  await emulator.put("bkt", "k", seededBytes(10, 1));
  for (const value of ["1000", "838860801", "fast"]) {
    const r = await emulator.handle(
      new Request("http://127.0.0.1:9000/bkt/k", { headers: { "x-oss-traffic-limit": value } }),
    );
    assert.equal(r.status, 400);
    const xml = await r.text();
    assert.match(xml, /<Code>InvalidArgument<\/Code>/);
    assert.match(xml, /0004-00000502/);
  }
});

for (const signatureVersion of ["v4", "v1"] as const) {
  test(`download({ trafficLimit }) sends x-oss-traffic-limit on GETs, signed (${signatureVersion})`, async () => {
    const emulator = new OssEmulator({ credentials: CREDS });
    const data = seededBytes(40 * KiB, 2);
    await emulator.put("bkt", "k", data);
    const seen: Array<[string, string | null]> = [];
    emulator.faultsFor = (info) => {
      seen.push([info.method, info.headers.get("x-oss-traffic-limit")]);
      return undefined;
    };
    const dir = mkdtempSync(join(tmpdir(), "ossdl-traffic-"));
    try {
      const result = await download({
        source: "oss://bkt/k",
        destination: join(dir, "k"),
        endpoint: "http://127.0.0.1:9000",
        region: "cn-hangzhou",
        signatureVersion,
        credentials: CREDS,
        fetch: ((r: Request) => emulator.handle(r)) as typeof fetch,
        trafficLimit: 8_388_608,
      });
      assert.equal(result.verified, true);
      assert.deepEqual(new Uint8Array(readFileSync(join(dir, "k"))), data);
      const gets = seen.filter(([m]) => m === "GET");
      assert.ok(gets.length >= 1);
      assert.ok(gets.every(([, v]) => v === "8388608"), JSON.stringify(seen));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("trafficLimit: out of range is a RangeError; on a URL source a TypeError", () => {
  assert.throws(
    () => createObjectSource("oss://bkt/k", { region: "cn-hangzhou", trafficLimit: 100 }),
    RangeError,
  );
  assert.throws(
    () => createObjectSource("https://example.com/k", { trafficLimit: 819200 }),
    TypeError,
  );
});

test("CLI: --limit-rate takes a size, --traffic-limit bit/s within OSS's bounds", () => {
  const c = parseCommand([
    "oss://b/k",
    "out",
    "--limit-rate",
    "20MiB",
    "--traffic-limit",
    "819200",
  ]);
  assert.equal(c.kind, "get");
  if (c.kind !== "get") return;
  assert.equal(c.limitRate, 20 * 1024 * 1024);
  assert.equal(c.trafficLimit, 819200);
  for (const bad of ["819199", "838860801", "1e6", "-5", "100KiB"]) {
    assert.throws(() => parseCommand(["oss://b/k", "out", "--traffic-limit", bad]), UsageError);
  }
  assert.throws(
    () => parseCommand(["https://h/k", "out", "--traffic-limit", "819200"]),
    /needs an oss:\/\/ source/,
  );
  assert.throws(() => parseCommand(["oss://b/k", "out", "--limit-rate", "fast"]), UsageError);
});

test("CLI: a bad --traffic-limit exits 2", async () => {
  const f = fakeIo(["oss://b/k", "out", "--traffic-limit", "1000"]);
  assert.equal(await main(f.io), 2);
  assert.match(f.err(), /bad --traffic-limit "1000"/);
});
