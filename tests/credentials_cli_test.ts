// The CLI's credential options, --debug naming the source (never a secret), ossutil's endpoint and
// region, malformed files (exit 14), and a presigned URL that expires mid-download (exit 3, then
// the same command with a fresh URL resumes). Everything runs on 127.0.0.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli/main.ts";
import { parseCommand } from "../src/cli/parse_command.ts";
import { describeError } from "../src/cli/exit_codes.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import { download } from "../src/download/download.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { type ServedHandler, serveEmulator } from "../src/emulator/serve.ts";
import { presignUrl } from "../src/oss/presign_url.ts";
import { OssServiceError } from "../src/errors.ts";
import { fakeIo } from "./cli_fake_io.ts";
import { pattern } from "./emulator_fixtures.ts";
import { tempHome } from "./credentials_fixtures.ts";

const SECRET = "S3CR3T-cli-value";
const KiB = 1024;

async function withEmulator(
  fn: (server: ServedHandler, emulator: OssEmulator, data: Uint8Array) => Promise<void>,
): Promise<void> {
  const emulator = new OssEmulator({ credentials: { accessKeyId: "ak", accessKeySecret: SECRET } });
  const data = pattern(3000);
  await emulator.put("bucket", "k.bin", data);
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  try {
    await fn(server, emulator, data);
  } finally {
    await server.close();
  }
}

test("parse: credential options of get and verify, and what cannot go together", () => {
  const c = parseCommand([
    "oss://b/k",
    "out",
    "--access-key-id",
    "ak",
    "--access-key-secret",
    "sk",
    "--security-token",
    "tok",
  ]);
  assert.ok(c.kind === "get");
  assert.deepEqual(c.credentials, {
    accessKeyId: "ak",
    accessKeySecret: "sk",
    securityToken: "tok",
  });
  const p = parseCommand(["verify", "oss://b/k", "f", "--profile", "dev", "--config-file", "/c"]);
  assert.ok(p.kind === "verify");
  assert.deepEqual([p.profile, p.configFile], ["dev", "/c"]);
  const bare = parseCommand(["oss://b/k", "out", "--ecs-role"]);
  assert.ok(bare.kind === "get" && bare.ecsRole === true);
  const named = parseCommand(["--ecs-role=my-role", "oss://b/k", "out"]);
  assert.ok(named.kind === "get" && named.ecsRole === "my-role");
  for (
    const args of [
      ["oss://b/k", "out", "--access-key-id", "a"],
      ["oss://b/k", "out", "--security-token", "t"],
      ["oss://b/k", "out", "--profile", "p", "--ecs-role"],
      ["oss://b/k", "out", "--access-key-id", "a", "--access-key-secret", "s", "--profile", "p"],
    ]
  ) {
    assert.throws(() => parseCommand(args), UsageError, args.join(" "));
  }
});

test("cli: --access-key-secret warns, is masked, and --debug names the source only", async () => {
  await withEmulator(async (server, _emulator, data) => {
    const h = await tempHome();
    try {
      const out = h.path("out.bin");
      const f = fakeIo([
        "oss://bucket/k.bin",
        out,
        "--endpoint",
        server.url,
        "--region",
        "cn-hangzhou",
        "--access-key-id",
        "ak",
        "--access-key-secret",
        SECRET,
        "--debug",
      ], { HOME: h.home });
      assert.equal(await main(f.io), 0, f.err());
      assert.deepEqual(new Uint8Array(await readFile(out)), data);
      assert.match(f.err(), /warning: --access-key-secret on the command line can be seen/);
      assert.match(f.err(), /debug: credentials: command-line options \(--access-key-id\)/);
      assert.ok(!f.err().includes(SECRET) && !f.out().includes(SECRET));
    } finally {
      await h.close();
    }
  });
});

test("cli: credentials, endpoint and region from ~/.ossutilconfig; anonymous said in --debug", async () => {
  await withEmulator(async (server) => {
    const h = await tempHome({
      ".ossutilconfig":
        `[default]\naccessKeyId = ak\naccessKeySecret = ${SECRET}\nregion = cn-hangzhou\nendpoint = ${server.url}\n`,
    });
    try {
      const f = fakeIo(["oss://bucket/k.bin", h.path("a.bin"), "--debug", "--json"], {
        HOME: h.home,
      });
      assert.equal(await main(f.io), 0, f.err());
      assert.match(f.err(), new RegExp(`debug: credentials: .*\\.ossutilconfig \\[default\\]`));
      assert.ok(!f.err().includes(SECRET) && !f.out().includes(SECRET));
      // verify takes the same chain.
      const v = fakeIo(["verify", "oss://bucket/k.bin", h.path("a.bin"), "--debug"], {
        HOME: h.home,
      });
      assert.equal(await main(v.io), 0, v.err());
      // No credentials anywhere: anonymous, said with --debug, and the 403 hint names the sources.
      const anon = fakeIo([
        "oss://bucket/k.bin",
        h.path("b.bin"),
        "--endpoint",
        server.url,
        "--debug",
      ], {});
      assert.equal(await main(anon.io), 3);
      assert.match(anon.err(), /debug: credentials: none found: requests are anonymous/);
      assert.match(anon.err(), /hint: no credentials were found: .*--profile/);
    } finally {
      await h.close();
    }
  });
});

