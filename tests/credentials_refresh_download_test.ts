// Downloads that outlive their STS tokens, over real sockets on 127.0.0.1 (Deno and Bun): the
// emulator accepts only unexpired keys of its StsKeys, a local credentials URI hands out keys of
// about one second, and a throttled download lasting several token lifetimes completes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { download } from "../src/download/download.ts";
import { downloadPrefix } from "../src/batch/download_prefix.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { StsKeys } from "../src/emulator/sts_keys.ts";
import type { CredentialsProvider } from "../src/credentials/credentials_provider.ts";
import { Credentials } from "../src/oss/credentials.ts";
import { pattern } from "./emulator_fixtures.ts";
import { credentialsUriServer, issueBody, loopbackFetch } from "./credentials_fixtures.ts";

const KiB = 1024;

async function tempDir(): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "ossdl-refresh-"));
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}

test("a throttled download lasting ~5 token lifetimes completes, refreshing its 1 s tokens", async () => {
  const TOKEN_MS = 1000;
  const sts = new StsKeys();
  const emulator = new OssEmulator({ stsKeys: sts });
  const data = pattern(320 * KiB);
  await emulator.put("bucket", "slow.bin", data);
  // 20 parts of 16 KiB, 2 at a time, each body at 32 KiB/s: about 5 s in all.
  emulator.setFaults({ throttle: { bytesPerSecond: 32 * KiB } });
  const oss = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  const uri = await credentialsUriServer(() => new Response(issueBody(sts, TOKEN_MS)));
  const tmp = await tempDir();
  const sources: string[] = [];
  try {
    const started = Date.now();
    const result = await download({
      source: "oss://bucket/slow.bin",
      destination: join(tmp.dir, "slow.bin"),
      endpoint: oss.url,
      region: "cn-hangzhou",
      partSize: 16 * KiB,
      concurrency: 2,
      env: (name) =>
        ({ ALIBABA_CLOUD_CREDENTIALS_URI: `${uri.url}/creds` } as Record<string, string>)[name],
      fetch: loopbackFetch,
      onCredentials: (info) => sources.push(info.source),
    });
    const elapsed = Date.now() - started;
    assert.equal(result.verified, true);
    assert.deepEqual(new Uint8Array(await readFile(join(tmp.dir, "slow.bin"))), data);
    assert.ok(elapsed > 3 * TOKEN_MS, `the download took ${elapsed} ms`);
    // Keys were fetched again and again (one refresh at a time), not once per request.
    const requests = emulator.stats.requests;
    const refused = emulator.stats.log.filter((e) => e.status === 403).length;
    // Keys are refreshed before they expire, so (almost) no request is refused: without the
    // refresh ahead of expiry, about one request per token lifetime is (each then retried once).
    assert.ok(refused <= 3, `${refused} of ${requests} requests refused`);
    assert.ok(uri.requests() >= 3, `${uri.requests()} credential fetches in ${elapsed} ms`);
    assert.ok(uri.requests() < requests, `${uri.requests()} fetches for ${requests} requests`);
    assert.equal(sts.issued, uri.requests());
    assert.deepEqual(sources, [`credentials URI ${uri.url}/creds (ALIBABA_CLOUD_CREDENTIALS_URI)`]);
  } finally {
    await tmp.close();
    await uri.close();
    await oss.close();
  }
});

test("a request refused for an expired token is retried once with refreshed keys", async () => {
  const sts = new StsKeys();
  const emulator = new OssEmulator({ stsKeys: sts });
  const data = pattern(64 * KiB);
  await emulator.put("bucket", "k.bin", data);
  // The first keys are already expired on the server, though the provider says they are not
  // (a clock that is behind): the first request is refused, the second one succeeds.
  sts.add({
    accessKeyId: "STS.stale",
    accessKeySecret: "stale-secret",
    securityToken: "stale-token",
    expiresAt: Date.now() - 1000,
  });
  let calls = 0;
  const provider: CredentialsProvider = {
    name: "test provider",
    refreshable: true,
    getCredentials() {
      calls++;
      const expiration = new Date(Date.now() + 3_600_000);
      if (calls === 1) {
        return Promise.resolve(
          new Credentials({
            accessKeyId: "STS.stale",
            accessKeySecret: "stale-secret",
            securityToken: "stale-token",
            expiration,
          }),
        );
      }
      const k = sts.issue(3_600_000);
      return Promise.resolve(new Credentials({ ...k, expiration }));
    },
  };
  const tmp = await tempDir();
  try {
    const result = await download({
      source: "oss://bucket/k.bin",
      destination: join(tmp.dir, "k.bin"),
      endpoint: "http://127.0.0.1:9",
      region: "cn-hangzhou",
      credentials: provider,
      fetch: (input, init) => emulator.handle(new Request(input, init)),
    });
    assert.equal(result.verified, true);
    assert.equal(calls, 2);
    const refused = emulator.stats.log.filter((e) => e.status === 403);
    assert.equal(refused.length, 1);
  } finally {
    await tmp.close();
  }
});

test("without refresh (fixed keys) an expired token fails with exit-3 material", async () => {
  const sts = new StsKeys();
  const emulator = new OssEmulator({ stsKeys: sts });
  await emulator.put("bucket", "k.bin", pattern(1000));
  sts.add({ accessKeyId: "STS.x", accessKeySecret: "s", securityToken: "t", expiresAt: 0 });
  const tmp = await tempDir();
  try {
    await assert.rejects(
      download({
        source: "oss://bucket/k.bin",
        destination: join(tmp.dir, "k.bin"),
        endpoint: "http://127.0.0.1:9",
        region: "cn-hangzhou",
        credentials: { accessKeyId: "STS.x", accessKeySecret: "s", securityToken: "t" },
        fetch: (input, init) => emulator.handle(new Request(input, init)),
      }),
      { code: "OSS_SERVICE_ERROR", ossCode: "SecurityTokenExpired" },
    );
    assert.equal(emulator.stats.requests, 1);
  } finally {
    await tmp.close();
  }
});

test("get -r: the listing and every object share one refresher (one credentials fetch)", async () => {
  const sts = new StsKeys();
  const emulator = new OssEmulator({ stsKeys: sts });
  for (let i = 0; i < 6; i++) await emulator.put("bucket", `p/${i}.bin`, pattern(2000 + i));
  const uri = await credentialsUriServer(() => new Response(issueBody(sts, 3_600_000)));
  const tmp = await tempDir();
  try {
    const result = await downloadPrefix({
      source: "oss://bucket/p/",
      directory: tmp.dir,
      endpoint: "http://127.0.0.1:9",
      region: "cn-hangzhou",
      env: (name) =>
        ({ ALIBABA_CLOUD_CREDENTIALS_URI: `${uri.url}/c` } as Record<string, string>)[name],
      fetch: (input, init) => {
        const request = new Request(input, init);
        return new URL(request.url).port === "9"
          ? emulator.handle(request)
          : loopbackFetch(request);
      },
    });
    assert.equal(result.done, 6);
    assert.equal(uri.requests(), 1);
    assert.ok(emulator.stats.requests >= 7);
  } finally {
    await tmp.close();
    await uri.close();
  }
});
