// Proxies, proven with a counting proxy on 127.0.0.1 (tests/_forward_proxy.ts) on Deno and Bun:
// both runtimes read the proxy variables themselves, each with its own rules; ossdl reads them once
// (src/proxy/proxy_settings.ts) and passes the chosen proxy explicitly (src/runtime/proxy_fetch.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { download } from "../src/download/download.ts";
import { proxyFetch } from "../src/runtime/proxy_fetch.ts";
import { runCli } from "./cli_spawn.ts";
import { startForwardProxy } from "./_forward_proxy.ts";

const MiB = 1024 * 1024;
const CREDS = { accessKeyId: "LTAItestkeyid", accessKeySecret: "test-secret-value-123" };
const ENV = { OSS_ACCESS_KEY_ID: CREDS.accessKeyId, OSS_ACCESS_KEY_SECRET: CREDS.accessKeySecret };
/** Proxy variables of the test's own environment must not leak into the child. */
const CLEAR = {
  HTTP_PROXY: "",
  http_proxy: "",
  HTTPS_PROXY: "",
  https_proxy: "",
  NO_PROXY: "",
  no_proxy: "",
};

async function setup() {
  const emulator = new OssEmulator({ credentials: CREDS });
  const data = seededBytes(3 * MiB + 5, 11);
  await emulator.put("bkt", "obj.bin", data);
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const proxy = await startForwardProxy();
  const dir = mkdtempSync(join(tmpdir(), "ossdl-proxy-"));
  return {
    data,
    url: server.url,
    proxy,
    dir,
    async close() {
      await proxy.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("HTTP_PROXY carries every request of an oss:// download", { timeout: 30000 }, async () => {
  const s = await setup();
  try {
    const dest = join(s.dir, "a.bin");
    const run = await runCli(
      [
        "oss://bkt/obj.bin",
        dest,
        "--endpoint",
        s.url,
        "--region",
        "cn-hangzhou",
        "--part-size",
        "1MiB",
      ],
      { ...ENV, ...CLEAR, HTTP_PROXY: s.proxy.url },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(new Uint8Array(readFileSync(dest)), s.data);
    // HEAD and 4 ranged GETs, all as absolute-URI requests through the proxy.
    assert.ok(s.proxy.log.forwarded.length >= 5, JSON.stringify(s.proxy.log));
    assert.ok(s.proxy.log.forwarded.every((u) => u.startsWith(`${s.url}/bkt/obj.bin`)));
  } finally {
    await s.close();
  }
});

test(
  "http_proxy (lower case) carries a URL source; stdout mode too",
  { timeout: 30000 },
  async () => {
    const s = await setup();
    try {
      const run = await runCli(
        ["get", `${s.url}/bkt/obj.bin`, "-", "--part-size", "1MiB", "-q"],
        { ...CLEAR, http_proxy: s.proxy.url },
      );
      // Anonymous access to a signed emulator: 403, but through the proxy.
      assert.notEqual(run.code, 0);
      assert.ok(s.proxy.log.forwarded.length >= 1, JSON.stringify(s.proxy.log));
    } finally {
      await s.close();
    }
  },
);

test("NO_PROXY exempts a host: the proxy carries nothing", { timeout: 30000 }, async () => {
  const s = await setup();
  try {
    const dest = join(s.dir, "b.bin");
    const run = await runCli(
      ["oss://bkt/obj.bin", dest, "--endpoint", s.url, "--region", "cn-hangzhou", "--debug"],
      { ...ENV, ...CLEAR, HTTP_PROXY: s.proxy.url, NO_PROXY: "localhost,127.0.0.1" },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(s.proxy.log.forwarded, []);
    assert.match(
      run.stderr,
      /debug: http:\/\/127\.0\.0\.1:\d+: no proxy \(NO_PROXY entry 127\.0\.0\.1\)/,
    );
    // "*" and host:port, which Deno's own reading of NO_PROXY ignores, mean the same on both.
    for (const noProxy of ["*", `127.0.0.1:${new URL(s.url).port}`]) {
      const again = await runCli(
        ["oss://bkt/obj.bin", join(s.dir, "d.bin"), "--endpoint", s.url, "--region", "cn-hangzhou"],
        { ...ENV, ...CLEAR, HTTP_PROXY: s.proxy.url, NO_PROXY: noProxy },
      );
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(s.proxy.log.forwarded, [], `NO_PROXY=${noProxy}`);
    }
  } finally {
    await s.close();
  }
});

test("--debug names the proxy without its credentials; the proxy gets them", {
  timeout: 30000,
}, async () => {
  const s = await setup();
  try {
    const dest = join(s.dir, "c.bin");
    const withAuth = s.proxy.url.replace("http://", "http://proxyuser:pr0xy-s3cret@");
    const run = await runCli(
      ["oss://bkt/obj.bin", dest, "--endpoint", s.url, "--region", "cn-hangzhou", "--debug"],
      { ...ENV, ...CLEAR, HTTP_PROXY: withAuth },
    );
    assert.equal(run.code, 0, run.stderr);
    const port = new URL(s.proxy.url).port;
    assert.match(
      run.stderr,
      new RegExp(`proxy http://\\*\\*\\*:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(from HTTP_PROXY\\)`),
    );
    assert.ok(!run.stderr.includes("pr0xy-s3cret"));
    const basic = "Basic " + btoa("proxyuser:pr0xy-s3cret");
    assert.ok(s.proxy.log.authorizations.includes(basic), JSON.stringify(s.proxy.log));
  } finally {
    await s.close();
  }
});

test("verify goes through the same proxy rules as get, and --debug names them", {
  timeout: 30000,
}, async () => {
  const s = await setup();
  try {
    const dest = join(s.dir, "v.bin");
    const args = ["oss://bkt/obj.bin", "--endpoint", s.url, "--region", "cn-hangzhou"];
    const got = await runCli([args[0], dest, ...args.slice(1)], { ...ENV, ...CLEAR });
    assert.equal(got.code, 0, got.stderr);
    const proxied = await runCli(["verify", ...args, dest, "--debug"], {
      ...ENV,
      ...CLEAR,
      HTTP_PROXY: s.proxy.url,
    });
    assert.equal(proxied.code, 0, proxied.stderr);
    assert.ok(s.proxy.log.forwarded.length >= 1, JSON.stringify(s.proxy.log));
    assert.match(proxied.stderr, /debug: http:\/\/127\.0\.0\.1:\d+: proxy http:\/\/127\.0\.0\.1/);
    // NO_PROXY=* (which Deno's own reading ignores) exempts every host for verify too.
    const before = s.proxy.log.forwarded.length;
    const direct = await runCli(["verify", ...args, dest, "--debug"], {
      ...ENV,
      ...CLEAR,
      HTTP_PROXY: s.proxy.url,
      NO_PROXY: "*",
    });
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(s.proxy.log.forwarded.length, before, JSON.stringify(s.proxy.log));
    assert.match(direct.stderr, /debug: http:\/\/127\.0\.0\.1:\d+: no proxy/);
  } finally {
    await s.close();
  }
});

test("an https source goes through the proxy's CONNECT (library, proxyFetch)", async () => {
  const proxy = await startForwardProxy();
  const dir = mkdtempSync(join(tmpdir(), "ossdl-proxy-"));
  try {
    const f = proxyFetch({ https: { url: proxy.url, from: "HTTPS_PROXY" } });
    await assert.rejects(download({
      // A made-up host: only the proxy could reach it, and it refuses (502) anything off loopback.
      source: "https://bucket.example.invalid/k.bin",
      destination: join(dir, "k.bin"),
      fetch: f as typeof fetch,
      maxAttempts: 1,
    }));
    assert.deepEqual(proxy.log.connects, ["bucket.example.invalid:443"]);
  } finally {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
