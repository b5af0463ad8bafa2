/**
 * The typed errors of ossdl. Every failure a caller may want to handle is an {@linkcode OssdlError}
 * with a stable `code`; the CLI maps each code to an exit code and a sentence a person can act on.
 * Messages never contain secrets (access key secrets, security tokens or URL signatures).
 *
 * @module
 */

/** The stable error codes. */
export type OssdlErrorCode =
  | "OSS_SERVICE_ERROR"
  | "OBJECT_CHANGED"
  | "INTEGRITY_MISMATCH"
  | "JOURNAL_DAMAGED"
  | "FS_NO_SPACE"
  | "FS_PERMISSION"
  | "FS_NOT_FOUND"
  | "FS_NOT_DIRECTORY"
  | "FS_EXISTS"
  | "FS_ERROR"
  | "DOWNLOAD_LOCKED"
  | "NETWORK_ERROR"
  | "RETRIES_EXHAUSTED"
  | "PROTOCOL_ERROR"
  | "CRC64_UNAVAILABLE"
  | "CREDENTIALS_ERROR"
  | "ABORTED";

/**
 * The base class of every error ossdl raises on purpose.
 *
 * @example
 * ```ts
 * import { OssdlError } from "./errors.ts";
 * try {
 *   throw new OssdlError("NETWORK_ERROR", "connection reset", "check the network and run again");
 * } catch (e) {
 *   if (e instanceof OssdlError) console.log(e.code, e.hint);
 * }
 * ```
 */
export class OssdlError extends Error {
  /** A stable machine-readable code. */
  readonly code: OssdlErrorCode;
  /** What the user can do next, in one sentence. */
  readonly hint: string;

  /**
   * Make an error with a stable code, a message and a hint.
   *
   * @param code the stable code
   * @param message what went wrong (no secrets)
   * @param hint what to do next
   * @param options the underlying cause, if any
   */
  constructor(code: OssdlErrorCode, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OssdlError";
    this.code = code;
    this.hint = hint;
  }
}

/** The fields OSS puts in its error XML (or base64 `x-oss-err` header on HEAD). */
export interface OssErrorDetails {
  /** HTTP status, e.g. 404. */
  status: number;
  /** OSS error Code, e.g. `NoSuchKey`; empty when the server sent none. */
  ossCode: string;
  /** OSS error Message. */
  ossMessage: string;
  /** `x-oss-request-id` / `<RequestId>`. */
  requestId: string;
  /** OSS error code `EC`, e.g. `0026-00000001`. */
  ec: string;
}

/**
 * An error response from OSS (or any HTTP server), with the OSS `Code`, `Message`, `RequestId` and
 * `EC` when present.
 *
 * @example
 * ```ts
 * import { OssServiceError } from "./errors.ts";
 * const e = new OssServiceError({
 *   status: 404, ossCode: "NoSuchKey", ossMessage: "The specified key does not exist.",
 *   requestId: "6556E3AED11E553933CCDEDF", ec: "0026-00000001",
 * });
 * console.log(e.message); // NoSuchKey (404): The specified key does not exist. ...
 * ```
 */
export class OssServiceError extends OssdlError implements OssErrorDetails {
  /** HTTP status. */
  readonly status: number;
  /** OSS error Code. */
  readonly ossCode: string;
  /** OSS error Message. */
  readonly ossMessage: string;
  /** Request id, for support tickets. */
  readonly requestId: string;
  /** OSS EC code. */
  readonly ec: string;

  /**
   * Make the error from what the server said.
   *
   * @param details what the server said
   * @param hint what to do next; a hint is derived from the Code when omitted
   */
  constructor(details: OssErrorDetails, hint?: string) {
    const code = details.ossCode || `HTTP ${details.status}`;
    const parts = [`${code} (${details.status})`];
    if (details.ossMessage) parts[0] += `: ${details.ossMessage}`;
    if (details.requestId) parts.push(`RequestId ${details.requestId}`);
    if (details.ec) parts.push(`EC ${details.ec}`);
    super("OSS_SERVICE_ERROR", parts.join(", "), hint ?? hintForOssCode(details));
    this.name = "OssServiceError";
    this.status = details.status;
    this.ossCode = details.ossCode;
    this.ossMessage = details.ossMessage;
    this.requestId = details.requestId;
    this.ec = details.ec;
  }
}

