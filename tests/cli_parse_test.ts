import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSize } from "../src/cli/parse_size.ts";
import { parseRange } from "../src/cli/parse_range.ts";
import { parseCommand, parseConcurrency, parseSeconds } from "../src/cli/parse_command.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import { main } from "../src/cli/main.ts";
import { fakeIo } from "./cli_fake_io.ts";

test("parseSize accepts bytes and binary units in every spelling", () => {
  assert.equal(parseSize("1048576"), 1048576);
  assert.equal(parseSize("512KiB"), 512 * 1024);
  assert.equal(parseSize("512K"), 512 * 1024);
  assert.equal(parseSize("8MiB"), 8 * 1024 * 1024);
  assert.equal(parseSize("8M"), 8 * 1024 * 1024);
  assert.equal(parseSize("8MB"), 8 * 1024 * 1024);
  assert.equal(parseSize("8mib"), 8 * 1024 * 1024);
  assert.equal(parseSize("1GiB"), 1024 ** 3);
  assert.equal(parseSize("2T"), 2 * 1024 ** 4);
  assert.equal(parseSize("1.5KiB"), 1536);
  assert.equal(parseSize(" 4 MiB "), 4 * 1024 * 1024);
  assert.equal(parseSize("100B"), 100);
});

test("parseSize rejects malformed, zero, negative and fractional-byte sizes", () => {
  for (
    const bad of ["", "abc", "-1", "0", "0MiB", "8XB", "1.5", "0.3K", "8 M i B", "1e6", "9999999T"]
  ) {
    assert.throws(() => parseSize(bad, "--part-size"), UsageError, `should reject ${bad}`);
  }
  assert.throws(() => parseSize("8XB", "--part-size"), /bad --part-size "8XB"/);
});

test("parseRange turns inclusive START-END into a half-open range", () => {
  assert.deepEqual(parseRange("0-1023"), { start: 0, end: 1024 });
  assert.deepEqual(parseRange("5-5"), { start: 5, end: 6 });
  assert.deepEqual(parseRange("1048576-"), { start: 1048576 });
  for (const bad of ["", "-100", "10-5", "a-b", "1-2-3", "1..2", "9007199254740992-"]) {
    assert.throws(() => parseRange(bad), UsageError, `should reject ${JSON.stringify(bad)}`);
  }
  assert.throws(() => parseRange("10-5"), /END is before START/);
});

test("parseConcurrency accepts 1..256 only", () => {
  assert.equal(parseConcurrency("1"), 1);
  assert.equal(parseConcurrency("256"), 256);
  for (const bad of ["0", "257", "-1", "2.5", "x", ""]) {
    assert.throws(() => parseConcurrency(bad), UsageError, bad);
  }
});

test("parseCommand parses a full download command line", () => {
  const c = parseCommand([
    "get",
    "oss://bucket/a b+c/ü.bin",
    "out.bin",
    "--endpoint",
    "http://127.0.0.1:9000",
    "--region",
    "cn-hangzhou",
    "--signature-version",
    "v1",
    "--part-size",
    "16MiB",
    "--concurrency",
    "4",
    "--checkpoint",
    "cp.journal",
    "--no-resume",
    "--version-id",
    "CAEQ",
    "--range",
    "100-199",
    "--json",
    "--path-style",
    "--debug",
    "--connect-timeout",
    "2.5",
    "--idle-timeout=90",
    "--force",
    "--no-fsync",
  ]);
  assert.deepEqual(c, {
    kind: "get",
    source: "oss://bucket/a b+c/ü.bin",
    destination: "out.bin",
    endpoint: "http://127.0.0.1:9000",
    region: "cn-hangzhou",
    signatureVersion: "v1",
    pathStyle: true,
    versionId: "CAEQ",
    range: { start: 100, end: 200 },
    partSize: 16 * 1024 * 1024,
    concurrency: 4,
    checkpoint: "cp.journal",
    resume: false,
    force: true,
    durability: "none",
    connectTimeoutMs: 2500,
    idleTimeoutMs: 90_000,
    output: "json",
    debug: true,
    recursive: false,
    filters: [],
    checksum: false,
  });
});