test("cli: a malformed config file is exit 14 naming the file and line, never the secret", async () => {
  const h = await tempHome({
    ".alibabacloud/credentials": `[default]\ntype = access_key\naccess_key_id ${SECRET}\n`,
  });
  try {
    const f = fakeIo(["oss://bucket/k.bin", h.path("x.bin"), "--endpoint", "http://127.0.0.1:9"], {
      HOME: h.home,
    });
    assert.equal(await main(f.io), 14);
    assert.ok(f.err().includes(`${h.path(".alibabacloud/credentials")} line 3`), f.err());
    assert.ok(!f.err().includes(SECRET));
    const p = fakeIo(["oss://bucket/k.bin", h.path("x.bin"), "--profile", "nope", "--json"], {
      HOME: h.home,
    });
    assert.equal(await main(p.io), 14);
    assert.match(p.out(), /"code":"CREDENTIALS_ERROR"/);
  } finally {
    await h.close();
  }
});

test("a presigned URL expiring mid-download: exit 3 and a hint; a fresh URL resumes", async () => {
  let clock = Date.now();
  const credentials = { accessKeyId: "ak", accessKeySecret: SECRET };
  const emulator = new OssEmulator({ credentials, now: () => clock });
  const data = pattern(256 * KiB);
  await emulator.put("bucket", "big.bin", data);
  const sign = () =>
    presignUrl("oss://bucket/big.bin", {
      endpoint: "http://127.0.0.1:9",
      region: "cn-hangzhou",
      credentials,
      expiresInSeconds: 60,
      now: () => new Date(clock),
    });
  // The URL expires after the probe and two parts: the clock jumps past its expiry.
  emulator.faultsFor = (info) => {
    if (info.index === 4) clock += 120_000;
    return undefined;
  };
  const dir = await mkdtemp(join(tmpdir(), "ossdl-presigned-"));
  const destination = join(dir, "big.bin");
  const options = {
    destination,
    partSize: 32 * KiB,
    concurrency: 1,
    fetch: (input: RequestInfo | URL, init?: RequestInit) =>
      emulator.handle(new Request(input, init)),
  };
  try {
    const first = await sign();
    const error = await download({ ...options, source: first }).then(
      () => assert.fail("the expired URL must fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof OssServiceError, String(error));
    assert.equal(error.status, 403);
    const report = describeError(error, { ossSource: false });
    assert.equal(report.exitCode, 3);
    assert.match(
      report.hint!,
      /presigned URL has expired: sign a new one and run the same command/,
    );
    assert.ok(!report.message.includes(SECRET));
    assert.ok((await stat(`${destination}.ossdl-journal`)).size > 0);
    const journal = new TextDecoder().decode(await readFile(`${destination}.ossdl-journal`));
    const signature = new URL(first).searchParams.get("x-oss-signature")!;
    assert.ok(journal.includes("127.0.0.1:9/bucket/big.bin"), "the journal names the object");
    assert.ok(!journal.includes(signature) && !journal.includes(SECRET));
    assert.ok(!journal.includes("x-oss-signature") && !journal.includes("x-oss-credential"));
    // The journal names the object by the URL without its signature: a fresh URL resumes.
    emulator.faultsFor = null;
    const second = await sign();
    assert.notEqual(second, first);
    const result = await download({ ...options, source: second });
    assert.equal(result.resumed, true);
    assert.ok(result.bytesResumed >= 64 * KiB, String(result.bytesResumed));
    assert.ok(result.bytesFetched <= data.length - 64 * KiB, String(result.bytesFetched));
    assert.equal(result.verified, true);
    assert.deepEqual(new Uint8Array(await readFile(destination)), data);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("--help documents the credentials chain in order", async () => {
  const f = fakeIo(["--help"]);
  assert.equal(await main(f.io), 0);
  const help = f.out();
  const order = [
    "--access-key-id",
    "OSS_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_CREDENTIALS_URI",
    "~/.aliyun/config.json",
    "~/.alibabacloud/credentials",
    "~/.ossutilconfig",
    "ALIBABA_CLOUD_ECS_METADATA",
    "none: anonymous",
  ].map((text) => help.indexOf(text, help.indexOf("Credentials (")));
  assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1])), String(order));
  for (
    const option of [
      "--profile NAME",
      "--config-file PATH",
      "--ecs-role[=NAME]",
      "OSSDL_ECS_METADATA_ENDPOINT",
    ]
  ) {
    assert.ok(help.includes(option), option);
  }
  assert.match(help, /^\s+14\s+credentials cannot be used/m);
});
