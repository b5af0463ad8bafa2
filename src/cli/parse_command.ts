/**
 * From the command-line arguments to a {@linkcode Command}: which subcommand, with which options,
 * all validated. Pure: no I/O, every problem is a {@linkcode UsageError} (exit status 2).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { compileFilters, type FilterRule } from "../batch/glob_filter.ts";
import { parseShard, type Shard } from "../batch/shard.ts";
import { type ByteRange, parseRange } from "./parse_range.ts";
import { parseSize } from "./parse_size.ts";
import { UsageError } from "./usage_error.ts";
import { PIPE_OPTIONS, type PipeOptions, pipeOptions } from "./parse_pipe_options.ts";

/** How the download command reports. */
export type OutputMode = "normal" | "quiet" | "json";

/** How to reach the object and who signs: the options `get` and `verify` share. */
export interface ConnectionFields {
  /** `--endpoint`. */
  endpoint?: string;
  /** `--region`. */
  region?: string;
  /** `--signature-version`. */
  signatureVersion: "v1" | "v4";
  /** `--path-style`. */
  pathStyle?: boolean;
  /** `--version-id`. */
  versionId?: string;
  /** `--access-key-id`, `--access-key-secret` and `--security-token`. */
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** `--profile`: the profile to take from the config files. */
  profile?: string;
  /** `--config-file`: ossutil's config file. */
  configFile?: string;
  /** `--ecs-role` (`true`: the instance's role) or `--ecs-role=NAME`. */
  ecsRole?: string | true;
}

/**
 * Where a command's requests go and how they are signed: the fields of {@linkcode ConnectionFields}
 * that every command passes on as they are.
 *
 * @example
 * ```ts ignore
 * import { addressing } from "./parse_command.ts";
 * const options = { source: command.source, ...addressing(command) };
 * ```
 */
export function addressing(
  command: ConnectionFields,
): Pick<ConnectionFields, "endpoint" | "region" | "signatureVersion" | "pathStyle"> {
  return {
    endpoint: command.endpoint,
    region: command.region,
    signatureVersion: command.signatureVersion,
    pathStyle: command.pathStyle,
  };
}

/** `get`: download an object (to stdout when the destination is `-`). */
export interface GetCommand extends ConnectionFields, PipeOptions {
  /** The subcommand. */
  kind: "get";
  /** `oss://bucket/key` or an http(s) URL. */
  source: string;
  /** File or directory to write. */
  destination: string;
  /** `--range`, as `[start, end)`. */
  range?: ByteRange;
  /** `--part-size` in bytes. */
  partSize?: number;
  /** `--concurrency`. */
  concurrency?: number;
  /** `--checkpoint`. */
  checkpoint?: string;
  /** `false` with `--no-resume`. */
  resume: boolean;
  /** `--force`: download even when the destination already holds the object. */
  force: boolean;
  /** `"none"` with `--no-fsync`: skip every fsync. @default "full" */
  durability?: "full" | "none";
  /** `--connect-timeout`, in ms. */
  connectTimeoutMs?: number;
  /** `--idle-timeout`, in ms. */
  idleTimeoutMs?: number;
  /** `--quiet`, `--json` or neither. */
  output: OutputMode;
  /** `--debug`. */
  debug: boolean;
  /** `-r`, `--recursive`: the source is a key prefix and the destination a directory. */
  recursive: boolean;
  /** `--include` / `--exclude` globs, in the order given (with `-r`). */
  filters: FilterRule[];
  /** `--jobs`: objects at once (with `-r`). */
  jobs?: number;
  /** `--checksum`: compare files without a record by CRC-64 (with `-r`). */
  checksum: boolean;
  /** `--shard K/N` (with `-r`). */
  shard?: Shard;
}

/** `verify <source> <file>`: check a local file against the object's CRC-64. */
export interface VerifyCommand extends ConnectionFields {
  /** The subcommand. */
  kind: "verify";
  /** `oss://bucket/key` or an http(s) URL. */
  source: string;
  /** The local file. */
  file: string;
  /** `--connect-timeout`, in ms. */
  connectTimeoutMs?: number;
  /** `--quiet`, `--json` or neither. */
  output: OutputMode;
  /** `--debug`. */
  debug: boolean;
}

/** `serve`: serve a directory like OSS. */
export interface ServeCommand {
  /** The subcommand. */
  kind: "serve";
  /** `--root`. @default "." */
  root: string;
  /** `--port`. @default 9000 */
  port: number;
  /** `--host`. @default "127.0.0.1" */
  host: string;
  /** Required signature credentials, when given. */
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** `--region`: the only V4 signing region accepted. @default any */
  region?: string;
  /** `--faults FILE.json`: the emulator's faults, reloaded when the file changes. @default none */
  faults?: string;
  /** `--read-only`: refuse PutObject and DeleteObject. @default false */
  readOnly?: boolean;
  /** `--debug`. */
  debug: boolean;
}

