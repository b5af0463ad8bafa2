/**
 * An in-memory, versioned {@linkcode ObjectStore} for tests: `put` creates a new version and keeps
 * the older ones (selectable with `?versionId=`). Listing keeps one sorted array of keys per bucket
 * (appended to while keys arrive in order, re-sorted once after an out-of-order key) and pages
 * through it by binary search, so a million keys list without a copy per page.
 *
 * @module
 */
import { compareKeys } from "../oss/key_order.ts";
import { hashBytes } from "./content_hash.ts";
import type {
  ListPage,
  ListQuery,
  LookupResult,
  ObjectStore,
  PutOptions,
  PutResult,
  StoredObject,
} from "./object_store.ts";
import { pageOfSortedKeys } from "./sorted_keys.ts";

/** Options of {@linkcode MemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock for Last-Modified, in ms since the epoch. @default Date.now */
  now?: () => number;
  /** Size of the chunks bodies are streamed in. @default 65536 */
  chunkSize?: number;
}

/** Shared by every empty object (a typed array per object costs hundreds of bytes). */
const EMPTY = new Uint8Array(0);

class MemoryObject implements StoredObject {
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  readonly crc64: bigint | null;
  readonly objectType: string;
  readonly versionId: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly #bytes: Uint8Array;
  readonly #chunkSize: number;

  constructor(
    bytes: Uint8Array,
    meta: Omit<StoredObject, "size" | "read"> & { versionId: string },
    chunkSize: number,
  ) {
    this.#bytes = bytes;
    this.#chunkSize = chunkSize;
    this.size = bytes.length;
    this.etag = meta.etag;
    this.lastModified = meta.lastModified;
    this.crc64 = meta.crc64;
    this.objectType = meta.objectType;
    this.versionId = meta.versionId;
    this.contentType = meta.contentType;
    this.metadata = meta.metadata ?? {};
  }

  read(start: number, end: number): ReadableStream<Uint8Array> {
    const bytes = this.#bytes;
    const chunkSize = this.#chunkSize;
    let pos = start;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pos >= end) {
          controller.close();
          return;
        }
        const next = Math.min(end, pos + chunkSize);
        controller.enqueue(bytes.slice(pos, next));
        pos = next;
      },
    }, { highWaterMark: 0 });
  }
}

/**
 * Objects held in memory, with versions.
 *
 * @example
 * ```ts
 * import { MemoryStore } from "./memory_store.ts";
 * const store = new MemoryStore();
 * const { etag, versionId } = await store.put("bucket", "dir/a.bin", new Uint8Array([1, 2, 3]));
 * const found = await store.lookup("bucket", "dir/a.bin", versionId);
 * console.log(etag, found.kind); // "5289DF737DF57326FCDD22597AFB1FAC" found
 * ```
 */
export class MemoryStore implements ObjectStore {
  readonly #buckets = new Map<string, Map<string, MemoryObject[]>>();
  /** Per bucket, its keys in UTF-8 byte order; missing when it must be rebuilt. */
  readonly #sorted = new Map<string, string[]>();
  readonly #now: () => number;
  readonly #chunkSize: number;
  #versionCounter = 0;

  /**
   * Set up an empty store (no buckets) with the given clock and body chunk size.
   * @param options clock and chunk size
   */
  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#chunkSize = options.chunkSize ?? 65536;
  }

  /** Create an empty bucket (`put` creates buckets too). */
  createBucket(bucket: string): void {
    if (!this.#buckets.has(bucket)) this.#buckets.set(bucket, new Map());
  }

  /** Whether the bucket exists. */
  hasBucket(bucket: string): Promise<boolean> {
    return Promise.resolve(this.#buckets.has(bucket));
  }

  /** Find the current version of `key`, or the given version. */
  lookup(bucket: string, key: string, versionId: string | null): Promise<LookupResult> {
    const objects = this.#buckets.get(bucket);
    if (!objects) return Promise.resolve({ kind: "no-bucket" });
    const versions = objects.get(key);
    if (!versions || versions.length === 0) return Promise.resolve({ kind: "no-key" });
    if (versionId === null) {
      return Promise.resolve({ kind: "found", object: versions[versions.length - 1] });
    }
    const v = versions.find((o) => o.versionId === versionId);
    return Promise.resolve(v ? { kind: "found", object: v } : { kind: "no-version" });
  }

  /** Store a new version of `key` (the bytes are copied). */
  async put(
    bucket: string,
    key: string,
    bytes: Uint8Array,
    options: PutOptions = {},
  ): Promise<PutResult> {
    const copy = bytes.length === 0 ? EMPTY : bytes.slice();
    const hashes = await hashBytes(copy);
    const versionId = this.#nextVersionId();
    const lastModified = options.lastModified ??
      new Date(Math.floor(this.#now() / 1000) * 1000);
    const etag = options.etag ?? hashes.etag;
    const object = new MemoryObject(copy, {
      etag,
      lastModified,
      crc64: options.crc64 === false ? null : hashes.crc64,
      objectType: options.objectType ?? "Normal",
      versionId,
      contentType: options.contentType ?? "application/octet-stream",
      metadata: { ...options.metadata },
    }, this.#chunkSize);
    this.createBucket(bucket);
    const objects = this.#buckets.get(bucket)!;
    const versions = objects.get(key);
    if (versions) {
      versions.push(object);
    } else {
      objects.set(key, [object]);
      const sorted = this.#sorted.get(bucket);
      if (sorted && (sorted.length === 0 || compareKeys(key, sorted[sorted.length - 1]) > 0)) {
        sorted.push(key);
      } else {
        this.#sorted.delete(bucket);
      }
    }
    return { versionId, etag, crc64: hashes.crc64 };
  }

  /** Remove `key` and all its versions (nothing happens when it does not exist). */
  delete(bucket: string, key: string): Promise<void> {
    if (this.#buckets.get(bucket)?.delete(key)) this.#sorted.delete(bucket);
    return Promise.resolve();
  }

  /** One page of the bucket's current objects (`null` when the bucket does not exist). */
  list(bucket: string, query: ListQuery): Promise<ListPage | null> {
    const objects = this.#buckets.get(bucket);
    if (!objects) return Promise.resolve(null);
    let sorted = this.#sorted.get(bucket);
    if (!sorted) {
      sorted = [...objects.keys()].sort(compareKeys);
      this.#sorted.set(bucket, sorted);
    }
    const page = pageOfSortedKeys(sorted, query);
    const entries = page.keys.map((key) => {
      const versions = objects.get(key)!;
      const o = versions[versions.length - 1];
      return {
        key,
        size: o.size,
        etag: o.etag,
        lastModified: o.lastModified,
        objectType: o.objectType,
      };
    });
    return Promise.resolve({
      entries,
      commonPrefixes: page.commonPrefixes,
      truncated: page.truncated,
      nextAfter: page.nextAfter,
    });
  }

  #nextVersionId(): string {
    this.#versionCounter++;
    const n = this.#versionCounter.toString(16).toUpperCase().padStart(8, "0");
    return `CAEQ${n}GIDEMULATOR${n}`;
  }
}