test("parseSeconds: --connect-timeout and --idle-timeout take seconds > 0, decimals allowed", () => {
  assert.equal(parseSeconds("30", "--connect-timeout"), 30_000);
  assert.equal(parseSeconds("2.5", "--idle-timeout"), 2500);
  assert.equal(parseSeconds(" 0.25 ", "--idle-timeout"), 250);
  assert.equal(parseSeconds(".5", "--idle-timeout"), 500);
  assert.equal(parseSeconds("1.", "--idle-timeout"), 1000);
  assert.equal(parseSeconds("0.001", "--idle-timeout"), 1);
  assert.equal(parseSeconds("0.0001", "--idle-timeout"), 1, "never rounds down to 0");
  assert.equal(parseSeconds("2147483.647", "--idle-timeout"), 2 ** 31 - 1);
  for (
    const bad of [
      "0",
      "0.0",
      "-1",
      "",
      " ",
      "abc",
      "1e3",
      "30s",
      "1,5",
      "Infinity",
      "NaN",
      "2147484",
    ]
  ) {
    assert.throws(
      () => parseSeconds(bad, "--connect-timeout"),
      (e: unknown) => {
        assert.ok(e instanceof UsageError, bad);
        assert.match(e.message, /^bad --connect-timeout /);
        assert.match(e.hint, /number of seconds greater than 0, decimals allowed/);
        return true;
      },
    );
  }
  const get = parseCommand(["oss://bucket/k", "out", "--idle-timeout", "0.5"]);
  assert.equal(get.kind === "get" && get.idleTimeoutMs, 500);
  assert.equal(get.kind === "get" && get.connectTimeoutMs, undefined);
  assert.throws(
    () => parseCommand(["oss://bucket/k", "out", "--connect-timeout", "0"]),
    /bad --connect-timeout "0"/,
  );
  assert.throws(
    () => parseCommand(["oss://bucket/k", "out", "--idle-timeout"]),
    /argument missing/,
  );
  assert.throws(() => parseCommand(["oss://bucket/k", "out", "--idle-timeout="]), /needs a value/);
  // Timeouts belong to get: verify and demo refuse them.
  assert.throws(() => parseCommand(["verify", "oss://bucket/k", "f", "--idle-timeout", "1"]));
});

test("parseCommand: get is optional, defaults apply, options may come first", () => {
  const c = parseCommand(["-q", "https://example.com/x?Signature=a", "dir/"]);
  assert.equal(c.kind, "get");
  if (c.kind !== "get") return;
  assert.equal(c.source, "https://example.com/x?Signature=a");
  assert.equal(c.destination, "dir/");
  assert.equal(c.signatureVersion, "v4");
  assert.equal(c.resume, true);
  assert.equal(c.durability, "full");
  assert.equal(c.output, "quiet");
  assert.equal(c.partSize, undefined);
  assert.equal(c.range, undefined);
});

