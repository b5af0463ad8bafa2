import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatBytes,
  formatDuration,
  formatEta,
  formatPercent,
  formatRate,
} from "../src/cli/format_units.ts";
import { progressBar, renderProgressLine } from "../src/cli/progress_line.ts";
import { maskSecrets } from "../src/cli/mask_secrets.ts";
import { resumeCommand, shellQuote } from "../src/cli/shell_quote.ts";
import { describeError, EXIT, exitCodeFor } from "../src/cli/exit_codes.ts";
import { Reporter, summaryLine } from "../src/cli/reporter.ts";
import { formatJournalStatus, journalStatus } from "../src/cli/journal_status.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import { helpText } from "../src/cli/help_text.ts";
import { Crc64UnavailableError } from "../src/verify/crc64_unavailable_error.ts";
import { UnsafeFileNameError } from "../src/download/destination_path.ts";
import {
  AbortedError,
  DownloadLockedError,
  FileSystemError,
  IntegrityError,
  JournalDamagedError,
  NetworkError,
  ObjectChangedError,
  OssdlError,
  OssServiceError,
  ProtocolError,
  RetriesExhaustedError,
} from "../src/errors.ts";
import type { DownloadProgress, DownloadResult } from "../src/download/options.ts";
import { replayJournal } from "../src/journal/journal.ts";
import { encodeJournalStart, encodeProgressRecord } from "../src/journal/journal_codec.ts";

const MiB = 1024 * 1024;

test("formatBytes uses binary units and three significant digits", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.00 KiB");
  assert.equal(formatBytes(1536), "1.50 KiB");
  assert.equal(formatBytes(10 * 1024 + 512), "10.5 KiB");
  assert.equal(formatBytes(64 * MiB), "64.0 MiB");
  assert.equal(formatBytes(123.4 * MiB), "123 MiB");
  assert.equal(formatBytes(1024 * MiB - 1), "1.00 GiB"); // not "1024 MiB"
  assert.equal(formatBytes(2.5 * 1024 ** 4), "2.50 TiB");
  assert.equal(formatBytes(-1), "? B");
  assert.equal(formatRate(3 * MiB), "3.00 MiB/s");
});

test("formatEta, formatDuration and formatPercent", () => {
  assert.equal(formatEta(null), "--:--");
  assert.equal(formatEta(Infinity), "--:--");
  assert.equal(formatEta(0), "0:00");
  assert.equal(formatEta(0.2), "0:01");
  assert.equal(formatEta(75), "1:15");
  assert.equal(formatEta(3599), "59:59");
  assert.equal(formatEta(3725), "1:02:05");
  assert.equal(formatDuration(0.423), "0.42 s");
  assert.equal(formatDuration(12.34), "12.3 s");
  assert.equal(formatDuration(187), "3 min 07 s");
  assert.equal(formatDuration(7500), "2 h 05 min");
  assert.equal(formatPercent(1, 3), "33.3%");
  assert.equal(formatPercent(9999, 10000), "99.9%");
  assert.equal(formatPercent(10, 10), "100.0%");
  assert.equal(formatPercent(0, 0), "100.0%");
});

const progress = (over: Partial<DownloadProgress> = {}): DownloadProgress => ({
  bytesDone: 30 * MiB,
  bytesTotal: 64 * MiB,
  bytesResumed: 0,
  bytesPerSecond: 12.5 * MiB,
  etaSeconds: 2.72,
  activeParts: 8,
  partsDone: 3,
  partsTotal: 8,
  ...over,
});

