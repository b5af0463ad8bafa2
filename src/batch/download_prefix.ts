/**
 * `downloadPrefix()`: every object under an OSS key prefix into a directory, resumable and
 * verified. The listing streams (ListObjectsV2, one page at a time, through a bounded queue) into
 * `jobs` workers that run {@linkcode download} per object, all under one cap on open connections.
 * A durable manifest in the directory records each finished object, so running the same call
 * again skips what is complete and unchanged, resumes big objects from their journals, and
 * fetches again what changed on the server. One bad object (a refused key, a denied object, a CRC
 * mismatch) is reported and the others go on.
 *
 * @module
 */
import { AbortedError, ObjectChangedError, OssdlError, OssServiceError } from "../errors.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import type { FileSystem } from "../fs/file_system.ts";
import { ensureDirectory } from "../fs/ensure_directory.ts";
import { NoSyncFileSystem } from "../fs/no_sync_file_system.ts";
import { ConnectionSlots } from "../download/connection_slots.ts";
import { download } from "../download/download.ts";
import { acquireLock, LOCK_SUFFIX } from "../download/download_lock.ts";
import {
  DEFAULTS,
  type DownloadNotice,
  type DownloadOptions,
  type Durability,
} from "../download/options.ts";
import { createObjectSource } from "../oss/create_object_source.ts";
import { limitedFetch } from "../throttle/limited_fetch.ts";
import { fileCrc64 } from "../verify/file_crc64.ts";
import { dirname } from "../path.ts";
import { type ListedObject, listObjects } from "../oss/list_objects.ts";
import { parseOssPrefix } from "../oss/parse_oss_prefix.ts";
import { readEnv } from "../runtime/env.ts";
import { endpointAndRegion, lookUpCredentials } from "../credentials/credential_lookup.ts";
import type { CredentialLookupOptions } from "../credentials/credential_lookup.ts";
import type { CredentialsRefresher } from "../credentials/credentials_refresher.ts";
import { processProbe } from "../runtime/process_probe.ts";
import { compileFilters, type FilterRule } from "./glob_filter.ts";
import { PathClaims, relativePathForKey } from "./key_path.ts";
import { Manifest, MANIFEST_NAME, type ManifestRecord } from "./manifest.ts";
import { inShard, type Shard } from "./shard.ts";
import { ManifestWriter } from "./manifest_writer.ts";
import { BoundedQueue } from "./bounded_queue.ts";
import { DirectorySyncs } from "./directory_syncs.ts";
import { fetchSmallObject, StagePool } from "./small_object.ts";

/** What happened to one object. */
export interface ObjectOutcome {
  /** The object key. */
  key: string;
  /** The local path, relative to the directory ("" when the key cannot be one). */
  path: string;
  /** `done` (downloaded and verified, or a directory created), `skipped` (already complete), `failed`. */
  status: "done" | "skipped" | "failed";
  /** The object's size. */
  bytes: number;
  /** CRC-64 of the local file (decimal), when known. */
  crc64: string | null;
  /**
   * `true` for a download whose CRC-64 matched the server's `x-oss-hash-crc64ecma`; `false` when
   * the server gave none (the CRC-64 was computed locally), and for skipped and failed objects.
   */
  verified: boolean;
  /** Why it was skipped or failed, in one sentence. */
  reason?: string;
  /** For `failed`: the error's stable code, and the OSS Code and RequestId when OSS answered. */
  error?: { code: string; message: string; ossCode?: string; requestId?: string };
}

/** Progress of a prefix download. */
export interface PrefixProgress {
  /** Objects finished (done, skipped or failed). */
  objectsDone: number;
  /** Objects selected so far (grows while the listing runs). */
  objectsTotal: number;
  /** `true` once the listing has ended: `objectsTotal` is final. */
  listingDone: boolean;
  /** Bytes of finished objects plus the bytes of those in flight. */
  bytesDone: number;
  /** Bytes of the objects selected so far. */
  bytesTotal: number;
  /** Bytes fetched per second since the start. */
  bytesPerSecond: number;
  /** Seconds to go, once the listing has ended, or `null`. */
  etaSeconds: number | null;
  /** The largest transfers in flight (at most 3). */
  inFlight: { key: string; bytesDone: number; bytesTotal: number }[];
}