/** `crc64 <file>`. */
export interface Crc64Command {
  /** The subcommand. */
  kind: "crc64";
  /** The file to hash. */
  file: string;
  /** `--debug`. */
  debug: boolean;
}

/** `status <checkpoint>`. */
export interface StatusCommand {
  /** The subcommand. */
  kind: "status";
  /** The journal (or the destination whose default journal to read). */
  checkpoint: string;
  /** `--json`. */
  json: boolean;
  /** `--debug`. */
  debug: boolean;
}

/** `demo [--size SIZE] [destination]`. */
export interface DemoCommand {
  /** The subcommand. */
  kind: "demo";
  /** Object size in bytes. @default 67108864 */
  size: number;
  /** Where to write; a temporary directory when absent. */
  destination?: string;
  /** `--part-size`. */
  partSize?: number;
  /** `--concurrency`. */
  concurrency?: number;
  /** `--quiet`, `--json` or neither. */
  output: OutputMode;
  /** `--debug`. */
  debug: boolean;
}

/** `--help` or `--version`. */
export interface InfoCommand {
  /** What to print. */
  kind: "help" | "version";
}

/** Every command the CLI runs. */
export type Command =
  | GetCommand
  | VerifyCommand
  | ServeCommand
  | Crc64Command
  | StatusCommand
  | DemoCommand
  | InfoCommand;

/** The subcommand names (a source is never one of them: it has a scheme). */
export const SUBCOMMANDS = ["get", "verify", "serve", "crc64", "status", "demo"] as const;

type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean }
>;

const COMMON: OptionSpec = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  debug: { type: "boolean" },
};

/** How to reach the object: shared by `get` and `verify`. */
const CONNECTION_OPTIONS: OptionSpec = {
  endpoint: { type: "string" },
  region: { type: "string" },
  "signature-version": { type: "string" },
  "path-style": { type: "boolean" },
  "version-id": { type: "string" },
  "access-key-id": { type: "string" },
  "access-key-secret": { type: "string" },
  "security-token": { type: "string" },
  profile: { type: "string" },
  "config-file": { type: "string" },
  "ecs-role": { type: "string" },
};

const OUTPUT_OPTIONS: OptionSpec = {
  quiet: { type: "boolean", short: "q" },
  json: { type: "boolean" },
};

const GET_OPTIONS: OptionSpec = {
  ...COMMON,
  ...CONNECTION_OPTIONS,
  range: { type: "string" },
  "part-size": { type: "string" },
  concurrency: { type: "string" },
  checkpoint: { type: "string" },
  "no-resume": { type: "boolean" },
  force: { type: "boolean" },
  "no-fsync": { type: "boolean" },
  recursive: { type: "boolean", short: "r" },
  include: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  jobs: { type: "string" },
  checksum: { type: "boolean" },
  shard: { type: "string" },
  "connect-timeout": { type: "string" },
  "idle-timeout": { type: "string" },
  ...PIPE_OPTIONS,
  ...OUTPUT_OPTIONS,
};

const VERIFY_OPTIONS: OptionSpec = {
  ...COMMON,
  ...CONNECTION_OPTIONS,
  "connect-timeout": { type: "string" },
  ...OUTPUT_OPTIONS,
};

const SERVE_OPTIONS: OptionSpec = {
  ...COMMON,
  root: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  region: { type: "string" },
  "access-key-id": { type: "string" },
  "access-key-secret": { type: "string" },
  "security-token": { type: "string" },
  faults: { type: "string" },
  "read-only": { type: "boolean" },
};

const DEMO_OPTIONS: OptionSpec = {
  ...COMMON,
  size: { type: "string" },
  "part-size": { type: "string" },
  concurrency: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  json: { type: "boolean" },
};

type Values = Record<string, string | boolean | string[] | undefined>;

/** An option as it stood on the command line, in order. */
interface OptionToken {
  name: string;
  value: string | undefined;
}

function parse(
  args: string[],
  options: OptionSpec,
): { values: Values; positionals: string[]; tokens: OptionToken[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
    const tokens = (r.tokens ?? []).flatMap((t) =>
      t.kind === "option" ? [{ name: t.name, value: t.value }] : []
    );
    return { values: r.values as Values, positionals: r.positionals, tokens };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // Node adds a sentence about "--" to unknown options; keep the first one.
    throw new UsageError(text.split(". ")[0].replace(/\.$/, ""));
  }
}

