/**
 * A read-only {@linkcode ObjectStore} over a directory: bucket `b`, key `k` is the file
 * `<root>/b/k` (`WritableDirectoryStore` adds PutObject and DeleteObject). A `Content-Type` and
 * `x-oss-meta-*` written by PutObject are read from a sidecar under `<root>/.ossdl-meta/`. File access goes through a {@linkcode DirectoryReader} adapter (see
 * `directory_store_node.ts`), so this file stays free of runtime APIs. ETag and CRC-64 are computed
 * in one streaming pass on first use and cached per (path, size, mtime).
 *
 * Listing walks the bucket directory recursively (only the sub-directories that can hold keys
 * under the prefix and after the cursor), sorts the keys and cuts the page out; each listed file is
 * stat'ed and hashed like a lookup, so listed ETags match what GET and HEAD send. Directories
 * reached through symbolic links are not walked (no cycles); files behind links are listed.
 *
 * @module
 */
import { compareKeys } from "../oss/key_order.ts";
import { type ContentHashes, hashBytes, hashChunks } from "./content_hash.ts";
import type {
  ListEntry,
  ListPage,
  ListQuery,
  LookupResult,
  ObjectStore,
  StoredObject,
} from "./object_store.ts";
import { pageOfSortedKeys } from "./sorted_keys.ts";
import {
  decodeSidecar,
  META_DIRECTORY,
  type ObjectSidecar,
  sidecarPath,
} from "./metadata_sidecar.ts";

/** What the adapter reports about a path. */
export interface DirectoryEntryInfo {
  /** Size in bytes. */
  size: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
  /** A regular file. */
  isFile: boolean;
  /** A directory. */
  isDirectory: boolean;
}

/** One entry of a directory, as {@linkcode DirectoryReader.readDirectory} reports it. */
export interface DirectoryChild {
  /** The entry's name (no `/`). */
  name: string;
  /** A regular file (or a link to one). */
  isFile: boolean;
  /** A directory (not a link to one). */
  isDirectory: boolean;
}

/**
 * The file access a {@linkcode DirectoryStore} needs.
 *
 * @example
 * ```ts
 * import type { DirectoryReader } from "./directory_store.ts";
 * async function exists(r: DirectoryReader, path: string): Promise<boolean> {
 *   return (await r.stat(path)) !== null;
 * }
 * ```
 */
export interface DirectoryReader {
  /** Information about `path`, or `null` when it does not exist. */
  stat(path: string): Promise<DirectoryEntryInfo | null>;
  /** Stream bytes `[start, end)` of the file at `path`, chunk by chunk. */
  readRange(path: string, start: number, end: number): ReadableStream<Uint8Array>;
  /**
   * The entries of the directory at `path` (`[]` when it is gone). Optional: a store whose reader
   * lacks it cannot list buckets.
   */
  readDirectory?(path: string): Promise<DirectoryChild[]>;
  /**
   * The whole content of a small file (a metadata sidecar), or `null` when it does not exist.
   * Optional: without it objects are served with no stored `Content-Type` or `x-oss-meta-*`.
   */
  readFile?(path: string): Promise<Uint8Array | null>;
}

/** Options of {@linkcode DirectoryStore}. */
export interface DirectoryStoreOptions {
  /**
   * Compute the content MD5 (ETag) and CRC-64 by reading each file once. When `false`, the ETag
   * is derived from size and mtime and no CRC-64 is sent (fast for huge files). @default true
   */
  checksums?: boolean;
}

const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

async function* iterate(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // A consumer that stops early (a failed hash) must not leave the file open behind the stream.
    await reader.cancel().catch(() => {});
  }
}

/**
 * Objects read from files under a root directory.
 *
 * @example
 * ```ts ignore
 * import { DirectoryStore } from "./directory_store.ts";
 * import { NodeDirectoryReader } from "./directory_store_node.ts";
 * const store = new DirectoryStore("/srv/oss", new NodeDirectoryReader());
 * console.log(await store.hasBucket("bucket"));
 * ```
 */
export class DirectoryStore implements ObjectStore {
  readonly #root: string;
  readonly #reader: DirectoryReader;
  readonly #checksums: boolean;
  readonly #cache = new Map<string, { stamp: string; hashes: Promise<ContentHashes> }>();

  /**
   * Set up a store over the files under `root`, read through `reader` (nothing is read yet).
   * @param root the directory holding one sub-directory per bucket
   * @param reader the file access adapter
   * @param options checksum behaviour
   */
  constructor(root: string, reader: DirectoryReader, options: DirectoryStoreOptions = {}) {
    this.#root = root.replace(/[\/\\]+$/, "") || "/";
    this.#reader = reader;
    this.#checksums = options.checksums ?? true;
  }

  /** Whether `<root>/<bucket>` is a directory (and a valid bucket name). */
  async hasBucket(bucket: string): Promise<boolean> {
    if (!BUCKET_RE.test(bucket)) return false;
    const info = await this.#reader.stat(`${this.#root}/${bucket}`);
    return info !== null && info.isDirectory;
  }

