/**
 * Exit codes of the CLI, and the mapping from an error to its exit code and to the one or two
 * lines a person reads.
 *
 * @module
 */
import { OssdlError, OssServiceError } from "../errors.ts";
import { UsageError } from "./usage_error.ts";

/** The exit codes, documented in `--help` and the README. */
export const EXIT = {
  /** The download finished and was verified (or the command succeeded). */
  OK: 0,
  /** Anything unexpected (a bug: run with --debug and report it). */
  UNEXPECTED: 1,
  /** Bad arguments. */
  USAGE: 2,
  /** OSS (or the HTTP server) answered with an error: access denied, bad signature, ... */
  SERVICE: 3,
  /** The bucket, object or version does not exist (404). */
  NOT_FOUND: 4,
  /** The object changed on the server during the download. */
  OBJECT_CHANGED: 5,
  /**
   * The CRC-64 of the bytes did not match the server's (`verify`: the file's size or CRC-64 differs
   * from the object's).
   */
  INTEGRITY: 6,
  /** A file-system error: disk full, permission denied, a missing file (`verify`, `status`). */
  FILE_SYSTEM: 7,
  /** The network failed, or retries ran out. */
  NETWORK: 8,
  /** The server broke the protocol (wrong Content-Range, missing headers). */
  PROTOCOL: 9,
  /** A checkpoint journal is damaged (`status`). */
  JOURNAL: 10,
  /** Another live process is downloading to the same destination. */
  LOCKED: 11,
  /** `get -r`: some objects failed (the others are complete); run again to retry them. */
  SOME_FAILED: 12,
  /** `verify` cannot check the file: the server gives no CRC-64 for the object (12 is kept for
   * a prefix download with failed objects). */
  UNVERIFIABLE: 13,
  /**
   * Credentials cannot be used: a malformed config or credentials file, a profile that is missing
   * or of an unsupported mode, a credentials URI or the ECS metadata service that fails.
   */
  CREDENTIALS: 14,
  /**
   * Interrupted by SIGINT (Ctrl-C); run again to resume. Also the code of an `ABORTED` error that
   * no signal explains (an abort from a caller's own `AbortSignal`): 130 is the conventional
   * "interrupted" status, and a run stopped by SIGTERM gets 143 from `runDownload`, which knows
   * which signal it received.
   */
  SIGINT: 130,
  /** Interrupted by SIGTERM; run again to resume. */
  SIGTERM: 143,
} as const;

/** The table printed by `--help`: code and meaning. */
export const EXIT_CODE_TABLE: ReadonlyArray<readonly [number, string]> = [
  [EXIT.OK, "success (download complete and verified when the server gives a CRC-64)"],
  [EXIT.UNEXPECTED, "unexpected failure (run with --debug and report it)"],
  [EXIT.USAGE, "bad arguments"],
  [EXIT.SERVICE, "OSS service error (AccessDenied, SignatureDoesNotMatch, expired URL, ...)"],
  [EXIT.NOT_FOUND, "not found: NoSuchKey, NoSuchBucket, NoSuchVersion or HTTP 404"],
  [EXIT.OBJECT_CHANGED, "the object changed on the server during the download"],
  [
    EXIT.INTEGRITY,
    "CRC-64 mismatch: the data was corrupted, nothing was kept (verify: the file differs;" +
    " get SOURCE -: the bytes already written to stdout were wrong)",
  ],
  [EXIT.FILE_SYSTEM, "file-system error (disk full, permission denied, a missing file)"],
  [EXIT.NETWORK, "network error, or retries exhausted"],
  [EXIT.PROTOCOL, "the server broke the protocol (not OSS-like)"],
  [EXIT.JOURNAL, "the checkpoint journal is damaged (status)"],
  [EXIT.LOCKED, "another ossdl process is downloading to the same destination"],
  [EXIT.SOME_FAILED, "get -r: some objects failed, the others are complete (run again to retry)"],
  [EXIT.UNVERIFIABLE, "verify: the server gives no CRC-64 for the object, nothing to compare"],
  [
    EXIT.CREDENTIALS,
    "credentials cannot be used: a malformed config file, a missing profile, a failing " +
    "credentials URI or ECS metadata service",
  ],
  [EXIT.SIGINT, "interrupted by SIGINT (Ctrl-C); run the same command to resume"],
  [EXIT.SIGTERM, "interrupted by SIGTERM; run the same command to resume"],
];

const NOT_FOUND_CODES = ["NoSuchKey", "NoSuchBucket", "NoSuchVersion"];

