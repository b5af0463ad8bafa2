/**
 * A local OSS-compatible server for tests and demos: `handle(request)` answers GetObject,
 * HeadObject, PutObject, DeleteObject and bucket listings (ListObjectsV2 / ListObjects) like OSS
 * does (addressing, ranges,
 * conditions, headers, versions, error XML, authentication) over an {@linkcode ObjectStore}, with
 * switchable fault injection and counters.
 * Web standards only; serve it on a port with `serve.ts`.
 *
 * @module
 */
import { authenticate, type EmulatorCredentials } from "./authenticate.ts";
import { evaluateConditions } from "./conditions.ts";
import { errorResponse, OSS_ERRORS, type OssErrorSpec } from "./error_response.ts";
import { type Faults, faultyBody, seededRandom, waitUnlessAborted } from "./faults.ts";
import {
  INVALID_TRAFFIC_LIMIT,
  requestedTrafficLimit,
  trafficLimitedBody,
} from "./traffic_limit.ts";
import { listBucket } from "./list_bucket.ts";
import { MemoryStore } from "./memory_store.ts";
import { deleteObject, putObject, unsupportedWrite } from "./object_writes.ts";
import type {
  LookupResult,
  ObjectStore,
  PutOptions,
  PutResult,
  StoredObject,
} from "./object_store.ts";
import { resolveRange } from "./range.ts";
import type { StsKeys } from "./sts_keys.ts";
import { parseTarget, type RequestTarget } from "./request_target.ts";

/** Options of {@linkcode OssEmulator}. */
export interface OssEmulatorOptions {
  /** Where objects come from. @default a new `MemoryStore` on the emulator's clock */
  store?: ObjectStore;
  /** When set, every request must be signed (V1/V4, header or presigned) with these. */
  credentials?: EmulatorCredentials;
  /**
   * Expiring STS keys: when set, every request must be signed with one of them that has not
   * expired (answered `SecurityTokenExpired` once it has), or with `credentials`.
   * @default undefined
   */
  stsKeys?: StsKeys;
  /** Clock in ms since the epoch (expiry, clock skew, `Date`). @default Date.now */
  now?: () => number;
  /** Endpoint hosts for virtual-hosted addressing (`<bucket>.<host>`), see `parseTarget`. */
  baseHosts?: readonly string[];
  /**
   * The region V4 signatures must be scoped to (`cn-hangzhou`; a leading `oss-` is dropped); a
   * V4 request scoped to another region gets 400 InvalidArgument like OSS. Only checked when
   * `credentials` is set. @default any region is accepted
   */
  region?: string;
  /**
   * How many request-log entries `stats.log` keeps (the most recent ones); counters stay exact.
   * @default 10000
   */
  maxLogEntries?: number;
}

/** What the per-request fault hook is told. */
export interface EmulatorRequestInfo {
  /** 1 for the first request the emulator saw, 2 for the next, ... */
  index: number;
  /** HTTP method. */
  method: string;
  /** Addressed bucket, or `null`. */
  bucket: string | null;
  /** Decoded key. */
  key: string;
  /** The `Range` header, or `null`. */
  range: string | null;
  /** All request headers. */
  headers: Headers;
}

/** One line of the request log. */
export interface RequestLogEntry {
  /** HTTP method. */
  method: string;
  /** Addressed bucket, or `null`. */
  bucket: string | null;
  /** Decoded key. */
  key: string;
  /** The `Range` header, or `null`. */
  range: string | null;
  /** Response status (0 until answered). */
  status: number;
  /** Body bytes handed to the client so far. */
  bytesSent: number;
}

/** Counters a test can assert on. */
export interface EmulatorStats {
  /** Requests seen. */
  requests: number;
  /** Object body bytes sent (error XML not counted). */
  bytesSent: number;
  /**
   * One entry per request, in arrival order, for the most recent `maxLogEntries` requests only
   * (10 000 by default), so a long-running server does not grow without bound.
   */
  log: RequestLogEntry[];
}

