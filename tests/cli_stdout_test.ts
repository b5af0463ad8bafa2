import assert from "node:assert/strict";
import { test } from "node:test";
import { spawn } from "node:child_process";
import process from "node:process";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { ROOT } from "./cli_spawn.ts";

const MiB = 1024 * 1024;
const CREDS = { accessKeyId: "LTAItestkeyid", accessKeySecret: "test-secret-value-123" };
const ENV = { OSS_ACCESS_KEY_ID: CREDS.accessKeyId, OSS_ACCESS_KEY_SECRET: CREDS.accessKeySecret };

interface Run {
  code: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the CLI with binary stdout; `readBytes` closes stdout after that many bytes. */
function run(args: string[], readBytes?: number): Promise<Run> {
  const runtimeArgs = "Deno" in globalThis ? ["run", "-A", "--quiet", "cli.ts"] : ["cli.ts"];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(OSS_|ALIBABA_CLOUD_)/.test(k)) env[k] = v;
  }
  const child = spawn(process.execPath, [...runtimeArgs, ...args], {
    cwd: ROOT,
    env: { ...env, ...ENV, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  let got = 0;
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    if (readBytes !== undefined && got >= readBytes) return;
    out.push(d);
    got += d.length;
    if (readBytes !== undefined && got >= readBytes) child.stdout!.destroy();
  });
  child.stdout!.on("error", () => {});
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => void (err += d));
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

async function setup(size: number) {
  const emulator = new OssEmulator({ credentials: CREDS });
  const data = seededBytes(size, 3);
  await emulator.put("bkt", "big.bin", data);
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const args = (...more: string[]) => [
    "get",
    "oss://bkt/big.bin",
    "-",
    "--endpoint",
    server.url,
    "--region",
    "cn-hangzhou",
    ...more,
  ];
  return { emulator, data, args, close: () => server.close() };
}

test(
  "get SOURCE -: the bytes on stdout, --json records on stderr only",
  { timeout: 30000 },
  async () => {
    const s = await setup(5 * MiB + 3);
    try {
      const r = await run(s.args("--part-size", "1MiB", "--concurrency", "3", "--json"));
      assert.equal(r.code, 0, r.stderr);
      assert.ok(Buffer.from(s.data).equals(r.stdout), "stdout holds exactly the object");
      const records = r.stderr.trim().split("\n").map((l) => JSON.parse(l));
      const last = records[records.length - 1];
      assert.equal(last.type, "result");
      assert.equal(last.verified, true);
      assert.equal(last.bytes, s.data.length);
      const gets = s.emulator.stats.log.filter((e) => e.method === "GET");
      assert.equal(gets.length, 6, "parallel ranged parts");
    } finally {
      await s.close();
    }
  },
);

test("get SOURCE - --range: only that range, no journal", { timeout: 30000 }, async () => {
  const s = await setup(3 * MiB);
  try {
    const r = await run(s.args("--range", "1000-2000000", "--part-size", "512KiB", "-q"));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.ok(Buffer.from(s.data.subarray(1000, 2000001)).equals(r.stdout));
  } finally {
    await s.close();
  }
});

test("get SOURCE -: a CRC-64 mismatch exits 6 saying the bytes written were wrong", {
  timeout: 30000,
}, async () => {
  const s = await setup(3 * MiB);
  s.emulator.setFaults({ flipByteAt: 10 });
  try {
    const r = await run(s.args("--part-size", "1MiB"));
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /already written were wrong and cannot be unsent/);
    assert.equal(r.stdout.length, 2 * MiB, "the last part is held back");
  } finally {
    await s.close();
  }
});

test(
  "get SOURCE - | head -c 10: a closed pipe ends quietly (0 or 141)",
  { timeout: 30000 },
  async () => {
    const s = await setup(64 * MiB);
    try {
      const r = await run(s.args("--part-size", "1MiB", "-q"), 10);
      assert.ok(
        r.code === 0 || r.code === 141 || r.signal === "SIGPIPE",
        `code ${r.code}, signal ${r.signal}, stderr: ${r.stderr}`,
      );
      assert.equal(r.stderr, "", "no message, no stack trace");
      assert.ok(Buffer.from(s.data.subarray(0, 10)).equals(r.stdout.subarray(0, 10)));
    } finally {
      await s.close();
    }
  },
);

test(
  "get SOURCE -: options that need a file are refused (exit 2)",
  { timeout: 30000 },
  async () => {
    const r = await run(["get", "oss://bkt/big.bin", "-", "--checkpoint", "x.journal"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--checkpoint cannot be used with the destination -/);
  },
);

test("get SOURCE -: SIGINT stops with 130 and says how to continue (--range)", {
  timeout: 30000,
}, async () => {
  const s = await setup(8 * MiB);
  // Per request: one part at a time at 1 MiB/s, so the download is still running at the signal.
  s.emulator.setFaults({ throttle: { bytesPerSecond: MiB } });
  try {
    const runtimeArgs = "Deno" in globalThis ? ["run", "-A", "--quiet", "cli.ts"] : ["cli.ts"];
    const child = spawn(process.execPath, [
      ...runtimeArgs,
      ...s.args("--part-size", "1MiB", "--concurrency", "1", "--range", "0-7340031"),
    ], {
      cwd: ROOT,
      env: { ...process.env, ...ENV, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let got = 0;
    let err = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => void (err += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    await new Promise<void>((resolve) => {
      child.stdout!.on("data", (d: Buffer) => {
        got += d.length;
        if (got >= MiB) resolve();
      });
    });
    process.kill(child.pid!, "SIGINT");
    const code = await exited;
    assert.equal(code, 130, err);
    const m = /stopped after (\d+) bytes on stdout; to continue, run again with --range (\d+)-(\d*)/
      .exec(err);
    assert.ok(m, err);
    assert.equal(m![1], m![2]);
    assert.equal(m![3], "7340031", "the rest of the asked range keeps its end");
    assert.equal(Number(m![1]), got, "the offset is exactly what reached stdout");
  } finally {
    await s.close();
  }
});
