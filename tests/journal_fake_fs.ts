/**
 * A small crash-simulating FileSystem for the journal tests (used until/besides the project's
 * MemoryFileSystem). Each file (inode) has a durable and a volatile image; the namespace has a
 * durable and a volatile view. `datasync` makes a file's content durable, `syncDir(dir)` makes the
 * names in `dir` durable. Operations are counted; with `crashAt = n` the n-th operation "kills
 * the process" (a write applies only its first half first), and every later operation fails until
 * `crash()` restores the state a reboot could find, chosen by the variant.
 *
 * @module
 */

import type { FileInfo, FileSystem, OpenOptions, PositionalFile } from "../src/fs/file_system.ts";
import { FileSystemError } from "../src/errors.ts";
import { dirname } from "../src/path.ts";

interface Inode {
  durable: Uint8Array;
  volatile: Uint8Array;
}

/** Thrown by the operation the simulated crash happens in (and by every later one). */
export class SimulatedCrash extends Error {
  constructor() {
    super("simulated crash");
    this.name = "SimulatedCrash";
  }
}

/** What survives a crash: un-synced file content, un-synced names. */
export interface CrashVariant {
  keepData: boolean;
  keepNames: boolean;
}

/** All four variants. */
export const CRASH_VARIANTS: CrashVariant[] = [
  { keepData: false, keepNames: false },
  { keepData: true, keepNames: false },
  { keepData: false, keepNames: true },
  { keepData: true, keepNames: true },
];

function resized(data: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(data.subarray(0, Math.min(size, data.length)));
  return out;
}

/** The fake. */
export class FakeFileSystem implements FileSystem {
  #durable = new Map<string, Inode>();
  #volatile = new Map<string, Inode>();
  #dead = false;
  /** Operations so far. */
  ops = 0;
  /** Crash in this operation (1-based), or never. */
  crashAt = Infinity;
  /** A log of operations, e.g. "write /j", "datasync /j". */
  log: string[] = [];
  /** Fail (with FS_NO_SPACE) the next write whose path ends with this, once. */
  failNextWriteTo: string | null = null;

  #op(name: string, path: string): void {
    if (this.#dead) throw new SimulatedCrash();
    this.ops++;
    this.log.push(`${name} ${path}`);
    if (this.ops >= this.crashAt) {
      this.#dead = true;
      throw new SimulatedCrash();
    }
  }

  #opWrite(inode: Inode, path: string, data: Uint8Array, offset: number): void {
    if (this.#dead) throw new SimulatedCrash();
    this.ops++;
    this.log.push(`write ${path}`);
    let bytes = data;
    const crash = this.ops >= this.crashAt;
    if (crash) bytes = data.subarray(0, data.length >> 1);
    const end = offset + bytes.length;
    if (end > inode.volatile.length) inode.volatile = resized(inode.volatile, end);
    inode.volatile.set(bytes, offset);
    if (crash) {
      this.#dead = true;
      throw new SimulatedCrash();
    }
  }

