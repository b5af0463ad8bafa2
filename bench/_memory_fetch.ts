/**
 * Bench instruments that take the network and the disk out of a measurement: a `fetch` that serves
 * one object from memory (HEAD, GET, `Range`, `If-Match`), and a file system that discards the
 * bytes of the data file (`*.ossdl-part`) while keeping every other file (the journal) in memory.
 *
 * @module
 */
import type { FileInfo, FileSystem, OpenOptions, PositionalFile } from "../mod.ts";
import { FileSystemError } from "../mod.ts";

/**
 * A `fetch` that serves `data` at any URL, in `piece`-byte body chunks (views, no copies), with
 * an ETag, Last-Modified and `x-oss-hash-crc64ecma`.
 *
 * @example
 * ```ts
 * import { memoryFetch } from "./_memory_fetch.ts";
 * const f = memoryFetch(new Uint8Array(10), 0n);
 * const r = await f("http://x/b/k", { headers: { range: "bytes=0-3" } });
 * console.log(r.status); // 206
 * ```
 */
export function memoryFetch(data: Uint8Array, crc64: bigint, piece = 64 * 1024): typeof fetch {
  const etag = `"bench-${data.length}"`;
  const lastModified = new Date(0).toUTCString();
  const handler = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const base: Record<string, string> = {
      "etag": etag,
      "last-modified": lastModified,
      "accept-ranges": "bytes",
      "x-oss-hash-crc64ecma": crc64.toString(),
      "content-type": "application/octet-stream",
    };
    const ifMatch = request.headers.get("if-match");
    if (ifMatch && ifMatch !== etag) {
      return Promise.resolve(new Response(null, { status: 412, headers: base }));
    }
    let start = 0;
    let end = data.length; // exclusive
    let status = 200;
    const range = request.headers.get("range");
    const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (m) {
      start = Number(m[1]);
      end = m[2] === "" ? data.length : Math.min(Number(m[2]) + 1, data.length);
      if (start >= data.length || end <= start) {
        return Promise.resolve(new Response(null, { status: 416, headers: base }));
      }
      status = 206;
      base["content-range"] = `bytes ${start}-${end - 1}/${data.length}`;
    }
    base["content-length"] = String(end - start);
    if (request.method === "HEAD") {
      return Promise.resolve(new Response(null, { status, headers: base }));
    }
    let at = start;
    const signal = request.signal;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (signal.aborted) {
          controller.error(signal.reason);
          return;
        }
        const n = Math.min(piece, end - at);
        controller.enqueue(data.subarray(at, at + n));
        at += n;
        if (at >= end) controller.close();
      },
    }, { highWaterMark: 0 });
    return Promise.resolve(new Response(body, { status, headers: base }));
  };
  return handler as typeof fetch;
}

class NullFile implements PositionalFile {
  #entry: { size: number; data: Uint8Array | null };
  constructor(entry: { size: number; data: Uint8Array | null }) {
    this.#entry = entry;
  }
  write(data: Uint8Array, offset: number): Promise<void> {
    const e = this.#entry;
    const end = offset + data.length;
    if (e.data) {
      if (end > e.data.length) {
        const grown = new Uint8Array(Math.max(end, e.data.length * 2));
        grown.set(e.data);
        e.data = grown;
      }
      e.data.set(data, offset);
    }
    e.size = Math.max(e.size, end);
    return Promise.resolve();
  }
  read(buffer: Uint8Array, offset: number): Promise<number> {
    const e = this.#entry;
    const n = Math.max(0, Math.min(buffer.length, e.size - offset));
    if (e.data) buffer.set(e.data.subarray(offset, offset + n));
    else buffer.fill(0, 0, n);
    return Promise.resolve(n);
  }
  datasync(): Promise<void> {
    return Promise.resolve();
  }
  truncate(size: number): Promise<void> {
    const e = this.#entry;
    if (e.data && size < e.data.length) e.data.fill(0, size);
    e.size = size;
    return Promise.resolve();
  }
  size(): Promise<number> {
    return Promise.resolve(this.#entry.size);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A file system that throws the data file's bytes away (`*.ossdl-part`) and keeps other files
 * in memory: the engine's CPU path without any disk.
 *
 * @example
 * ```ts
 * import { NullFileSystem } from "./_memory_fetch.ts";
 * const fs = new NullFileSystem();
 * const f = await fs.open("/x.ossdl-part", { create: true });
 * await f.write(new Uint8Array(4), 0);
 * console.log(await f.size()); // 4
 * ```
 */
export class NullFileSystem implements FileSystem {
  #files = new Map<string, { size: number; data: Uint8Array | null }>();

  open(path: string, options: OpenOptions = {}): Promise<PositionalFile> {
    let entry = this.#files.get(path);
    if (entry && options.exclusive) {
      return Promise.reject(new FileSystemError("FS_EXISTS", "open", path));
    }
    if (!entry) {
      if (!options.create && !options.exclusive) {
        return Promise.reject(new Error(`no such file: ${path}`));
      }
      entry = { size: 0, data: path.endsWith(".ossdl-part") ? null : new Uint8Array(4096) };
      this.#files.set(path, entry);
    }
    if (options.truncate) {
      entry.size = 0;
      entry.data?.fill(0);
    }
    return Promise.resolve(new NullFile(entry));
  }
  readFile(path: string): Promise<Uint8Array> {
    const e = this.#files.get(path);
    if (!e) return Promise.reject(new Error(`no such file: ${path}`));
    return Promise.resolve(e.data ? e.data.slice(0, e.size) : new Uint8Array(e.size));
  }
  stat(path: string): Promise<FileInfo | null> {
    const e = this.#files.get(path);
    if (e) return Promise.resolve({ size: e.size, isFile: true, isDirectory: false });
    return Promise.resolve(null);
  }
  rename(from: string, to: string): Promise<void> {
    const e = this.#files.get(from);
    if (!e) return Promise.reject(new Error(`no such file: ${from}`));
    this.#files.delete(from);
    this.#files.set(to, e);
    return Promise.resolve();
  }
  link(existing: string, newPath: string): Promise<void> {
    const e = this.#files.get(existing);
    if (!e) return Promise.reject(new Error(`no such file: ${existing}`));
    if (this.#files.has(newPath)) {
      return Promise.reject(new FileSystemError("FS_EXISTS", "link", newPath));
    }
    this.#files.set(newPath, e);
    return Promise.resolve();
  }
  remove(path: string): Promise<void> {
    this.#files.delete(path);
    return Promise.resolve();
  }
  mkdir(_path: string): Promise<void> {
    return Promise.resolve();
  }
  syncDir(_path: string): Promise<void> {
    return Promise.resolve();
  }
}