test("renderProgressLine shows bar, percent, bytes, rate, ETA and parts, fitted to the width", () => {
  assert.equal(progressBar(1, 4, 8), "##......");
  assert.equal(progressBar(5, 4, 4), "####");
  const line = renderProgressLine(progress(), 100);
  assert.match(
    line,
    /^\[#+\.+\] +46\.8% {2}30\.0 MiB \/ 64\.0 MiB {2}12\.5 MiB\/s {2}ETA 0:03 {2}8 parts$/,
  );
  assert.ok(line.length <= 99);
  for (const columns of [120, 80, 60, 40, 30, 20, 5]) {
    const l = renderProgressLine(progress(), columns);
    assert.ok(l.length <= Math.max(20, columns) - 1, `${columns}: ${l}`);
    assert.match(l, /46\.8%/);
  }
  assert.doesNotMatch(renderProgressLine(progress(), 50), /parts/);
  assert.match(
    renderProgressLine(progress({ activeParts: 1, etaSeconds: null }), 100),
    /ETA --:-- {2}1 part$/,
  );
});

test("maskSecrets masks signatures, tokens and key ids in URLs, and literal secrets", () => {
  const v4 =
    "https://b.oss-cn-hangzhou.aliyuncs.com/a%20b.bin?x-oss-credential=LTAI5tKEYID%2F20240601" +
    "%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20240601T000000Z&x-oss-expires=900" +
    "&x-oss-signature=0123abcd&x-oss-signature-version=OSS4-HMAC-SHA256" +
    "&x-oss-security-token=TOKENVALUE";
  const masked = maskSecrets(v4);
  assert.equal(
    masked,
    "https://b.oss-cn-hangzhou.aliyuncs.com/a%20b.bin?x-oss-credential=***%2F20240601" +
      "%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20240601T000000Z&x-oss-expires=900" +
      "&x-oss-signature=***&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-security-token=***",
  );
  const v1 =
    "http://h/k?OSSAccessKeyId=AKID&Expires=1700000000&Signature=abc%2Bdef%3D&security-token=T";
  assert.equal(
    maskSecrets(v1),
    "http://h/k?OSSAccessKeyId=***&Expires=1700000000&Signature=***&security-token=***",
  );
  assert.equal(
    maskSecrets("http://h/k?SIGNATURE=x&versionId=v1"),
    "http://h/k?SIGNATURE=***&versionId=v1",
  );
  assert.equal(
    maskSecrets("x-oss-credential=AK/d/r/oss/aliyun_v4_request", []),
    "x-oss-credential=AK/d/r/oss/aliyun_v4_request",
  );
  assert.equal(
    maskSecrets("?x-oss-credential=AK/d/r/oss/aliyun_v4_request"),
    "?x-oss-credential=***/d/r/oss/aliyun_v4_request",
  );
  assert.equal(maskSecrets("oss://b/k"), "oss://b/k");
  assert.equal(
    maskSecrets("secret is s3cr3t-value here", ["s3cr3t-value", undefined, ""]),
    "secret is *** here",
  );
});

test("shellQuote and resumeCommand rebuild a runnable, masked command line", () => {
  assert.equal(shellQuote("oss://bucket/dir/a.bin"), "oss://bucket/dir/a.bin");
  assert.equal(shellQuote("--part-size=8MiB"), "--part-size=8MiB");
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(shellQuote(""), "''");
  assert.equal(shellQuote("ü"), "'ü'");
  assert.equal(shellQuote("$HOME;rm"), "'$HOME;rm'");
  assert.equal(
    resumeCommand("deno run -A cli.ts", [
      "https://h/k?x-oss-signature=SIG&x-oss-expires=60",
      "out dir/f.bin",
      "--no-resume",
      "--json",
    ]),
    "deno run -A cli.ts 'https://h/k?x-oss-signature=***&x-oss-expires=60' 'out dir/f.bin' --json",
  );
});

test("resumeCommand drops only --no-resume and keeps every other argument as given", () => {
  const program = "ossdl";
  const same = (args: string[]) => `${program} ${args.map(shellQuote).join(" ")}`;
  // Options with values, attached or separate; short flags; options before the positionals.
  const args = [
    "-q",
    "get",
    "oss://b-1/dir/my file.bin",
    "--part-size=16MiB",
    "--concurrency",
    "4",
    "--checkpoint",
    "/tmp/cp journal",
    "--range=0-99",
    "--idle-timeout",
    "2.5",
    "--connect-timeout=10",
    "--version-id",
    "CAEQ=",
    "./out dir/",
  ];
  assert.equal(resumeCommand(program, args), same(args));
  assert.equal(resumeCommand(program, ["--no-resume", ...args]), same(args));
  assert.equal(
    resumeCommand(program, [...args.slice(0, 4), "--no-resume", ...args.slice(4), "--no-resume"]),
    same(args),
  );
  // The --no-resume=VALUE spelling is dropped too; a value that merely contains it is not.
  assert.equal(resumeCommand(program, ["--no-resume=true", ...args]), same(args));
  assert.equal(
    resumeCommand(program, ["oss://b-1/k", "out", "--checkpoint=--no-resume"]),
    "ossdl oss://b-1/k out --checkpoint=--no-resume",
  );
  assert.equal(
    resumeCommand(program, ["oss://b-1/k", "out", "--no-resumes", "-no-resume"]),
    "ossdl oss://b-1/k out --no-resumes -no-resume",
  );
  // After "--" everything is a positional: a destination named --no-resume is kept.
  assert.equal(
    resumeCommand(program, ["--no-resume", "oss://b-1/k", "--", "--no-resume"]),
    "ossdl oss://b-1/k -- --no-resume",
  );
  // Secrets are masked inside any argument; other arguments are not touched.
  assert.equal(
    resumeCommand(program, [
      "https://h/k?Signature=abc&OSSAccessKeyId=id",
      "--json",
      "--endpoint",
      "http://127.0.0.1:9000",
      "out",
    ], ["sekrit"]),
    "ossdl 'https://h/k?Signature=***&OSSAccessKeyId=***' --json --endpoint " +
      "http://127.0.0.1:9000 out",
  );
});

test("describeError: a refused file name is a usage error with its own hint", () => {
  const report = describeError(new UnsafeFileNameError("../../x", 'contains "/"'));
  assert.equal(report.exitCode, 2);
  assert.equal(report.code, "USAGE");
  assert.equal(report.message, 'cannot name a file after the source: "../../x" contains "/"');
  assert.match(report.hint ?? "", /^give a file name as the destination/);
  assert.equal(describeError(new TypeError("bad bucket")).hint, "run with --help to see the usage");
});

test("each error code maps to its documented exit code", () => {
  const service = (ossCode: string, status: number) =>
    new OssServiceError({ status, ossCode, ossMessage: "m", requestId: "R", ec: "" });
  assert.equal(exitCodeFor(new UsageError("x")), 2);
  assert.equal(exitCodeFor(service("AccessDenied", 403)), 3);
  assert.equal(exitCodeFor(service("InternalError", 500)), 3);
  assert.equal(exitCodeFor(service("NoSuchKey", 404)), 4);
  assert.equal(exitCodeFor(service("NoSuchBucket", 404)), 4);
  assert.equal(exitCodeFor(service("NoSuchVersion", 404)), 4);
  assert.equal(exitCodeFor(service("", 404)), 4);
  assert.equal(exitCodeFor(new ObjectChangedError("etag")), 5);
  assert.equal(exitCodeFor(new IntegrityError(1n, 2n)), 6);
  for (
    const code of [
      "FS_NO_SPACE",
      "FS_PERMISSION",
      "FS_NOT_FOUND",
      "FS_NOT_DIRECTORY",
      "FS_ERROR",
    ] as const
  ) {
    assert.equal(exitCodeFor(new FileSystemError(code, "write", "/x")), 7);
  }
  assert.equal(exitCodeFor(new NetworkError("reset")), 8);
  assert.equal(exitCodeFor(new RetriesExhaustedError(6, new Error("503"))), 8);
  assert.equal(exitCodeFor(new ProtocolError("bad range")), 9);
  assert.equal(exitCodeFor(new JournalDamagedError("bad")), 10);
  assert.equal(exitCodeFor(new DownloadLockedError("/x.ossdl-lock", 42)), 11);
  assert.equal(exitCodeFor(new Crc64UnavailableError("oss://b/k")), 13);
  assert.equal(exitCodeFor(new UnsafeFileNameError("../x", 'contains "/"')), 2);
  assert.equal(exitCodeFor(new AbortedError()), 130);
  assert.equal(exitCodeFor(new TypeError("invalid bucket name")), 2);
  assert.equal(exitCodeFor(new RangeError("range end past the end")), 2);
  assert.equal(exitCodeFor(new Error("bug")), 1);
  assert.equal(exitCodeFor("string"), 1);
  const distinct = new Set(Object.values(EXIT));
  assert.equal(distinct.size, Object.keys(EXIT).length);
});

test("describeError gives one-line messages, hints, and the missing-credentials hint", () => {
  const denied = new OssServiceError({
    status: 403,
    ossCode: "AccessDenied",
    ossMessage: "You have no right to access this object.",
    requestId: "RID1",
    ec: "0003-00000001",
  });
  const noCreds = describeError(denied, { ossSource: true, hasCredentials: false });
  assert.equal(noCreds.exitCode, 3);
  assert.equal(noCreds.code, "OSS_SERVICE_ERROR");
  assert.match(noCreds.message, /AccessDenied \(403\).*RequestId RID1/);
  assert.match(noCreds.hint ?? "", /OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET/);
  const withCreds = describeError(denied, { ossSource: true, hasCredentials: true });
  assert.equal(withCreds.hint, denied.hint);
  const url = describeError(denied, { ossSource: false, hasCredentials: false });
  assert.equal(url.hint, denied.hint);
  const bug = describeError(new Error("line one\n  line two"));
  assert.equal(bug.exitCode, 1);
  assert.equal(bug.message, "Error: line one line two");
  assert.match(bug.hint ?? "", /--debug/);
  const custom = describeError(new OssdlError("PROTOCOL_ERROR", "m", "h"));
  assert.deepEqual(custom, { exitCode: 9, code: "PROTOCOL_ERROR", message: "m", hint: "h" });
});

const result = (over: Partial<DownloadResult> = {}): DownloadResult => ({
  destination: "out.bin",
  bytes: 64 * MiB,
  crc64: "123456789",
  etag: '"ETAG"',
  versionId: null,
  resumed: false,
  bytesResumed: 0,
  bytesReadBack: 0,
  upToDate: false,
  bytesFetched: 64 * MiB,
  durationMs: 2000,
  verified: true,
  verification: "CRC-64 of the whole file matches the server's x-oss-hash-crc64ecma",
  parts: 8,
  steals: 0,
  retries: 0,
  restarts: 0,
  writesOffThread: true,
  durability: "full",
  notices: [],
  ...over,
});

function recorder(mode: "normal" | "quiet" | "json", tty: boolean) {
  let t = 0;
  const out: string[] = [];
  const err: string[] = [];
  const reporter = new Reporter({
    mode,
    tty,
    writeOut: (s) => out.push(s),
    writeErr: (s) => err.push(s),
    columns: () => 100,
    now: () => t,
    mask: (s) => maskSecrets(s),
  });
  return { reporter, out, err, advance: (ms: number) => void (t += ms) };
}

test("Reporter on a terminal redraws one line, keeps notices on their own lines, ends with a summary", () => {
  const r = recorder("normal", true);
  r.reporter.progress(progress());
  r.advance(50);
  r.reporter.progress(progress({ bytesDone: 31 * MiB })); // too soon: skipped
  r.advance(60);
  r.reporter.progress(progress({ bytesDone: 32 * MiB }));
  r.reporter.notice({ code: "RETRY", message: "http://h/k?Signature=SECRET; retry 1 in 200 ms" });
  r.reporter.done(result());
  assert.deepEqual(r.out, []);
  const text = r.err.join("");
  const draws = text.split("\r\x1b[2K[").length - 1;
  assert.equal(draws, 3); // two progress draws and the redraw after the notice
  assert.ok(!text.includes("31.0 MiB /"));
  assert.ok(text.includes("\r\x1b[2Knote: http://h/k?Signature=***; retry 1 in 200 ms\n"));
  assert.ok(!text.includes("SECRET"));
  assert.ok(text.endsWith("\r\x1b[2K" + summaryLine(result()) + "\n"));
});

test("Reporter off a terminal prints only the notices and the summary line; quiet prints nothing", () => {
  const plain = recorder("normal", false);
  plain.reporter.progress(progress());
  plain.reporter.done(result({ resumed: true, bytesResumed: 30 * MiB, bytesFetched: 34 * MiB }));
  assert.deepEqual(plain.out, []);
  assert.equal(plain.err.length, 1);
  assert.match(
    plain.err[0],
    /^done: 64\.0 MiB -> out\.bin in 2\.00 s, 17\.0 MiB\/s; CRC-64 123456789 verified against the server's; resumed: 30\.0 MiB kept from before, 34\.0 MiB fetched now\n$/,
  );
  const unverified = summaryLine(result({ verified: false, verification: "not verified: no CRC" }));
  assert.match(unverified, /CRC-64 123456789 \(not verified: no CRC\)/);
  const quiet = recorder("quiet", true);
  quiet.reporter.progress(progress());
  quiet.reporter.notice({ code: "RETRY", message: "retry" });
  quiet.reporter.done(result());
  assert.deepEqual([...quiet.out, ...quiet.err], []);
});

test("Reporter --json: throttled progress records, notices, then a done record", () => {
  const r = recorder("json", true);
  for (let i = 0; i < 12; i++) {
    r.reporter.progress(progress({ bytesDone: i * MiB }));
    r.advance(100);
  }
  r.reporter.progress(progress({ bytesDone: 64 * MiB, etaSeconds: 0 }));
  r.reporter.notice({ code: "OBJECT_CHANGED", message: "changed; starting over" });
  r.reporter.done(result());
  assert.deepEqual(r.err, []);
  const records = r.out.join("").trimEnd().split("\n").map((l) => JSON.parse(l));
  const progressRecords = records.filter((x) => x.type === "progress");
  // 1.2 s of reports every 100 ms: at most one per 250 ms, plus the final one.
  assert.deepEqual(progressRecords.map((x) => x.bytesDone / MiB), [0, 3, 6, 9, 64]);
  assert.equal(progressRecords[0].percent, 0);
  assert.equal(progressRecords[4].percent, 100);
  assert.deepEqual(Object.keys(progressRecords[1]).sort(), [
    "activeParts",
    "bytesDone",
    "bytesPerSecond",
    "bytesResumed",
    "bytesTotal",
    "etaSeconds",
    "partsDone",
    "partsTotal",
    "percent",
    "type",
  ]);
  assert.deepEqual(records.at(-2), {
    type: "notice",
    code: "OBJECT_CHANGED",
    message: "changed; starting over",
  });
  const last = records.at(-1);
  assert.equal(last.done, true);
  assert.equal(last.ok, true);
  for (
    const k of [
      "bytes",
      "crc64",
      "verified",
      "verification",
      "resumed",
      "bytesFetched",
      "bytesResumed",
      "seconds",
      "destination",
      "etag",
    ]
  ) {
    assert.ok(k in last, k);
  }
  assert.equal(last.seconds, 2);
  assert.equal(last.crc64, "123456789");
});

test("Reporter: failures and interruptions print error/hint or the resume command", () => {
  const r = recorder("normal", true);
  r.reporter.progress(progress());
  r.reporter.failed({
    exitCode: 4,
    code: "OSS_SERVICE_ERROR",
    message: "NoSuchKey (404)",
    hint: "check the key",
  });
  assert.ok(r.err.join("").endsWith("\r\x1b[2Kerror: NoSuchKey (404)\nhint: check the key\n"));
  const j = recorder("json", false);
  j.reporter.progress(progress());
  j.reporter.interrupted(
    "SIGINT",
    130,
    "ossdl 'https://h/k?Signature=***' out",
    "ossdl status out",
  );
  const rec = JSON.parse(j.out.at(-1) ?? "");
  assert.equal(rec.type, "interrupted");
  assert.equal(rec.exitCode, 130);
  assert.equal(rec.bytesDone, 30 * MiB);
  assert.match(
    j.err.join(""),
    /^interrupted by SIGINT: about 30\.0 MiB of 64\.0 MiB \(46\.8%\) received; what was written durably is kept\nexactly what is saved: ossdl status out\n/,
  );
  assert.match(j.err.join(""), /\nresume with: ossdl 'https:\/\/h\/k\?Signature=\*\*\*' out\n$/);
});

test("journalStatus counts durable bytes per part and formats them", async () => {
  const header = {
    format: 1,
    identity: "oss://bucket/a b.bin",
    size: 400,
    etag: '"E"',
    lastModified: "Sat, 01 Jun 2024 00:00:00 GMT",
    crc64: "42",
    versionId: null,
    rangeStart: 0,
    rangeEnd: 400,
    partSize: 100,
    parts: [[0, 100], [100, 200], [200, 300], [300, 400]] as Array<[number, number]>,
    createdAt: new Date(0).toISOString(),
  };
  const bytes = new Uint8Array([
    ...encodeJournalStart(header),
    ...encodeProgressRecord([{ start: 0, end: 100, crc64: 1n }, {
      start: 100,
      end: 130,
      crc64: 2n,
    }]),
    ...encodeProgressRecord([{ start: 100, end: 150, crc64: 3n }, {
      start: 250,
      end: 300,
      crc64: 4n,
    }]),
  ]);
  const s = journalStatus("a.ossdl-journal", await replayJournal(bytes));
  assert.equal(s.bytesDurable, 200);
  assert.equal(s.bytesTotal, 400);
  assert.equal(s.percent, 50);
  assert.equal(s.records, 3);
  assert.deepEqual(s.parts.map((p) => p.durable), [100, 50, 50, 0]);
  const text = formatJournalStatus(s).join("\n");
  assert.match(text, /object +oss:\/\/bucket\/a b\.bin/);
  assert.match(text, /etag +"E"/);
  assert.match(text, /durable +200 B of 400 B \(50\.0%/);
  assert.match(text, /4 of 100 B: 1 complete, 2 partial, 1 not started/);
  assert.match(text, /part +2 +\[100, 200\) +50 B of 100 B +50\.0%/);
});

test("exit code 11 when another process holds the destination's lock", () => {
  assert.equal(exitCodeFor(new DownloadLockedError("/d/f.ossdl-lock", 42)), 11);
  assert.match(helpText("ossdl", "0.0.0"), /^\s+11\s+another ossdl process/m);
});

test("Reporter: an up-to-date destination is said once, in the summary line", () => {
  const { reporter, err } = recorder("normal", false);
  reporter.notice({ code: "UP_TO_DATE", message: "out.bin already holds this object" });
  reporter.done(result({ upToDate: true, bytesFetched: 0 }));
  const text = err.join("");
  assert.equal(text.match(/already holds/g)?.length, 1, text);
  assert.match(text, /^up to date: /m);
});