  /** Reboot: keep what is durable, plus what the variant lets survive. */
  crash(variant: CrashVariant = { keepData: false, keepNames: false }): void {
    const inodes = new Set([...this.#durable.values(), ...this.#volatile.values()]);
    for (const inode of inodes) {
      if (variant.keepData) inode.durable = inode.volatile.slice();
      else inode.volatile = inode.durable.slice();
    }
    if (variant.keepNames) this.#durable = new Map(this.#volatile);
    else this.#volatile = new Map(this.#durable);
    this.#dead = false;
    this.crashAt = Infinity;
  }

  /** The durable content at `path` (what a crash that loses everything un-synced would leave). */
  durableBytes(path: string): Uint8Array | null {
    return this.#durable.get(path)?.durable.slice() ?? null;
  }

  /** The visible content at `path`. */
  bytes(path: string): Uint8Array | null {
    return this.#volatile.get(path)?.volatile.slice() ?? null;
  }

  /** Replace the content at `path` (durably), creating it. */
  put(path: string, data: Uint8Array): void {
    const inode = { durable: data.slice(), volatile: data.slice() };
    this.#durable.set(path, inode);
    this.#volatile.set(path, inode);
  }

  /** Visible paths. */
  paths(): string[] {
    return [...this.#volatile.keys()].sort();
  }

  open(path: string, options: OpenOptions = {}): Promise<PositionalFile> {
    this.#op("open", path);
    let inode = this.#volatile.get(path);
    if (inode === undefined) {
      if (!options.create) {
        return Promise.reject(new FileSystemError("FS_NOT_FOUND", "open", path));
      }
      inode = { durable: new Uint8Array(), volatile: new Uint8Array() };
      this.#volatile.set(path, inode);
    }
    if (options.truncate) inode.volatile = new Uint8Array();
    return Promise.resolve(new FakeFile(inode, path, (n, p) => this.#op(n, p), (i, d, o) => {
      if (this.failNextWriteTo !== null && path.endsWith(this.failNextWriteTo)) {
        this.failNextWriteTo = null;
        // A partial write, then the failure.
        this.#opWrite(i, path, d.subarray(0, d.length >> 1), o);
        throw new FileSystemError("FS_NO_SPACE", "write", path);
      }
      this.#opWrite(i, path, d, o);
    }));
  }

  readFile(path: string): Promise<Uint8Array> {
    this.#op("readFile", path);
    const inode = this.#volatile.get(path);
    if (inode === undefined) {
      return Promise.reject(new FileSystemError("FS_NOT_FOUND", "readFile", path));
    }
    return Promise.resolve(inode.volatile.slice());
  }

  stat(path: string): Promise<FileInfo | null> {
    this.#op("stat", path);
    const inode = this.#volatile.get(path);
    return Promise.resolve(
      inode ? { size: inode.volatile.length, isFile: true, isDirectory: false } : null,
    );
  }

  rename(from: string, to: string): Promise<void> {
    this.#op("rename", `${from} ${to}`);
    const inode = this.#volatile.get(from);
    if (inode === undefined) {
      return Promise.reject(new FileSystemError("FS_NOT_FOUND", "rename", from));
    }
    this.#volatile.delete(from);
    this.#volatile.set(to, inode);
    return Promise.resolve();
  }

  remove(path: string): Promise<void> {
    this.#op("remove", path);
    this.#volatile.delete(path);
    return Promise.resolve();
  }

  mkdir(path: string): Promise<void> {
    this.#op("mkdir", path);
    return Promise.resolve();
  }

  syncDir(path: string): Promise<void> {
    this.#op("syncDir", path);
    for (const name of new Set([...this.#durable.keys(), ...this.#volatile.keys()])) {
      if (dirname(name) !== path) continue;
      const inode = this.#volatile.get(name);
      if (inode === undefined) this.#durable.delete(name);
      else this.#durable.set(name, inode);
    }
    return Promise.resolve();
  }
}

class FakeFile implements PositionalFile {
  #inode: Inode;
  #path: string;
  #op: (name: string, path: string) => void;
  #write: (inode: Inode, data: Uint8Array, offset: number) => void;
  #closed = false;

  constructor(
    inode: Inode,
    path: string,
    op: (name: string, path: string) => void,
    write: (inode: Inode, data: Uint8Array, offset: number) => void,
  ) {
    this.#inode = inode;
    this.#path = path;
    this.#op = op;
    this.#write = write;
  }

  #check(name: string): void {
    if (this.#closed) throw new FileSystemError("FS_ERROR", name, this.#path);
  }

  write(data: Uint8Array, offset: number): Promise<void> {
    try {
      this.#check("write");
      this.#write(this.#inode, data, offset);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  read(buffer: Uint8Array, offset: number): Promise<number> {
    try {
      this.#check("read");
      this.#op("read", this.#path);
      const part = this.#inode.volatile.subarray(offset, offset + buffer.length);
      buffer.set(part);
      return Promise.resolve(part.length);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  datasync(): Promise<void> {
    try {
      this.#check("datasync");
      this.#op("datasync", this.#path);
      this.#inode.durable = this.#inode.volatile.slice();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  truncate(size: number): Promise<void> {
    try {
      this.#check("truncate");
      this.#op("truncate", this.#path);
      this.#inode.volatile = resized(this.#inode.volatile, size);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  size(): Promise<number> {
    try {
      this.#check("size");
      this.#op("size", this.#path);
      return Promise.resolve(this.#inode.volatile.length);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    try {
      this.#op("close", this.#path);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