/**
 * The OSS emulator.
 *
 * @example
 * ```ts
 * import { OssEmulator } from "./oss_emulator.ts";
 * const emulator = new OssEmulator();
 * await emulator.put("bucket", "a.txt", new TextEncoder().encode("hello world"));
 * const r = await emulator.handle(
 *   new Request("http://127.0.0.1/bucket/a.txt", { headers: { range: "bytes=0-4" } }),
 * );
 * console.log(r.status, await r.text()); // 206 hello
 * ```
 */
export class OssEmulator {
  /** The object store served. */
  readonly store: ObjectStore;
  /**
   * A per-request fault hook: its result is merged over the global faults for that request. A
   * `serverError` it returns fails that request (with probability `rate` when given); its `next`
   * is ignored and the global `next` countdown is not consumed by that request.
   * @default null
   */
  faultsFor: ((info: EmulatorRequestInfo) => Faults | undefined) | null = null;

  readonly #credentials: EmulatorCredentials | null;
  readonly #stsKeys: StsKeys | null;
  readonly #now: () => number;
  readonly #baseHosts: readonly string[];
  readonly #region: string | undefined;
  readonly #maxLogEntries: number;
  #faults: Faults = {};
  #failNext = 0;
  #random: () => number = seededRandom(1);
  #overlay: MemoryStore | null = null;
  readonly #changed = new WeakSet<object>();
  #stats: EmulatorStats = { requests: 0, bytesSent: 0, log: [] };
  /** Index in `#stats.log` of the oldest entry once the log is full (a ring buffer). */
  #logStart = 0;
  #requestCounter = 0;