  /** Find the file for `key` (files are unversioned: only `versionId` `null` or `"null"`). */
  async lookup(bucket: string, key: string, versionId: string | null): Promise<LookupResult> {
    if (!(await this.hasBucket(bucket))) return { kind: "no-bucket" };
    if (!safeKey(key)) return { kind: "no-key" };
    const path = `${this.#root}/${bucket}/${key}`;
    const info = await this.#reader.stat(path);
    if (info === null || !info.isFile) return { kind: "no-key" };
    if (versionId !== null && versionId !== "null") return { kind: "no-version" };
    const hashes = await this.#hashes(path, info);
    const reader = this.#reader;
    const sidecar = await this.#sidecar(bucket, key, info);
    const object: StoredObject = {
      size: info.size,
      etag: hashes.etag,
      lastModified: new Date(Math.floor(info.mtimeMs / 1000) * 1000),
      crc64: this.#checksums ? hashes.crc64 : null,
      objectType: "Normal",
      versionId: null,
      contentType: sidecar?.contentType ?? "application/octet-stream",
      metadata: sidecar?.metadata ?? {},
      read: (start, end) => reader.readRange(path, start, end),
    };
    return { kind: "found", object };
  }

  /**
   * One page of the files under `<root>/<bucket>` as keys (`null` when the bucket does not exist).
   *
   * @throws {TypeError} when the reader has no `readDirectory`
   */
  async list(bucket: string, query: ListQuery): Promise<ListPage | null> {
    if (!(await this.hasBucket(bucket))) return null;
    const reader = this.#reader;
    if (!reader.readDirectory) {
      throw new TypeError("this DirectoryReader has no readDirectory, so buckets cannot be listed");
    }
    const { prefix, after } = query;
    const base = `${this.#root}/${bucket}`;
    const keys: string[] = [];
    const walk = async (dirKey: string): Promise<void> => {
      const path = dirKey === "" ? base : `${base}/${dirKey.slice(0, -1)}`;
      for (const child of await reader.readDirectory!(path)) {
        const key = dirKey + child.name;
        if (child.isDirectory) {
          const sub = `${key}/`;
          if (!sub.startsWith(prefix) && !prefix.startsWith(sub)) continue;
          // Every key under `sub` sorts before `after`: nothing to list there.
          if (after !== "" && compareKeys(sub, after) < 0 && !after.startsWith(sub)) continue;
          await walk(sub);
        } else if (child.isFile && key.startsWith(prefix) && safeKey(key)) {
          if (after === "" || compareKeys(key, after) > 0) keys.push(key);
        }
      }
    };
    await walk("");
    const page = pageOfSortedKeys(keys.sort(compareKeys), query);
    const entries: ListEntry[] = [];
    for (const key of page.keys) {
      const path = `${base}/${key}`;
      const info = await reader.stat(path);
      if (info === null || !info.isFile) continue; // removed since the walk
      const hashes = await this.#hashes(path, info);
      entries.push({
        key,
        size: info.size,
        etag: hashes.etag,
        lastModified: new Date(Math.floor(info.mtimeMs / 1000) * 1000),
        objectType: "Normal",
      });
    }
    return {
      entries,
      commonPrefixes: page.commonPrefixes,
      truncated: page.truncated,
      nextAfter: page.nextAfter,
    };
  }

  /** The root directory (without a trailing separator). */
  get root(): string {
    return this.#root;
  }

  /** The object's metadata sidecar (see `metadata_sidecar.ts`), when there is a valid one. */
  async #sidecar(
    bucket: string,
    key: string,
    info: DirectoryEntryInfo,
  ): Promise<ObjectSidecar | null> {
    if (!this.#reader.readFile) return null;
    const path = `${this.#root}/${META_DIRECTORY}/${await sidecarPath(bucket, key)}`;
    const bytes = await this.#reader.readFile(path);
    return bytes === null ? null : decodeSidecar(bytes, key, info.size, info.mtimeMs);
  }

  #hashes(path: string, info: DirectoryEntryInfo): Promise<ContentHashes> {
    const stamp = `${info.size}:${info.mtimeMs}`;
    if (!this.#checksums) {
      return hashBytes(new TextEncoder().encode(`${path}:${stamp}`));
    }
    const cached = this.#cache.get(path);
    if (cached && cached.stamp === stamp) return cached.hashes;
    const hashes = hashChunks(iterate(this.#reader.readRange(path, 0, info.size)));
    this.#cache.set(path, { stamp, hashes });
    hashes.catch(() => this.#cache.delete(path));
    return hashes;
  }
}

/**
 * Whether `key` maps to a path inside its bucket directory: not empty, no NUL or backslash, and no
 * empty, `.` or `..` segment. Every read and write of a directory store goes through this check.
 *
 * @example
 * ```ts
 * import { safeKey } from "./directory_store.ts";
 * console.log(safeKey("dir/a.txt"), safeKey("../etc/passwd"), safeKey("a//b")); // true false false
 * ```
 */
export function safeKey(key: string): boolean {
  if (key === "" || key.includes("\0") || key.includes("\\")) return false;
  return key.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}