function str(values: Values, name: string): string | undefined {
  const v = values[name];
  if (typeof v !== "string") return undefined;
  if (v === "") throw new UsageError(`--${name} needs a value`);
  return v;
}

/**
 * Parses `--concurrency` (an integer from 1 to 256).
 *
 * @example
 * ```ts
 * import { parseConcurrency } from "./parse_command.ts";
 * parseConcurrency("8"); // 8
 * ```
 */
export function parseConcurrency(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 256) {
    throw new UsageError(
      `bad --concurrency ${JSON.stringify(text)}`,
      "give a whole number from 1 to 256",
    );
  }
  return n;
}

/** The longest timeout accepted, in ms (what a timer can hold: about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Parses a timeout in seconds (`--connect-timeout`, `--idle-timeout`): a number greater than 0,
 * decimals allowed, at most about 24.8 days; returns whole milliseconds (rounded, at least 1).
 *
 * @param text the value given
 * @param option the option's name, for messages
 * @throws {UsageError} when the value is not such a number
 *
 * @example
 * ```ts
 * import { parseSeconds } from "./parse_command.ts";
 * parseSeconds("30", "--connect-timeout"); // 30000
 * parseSeconds("2.5", "--idle-timeout"); // 2500
 * ```
 */
export function parseSeconds(text: string, option: string): number {
  const t = text.trim();
  const seconds = /^(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : NaN;
  const ms = Math.round(seconds * 1000);
  if (!(seconds > 0) || !Number.isFinite(seconds) || ms > MAX_TIMEOUT_MS) {
    throw new UsageError(
      `bad ${option} ${JSON.stringify(text)}`,
      `give a number of seconds greater than 0, decimals allowed (e.g. 30 or 2.5), at most ${
        Math.floor(MAX_TIMEOUT_MS / 1000)
      }`,
    );
  }
  return Math.max(1, ms);
}

function parsePort(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(`bad --port ${JSON.stringify(text)}`, "give a port from 0 to 65535");
  }
  return n;
}

function outputMode(values: Values): OutputMode {
  if (values.quiet && values.json) {
    throw new UsageError("--quiet and --json cannot be used together");
  }
  return values.json ? "json" : values.quiet ? "quiet" : "normal";
}

function expectPositionals(positionals: string[], names: string[], command: string): void {
  if (positionals.length < names.length) {
    throw new UsageError(
      `missing ${names.slice(positionals.length).map((n) => `<${n}>`).join(" and ")}`,
      `usage: ossdl ${command}${names.map((n) => ` <${n}>`).join("")}; see --help`,
    );
  }
  if (positionals.length > names.length) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(positionals[names.length])}`,
      `usage: ossdl ${command}${names.map((n) => ` <${n}>`).join("")}; quote paths with spaces`,
    );
  }
}

/** The source positional of `get` and `verify`: `oss://` or an http(s) URL. */
function checkSource(source: string): void {
  if (!/^(oss|https?):\/\//i.test(source)) {
    throw new UsageError(
      `bad source ${JSON.stringify(source)}`,
      "the source is oss://BUCKET/KEY or an http(s) URL",
    );
  }
}

/** The connection options shared by `get` and `verify`. */
function connection(values: Values): Pick<
  GetCommand,
  | "endpoint"
  | "region"
  | "signatureVersion"
  | "pathStyle"
  | "versionId"
  | "credentials"
  | "profile"
  | "configFile"
  | "ecsRole"
> {
  const version = str(values, "signature-version");
  if (version !== undefined && version !== "v1" && version !== "v4") {
    throw new UsageError(
      `unknown --signature-version ${JSON.stringify(version)}`,
      "use v1 or v4",
    );
  }
  return {
    endpoint: str(values, "endpoint"),
    region: str(values, "region"),
    signatureVersion: version ?? "v4",
    pathStyle: values["path-style"] ? true : undefined,
    versionId: str(values, "version-id"),
    ...credentialOptions(values),
  };
}

/**
 * `--ecs-role` takes an optional value: a bare `--ecs-role` (the instance's role) becomes
 * `--ecs-role=` before parsing; `--ecs-role=NAME` names the role.
 */
function withOptionalValues(args: string[]): string[] {
  return args.map((a) => a === "--ecs-role" ? "--ecs-role=" : a);
}