  /**
   * Set up an emulator over `options.store` (a fresh in-memory store by default), with no faults.
   * @param options store, credentials, region, clock, hosts and log size
   */
  constructor(options: OssEmulatorOptions = {}) {
    const maxLogEntries = options.maxLogEntries ?? 10_000;
    if (!Number.isSafeInteger(maxLogEntries) || maxLogEntries < 0) {
      throw new RangeError("maxLogEntries must be a non-negative integer");
    }
    this.#now = options.now ?? Date.now;
    this.store = options.store ?? new MemoryStore({ now: this.#now });
    this.#credentials = options.credentials ?? null;
    this.#stsKeys = options.stsKeys ?? null;
    this.#baseHosts = options.baseHosts ?? [];
    this.#region = options.region;
    this.#maxLogEntries = maxLogEntries;
  }

  /**
   * Store an object (a new version when it exists). Needs a writable store.
   *
   * @example
   * ```ts
   * import { OssEmulator } from "./oss_emulator.ts";
   * const e = new OssEmulator();
   * const { etag } = await e.put("bucket", "k", new Uint8Array([1]), { crc64: false });
   * ```
   */
  put(bucket: string, key: string, bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    if (!this.store.put) throw new TypeError("this emulator's store is read-only");
    return this.store.put(bucket, key, bytes, options);
  }

  /** The global faults (a copy). */
  get faults(): Faults {
    return { ...this.#faults };
  }

  /** Replace the global faults (see {@linkcode OssEmulator.setFaults}). */
  set faults(faults: Faults) {
    this.setFaults(faults);
  }

  /**
   * Replace the global faults; restarts the `serverError.next` countdown and, when `seed` is
   * given, the random generator.
   */
  setFaults(faults: Faults): void {
    this.#faults = { ...faults };
    this.#failNext = faults.serverError?.next ?? 0;
    if (faults.seed !== undefined) this.#random = seededRandom(faults.seed);
  }

  /** Remove all global faults and the per-request hook. */
  clearFaults(): void {
    this.setFaults({});
    this.faultsFor = null;
  }

  /**
   * The counters so far (the log entries keep updating while bodies stream). The log holds the
   * last `maxLogEntries` requests, oldest first.
   */
  get stats(): EmulatorStats {
    const log = this.#stats.log;
    return {
      ...this.#stats,
      log: [...log.slice(this.#logStart), ...log.slice(0, this.#logStart)],
    };
  }

  /** Zero the counters. */
  resetStats(): void {
    this.#stats = { requests: 0, bytesSent: 0, log: [] };
    this.#logStart = 0;
  }

  #record(entry: RequestLogEntry): void {
    const log = this.#stats.log;
    if (log.length < this.#maxLogEntries) {
      log.push(entry);
    } else if (this.#maxLogEntries > 0) {
      log[this.#logStart] = entry;
      this.#logStart = (this.#logStart + 1) % this.#maxLogEntries;
    }
  }

  /**
   * Answer one request like OSS would. Never rejects: a failing store gives 500 InternalError.
   *
   * @example
   * ```ts
   * import { OssEmulator } from "./oss_emulator.ts";
   * const r = await new OssEmulator().handle(new Request("http://127.0.0.1/bucket/none"));
   * console.log(r.status); // 404 (NoSuchBucket)
   * ```
   */
  async handle(request: Request): Promise<Response> {
    const requestId = this.#nextRequestId();
    try {
      return await this.#handle(request, requestId);
    } catch {
      return errorResponse(OSS_ERRORS.InternalError, {
        method: request.method.toUpperCase(),
        requestId,
        hostId: request.headers.get("host") ?? "",
        headers: this.#commonHeaders(requestId),
      });
    }
  }

  async #handle(request: Request, requestId: string): Promise<Response> {
    const index = ++this.#stats.requests;
    const method = request.method.toUpperCase();
    const entry: RequestLogEntry = {
      method,
      bucket: null,
      key: "",
      range: request.headers.get("range"),
      status: 0,
      bytesSent: 0,
    };
    this.#record(entry);
    let host = request.headers.get("host") ?? "";
    const fail = (spec: OssErrorSpec): Response => {
      const response = errorResponse(spec, {
        method,
        requestId,
        hostId: host,
        headers: this.#commonHeaders(requestId),
      });
      entry.status = response.status;
      return response;
    };
    let target: RequestTarget;
    try {
      target = await parseTarget(request, {
        baseHosts: this.#baseHosts,
        hasBucket: (b) => this.#hasBucket(b),
      });
    } catch {
      return fail(OSS_ERRORS.InvalidURI);
    }
    host = target.host;
    entry.bucket = target.bucket;
    entry.key = target.key;
    const perRequest = this.faultsFor?.({
      index,
      method,
      bucket: target.bucket,
      key: target.key,
      range: entry.range,
      headers: request.headers,
    });
    const faults = perRequest ? { ...this.#faults, ...perRequest } : this.#faults;
    if (faults.stallHeaders || faults.delayHeadersMs !== undefined) {
      const ms = faults.stallHeaders ? Infinity : faults.delayHeadersMs!;
      await waitUnlessAborted(ms, request.signal);
    }
    await this.#maybeChangeObject(faults, target, index);
    if (faults.denyAccess) {
      return fail(OSS_ERRORS.AccessDenied);
    }
    if (faults.serverError && this.#shouldFail(faults.serverError, !perRequest?.serverError)) {
      return fail(
        faults.serverError.status === 500
          ? OSS_ERRORS.InternalError
          : OSS_ERRORS.ServiceUnavailable,
      );
    }
    const writes = method === "PUT" || method === "DELETE" || method === "POST";
    if (method !== "GET" && method !== "HEAD" && !writes) {
      return fail(OSS_ERRORS.MethodNotAllowed);
    }
    if (target.bucket === null) return fail(OSS_ERRORS.NotImplemented);
    if (!(await this.#hasBucket(target.bucket))) {
      return fail({ ...OSS_ERRORS.NoSuchBucket, extra: [["BucketName", target.bucket]] });
    }
    let identity = this.#credentials;
    if (this.#stsKeys) {
      const picked = this.#stsKeys.select(request, target.query, this.#now());
      if (picked && "error" in picked) return fail(picked.error);
      // A key outside the set (and no other identity) matches nothing: InvalidAccessKeyId.
      identity = picked?.credentials ?? identity ?? { accessKeyId: "\0", accessKeySecret: "\0" };
    }
    if (identity) {
      const error = await authenticate(
        {
          request,
          bucket: target.bucket,
          key: target.key,
          query: target.query,
          now: this.#now(),
        },
        identity,
        { region: this.#region },
      );
      if (error) return fail(error);
    }
    if (writes) return this.#write(method, target.bucket, target, request, requestId, entry, fail);
    if (target.key === "") {
      if (method !== "GET") return fail(OSS_ERRORS.NotImplemented);
      const listed = await listBucket(this.store, target.bucket, target.query);
      if ("error" in listed) return fail(listed.error);
      const xml = new TextEncoder().encode(listed.xml);
      const headers = this.#commonHeaders(requestId);
      headers.set("content-type", "application/xml");
      headers.set("content-length", String(xml.length));
      entry.status = 200;
      return new Response(xml, { status: 200, headers });
    }
    const versionId = target.query.find(([k]) => k === "versionId")?.[1] ?? null;
    const found = await this.#lookup(target.bucket, target.key, versionId);
    if (found.kind === "no-key" || found.kind === "no-bucket") {
      return fail({ ...OSS_ERRORS.NoSuchKey, extra: [["Key", target.key]] });
    }
    if (found.kind === "no-version") {
      return fail({ ...OSS_ERRORS.NoSuchVersion, extra: [["Key", target.key]] });
    }
    const object = found.object;
    const condition = evaluateConditions(request.headers, object.etag, object.lastModified);
    if (condition === "precondition-failed") return fail(OSS_ERRORS.PreconditionFailed);
    const headers = this.#objectHeaders(requestId, object);
    if (condition === "not-modified") {
      headers.set("content-type", "application/xml");
      entry.status = 304;
      return new Response(null, { status: 304, headers });
    }
    const standard = request.headers.get("x-oss-range-behavior")?.toLowerCase() === "standard";
    const range = method === "HEAD" || faults.ignoreRange
      ? { kind: "whole" as const }
      : resolveRange(entry.range, object.size, standard);
    if (range.kind === "unsatisfiable") {
      const response = fail(OSS_ERRORS.InvalidRange);
      response.headers.set("content-range", `bytes */${object.size}`);
      return response;
    }
    const [start, end] = range.kind === "partial" ? [range.start, range.end] : [0, object.size];
    const status = range.kind === "partial" ? 206 : 200;
    headers.set("content-length", String(end - start));
    if (status === 206) headers.set("content-range", `bytes ${start}-${end - 1}/${object.size}`);
    applyResponseOverrides(headers, target.query);
    entry.status = status;
    if (method === "HEAD") return new Response(null, { status, headers });
    const trafficLimit = requestedTrafficLimit(request.headers, target.query);
    if (trafficLimit === "invalid") return fail(INVALID_TRAFFIC_LIMIT);
    const sent = faultyBody(object.read(start, end), start, faults, (n) => {
      entry.bytesSent += n;
      this.#stats.bytesSent += n;
    });
    const body = trafficLimit === null ? sent : trafficLimitedBody(sent, trafficLimit);
    return new Response(body, { status, headers });
  }

  /** PutObject and DeleteObject (see `object_writes.ts`); other writes are 501. */
  async #write(
    method: string,
    bucket: string,
    target: RequestTarget,
    request: Request,
    requestId: string,
    entry: RequestLogEntry,
    fail: (spec: OssErrorSpec) => Response,
  ): Promise<Response> {
    const unsupported = unsupportedWrite(method, target.key, target.query, request.headers);
    if (unsupported) return fail(unsupported);
    const headers = this.#commonHeaders(requestId);
    headers.set("content-length", "0");
    if (method === "DELETE") {
      const error = await deleteObject(this.store, bucket, target.key);
      if (error) return fail(error);
      entry.status = 204;
      return new Response(null, { status: 204, headers });
    }
    const outcome = await putObject(this.store, bucket, target.key, request);
    if (!("headers" in outcome)) return fail(outcome);
    for (const [name, value] of outcome.headers) headers.set(name, value);
    entry.status = 200;
    return new Response(null, { status: 200, headers });
  }

  #nextRequestId(): string {
    this.#requestCounter++;
    return "6556E3AE" + this.#requestCounter.toString(16).toUpperCase().padStart(16, "0");
  }

  #commonHeaders(requestId: string): Headers {
    return new Headers({
      "x-oss-request-id": requestId,
      "date": new Date(this.#now()).toUTCString(),
      "server": "AliyunOSS",
    });
  }

  #objectHeaders(requestId: string, object: StoredObject): Headers {
    const headers = this.#commonHeaders(requestId);
    headers.set("content-type", object.contentType);
    headers.set("etag", object.etag);
    headers.set("last-modified", object.lastModified.toUTCString());
    headers.set("accept-ranges", "bytes");
    headers.set("x-oss-object-type", object.objectType);
    headers.set("x-oss-storage-class", "Standard");
    if (object.crc64 !== null) headers.set("x-oss-hash-crc64ecma", object.crc64.toString());
    if (object.versionId !== null) headers.set("x-oss-version-id", object.versionId);
    for (const [name, value] of Object.entries(object.metadata ?? {})) {
      headers.set(`x-oss-meta-${name}`, value);
    }
    return headers;
  }

  /** See `Faults.serverError`: `next` counts down global faults only; a hook's spec ignores it. */
  #shouldFail(spec: NonNullable<Faults["serverError"]>, global: boolean): boolean {
    if (global && this.#failNext > 0) {
      this.#failNext--;
      return true;
    }
    if (spec.rate !== undefined) return this.#random() < spec.rate;
    return !global || spec.next === undefined;
  }

  async #maybeChangeObject(faults: Faults, target: RequestTarget, index: number): Promise<void> {
    const change = faults.changeObject;
    if (!change || this.#changed.has(change) || index <= change.afterRequests) return;
    const bucket = change.bucket ?? target.bucket;
    const key = change.key ?? target.key;
    if (bucket === null || key === "") return;
    this.#changed.add(change);
    if (this.store.put) {
      await this.store.put(bucket, key, change.content, { lastModified: new Date(this.#now()) });
      return;
    }
    this.#overlay ??= new MemoryStore({ now: this.#now });
    await this.#overlay.put(bucket, key, change.content);
  }

  async #hasBucket(bucket: string): Promise<boolean> {
    return (await this.#overlay?.hasBucket(bucket)) || await this.store.hasBucket(bucket);
  }

  async #lookup(bucket: string, key: string, versionId: string | null): Promise<LookupResult> {
    const over = await this.#overlay?.lookup(bucket, key, versionId);
    if (over?.kind === "found") return over;
    return this.store.lookup(bucket, key, versionId);
  }
}

const OVERRIDES: [string, string][] = [
  ["response-content-type", "content-type"],
  ["response-content-language", "content-language"],
  ["response-expires", "expires"],
  ["response-cache-control", "cache-control"],
  ["response-content-disposition", "content-disposition"],
  ["response-content-encoding", "content-encoding"],
];

function applyResponseOverrides(headers: Headers, query: [string, string][]): void {
  for (const [param, header] of OVERRIDES) {
    const value = query.find(([k]) => k === param)?.[1];
    if (value !== undefined) headers.set(header, value);
  }
}