test("parseCommand: help, version and the other subcommands", () => {
  assert.deepEqual(parseCommand(["--help"]), { kind: "help" });
  assert.deepEqual(parseCommand(["-h"]), { kind: "help" });
  assert.deepEqual(parseCommand(["--version"]), { kind: "version" });
  assert.deepEqual(parseCommand(["serve", "--help"]), { kind: "help" });
  assert.deepEqual(parseCommand(["crc64", "f.bin"]), {
    kind: "crc64",
    file: "f.bin",
    debug: false,
  });
  assert.deepEqual(parseCommand(["status", "f.ossdl-journal", "--json"]), {
    kind: "status",
    checkpoint: "f.ossdl-journal",
    json: true,
    debug: false,
  });
  assert.deepEqual(parseCommand(["serve"]), {
    kind: "serve",
    root: ".",
    port: 9000,
    host: "127.0.0.1",
    credentials: undefined,
    region: undefined,
    faults: undefined,
    readOnly: false,
    debug: false,
  });
  assert.deepEqual(
    parseCommand([
      "serve",
      "--root",
      "/srv",
      "--port",
      "0",
      "--host",
      "0.0.0.0",
      "--access-key-id",
      "ak",
      "--access-key-secret",
      "sk",
      "--region",
      "cn-hangzhou",
    ]),
    {
      kind: "serve",
      root: "/srv",
      port: 0,
      host: "0.0.0.0",
      credentials: { accessKeyId: "ak", accessKeySecret: "sk", securityToken: undefined },
      region: "cn-hangzhou",
      faults: undefined,
      readOnly: false,
      debug: false,
    },
  );
  const withFaults = parseCommand(["serve", "--faults", "f.json", "--read-only"]);
  assert.equal(withFaults.kind === "serve" && withFaults.faults, "f.json");
  assert.equal(withFaults.kind === "serve" && withFaults.readOnly, true);
  const demo = parseCommand(["demo", "--size", "8MiB", "out.bin"]);
  assert.equal(demo.kind, "demo");
  if (demo.kind === "demo") {
    assert.equal(demo.size, 8 * 1024 * 1024);
    assert.equal(demo.destination, "out.bin");
  }
  const plainDemo = parseCommand(["demo"]);
  if (plainDemo.kind === "demo") assert.equal(plainDemo.size, 64 * 1024 * 1024);
});

test("parseCommand rejects bad arguments with a UsageError naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [["oss://b/k", "out", "--bogus"], /Unknown option '--bogus'/],
    [[], /missing <source> and <destination>/],
    [["oss://bucket/k"], /missing <destination>/],
    [["oss://bucket/k", "a", "b"], /unexpected argument "b"/],
    [["bucket/k", "out"], /bad source "bucket\/k"/],
    [["oss://bucket/k", "out", "--part-size", "8XB"], /bad --part-size/],
    [["oss://bucket/k", "out", "--range", "9-1"], /bad --range/],
    [["oss://bucket/k", "out", "--concurrency", "0"], /bad --concurrency/],
    [["oss://bucket/k", "out", "--signature-version", "v3"], /unknown --signature-version "v3"/],
    [["oss://bucket/k", "out", "--quiet", "--json"], /cannot be used together/],
    [["oss://bucket/k", "out", "--endpoint"], /argument missing/],
    [["serve", "--access-key-id", "ak"], /go together/],
    [["serve", "--port", "70000"], /bad --port/],
    [["crc64"], /missing <file>/],
    [["status", "a", "b"], /unexpected argument/],
    [["demo", "--size", "lots"], /bad --size/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseCommand(args), (e: unknown) => {
      assert.ok(e instanceof UsageError, `${args.join(" ")}: ${e}`);
      assert.match(e.message, message, args.join(" "));
      assert.ok(e.hint.length > 0);
      return true;
    });
  }
});

test("main: bad arguments exit 2 with error and hint lines and no stack", async () => {
  for (
    const args of [
      ["oss://bucket/k", "out", "--bogus"],
      ["oss://bucket/k"],
      ["oss://bucket/k", "out", "--part-size", "lots"],
      ["oss://bucket/k", "out", "--range", "x"],
      ["oss://bucket/k", "out", "--concurrency", "1000"],
      ["oss://bucket/k", "out", "--signature-version", "v2"],
    ]
  ) {
    const f = fakeIo(args);
    assert.equal(await main(f.io), 2, args.join(" "));
    const lines = f.err().trimEnd().split("\n");
    assert.equal(lines.length, 2, f.err());
    assert.match(lines[0], /^error: /);
    assert.match(lines[1], /^hint: /);
    assert.equal(f.out(), "");
  }
});