/**
 * Options of {@linkcode downloadPrefix}. The credentials are looked up once, and one refresher is
 * shared by the listing and every object's requests.
 */
export interface PrefixDownloadOptions extends CredentialLookupOptions {
  /** `oss://bucket/prefix` (the prefix need not end with `/`; empty is the whole bucket). */
  source: string;
  /** The directory to download into (created when missing). */
  directory: string;
  /** Region id such as `cn-hangzhou`. */
  region?: string;
  /** Endpoint such as `oss-cn-hangzhou.aliyuncs.com` or `http://127.0.0.1:9000`. */
  endpoint?: string;
  /** Signature version. @default "v4" */
  signatureVersion?: "v1" | "v4";
  /** Use path-style addressing. @default false (automatic for IP and localhost endpoints) */
  pathStyle?: boolean;
  /** `--include` / `--exclude` globs on the local relative path, in the order given. */
  filters?: FilterRule[];
  /** Only the keys of this share (`--shard K/N`). */
  shard?: Shard;
  /**
   * Objects downloaded at once. Small objects (at most one part) spend most of their time waiting
   * for the disk (fsync), so many at once keep the connections busy. @default 64
   */
  jobs?: number;
  /**
   * Big objects (more than one part, each with its parallel parts, buffers and writer thread)
   * downloaded at once, at most (and at most `jobs`). Two of 8 parts take the 16 connections.
   * @default 2
   */
  bigJobs?: number;
  /** Open connections at most, over all objects. @default 16 */
  maxConnections?: number;
  /** Compare files without a manifest record by CRC-64 with the server's, and keep equal ones. */
  checksum?: boolean;
  /** Download every object again, complete or not. @default false */
  force?: boolean;
  /**
   * Treat paths that differ only in case as the same file (two such keys: the second is reported,
   * not written over the first). @default found out by a probe file in `directory`
   */
  caseInsensitive?: boolean;
  /** Part size, parts per object, timeouts, retries, file system, fetch: as for `download()`. */
  partSize?: number;
  /** Parts fetched at once per object (also capped by `maxConnections`). @default 8 */
  concurrency?: number;
  /** See `download()`. */
  maxAttempts?: number;
  /** See `download()`. */
  retryBaseDelayMs?: number;
  /** See `download()`. */
  connectTimeoutMs?: number;
  /** See `download()`. */
  idleTimeoutMs?: number;
  /** See `download()`. */
  chunkSize?: number;
  /** See `download()`. */
  writeInWorker?: boolean;
  /**
   * `"none"`: no fsync at all (objects, journals, the manifest, directories), as `download()`'s
   * `durability`. @default "full"
   */
  durability?: Durability;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** One bandwidth limit for every object and part: see `download()`. @default undefined */
  rateLimiter?: DownloadOptions["rateLimiter"];
  /** `x-oss-traffic-limit` in bit/s on every GET: see `download()`. @default undefined */
  trafficLimit?: number;
  /** The file system. @default picked by runtime */
  fs?: FileSystem;
  /** Environment lookup for credentials. @default the process environment */
  env?: (name: string) => string | undefined;
  /** Stops everything, leaving a resumable state. */
  signal?: AbortSignal;
  /** Told once per object, when it is done, skipped or failed. */
  onObject?: (outcome: ObjectOutcome) => void;
  /** Told a few times a second. */
  onProgress?: (progress: PrefixProgress) => void;
  /** Notices of the objects' downloads (retries, restarts), with their key. */
  onNotice?: (notice: DownloadNotice & { key?: string }) => void;
  /** Minimum ms between progress reports. @default 250 */
  progressIntervalMs?: number;
}

/** What {@linkcode downloadPrefix} returns. */
export interface PrefixDownloadResult {
  /** Objects selected (after filters and shard). */
  objects: number;
  /** Downloaded (or directories created). */
  done: number;
  /** Already complete. */
  skipped: number;
  /** Failed (the others are complete). */
  failed: number;
  /** Downloaded, but not verified: the server gave no CRC-64 for them. */
  unverified: number;
  /** Bytes of the selected objects. */
  bytes: number;
  /** Bytes fetched from the network in this run. */
  bytesFetched: number;
  /** Wall time in ms. */
  durationMs: number;
  /** The first 1000 failures. */
  failures: ObjectOutcome[];
}