function hintForOssCode(d: OssErrorDetails): string {
  if (d.status === 403 && /expired/i.test(d.ossMessage) && !/token/i.test(d.ossMessage)) {
    return "the presigned URL has expired: sign a new one and run the same command with it " +
      "(the download resumes from the bytes already saved)";
  }
  switch (d.ossCode) {
    case "NoSuchKey":
      return "check the object key (keys are case-sensitive) and the version id";
    case "NoSuchBucket":
      return "check the bucket name and the region or endpoint";
    case "AccessDenied":
      return "check that the credentials may read this object (or that the bucket is public)";
    case "SignatureDoesNotMatch":
      return "check OSS_ACCESS_KEY_SECRET, and the region (V4 signs it) or try --signature-version v1";
    case "InvalidAccessKeyId":
      return "check OSS_ACCESS_KEY_ID: the key does not exist or is disabled";
    case "SecurityTokenExpired":
    case "InvalidSecurityToken":
    case "AccessKeyIdAndSecurityTokenNotMatch":
      return "refresh the STS credentials (OSS_SESSION_TOKEN) and run again";
    case "RequestTimeTooSkewed":
      return "the local clock is off by more than 15 minutes: fix the system time";
    case "InvalidRange":
      return "check --range: it must lie within the object";
    case "PreconditionFailed":
      return "the object changed while downloading; run again to fetch the new version";
  }
  if (d.status === 403) {
    return "check the credentials, the region, the clock, or sign a new URL if it expired";
  }
  if (d.status === 404) return "check the bucket, key and endpoint";
  if (d.status >= 500) return "the server failed; run again later (the download resumes)";
  return "see the OSS Code and RequestId above";
}

/**
 * The object on the server is not the one the download started with (size, ETag, Last-Modified or
 * CRC-64 differ, or a GET with `If-Match` got 412).
 *
 * @example
 * ```ts
 * import { ObjectChangedError } from "./errors.ts";
 * const e = new ObjectChangedError("ETag changed from \"A\" to \"B\"");
 * console.log(e.code); // OBJECT_CHANGED
 * ```
 */
export class ObjectChangedError extends OssdlError {
  /**
   * Make the error, saying what differs.
   *
   * @param detail what differs
   */
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      "OBJECT_CHANGED",
      `the object changed on the server: ${detail}`,
      "run again to download the current version",
      options,
    );
    this.name = "ObjectChangedError";
  }
}

/**
 * The downloaded bytes do not match the server's CRC-64. The partial data has been removed.
 *
 * @example
 * ```ts
 * import { IntegrityError } from "./errors.ts";
 * const e = new IntegrityError(1n, 2n);
 * console.log(e.message);
 * ```
 */
export class IntegrityError extends OssdlError {
  /** The CRC-64 the server announced. */
  readonly expected: bigint;
  /** The CRC-64 of the bytes received. */
  readonly actual: bigint;
  /**
   * Make the error from the two CRC-64 values.
   *
   * @param expected the server's CRC-64
   * @param actual the CRC-64 computed locally
   * @param what what was checked, e.g. "the object" or "part 3"
   */
  constructor(expected: bigint, actual: bigint, what = "the object") {
    super(
      "INTEGRITY_MISMATCH",
      `CRC-64 mismatch for ${what}: server says ${expected}, received bytes give ${actual}`,
      "the data was corrupted in transit or on disk; nothing was kept, run again",
    );
    this.name = "IntegrityError";
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A checkpoint journal that cannot be trusted: damaged in the middle, of an unknown version, or
 * describing another download.
 *
 * @example
 * ```ts
 * import { JournalDamagedError } from "./errors.ts";
 * console.log(new JournalDamagedError("bad checksum in record 3").code); // JOURNAL_DAMAGED
 * ```
 */
export class JournalDamagedError extends OssdlError {
  /**
   * Make the error, saying why the journal is not trusted.
   *
   * @param reason why the journal is not trusted
   */
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      "JOURNAL_DAMAGED",
      `the checkpoint journal is not usable: ${reason}`,
      "the download starts over; remove the checkpoint file if this repeats",
      options,
    );
    this.name = "JournalDamagedError";
  }
}

/** The file-system failure kinds. */
export type FileSystemErrorCode =
  | "FS_NO_SPACE"
  | "FS_PERMISSION"
  | "FS_NOT_FOUND"
  | "FS_NOT_DIRECTORY"
  | "FS_EXISTS"
  | "FS_ERROR";

/**
 * A file-system operation failed (disk full, permission denied, missing directory, ...).
 *
 * @example
 * ```ts
 * import { FileSystemError } from "./errors.ts";
 * const e = new FileSystemError("FS_NO_SPACE", "write", "/data/big.bin");
 * console.log(e.message); // write /data/big.bin: no space left on the device
 * ```
 */
export class FileSystemError extends OssdlError {
  /** The path the operation was on. */
  readonly path: string;
  /** The operation, e.g. `open`, `write`, `rename`. */
  readonly operation: string;
  /**
   * Make the error for a failed operation on a path.
   *
   * @param code the kind of failure
   * @param operation what was being done
   * @param path on which path
   */
  constructor(
    code: FileSystemErrorCode,
    operation: string,
    path: string,
    options?: { cause?: unknown },
  ) {
    const [what, hint] = FS_TEXT[code];
    super(code, `${operation} ${path}: ${what}`, hint, options);
    this.name = "FileSystemError";
    this.path = path;
    this.operation = operation;
  }
}

