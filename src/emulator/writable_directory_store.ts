/**
 * A {@linkcode DirectoryStore} that also takes PutObject and DeleteObject: `put` writes
 * `<root>/<bucket>/<key>` atomically (a temporary file under `<root>/.ossdl-meta/tmp`, synced, then
 * renamed into place) and records the `Content-Type` and `x-oss-meta-*` in a sidecar (see
 * `metadata_sidecar.ts`); `delete` removes the file, its sidecar and the directories it leaves
 * empty. A key is written only when {@linkcode safeKey} accepts it and no directory on its way
 * below the bucket is a symbolic link (checked by the {@linkcode DirectoryWriter}), so no key can
 * reach outside the root. File access goes through the writer adapter (`directory_store_node_writer.ts`).
 *
 * @module
 */
import { hashBytes } from "./content_hash.ts";
import {
  type DirectoryEntryInfo,
  type DirectoryReader,
  DirectoryStore,
  type DirectoryStoreOptions,
  safeKey,
} from "./directory_store.ts";
import { encodeSidecar, META_DIRECTORY, sidecarPath } from "./metadata_sidecar.ts";
import { InvalidKeyError, type PutOptions, type PutResult } from "./object_store.ts";

/**
 * The file writes a {@linkcode WritableDirectoryStore} needs. Paths are `base` (a directory that
 * exists or may be created) plus a relative path of `/`-separated segments already checked by
 * {@linkcode safeKey}.
 *
 * @example
 * ```ts
 * import type { DirectoryWriter } from "./writable_directory_store.ts";
 * async function touch(w: DirectoryWriter, dir: string): Promise<void> {
 *   await w.writeFile(dir, "empty.txt", new Uint8Array(), `${dir}/.tmp`);
 * }
 * ```
 */
export interface DirectoryWriter {
  /**
   * Write `bytes` to `<base>/<relative>` atomically: into a temporary file in `tempDirectory`
   * (created when missing), synced, then renamed into place. Creates `base` and the missing
   * directories of `relative`. Returns the new file's information.
   *
   * @throws {InvalidKeyError} when a directory of `relative` is a symbolic link or a file, or the
   *   target is a directory
   */
  writeFile(
    base: string,
    relative: string,
    bytes: Uint8Array,
    tempDirectory: string,
  ): Promise<DirectoryEntryInfo>;
  /**
   * Remove the file `<base>/<relative>` (nothing happens when it does not exist or is a
   * directory), then the directories of `relative` that became empty.
   *
   * @throws {InvalidKeyError} when a directory of `relative` is a symbolic link
   */
  removeFile(base: string, relative: string): Promise<void>;
}

const UNSAFE = 'a directory store cannot hold empty, "." or ".." segments, backslashes or NUL';

/**
 * Objects kept as files under a root directory, readable and writable.
 *
 * @example
 * ```ts ignore
 * import { WritableDirectoryStore } from "./writable_directory_store.ts";
 * import { NodeDirectoryReader } from "./directory_store_node.ts";
 * import { NodeDirectoryWriter } from "./directory_store_node_writer.ts";
 * const store = new WritableDirectoryStore(
 *   "/srv/oss",
 *   new NodeDirectoryReader(),
 *   new NodeDirectoryWriter(),
 * );
 * await store.put("bucket", "dir/a.txt", new TextEncoder().encode("hello"));
 * ```
 */
export class WritableDirectoryStore extends DirectoryStore {
  readonly #writer: DirectoryWriter;

  /**
   * Set up a store over the files under `root`, read through `reader` and written through
   * `writer` (nothing is read or written yet).
   * @param root the directory holding one sub-directory per bucket
   * @param reader the file reading adapter
   * @param writer the file writing adapter
   * @param options checksum behaviour
   */
  constructor(
    root: string,
    reader: DirectoryReader,
    writer: DirectoryWriter,
    options: DirectoryStoreOptions = {},
  ) {
    super(root, reader, options);
    this.#writer = writer;
  }

  /**
   * Write `key` into the existing bucket directory, with its `Content-Type` and user metadata.
   * Files are unversioned (the result's `versionId` is `"null"`); `lastModified`, `etag`,
   * `objectType` and `crc64: false` are not kept (the file's mtime, MD5 and CRC-64 are served).
   *
   * @throws {InvalidKeyError} for a key that cannot be a path inside the bucket directory
   * @throws {TypeError} when the bucket directory does not exist
   */
  async put(
    bucket: string,
    key: string,
    bytes: Uint8Array,
    options: PutOptions = {},
  ): Promise<PutResult> {
    if (!safeKey(key)) throw new InvalidKeyError(key, UNSAFE);
    if (!(await this.hasBucket(bucket))) {
      throw new TypeError(`no bucket ${bucket}: create the directory ${this.root}/${bucket}`);
    }
    const meta = `${this.root}/${META_DIRECTORY}`;
    const temp = `${meta}/tmp`;
    const info = await this.#writer.writeFile(`${this.root}/${bucket}`, key, bytes, temp);
    const sidecar = encodeSidecar({
      key,
      size: info.size,
      mtimeMs: info.mtimeMs,
      contentType: options.contentType ?? "application/octet-stream",
      metadata: { ...options.metadata },
    });
    await this.#writer.writeFile(meta, await sidecarPath(bucket, key), sidecar, temp);
    const hashes = await hashBytes(bytes);
    return { versionId: "null", etag: hashes.etag, crc64: hashes.crc64 };
  }

  /**
   * Remove `key` and its sidecar (nothing happens when it does not exist).
   *
   * @throws {InvalidKeyError} for a key that cannot be a path inside the bucket directory
   */
  async delete(bucket: string, key: string): Promise<void> {
    if (!safeKey(key)) throw new InvalidKeyError(key, UNSAFE);
    if (!(await this.hasBucket(bucket))) return;
    await this.#writer.removeFile(`${this.root}/${bucket}`, key);
    await this.#writer.removeFile(`${this.root}/${META_DIRECTORY}`, await sidecarPath(bucket, key));
  }
}