/** The defaults (see the bench README for how they were chosen). */
export const PREFIX_DEFAULTS = { jobs: 64, maxConnections: 16, bigJobs: 2 } as const;

/** Listed objects waiting for a worker at most (memory stays flat however many keys). */
const QUEUE_LIMIT = 2000;
/** Directories known to exist, remembered at most (then forgotten and created again: harmless). */
const KNOWN_DIRECTORIES_LIMIT = 10_000;
const MAX_FAILURES_KEPT = 1000;

/**
 * Download every object under `oss://bucket/prefix` into `directory`.
 *
 * @example
 * ```ts ignore
 * import { downloadPrefix } from "./download_prefix.ts";
 * const result = await downloadPrefix({
 *   source: "oss://my-bucket/datasets/2024/",
 *   directory: "./data",
 *   region: "cn-hangzhou",
 *   filters: [{ exclude: "*" }, { include: "**\/*.parquet" }],
 *   onObject: (o) => console.log(o.status, o.key),
 * });
 * console.log(result.done, result.skipped, result.failed);
 * ```
 */
export async function downloadPrefix(
  options: PrefixDownloadOptions,
): Promise<PrefixDownloadResult> {
  const started = performance.now();
  if (typeof options.directory !== "string" || options.directory === "") {
    throw new TypeError("directory must be a non-empty path");
  }
  const jobs = positive("jobs", options.jobs ?? PREFIX_DEFAULTS.jobs);
  const bigSlots = new ConnectionSlots(
    Math.min(jobs, positive("bigJobs", options.bigJobs ?? PREFIX_DEFAULTS.bigJobs)),
  );
  const slots = new ConnectionSlots(
    positive("maxConnections", options.maxConnections ?? PREFIX_DEFAULTS.maxConnections),
  );
  const { bucket, prefix } = parseOssPrefix(options.source);
  const filter = compileFilters(options.filters ?? []);
  const given = options.fs ?? await defaultFileSystem();
  // Skips the syncs of the small-object path, the manifest and the directories at once.
  const fs = options.durability === "none" ? NoSyncFileSystem.wrap(given) : given;
  const root = options.directory.replace(/[\\/]+$/, "") || "/";
  const env = options.env ?? readEnv;
  // One lookup and one refresher for the listing and every object: one refresh at a time for all.
  const found = await lookUpCredentials(options, { fs, env, fetch: options.fetch });
  const resolved: PrefixDownloadOptions = {
    ...options,
    ...endpointAndRegion(options, found),
    credentials: found.refresher,
    onCredentials: undefined,
    // One limit for every request of the run (listing, small and big objects), applied once here.
    fetch: limitedFetch(options.fetch, options.rateLimiter) as typeof fetch | undefined,
    rateLimiter: undefined,
  };
  await ensureDirectory(fs, root);
  const manifestPath = `${root}/${MANIFEST_NAME}`;
  const releaseLock = await acquireLock(fs, manifestPath + LOCK_SUFFIX, processProbe());
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  let manifest: Manifest | null = null;
  try {
    const caseInsensitive = options.caseInsensitive ?? await foldsCase(fs, root);
    manifest = await Manifest.open(fs, manifestPath);
    const run = new PrefixRun({ ...resolved, caseInsensitive }, {
      fs,
      root,
      bucket,
      prefix,
      filter,
      jobs,
      slots,
      bigSlots,
      env,
      manifest,
      writer: new ManifestWriter(manifest),
      syncs: new DirectorySyncs(fs),
      signal: stop.signal,
      started,
    });
    return await run.run();
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await manifest?.close().catch(() => {});
    await releaseLock();
  }
}

/**
 * Whether the file system of `directory` takes `A` and `a` for the same name: a probe file with a
 * fixed name (no key can map to it: names ending in `.ossdl-<word>` are refused), so one left by
 * a killed run is simply reused. Called under the directory's lock.
 */