/** The credential options shared by `get` and `verify`, checked. */
function credentialOptions(
  values: Values,
): Pick<GetCommand, "credentials" | "profile" | "configFile" | "ecsRole"> {
  const id = str(values, "access-key-id");
  const secret = str(values, "access-key-secret");
  const token = str(values, "security-token");
  if ((id === undefined) !== (secret === undefined)) {
    throw new UsageError(
      "--access-key-id and --access-key-secret go together",
      "give both, or take the keys from the environment or a config file (see --help)",
    );
  }
  if (token !== undefined && id === undefined) {
    throw new UsageError("--security-token needs --access-key-id and --access-key-secret");
  }
  const profile = str(values, "profile");
  const rawRole = values["ecs-role"];
  const ecsRole = typeof rawRole === "string" ? (rawRole === "" ? true : rawRole) : undefined;
  const chosen = [id && "--access-key-id", profile && "--profile", ecsRole && "--ecs-role"]
    .filter(Boolean);
  if (chosen.length > 1) {
    throw new UsageError(
      `${chosen.join(" and ")} cannot be used together`,
      "choose one source of credentials",
    );
  }
  const configFile = str(values, "config-file");
  // Only what was given: a command without credential options looks as it did before them.
  return {
    ...(id !== undefined && secret !== undefined
      ? { credentials: { accessKeyId: id, accessKeySecret: secret, securityToken: token } }
      : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
    ...(ecsRole !== undefined ? { ecsRole } : {}),
  };
}

function parseGet(args: string[]): Command {
  const { values, positionals, tokens } = parse(withOptionalValues(args), GET_OPTIONS);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  if (positionals.length === 0) {
    throw new UsageError(
      "missing <source> and <destination>",
      "usage: ossdl [get] <source> <destination> [options]; see --help",
    );
  }
  const [source, destination] = positionals;
  checkSource(source);
  expectPositionals(positionals, ["source", "destination"], "[get]");
  if (destination === "") throw new UsageError("the destination is empty");
  const range = str(values, "range");
  const partSize = str(values, "part-size");
  const concurrency = str(values, "concurrency");
  const connectTimeout = str(values, "connect-timeout");
  const idleTimeout = str(values, "idle-timeout");
  const recursive = values.recursive === true;
  const batch = batchOptions(values, tokens, recursive);
  if (recursive) {
    if (!/^oss:\/\//i.test(source)) {
      throw new UsageError(
        "-r needs an oss://bucket/prefix source",
        "a prefix download lists the bucket: give oss://BUCKET/PREFIX and a directory",
      );
    }
    for (const name of ["range", "version-id", "checkpoint", "no-resume"]) {
      if (values[name] !== undefined) {
        throw new UsageError(`--${name} cannot be used with -r`, "it applies to one object");
      }
    }
  }
  return {
    kind: "get",
    source,
    destination,
    ...connection(values),
    range: range === undefined ? undefined : parseRange(range),
    partSize: partSize === undefined ? undefined : parseSize(partSize, "--part-size"),
    concurrency: concurrency === undefined ? undefined : parseConcurrency(concurrency),
    checkpoint: str(values, "checkpoint"),
    resume: !values["no-resume"],
    force: values.force === true,
    durability: values["no-fsync"] === true ? "none" : "full",
    connectTimeoutMs: connectTimeout === undefined
      ? undefined
      : parseSeconds(connectTimeout, "--connect-timeout"),
    idleTimeoutMs: idleTimeout === undefined
      ? undefined
      : parseSeconds(idleTimeout, "--idle-timeout"),
    output: outputMode(values),
    debug: values.debug === true,
    recursive,
    ...batch,
    ...pipeOptions(values, source, destination),
  };
}

/** The options of a prefix download (`-r`); each of them without `-r` is a usage error. */
function batchOptions(
  values: Values,
  tokens: OptionToken[],
  recursive: boolean,
): Pick<GetCommand, "filters" | "jobs" | "checksum" | "shard"> {
  if (!recursive) {
    for (const name of ["include", "exclude", "jobs", "checksum", "shard"]) {
      if (values[name] !== undefined) {
        throw new UsageError(`--${name} needs -r`, "it applies to a prefix download (get -r)");
      }
    }
    return { filters: [], checksum: false };
  }
  const filters: FilterRule[] = [];
  for (const t of tokens) {
    if (t.name !== "include" && t.name !== "exclude") continue;
    if (!t.value) throw new UsageError(`--${t.name} needs a glob`);
    filters.push(t.name === "include" ? { include: t.value } : { exclude: t.value });
  }
  try {
    compileFilters(filters);
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? error.message : String(error),
      "globs: * within a folder, ** across folders, ? one character, [abc] a class",
    );
  }
  const jobs = str(values, "jobs");
  const shard = str(values, "shard");
  let parsedShard: Shard | undefined;
  try {
    parsedShard = shard === undefined ? undefined : parseShard(shard);
  } catch (error) {
    throw new UsageError(
      `bad --shard ${JSON.stringify(shard)}: ${error instanceof Error ? error.message : error}`,
      "give K/N with N >= 1 and K from 0 to N-1, e.g. --shard 0/4",
    );
  }
  return {
    filters,
    jobs: jobs === undefined ? undefined : parseJobs(jobs),
    checksum: values.checksum === true,
    shard: parsedShard,
  };
}

