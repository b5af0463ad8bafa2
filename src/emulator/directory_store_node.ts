/**
 * The file-access adapter of the emulator's {@linkcode DirectoryStore}, on `node:fs/promises`
 * (works on Node, Deno and Bun). Bodies are streamed in chunks; a file is never loaded whole.
 *
 * @module
 */
import { open, readdir, readFile, stat } from "node:fs/promises";
import {
  type DirectoryChild,
  type DirectoryEntryInfo,
  type DirectoryReader,
  DirectoryStore,
  type DirectoryStoreOptions,
} from "./directory_store.ts";
import { NodeDirectoryWriter } from "./directory_store_node_writer.ts";
import { WritableDirectoryStore } from "./writable_directory_store.ts";

const CHUNK = 256 * 1024;

/**
 * Reads files with `node:fs/promises`.
 *
 * @example
 * ```ts ignore
 * import { NodeDirectoryReader } from "./directory_store_node.ts";
 * const info = await new NodeDirectoryReader().stat("/tmp");
 * console.log(info?.isDirectory); // true
 * ```
 */
export class NodeDirectoryReader implements DirectoryReader {
  /** Information about `path`, or `null` when it does not exist. */
  async stat(path: string): Promise<DirectoryEntryInfo | null> {
    try {
      const s = await stat(path);
      return { size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile(), isDirectory: s.isDirectory() };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw e;
    }
  }

  /**
   * The entries of the directory `path` (`[]` when it does not exist). A symbolic link counts as a
   * file when it leads to one, and never as a directory.
   */
  async readDirectory(path: string): Promise<DirectoryChild[]> {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw e;
    }
    const children: DirectoryChild[] = [];
    for (const entry of entries) {
      const name = String(entry.name);
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) isFile = (await this.stat(`${path}/${name}`))?.isFile ?? false;
      children.push({ name, isFile, isDirectory: entry.isDirectory() });
    }
    return children;
  }

  /** The whole content of the (small) file `path`, or `null` when it does not exist. */
  async readFile(path: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw e;
    }
  }

  /** Stream bytes `[start, end)` of `path` in 256 KiB chunks. */
  readRange(path: string, start: number, end: number): ReadableStream<Uint8Array> {
    let handle: Awaited<ReturnType<typeof open>> | null = null;
    let pos = start;
    // Set by the end, an error or a cancel: a file still being opened then is closed as soon as
    // it is open, without reading from it (a client may go away while the first read opens it).
    let finished = false;
    const close = async () => {
      finished = true;
      const h = handle;
      handle = null;
      await h?.close();
    };
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          if (pos >= end) {
            await close();
            controller.close();
            return;
          }
          if (handle === null) {
            const opened = await open(path, "r");
            if (finished) {
              await opened.close();
              return;
            }
            handle = opened;
          }
          const buf = new Uint8Array(Math.min(CHUNK, end - pos));
          const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
          if (bytesRead === 0) throw new Error(`file ${path} shrank while being read`);
          pos += bytesRead;
          controller.enqueue(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
        } catch (e) {
          await close().catch(() => {});
          controller.error(e);
        }
      },
      cancel: close,
    }, { highWaterMark: 0 });
  }
}

/** Options of {@linkcode nodeDirectoryStore}. */
export interface NodeDirectoryStoreOptions extends DirectoryStoreOptions {
  /**
   * Also take PutObject and DeleteObject (a `WritableDirectoryStore` with a
   * `NodeDirectoryWriter`). @default false
   */
  writable?: boolean;
}

/**
 * A {@linkcode DirectoryStore} over `root` using `node:fs/promises`: what `ossdl serve` needs.
 *
 * @example
 * ```ts ignore
 * import { nodeDirectoryStore } from "./directory_store_node.ts";
 * import { OssEmulator } from "./oss_emulator.ts";
 * const emulator = new OssEmulator({ store: nodeDirectoryStore("/srv/oss", { writable: true }) });
 * ```
 */
export function nodeDirectoryStore(
  root: string,
  options: NodeDirectoryStoreOptions = {},
): DirectoryStore {
  const { writable, ...rest } = options;
  const reader = new NodeDirectoryReader();
  if (writable) return new WritableDirectoryStore(root, reader, new NodeDirectoryWriter(), rest);
  return new DirectoryStore(root, reader, rest);
}