/**
 * The exit code for an error thrown by a command.
 *
 * @example
 * ```ts
 * import { exitCodeFor } from "./exit_codes.ts";
 * import { IntegrityError } from "../errors.ts";
 * exitCodeFor(new IntegrityError(1n, 2n)); // 6
 * exitCodeFor(new Error("bug")); // 1
 * ```
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.USAGE;
  if (error instanceof OssServiceError) {
    return NOT_FOUND_CODES.includes(error.ossCode) || (error.ossCode === "" && error.status === 404)
      ? EXIT.NOT_FOUND
      : EXIT.SERVICE;
  }
  if (error instanceof OssdlError) {
    switch (error.code) {
      case "OSS_SERVICE_ERROR":
        return EXIT.SERVICE;
      case "OBJECT_CHANGED":
        return EXIT.OBJECT_CHANGED;
      case "INTEGRITY_MISMATCH":
        return EXIT.INTEGRITY;
      case "JOURNAL_DAMAGED":
        return EXIT.JOURNAL;
      case "FS_NO_SPACE":
      case "FS_PERMISSION":
      case "FS_NOT_FOUND":
      case "FS_NOT_DIRECTORY":
      case "FS_EXISTS":
      case "FS_ERROR":
        return EXIT.FILE_SYSTEM;
      case "NETWORK_ERROR":
      case "RETRIES_EXHAUSTED":
        return EXIT.NETWORK;
      case "PROTOCOL_ERROR":
        return EXIT.PROTOCOL;
      case "DOWNLOAD_LOCKED":
        return EXIT.LOCKED;
      case "CRC64_UNAVAILABLE":
        return EXIT.UNVERIFIABLE;
      case "CREDENTIALS_ERROR":
        return EXIT.CREDENTIALS;
      case "ABORTED":
        // runDownload maps its own interruptions to 130 (SIGINT) or 143 (SIGTERM) before an error
        // gets here; any other abort (a caller's AbortSignal) is reported as interrupted: 130.
        return EXIT.SIGINT;
    }
  }
  // download() reports bad option values (bucket name, range past the end) as TypeError or
  // RangeError, per the project's style.
  if (error instanceof TypeError || error instanceof RangeError) return EXIT.USAGE;
  return EXIT.UNEXPECTED;
}

/** What the CLI prints for an error: `error: <message>` and, when there is one, `hint: <hint>`. */
export interface ErrorReport {
  /** The exit code. */
  exitCode: number;
  /** The stable code (`OssdlError.code`, `USAGE`, or `UNEXPECTED`). */
  code: string;
  /** One line, no secrets masked yet. */
  message: string;
  /** What to do next, or `null`. */
  hint: string | null;
}

/** What `describeError` needs to know about the run. */
export interface ErrorContext {
  /** The source was `oss://` (not a URL). */
  ossSource?: boolean;
  /** Credentials were found in the environment. */
  hasCredentials?: boolean;
}

/**
 * Turns an error into the exit code, the message and the hint the CLI prints. A 403 on an
 * `oss://` source with no credentials in the environment gets a hint about setting them.
 *
 * @example
 * ```ts
 * import { describeError } from "./exit_codes.ts";
 * import { OssServiceError } from "../errors.ts";
 * const e = new OssServiceError({
 *   status: 403, ossCode: "AccessDenied", ossMessage: "denied", requestId: "R", ec: "",
 * });
 * describeError(e, { ossSource: true, hasCredentials: false }).hint;
 * // "no credentials were found: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET ..."
 * ```
 */
export function describeError(error: unknown, context: ErrorContext = {}): ErrorReport {
  const exitCode = exitCodeFor(error);
  const message = oneLine(error instanceof Error ? error.message : String(error));
  if (error instanceof UsageError) {
    return { exitCode, code: "USAGE", message, hint: error.hint };
  }
  if (error instanceof OssdlError) {
    let hint: string = error.hint;
    if (
      error instanceof OssServiceError && error.status === 403 && context.ossSource &&
      context.hasCredentials === false
    ) {
      hint = "no credentials were found: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET " +
        "(and OSS_SESSION_TOKEN for STS), use a profile (--profile; ~/.aliyun/config.json, " +
        "~/.alibabacloud/credentials, ~/.ossutilconfig), or download with a presigned URL";
    }
    return { exitCode, code: error.code, message, hint: oneLine(hint) };
  }
  if (exitCode === EXIT.USAGE) {
    // A TypeError may say what to do (UnsafeFileNameError: "give a file name as the destination").
    const own = (error as { hint?: unknown }).hint;
    const hint = typeof own === "string" && own !== ""
      ? oneLine(own)
      : "run with --help to see the usage";
    return { exitCode, code: "USAGE", message, hint };
  }
  const name = error instanceof Error ? `${error.name}: ` : "";
  return {
    exitCode,
    code: "UNEXPECTED",
    message: `${name}${message}`,
    hint: "this looks like a bug: run again with --debug and report the output",
  };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