test("main: --help lists every option with its default, and the exit codes", async () => {
  const f = fakeIo(["--help"]);
  assert.equal(await main(f.io), 0);
  const help = f.out();
  for (
    const option of [
      "--endpoint",
      "--region",
      "--signature-version",
      "--part-size",
      "--concurrency",
      "--checkpoint",
      "--no-resume",
      "--force",
      "--no-fsync",
      "--version-id",
      "--range",
      "--quiet",
      "--json",
      "--path-style",
      "--debug",
      "--connect-timeout",
      "--idle-timeout",
      "--help",
      "--version",
      "verify",
      "serve",
      "--faults FILE.json",
      "--read-only",
      "multipart uploads",
      "crc64",
      "status",
      "demo",
    ]
  ) {
    assert.ok(help.includes(option), option);
  }
  assert.match(help, /--part-size SIZE .*\(default: 8\.00 MiB\)/);
  assert.match(help, /--concurrency N .*\(default: 8\)/);
  assert.match(help, /\(default: v4\)/);
  assert.match(help, /8M = 8MB = 8MiB = 8388608/);
  assert.match(help, /--connect-timeout SECONDS .*\n.*\(decimals allowed; default: 30\)/);
  assert.match(help, /--idle-timeout SECONDS .*\n.*\(decimals allowed; default: 60\)/);
  assert.match(help, /missing directories are created/);
  assert.match(help, /--no-fsync +no fsync at all.*\n(.*\n)*.*a power cut may lose/);
  for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 130, 143]) {
    assert.match(help, new RegExp(`^ +${code}  \\S`, "m"), `exit code ${code}`);
  }
});

test("main: --version prints the version from deno.json", async () => {
  const { default: meta } = await import("../deno.json", { with: { type: "json" } });
  const f = fakeIo(["--version"]);
  assert.equal(await main(f.io), 0);
  assert.equal(f.out(), `ossdl ${meta.version}\n`);
  assert.match(meta.version, /^\d+\.\d+\.\d+/);
});

test("main: a bad bucket name is a usage error (exit 2), not a crash", async () => {
  const f = fakeIo([
    "oss://Bad_Bucket/k",
    "/nonexistent-dir/out",
    "--endpoint",
    "http://127.0.0.1:9",
  ]);
  assert.equal(await main(f.io), 2);
  assert.match(f.err(), /^error: invalid bucket name "Bad_Bucket"/);
});

test("get -r: filters keep their order, jobs, checksum and shard are parsed", () => {
  const c = parseCommand([
    "get",
    "-r",
    "oss://bucket/data/",
    "out/",
    "--exclude",
    "*",
    "--include=*.txt",
    "--exclude",
    "tmp/**",
    "--jobs",
    "12",
    "--checksum",
    "--shard",
    "2/5",
  ]);
  assert.equal(c.kind, "get");
  if (c.kind !== "get") return;
  assert.equal(c.recursive, true);
  assert.deepEqual(c.filters, [{ exclude: "*" }, { include: "*.txt" }, { exclude: "tmp/**" }]);
  assert.equal(c.jobs, 12);
  assert.equal(c.checksum, true);
  assert.deepEqual(c.shard, { index: 2, count: 5 });
});

test("get -r: options that need -r, or do not go with it, are usage errors", () => {
  const bad = [
    ["oss://b/k", "out", "--include", "*.txt"],
    ["oss://b/k", "out", "--jobs", "4"],
    ["oss://b/k", "out", "--shard", "0/2"],
    ["-r", "https://example.com/x", "out"],
    ["-r", "oss://b/p/", "out", "--range", "0-10"],
    ["-r", "oss://b/p/", "out", "--checkpoint", "cp"],
    ["-r", "oss://b/p/", "out", "--shard", "3/3"],
    ["-r", "oss://b/p/", "out", "--shard", "x"],
    ["-r", "oss://b/p/", "out", "--jobs", "0"],
    ["-r", "oss://b/p/", "out", "--include", "[abc"],
  ];
  for (const args of bad) assert.throws(() => parseCommand(args), UsageError, args.join(" "));
});
