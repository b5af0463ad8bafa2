/**
 * The store behind the OSS emulator: where objects and their metadata come from. Implementations:
 * `MemoryStore` (in memory, versioned, writable) and `DirectoryStore` (files under
 * `<root>/<bucket>/<key>`, read through a runtime adapter).
 *
 * @module
 */

/** One stored object (one version of it), as the emulator serves it. */
export interface StoredObject {
  /** Size in bytes. */
  readonly size: number;
  /** The ETag, quoted, e.g. `"5EB63BBBE01EEED093CB22BB8F5ACDC3"`. */
  readonly etag: string;
  /** Last modification time. */
  readonly lastModified: Date;
  /** CRC-64/XZ of the whole object, or `null` to send no `x-oss-hash-crc64ecma`. */
  readonly crc64: bigint | null;
  /** `x-oss-object-type`: `Normal`, `Multipart`, `Appendable`, ... */
  readonly objectType: string;
  /** `x-oss-version-id`, or `null` for an unversioned store. */
  readonly versionId: string | null;
  /** `Content-Type` to send. */
  readonly contentType: string;
  /**
   * User metadata, sent back as `x-oss-meta-<name>: <value>` (names lower-case, without the
   * prefix). @default none
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Stream bytes `[start, end)` of the object (chunked, never the whole object at once). */
  read(start: number, end: number): ReadableStream<Uint8Array>;
}

/** What a lookup found. */
export type LookupResult =
  | { kind: "found"; object: StoredObject }
  | { kind: "no-bucket" }
  | { kind: "no-key" }
  | { kind: "no-version" };

/** Options of {@linkcode ObjectStore.put}. */
export interface PutOptions {
  /** Last-Modified of the new version. @default the store's clock */
  lastModified?: Date;
  /** Send `x-oss-hash-crc64ecma` for this object. @default true */
  crc64?: boolean;
  /** `x-oss-object-type`. @default "Normal" */
  objectType?: string;
  /** ETag to use instead of the content MD5 (e.g. a multipart-style `"...-3"`). */
  etag?: string;
  /** `Content-Type`. @default "application/octet-stream" */
  contentType?: string;
  /** User metadata (`x-oss-meta-*` without the prefix, names lower-case). @default none */
  metadata?: Readonly<Record<string, string>>;
}

/** What {@linkcode ObjectStore.put} created. */
export interface PutResult {
  /** The new version's id. */
  versionId: string;
  /** The new version's ETag (quoted). */
  etag: string;
  /** CRC-64/XZ of the content (computed even when not served). */
  crc64: bigint;
}

/** One object of a bucket listing (its current version). */
export interface ListEntry {
  /** The key. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** The ETag, quoted. */
  readonly etag: string;
  /** Last modification time. */
  readonly lastModified: Date;
  /** `Normal`, `Multipart`, `Appendable`, ... */
  readonly objectType: string;
}

/** What a listing asks a store for. */
export interface ListQuery {
  /** Only keys starting with this (`""` for all). */
  prefix: string;
  /** Group keys by the part after `prefix` up to this (`""` for no grouping). */
  delimiter: string;
  /** Only items (keys and common prefixes) sorting after this, in UTF-8 byte order. */
  after: string;
  /** At most this many items (keys plus common prefixes), 1-1000. */
  maxKeys: number;
}

/** One page of a listing, in UTF-8 byte order. */
export interface ListPage {
  /** The objects listed. */
  entries: ListEntry[];
  /** The common prefixes (with a delimiter), each ending in the delimiter. */
  commonPrefixes: string[];
  /** More items follow. */
  truncated: boolean;
  /** The last item of the page (key or common prefix) when truncated, else `null`. */
  nextAfter: string | null;
}

/**
 * A source of objects for the emulator.
 *
 * @example
 * ```ts
 * import type { ObjectStore } from "./object_store.ts";
 * async function sizeOf(store: ObjectStore, bucket: string, key: string): Promise<number> {
 *   const r = await store.lookup(bucket, key, null);
 *   return r.kind === "found" ? r.object.size : -1;
 * }
 * ```
 */
export interface ObjectStore {
  /** Whether the bucket exists. */
  hasBucket(bucket: string): Promise<boolean>;
  /** Find the current version of `key` (or the version `versionId`). */
  lookup(bucket: string, key: string, versionId: string | null): Promise<LookupResult>;
  /**
   * Replace `key` with new content (keeps older versions when versioned). Optional. Throws
   * {@linkcode InvalidKeyError} for a key this store cannot hold.
   */
  put?(bucket: string, key: string, bytes: Uint8Array, options?: PutOptions): Promise<PutResult>;
  /**
   * Remove `key` (every version); nothing happens when it does not exist. Optional: without it the
   * emulator answers DeleteObject with 501. Throws {@linkcode InvalidKeyError} like `put`.
   */
  delete?(bucket: string, key: string): Promise<void>;
  /**
   * One page of the bucket's keys in UTF-8 byte order (see {@linkcode ListQuery}), or `null` when
   * the bucket does not exist. Optional: without it the emulator answers listings with 501.
   */
  list?(bucket: string, query: ListQuery): Promise<ListPage | null>;
}

/**
 * Thrown by a store's `put` or `delete` for a key it cannot hold (e.g. a directory store refuses
 * `..` segments, keys that would pass through a symbolic link, or a key naming an existing
 * directory); the emulator answers 400 `InvalidObjectName` with this message.
 *
 * @example
 * ```ts
 * import { InvalidKeyError } from "./object_store.ts";
 * const e = new InvalidKeyError("../x", "a key segment is \"..\"");
 * console.log(e.key, e.message);
 * ```
 */
export class InvalidKeyError extends RangeError {
  /** The key refused. */
  readonly key: string;
  /**
   * Build the error.
   * @param key the key refused
   * @param reason why, in a few words
   */
  constructor(key: string, reason: string) {
    super(`the key ${JSON.stringify(key)} cannot be stored here: ${reason}`);
    this.name = "InvalidKeyError";
    this.key = key;
  }
}