function parseJobs(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 1024) {
    throw new UsageError(
      `bad --jobs ${JSON.stringify(text)}`,
      "give a whole number from 1 to 1024",
    );
  }
  return n;
}

function parseVerify(args: string[]): Command {
  const { values, positionals } = parse(withOptionalValues(args), VERIFY_OPTIONS);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  if (positionals.length === 0) {
    throw new UsageError(
      "missing <source> and <file>",
      "usage: ossdl verify <source> <file> [options]; see --help",
    );
  }
  const [source, file] = positionals;
  checkSource(source);
  expectPositionals(positionals, ["source", "file"], "verify");
  if (file === "") throw new UsageError("the file is empty");
  const connectTimeout = str(values, "connect-timeout");
  return {
    kind: "verify",
    source,
    file,
    ...connection(values),
    ...(connectTimeout === undefined
      ? {}
      : { connectTimeoutMs: parseSeconds(connectTimeout, "--connect-timeout") }),
    output: outputMode(values),
    debug: values.debug === true,
  };
}

function parseServe(args: string[]): Command {
  const { values, positionals } = parse(args, SERVE_OPTIONS);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  expectPositionals(positionals, [], "serve [options]");
  const id = str(values, "access-key-id");
  const secret = str(values, "access-key-secret");
  const token = str(values, "security-token");
  if ((id === undefined) !== (secret === undefined)) {
    throw new UsageError("--access-key-id and --access-key-secret go together");
  }
  if (token !== undefined && id === undefined) {
    throw new UsageError("--security-token needs --access-key-id and --access-key-secret");
  }
  const port = str(values, "port");
  return {
    kind: "serve",
    root: str(values, "root") ?? ".",
    port: port === undefined ? 9000 : parsePort(port),
    host: str(values, "host") ?? "127.0.0.1",
    credentials: id !== undefined && secret !== undefined
      ? { accessKeyId: id, accessKeySecret: secret, securityToken: token }
      : undefined,
    region: str(values, "region"),
    faults: str(values, "faults"),
    readOnly: values["read-only"] === true,
    debug: values.debug === true,
  };
}

function parseCrc64(args: string[]): Command {
  const { values, positionals } = parse(args, COMMON);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  expectPositionals(positionals, ["file"], "crc64");
  return { kind: "crc64", file: positionals[0], debug: values.debug === true };
}

function parseStatus(args: string[]): Command {
  const { values, positionals } = parse(args, { ...COMMON, json: { type: "boolean" } });
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  expectPositionals(positionals, ["checkpoint"], "status");
  return {
    kind: "status",
    checkpoint: positionals[0],
    json: values.json === true,
    debug: values.debug === true,
  };
}

function parseDemo(args: string[]): Command {
  const { values, positionals } = parse(args, DEMO_OPTIONS);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  if (positionals.length > 1) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  }
  const size = str(values, "size");
  const partSize = str(values, "part-size");
  const concurrency = str(values, "concurrency");
  return {
    kind: "demo",
    size: size === undefined ? 64 * 1024 * 1024 : parseSize(size, "--size"),
    destination: positionals[0],
    partSize: partSize === undefined ? undefined : parseSize(partSize, "--part-size"),
    concurrency: concurrency === undefined ? undefined : parseConcurrency(concurrency),
    output: outputMode(values),
    debug: values.debug === true,
  };
}

/**
 * Parses the command line (the arguments after the program).
 *
 * @throws {UsageError} for any bad argument
 *
 * @example
 * ```ts
 * import { parseCommand } from "./parse_command.ts";
 * const c = parseCommand(["oss://bucket/big.bin", "./big.bin", "--part-size", "16MiB"]);
 * if (c.kind === "get") console.log(c.partSize); // 16777216
 * ```
 */
export function parseCommand(args: readonly string[]): Command {
  const [first, ...rest] = args;
  switch (first) {
    case "get":
      return parseGet(rest);
    case "verify":
      return parseVerify(rest);
    case "serve":
      return parseServe(rest);
    case "crc64":
      return parseCrc64(rest);
    case "status":
      return parseStatus(rest);
    case "demo":
      return parseDemo(rest);
    default:
      return parseGet([...args]);
  }
}