const FS_TEXT: Record<FileSystemErrorCode, [string, string]> = {
  FS_NO_SPACE: [
    "no space left on the device",
    "free some space and run the same command again; the download resumes",
  ],
  FS_PERMISSION: ["permission denied", "check the permissions, or choose a path you may write to"],
  FS_NOT_FOUND: [
    "no such file or directory",
    "check the path: the file or its directory does not exist",
  ],
  FS_NOT_DIRECTORY: [
    "a path component is not a directory, or a directory is where a file should be",
    "check the path",
  ],
  FS_EXISTS: ["the file already exists", "choose another path or remove the file"],
  FS_ERROR: ["file-system error", "check the disk and the path, then run again"],
};

/**
 * Another live download holds the lock of the same destination (or checkpoint): another process on
 * this machine, a process on another machine that shares the file system, or another download in
 * this process. The message names the holder (process id and host) and the lock file.
 *
 * @example
 * ```ts
 * import { DownloadLockedError } from "./errors.ts";
 * const e = new DownloadLockedError("/data/big.iso.ossdl-lock", 4242, "build-7");
 * console.log(e.code, e.pid, e.host); // DOWNLOAD_LOCKED 4242 build-7
 * ```
 */
export class DownloadLockedError extends OssdlError {
  /** The process that holds the lock. */
  readonly pid: number;
  /** The host that process runs on; `""` when the lock does not say (older versions). */
  readonly host: string;
  /** The lock file. */
  readonly lockPath: string;

  /**
   * Make the error for a lock held by another download.
   *
   * @param lockPath the lock file
   * @param pid the process holding it
   * @param host the host that process runs on, `""` when unknown
   */
  constructor(lockPath: string, pid: number, host = "") {
    const who = host ? `process ${pid} on host ${host}` : `process ${pid}`;
    super(
      "DOWNLOAD_LOCKED",
      `another download (${who}) is writing to this destination; lock ${lockPath}`,
      `wait for ${who} to finish or stop it, then run again; if that download is no longer ` +
        `running (killed, or its machine is down), remove ${lockPath}`,
    );
    this.name = "DownloadLockedError";
    this.pid = pid;
    this.host = host;
    this.lockPath = lockPath;
  }
}

/**
 * A network failure (connection refused, reset, DNS failure, timeout) that could not be retried
 * away, or the retries ran out.
 *
 * @example
 * ```ts
 * import { NetworkError } from "./errors.ts";
 * console.log(new NetworkError("connection refused to oss-cn-hangzhou.aliyuncs.com").code);
 * ```
 */
export class NetworkError extends OssdlError {
  /**
   * Make the error, saying what failed.
   *
   * @param detail what failed
   */
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      "NETWORK_ERROR",
      `network error: ${detail}`,
      "check the network, the endpoint and the region; run again and the download resumes",
      options,
    );
    this.name = "NetworkError";
  }
}

/**
 * A request kept failing with retryable errors until the retry budget ran out.
 *
 * @example
 * ```ts
 * import { RetriesExhaustedError } from "./errors.ts";
 * console.log(new RetriesExhaustedError(5, new Error("503")).code); // RETRIES_EXHAUSTED
 * ```
 */
export class RetriesExhaustedError extends OssdlError {
  /** How many attempts were made. */
  readonly attempts: number;
  /**
   * Make the error from the attempt count and the last failure.
   *
   * @param attempts how many attempts were made
   * @param last the last failure
   */
  constructor(attempts: number, last: unknown) {
    const detail = last instanceof Error ? last.message : String(last);
    super(
      "RETRIES_EXHAUSTED",
      `gave up after ${attempts} attempts; last error: ${detail}`,
      "the server or network keeps failing; run the same command later and the download resumes",
      { cause: last },
    );
    this.name = "RetriesExhaustedError";
    this.attempts = attempts;
  }
}

/**
 * The server answered in a way the protocol does not allow (wrong Content-Range, a missing header,
 * a body of the wrong length).
 *
 * @example
 * ```ts
 * import { ProtocolError } from "./errors.ts";
 * console.log(new ProtocolError("Content-Range bytes 0-9/10 does not match bytes=5-9").code);
 * ```
 */
export class ProtocolError extends OssdlError {
  /**
   * Make the error, saying what was wrong.
   *
   * @param detail what was wrong
   */
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      "PROTOCOL_ERROR",
      `unexpected response: ${detail}`,
      "the server does not behave like OSS; check the endpoint or URL",
      options,
    );
    this.name = "ProtocolError";
  }
}

/**
 * The download was stopped by its `AbortSignal`. What was durable is kept; run again to resume.
 *
 * @example
 * ```ts
 * import { AbortedError } from "./errors.ts";
 * console.log(new AbortedError().code); // ABORTED
 * ```
 */
export class AbortedError extends OssdlError {
  /**
   * Make the error.
   *
   * @param options the underlying cause, if any
   */
  constructor(options?: { cause?: unknown }) {
    super(
      "ABORTED",
      "the download was interrupted",
      "run the same command again to resume",
      options,
    );
    this.name = "AbortedError";
  }
}