async function foldsCase(fs: FileSystem, directory: string): Promise<boolean> {
  const probe = `${directory}/.ossdl-case`;
  await fs.remove(probe);
  const file = await fs.open(probe, { exclusive: true });
  await file.close();
  try {
    return (await fs.stat(`${directory}/.OSSDL-CASE`)) !== null;
  } finally {
    await fs.remove(probe);
  }
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

interface RunContext {
  fs: FileSystem;
  root: string;
  bucket: string;
  prefix: string;
  filter: (path: string) => boolean;
  jobs: number;
  slots: ConnectionSlots;
  /** Big objects at once. */
  bigSlots: ConnectionSlots;
  env: (name: string) => string | undefined;
  manifest: Manifest;
  writer: ManifestWriter;
  syncs: DirectorySyncs;
  signal: AbortSignal;
  started: number;
}

/** A listed object chosen for this run, with its local path. */
interface Selected {
  object: ListedObject;
  /** Relative path, or the reason it cannot be one. */
  path: string;
  refused: string | null;
  directory: boolean;
}

/** One run of a prefix download: the listing, the workers, the counters. */
class PrefixRun {
  #o: PrefixDownloadOptions;
  #c: RunContext;
  #queue = new BoundedQueue<Selected>(QUEUE_LIMIT);
  #claims: PathClaims;
  #objectsTotal = 0;
  #objectsDone = 0;
  #listingDone = false;
  #bytesTotal = 0;
  #bytesFinished = 0;
  #bytesFetched = 0;
  #done = 0;
  #skipped = 0;
  #failed = 0;
  #unverified = 0;
  #failures: ObjectOutcome[] = [];
  #inFlight = new Map<string, { bytesDone: number; bytesTotal: number }>();
  #lastReport = 0;
  #knownDirectories = new Set<string>();
  /** At most one staging buffer per connection is in use; as many are kept. */
  #stages: StagePool;

  constructor(options: PrefixDownloadOptions, context: RunContext) {
    this.#o = options;
    this.#c = context;
    this.#claims = new PathClaims({ caseInsensitive: options.caseInsensitive ?? false });
    this.#stages = new StagePool(context.slots.size);
  }

  async run(): Promise<PrefixDownloadResult> {
    const listing = this.#list().finally(() => this.#queue.close());
    const workers = Array.from({ length: this.#c.jobs }, () => this.#work());
    // Every worker and the listing settle before the first error is rethrown.
    const settled = await Promise.allSettled([listing, ...workers]);
    await this.#c.writer.flush();
    const failure = settled.find((s) => s.status === "rejected") as
      | PromiseRejectedResult
      | undefined;
    if (failure) throw failure.reason;
    if (this.#c.signal.aborted) throw new AbortedError();
    this.#report(true);
    return {
      objects: this.#objectsTotal,
      done: this.#done,
      skipped: this.#skipped,
      failed: this.#failed,
      unverified: this.#unverified,
      bytes: this.#bytesTotal,
      bytesFetched: this.#bytesFetched,
      durationMs: performance.now() - this.#c.started,
      failures: this.#failures,
    };
  }

  /** The listing, filtered and sharded, into the queue (waits while the queue is full). */
  async #list(): Promise<void> {
    const o = this.#o;
    const pages = listObjects(this.#c.bucket, {
      prefix: this.#c.prefix,
      endpoint: o.endpoint,
      region: o.region,
      signatureVersion: o.signatureVersion,
      // downloadPrefix() replaced the caller's credentials by the shared refresher (or null).
      credentials: o.credentials as CredentialsRefresher | null,
      pathStyle: o.pathStyle,
      env: this.#c.env,
      fetch: o.fetch,
      retry: { maxAttempts: o.maxAttempts, baseDelayMs: o.retryBaseDelayMs },
      connectTimeoutMs: o.connectTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      signal: this.#c.signal,
    });
    try {
      for await (const page of pages) {
        for (const object of page) {
          if (this.#c.signal.aborted) return;
          if (o.shard && !inShard(object.key, o.shard)) continue;
          const mapped = relativePathForKey(object.key, this.#c.prefix);
          let selected: Selected;
          if ("error" in mapped) {
            selected = { object, path: "", refused: mapped.error, directory: false };
          } else {
            if (mapped.path !== "" && !this.#c.filter(mapped.path)) continue;
            selected = {
              object,
              path: mapped.path,
              refused: null,
              directory: "skip" in mapped,
            };
          }
          this.#objectsTotal++;
          this.#bytesTotal += object.size;
          await this.#queue.push(selected, this.#c.signal);
        }
      }
    } finally {
      this.#listingDone = true;
    }
  }

  async #work(): Promise<void> {
    for (;;) {
      const item = await this.#queue.take();
      if (item === undefined || this.#c.signal.aborted) return;
      const outcome = await this.#one(item);
      if (outcome === null) return; // stopped
      this.#finish(outcome);
    }
  }

  /** Handle one object; `null` when the run was stopped meanwhile. */
  async #one(item: Selected): Promise<ObjectOutcome | null> {
    const { object } = item;
    const base = { key: object.key, path: item.path, bytes: object.size, verified: false };
    if (item.refused !== null) {
      return {
        ...base,
        status: "failed",
        crc64: null,
        reason: item.refused,
        error: { code: "UNSAFE_KEY", message: `the key cannot be a local path: ${item.refused}` },
      };
    }
    const collision = this.#claimPath(item);
    if (collision !== null) {
      return {
        ...base,
        status: "failed",
        crc64: null,
        reason: collision,
        error: { code: "PATH_COLLISION", message: collision },
      };
    }
    const destination = item.path === "" ? this.#c.root : `${this.#c.root}/${item.path}`;
    if (item.directory) {
      await ensureDirectory(this.#c.fs, destination);
      return {
        ...base,
        status: "done",
        crc64: null,
        reason: "directory marker: directory created",
      };
    }
    let kept: ManifestRecord | null;
    try {
      kept = await this.#alreadyComplete(object, destination);
    } catch {
      // The file could not be checked (it vanished, a read failed): download it again; a real
      // problem with the path shows up there, as this object's failure, not the run's.
      if (this.#c.signal.aborted) return null;
      kept = null;
    }
    if (kept) return { ...base, status: "skipped", crc64: kept.crc64, reason: "already complete" };
    this.#inFlight.set(object.key, { bytesDone: 0, bytesTotal: object.size });
    try {
      if (await this.#isSmall(object, destination)) {
        const small = await this.#small(object, destination).catch((error) => {
          // Not the listed object any more (412, another size): the full path HEADs it afresh.
          if (error instanceof ObjectChangedError && !this.#c.signal.aborted) return null;
          throw error;
        });
        if (small !== null) {
          await this.#record(object.key, item.path, destination, {
            size: object.size,
            etag: small.etag ?? object.etag,
            crc64: small.crc64.toString(),
          });
          return {
            ...base,
            status: "done",
            crc64: small.crc64.toString(),
            verified: small.verified,
          };
        }
      }
      const release = await this.#c.bigSlots.acquire(this.#c.signal);
      let result;
      try {
        result = await download(this.#downloadOptions(object, destination));
      } finally {
        release();
      }
      this.#bytesFetched += result.bytesFetched;
      // What was downloaded: the listed object, or what it became meanwhile (the next listing
      // shows that one, so the next run skips it).
      await this.#record(object.key, item.path, destination, {
        size: result.bytes,
        etag: result.etag ?? object.etag,
        crc64: result.crc64,
      });
      return result.upToDate
        ? {
          ...base,
          status: "skipped",
          crc64: result.crc64,
          verified: false,
          reason: "same CRC-64 as the server's",
        }
        : { ...base, status: "done", crc64: result.crc64, verified: result.verified };
    } catch (error) {
      if (this.#c.signal.aborted) return null;
      return { ...base, status: "failed", crc64: null, ...describeFailure(error) };
    } finally {
      this.#inFlight.delete(object.key);
    }
  }

  /** Append the object's manifest record (durable when this resolves). */
  async #record(
    key: string,
    path: string,
    destination: string,
    object: { size: number; etag: string | null; crc64: string },
  ): Promise<void> {
    const info = await this.#c.fs.stat(destination);
    await this.#c.writer.add({
      key,
      size: object.size,
      etag: object.etag,
      crc64: object.crc64,
      localSize: object.size,
      mtimeMs: info?.mtimeMs ?? null,
      path,
      // Without fsync a power cut may leave other bytes under the same size and time.
      ...(this.#o.durability === "none" ? { unsynced: true } : {}),
    });
  }

  /**
   * Whether the object takes the small path: at most one part, not empty, and (with `--checksum`)
   * no file already at the destination to compare first.
   */
  async #isSmall(object: ListedObject, destination: string): Promise<boolean> {
    const partSize = this.#o.partSize ?? DEFAULTS.partSize;
    if (object.size === 0 || object.size > partSize) return false;
    if (this.#o.checksum === true && this.#o.force !== true) {
      return (await this.#c.fs.stat(destination)) === null;
    }
    return true;
  }

  /** One GET into a temporary file, verified, durable, renamed (see small_object.ts). */
  async #small(object: ListedObject, destination: string) {
    const o = this.#o;
    const directory = dirname(destination);
    if (!this.#knownDirectories.has(directory)) {
      await ensureDirectory(this.#c.fs, directory);
      if (this.#knownDirectories.size >= KNOWN_DIRECTORIES_LIMIT) this.#knownDirectories.clear();
      this.#knownDirectories.add(directory);
    }
    const source = createObjectSource({ bucket: this.#c.bucket, key: object.key }, {
      endpoint: o.endpoint,
      region: o.region,
      signatureVersion: o.signatureVersion,
      // downloadPrefix() replaced the caller's credentials by the shared refresher (or null).
      credentials: o.credentials as CredentialsRefresher | null,
      env: this.#c.env,
      pathStyle: o.pathStyle,
      fetch: o.fetch,
      trafficLimit: o.trafficLimit,
      connectTimeoutMs: o.connectTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
    });
    const result = await fetchSmallObject({
      source,
      fs: this.#c.fs,
      destination,
      directory,
      size: object.size,
      etag: object.etag || null,
      slots: this.#c.slots,
      syncs: this.#c.syncs,
      stages: this.#stages,
      maxAttempts: o.maxAttempts ?? DEFAULTS.maxAttempts,
      retryBaseDelayMs: o.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
      signal: this.#c.signal,
      onReceived: (bytes) => {
        this.#bytesFetched += bytes;
        const entry = this.#inFlight.get(object.key);
        if (entry) entry.bytesDone += bytes;
        this.#report(false);
      },
      onRetry: (error, attempt, delayMs) =>
        o.onNotice?.({
          code: "RETRY",
          message: `${error instanceof Error ? error.message : String(error)}; retry ${attempt} ` +
            `in ${Math.round(delayMs)} ms`,
          key: object.key,
        }),
    });
    return result;
  }

  #downloadOptions(object: ListedObject, destination: string): DownloadOptions {
    const o = this.#o;
    return {
      source: { bucket: this.#c.bucket, key: object.key },
      destination,
      endpoint: o.endpoint,
      region: o.region,
      signatureVersion: o.signatureVersion,
      credentials: o.credentials,
      pathStyle: o.pathStyle,
      env: this.#c.env,
      fetch: o.fetch, // limited already (see downloadPrefix)
      trafficLimit: o.trafficLimit,
      fs: this.#c.fs,
      partSize: o.partSize,
      concurrency: Math.min(o.concurrency ?? 8, this.#c.slots.size),
      chunkSize: o.chunkSize,
      maxAttempts: o.maxAttempts,
      retryBaseDelayMs: o.retryBaseDelayMs,
      connectTimeoutMs: o.connectTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      writeInWorker: o.writeInWorker,
      durability: o.durability,
      connectionSlots: this.#c.slots,
      // A file without a manifest record is compared by CRC-64 only with --checksum.
      force: o.force === true || o.checksum !== true,
      signal: this.#c.signal,
      progressIntervalMs: 100,
      onProgress: (p) => {
        const entry = this.#inFlight.get(object.key);
        if (entry) entry.bytesDone = p.bytesDone;
        this.#report(false);
      },
      onNotice: (n) => this.#o.onNotice?.({ ...n, key: object.key }),
    };
  }

  /** The manifest says this object is complete and the file is still what was written. */
  async #alreadyComplete(
    object: ListedObject,
    destination: string,
  ): Promise<ManifestRecord | null> {
    if (this.#o.force) return null;
    const record = this.#c.manifest.get(object.key);
    if (!record || record.size !== object.size || record.etag !== object.etag) return null;
    const info = await this.#c.fs.stat(destination);
    if (!info?.isFile || info.size !== record.localSize) return null;
    if (record.mtimeMs !== null && info.mtimeMs !== undefined && info.mtimeMs !== record.mtimeMs) {
      return null;
    }
    if (record.unsynced) return await this.#checkUnsynced(record, destination);
    return record;
  }

  /**
   * A file recorded by a run without fsync is trusted only when its bytes still have the recorded
   * CRC-64 (a power cut can leave zeros or old bytes under the same size and time). With fsync on
   * this time, it is then made durable and recorded as such, so later runs skip it cheaply.
   */
  async #checkUnsynced(
    record: ManifestRecord,
    destination: string,
  ): Promise<ManifestRecord | null> {
    const { fs } = this.#c;
    const { crc64, bytes } = await fileCrc64(destination, { fs, signal: this.#c.signal });
    if (bytes !== record.localSize || crc64.toString() !== record.crc64) return null;
    if (this.#o.durability === "none") return record;
    const file = await fs.open(destination, {});
    try {
      await file.datasync();
    } finally {
      await file.close();
    }
    await this.#c.syncs.sync(dirname(destination));
    const { unsynced: _, ...durable } = record;
    await this.#c.writer.add(durable);
    return durable;
  }

  /** Claim the path and its parent directories; a reason when another key has it. */
  #claimPath(item: Selected): string | null {
    const parts = item.path.split("/").filter((p) => p !== "");
    for (let i = 1; i < parts.length; i++) {
      const reason = this.#claims.claim(parts.slice(0, i).join("/"), "dir");
      if (reason !== null) return reason;
    }
    if (parts.length === 0) return null;
    return this.#claims.claim(parts.join("/"), item.directory ? "dir" : "file");
  }

  #finish(outcome: ObjectOutcome): void {
    this.#objectsDone++;
    this.#bytesFinished += outcome.bytes;
    if (outcome.status === "done") {
      this.#done++;
      if (!outcome.verified && !outcome.reason) this.#unverified++;
    } else if (outcome.status === "skipped") this.#skipped++;
    else {
      this.#failed++;
      if (this.#failures.length < MAX_FAILURES_KEPT) this.#failures.push(outcome);
    }
    this.#o.onObject?.(outcome);
    this.#report(false);
  }

  #report(final: boolean): void {
    const listener = this.#o.onProgress;
    if (!listener) return;
    const now = performance.now();
    if (!final && now - this.#lastReport < (this.#o.progressIntervalMs ?? 250)) return;
    this.#lastReport = now;
    let inFlightBytes = 0;
    for (const t of this.#inFlight.values()) inFlightBytes += t.bytesDone;
    const seconds = (now - this.#c.started) / 1000;
    const rate = seconds > 0 ? this.#bytesFetched / seconds : 0;
    const bytesDone = this.#bytesFinished + inFlightBytes;
    const left = this.#bytesTotal - bytesDone;
    const inFlight = [...this.#inFlight.entries()]
      .map(([key, t]) => ({ key, ...t }))
      .sort((a, b) => b.bytesTotal - a.bytesTotal)
      .slice(0, 3);
    listener({
      objectsDone: this.#objectsDone,
      objectsTotal: this.#objectsTotal,
      listingDone: this.#listingDone,
      bytesDone,
      bytesTotal: this.#bytesTotal,
      bytesPerSecond: rate,
      etaSeconds: this.#listingDone && rate > 0 ? Math.max(0, left) / rate : null,
      inFlight,
    });
  }
}

function describeFailure(error: unknown): Pick<ObjectOutcome, "reason" | "error"> {
  if (error instanceof OssServiceError) {
    return {
      reason: error.message,
      error: {
        code: error.code,
        message: error.message,
        ossCode: error.ossCode,
        requestId: error.requestId,
      },
    };
  }
  if (error instanceof OssdlError) {
    // A give-up after retries keeps the Code and RequestId of the last answer from OSS.
    const last = error.cause;
    const oss = last instanceof OssServiceError
      ? { ossCode: last.ossCode, requestId: last.requestId }
      : {};
    return { reason: error.message, error: { code: error.code, message: error.message, ...oss } };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof TypeError || error instanceof RangeError
    ? "BAD_ARGUMENT"
    : "UNEXPECTED";
  return { reason: message, error: { code, message } };
}
