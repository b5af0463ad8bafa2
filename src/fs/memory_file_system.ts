/**
 * An in-memory {@linkcode FileSystem} that models crashes: a test instrument, not a toy.
 *
 * ## What is modelled
 *
 * Paths are normalized (`\` and `/` both separate, `.` and `..` are resolved, relative paths are
 * taken from `/`). The root `/` always exists. Directories can be created, synced and removed when
 * empty; renaming a directory is not supported (the engine renames files only).
 *
 * Every file (inode) has a **durable image** and a **live image**, plus the list of data operations
 * (`write`, `truncate`, including the truncate of `open({ truncate: true })`) applied to the live
 * image since the last `datasync`. `datasync` applies that list to the durable image: the file's
 * current contents and size become durable. The namespace likewise has a **live** and a **durable**
 * view (path → directory or inode): `syncDir(dir)` copies the live state of every entry whose parent
 * is `dir` (created, renamed in or out, removed) to the durable view.
 *
 * {@linkcode MemoryFileSystem.crash} is a power cut:
 * - the namespace becomes the durable view: an un-synced create disappears (even if its data was
 *   `datasync`'d), an un-synced rename reverts, an un-synced remove comes back, an un-synced
 *   `mkdir` disappears, and an entry whose parent directory is not durable disappears with it;
 * - every surviving file's contents become its durable image with the un-synced data operations
 *   replayed in order, each one decided by the seeded random generator (option `unsynced`,
 *   default `"torn"`): a write is kept whole (1/3), lost (1/3), or only a uniformly random prefix
 *   of its bytes lands (1/3, possibly empty); when a write is lost or torn and it reached past the
 *   end of the file, the size grows to its end anyway in half of the cases, leaving zeros (the size
 *   reached the disk, the data did not); a truncate is kept or lost (1/2 each). `"lost"` drops every
 *   un-synced operation, `"kept"` keeps every one whole;
 * - with `processOnly: true` only the process dies: the live state (all data and namespace changes
 *   the OS accepted) survives and becomes durable;
 * - every handle opened before the crash is dead: its calls throw {@linkcode SimulatedCrash}.
 *
 * A **failing `datasync`** is a writeback error, as Linux reports it (`fsync` → `EIO`, once): the
 * call rejects with a `FileSystemError` (`FS_ERROR`), and each un-synced data operation of that
 * file (whichever handle made it) has either reached the disk or not, decided as at a `"torn"`
 * crash (kept whole, dropped, or a prefix). The failed pages are then forgotten: the operations
 * are no longer pending, the live image reverts to the durable one (reads show what the disk
 * holds, the dropped bytes are gone), and a later `datasync` that succeeds does *not* bring them
 * back. Retrying `datasync` is therefore never enough: whatever was written before the failure
 * must be treated as lost. Other files are not affected. A `datasync` fails when it is the
 * `failDatasyncAt`-th one, or when `onOperation` throws a `FileSystemError` for it.
 *
 * `openBlockWriter` (option `blockWriter`, default `"async"`, kept across `restart()`) returns a
 * model of the worker block writer (`memory_block_writer.ts`), so that the engine takes the same
 * path as with `NodeFileSystem` (`writeInWorker`, or 16 MiB to fetch): it writes through a handle
 * of its own, each write (a piece of at most `maxWriteBytes`) lands a seeded-random number of
 * event-loop turns after the call, in a random order across blocks, is counted as a `write` when
 * it lands (so `crashAt` can hit it), and a block's CRC-64 promise settles only after all its
 * bytes landed. A write that has not landed at a crash is lost; `close()` waits for pending
 * writes. With `blockWriter: "none"`, `openBlockWriter` returns `null` and the engine writes
 * inline through its `PositionalFile` (`InlineBlockWriter`).
 *
 * ## Fault hooks
 *
 * Mutating operations are counted from 1 and logged: `open` with `create` or `truncate`, `write`,
 * `truncate`, `datasync`, `rename`, `link`, `remove`, `mkdir`, `syncDir`. Each call counts,
 * whatever its outcome. With `crashAt: k`, the k-th one throws {@linkcode SimulatedCrash}
 * without taking effect, and every later call (reads included) throws it too, until `crash()` or
 * `restart()` (which also disarm a `crashAt` not reached). Refused calls are not counted. A typical
 * crash test runs once to count the operations, then for every k runs again with `crashAt: k`,
 * restarts, resumes, and checks its invariants. `onOperation` sees every counted operation first
 * and may throw (any error fails that call; a `SimulatedCrash` also halts the file system).
 * `capacity` bounds the allocated bytes (bytes written and not truncated away; a truncate that
 * grows a file is sparse and free): a write that would allocate beyond it fails with
 * `FS_NO_SPACE` and writes nothing. Paths given in `readOnly` (and everything under them) can be
 * read but not changed: `FS_PERMISSION`.
 *
 * @module
 */

import { FileSystemError } from "../errors.ts";
import type {
  BlockWriter,
  BlockWriterOptions,
  FileInfo,
  FileSystem,
  OpenOptions,
  PositionalFile,
} from "./file_system.ts";
import { checkOpenOptions, checkPosition, closedError } from "./_check.ts";
import { seededRandom } from "../seeded_random.ts";
import { createCrc64 } from "../crc64/crc64.ts";
import { DEFAULT_MEMORY_MAX_WRITE_BYTES, MemoryBlockWriter } from "./memory_block_writer.ts";

/**
 * The error a {@linkcode MemoryFileSystem} throws at a simulated crash, and for every call after
 * it (and on handles or instances that did not survive the crash). Not a `FileSystemError`: code
 * under test must not handle it as a disk failure.
 *
 * @example
 * ```ts
 * import { MemoryFileSystem, SimulatedCrash } from "./memory_file_system.ts";
 * const fs = new MemoryFileSystem({ crashAt: 1 });
 * try {
 *   await fs.mkdir("/data");
 * } catch (e) {
 *   console.log(e instanceof SimulatedCrash); // true
 * }
 * ```
 */
export class SimulatedCrash extends Error {
  /** The operation at which the crash was injected, when there is one. */
  readonly operation: MemoryOperation | undefined;

  /**
   * Make a simulated crash.
   *
   * @param message what happened
   * @param operation the operation at which the crash was injected
   */
  constructor(message: string, operation?: MemoryOperation) {
    super(message);
    this.name = "SimulatedCrash";
    this.operation = operation;
  }
}

/** The kinds of mutating operations a {@linkcode MemoryFileSystem} counts. */
export type MemoryOperationKind =
  | "open"
  | "write"
  | "truncate"
  | "datasync"
  | "rename"
  | "link"
  | "remove"
  | "mkdir"
  | "syncDir";

/** One counted operation, as logged and as passed to `onOperation`. */
export interface MemoryOperation {
  /** Its number, from 1. */
  index: number;
  /** What it is. */
  op: MemoryOperationKind;
  /** The (normalized) path it acts on; for `rename` and `link`, the existing name. */
  path: string;
  /** For `rename` and `link`: the (normalized) new name. */
  to?: string;
  /** For `write`: the offset. */
  offset?: number;
  /** For `write`: the number of bytes; for `truncate`: the new size. */
  length?: number;
}

/** Options of {@linkcode MemoryFileSystem}. */
export interface MemoryFileSystemOptions {
  /** Seed of the random generator that decides what of un-synced data survives a crash. @default 1 */
  seed?: number;
  /** Crash at this counted operation (from 1); one shot. @default undefined (never) */
  crashAt?: number;
  /** Called before every counted operation; may throw to fail it. @default undefined */
  onOperation?: (operation: MemoryOperation) => void;
  /** Allocated bytes beyond which writes fail with `FS_NO_SPACE`. @default Infinity */
  capacity?: number;
  /** Paths that, with everything under them, cannot be changed (`FS_PERMISSION`). @default [] */
  readOnly?: string[];
  /**
   * The n-th `datasync` (counted from 1 over the disk's life, whatever its outcome) fails as after
   * a writeback error (see the module documentation); one shot. @default undefined (never)
   */
  failDatasyncAt?: number;
  /**
   * `"async"`: `openBlockWriter` returns a writer whose writes land later, in a seeded-random
   * order, like the worker block writer's; `"none"`: it returns `null` (the engine writes inline).
   * @default "async"
   */
  blockWriter?: "none" | "async";
}

/** Options of {@linkcode MemoryFileSystem.crash}. */
export interface CrashOptions {
  /**
   * What happens to data operations not made durable by `datasync`: `"torn"` (seeded random, see
   * the module documentation), `"lost"` (all dropped) or `"kept"` (all applied whole).
   * @default "torn"
   */
  unsynced?: "torn" | "lost" | "kept";
  /**
   * Only the process dies, not the machine: every data and namespace change survives.
   * @default false
   */
  processOnly?: boolean;
}

/**
 * An in-memory file system with a durable and a volatile state, crash simulation and fault
 * injection. See the module documentation for the exact model.
 *
 * @example
 * ```ts
 * import { MemoryFileSystem } from "./memory_file_system.ts";
 * const fs = new MemoryFileSystem({ seed: 7 });
 * await fs.mkdir("/data");
 * await fs.syncDir("/");
 * const f = await fs.open("/data/a.bin", { create: true });
 * await f.write(new Uint8Array([1, 2, 3]), 0);
 * await f.datasync();
 * await fs.syncDir("/data");
 * await f.write(new Uint8Array([9]), 3); // never synced
 * fs.crash({ unsynced: "lost" });
 * console.log(await fs.readFile("/data/a.bin")); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export class MemoryFileSystem implements FileSystem {
  #disk: Disk;
  #epoch: number;

  /**
   * Make an empty file system (only `/` exists).
   *
   * @param options seed, fault hooks, capacity, read-only paths and the block writer
   */
  constructor(options: MemoryFileSystemOptions = {}) {
    if (options.capacity !== undefined && !(options.capacity >= 0)) {
      throw new RangeError(`capacity must be a non-negative number, got ${options.capacity}`);
    }
    if (![undefined, "none", "async"].includes(options.blockWriter)) {
      throw new TypeError(`blockWriter must be "none" or "async", got ${options.blockWriter}`);
    }
    this.#disk = new Disk(options);
    this.#epoch = this.#disk.epoch;
  }

  #alive(): Disk {
    if (this.#epoch !== this.#disk.epoch) {
      throw new SimulatedCrash("this file system instance did not survive a crash");
    }
    this.#disk.checkRunning();
    return this.#disk;
  }

  /** Open a file for positional I/O. */
  open(path: string, options: OpenOptions = {}): Promise<PositionalFile> {
    return run(() => {
      checkOpenOptions(options);
      const disk = this.#alive();
      return disk.open(path, options);
    });
  }

  /** Read a whole file. */
  readFile(path: string): Promise<Uint8Array> {
    return run(() => this.#alive().readFile(path));
  }

  /** Information about a path, or `null` when nothing is there. */
  stat(path: string): Promise<FileInfo | null> {
    return run(() => this.#alive().stat(path));
  }

  /** Atomically rename a file, replacing `to` if it exists. */
  rename(from: string, to: string): Promise<void> {
    return run(() => this.#alive().rename(from, to));
  }

  /**
   * Give the file `existing` the second name `newPath` (a hard link; both names show the same
   * file); `FS_EXISTS` when `newPath` exists. Like a create, the new name is durable after
   * `syncDir` of its directory, and a crash before that removes it.
   */
  link(existing: string, newPath: string): Promise<void> {
    return run(() => this.#alive().link(existing, newPath));
  }

  /** Remove a file; no error when it does not exist. */
  remove(path: string): Promise<void> {
    return run(() => this.#alive().remove(path));
  }

  /** Create a directory and its parents; no error when it exists. */
  mkdir(path: string): Promise<void> {
    return run(() => this.#alive().mkdir(path));
  }

  /** Make the creates, renames and removes of entries in `path` durable. */
  syncDir(path: string): Promise<void> {
    return run(() => this.#alive().syncDir(path));
  }

  /**
   * A writer for the existing file at `path` whose writes land later (see the module
   * documentation and `memory_block_writer.ts`); `null` with `blockWriter: "none"`, and `null` too
   * when the file cannot be opened for writing (missing, read-only), like `NodeFileSystem`'s.
   *
   * @example
   * ```ts
   * import { MemoryFileSystem } from "./memory_file_system.ts";
   * const fs = new MemoryFileSystem({ seed: 3 });
   * await (await fs.open("/part", { create: true })).close();
   * const writer = (await fs.openBlockWriter("/part"))!;
   * const written = writer.write(new Uint8Array([1, 2, 3]), 3, 0); // lands later
   * await written;
   * await writer.close(); // also waits for the writes still pending
   * console.log(fs.readLive("/part")); // Uint8Array(3) [ 1, 2, 3 ]
   * ```
   */
  async openBlockWriter(
    path: string,
    options: BlockWriterOptions = {},
  ): Promise<BlockWriter | null> {
    const maxWriteBytes = options.maxWriteBytes ?? DEFAULT_MEMORY_MAX_WRITE_BYTES;
    if (!Number.isSafeInteger(maxWriteBytes) || maxWriteBytes <= 0) {
      throw new RangeError(`maxWriteBytes must be a positive integer, got ${maxWriteBytes}`);
    }
    const disk = this.#alive();
    if (disk.blockWriter !== "async") return null;
    const hasher = await createCrc64();
    let file: PositionalFile;
    try {
      // Its own handle, like the worker's file descriptor: not counted (no create, no truncate).
      file = this.#alive().open(path, {});
    } catch (error) {
      if (error instanceof FileSystemError) return null;
      throw error;
    }
    return new MemoryBlockWriter(file, path, hasher, { maxWriteBytes, random: disk.schedule });
  }

  /**
   * Simulate a power cut (or, with `processOnly`, a killed process) as described in the module
   * documentation. This instance keeps working; handles opened before are dead, and so are other
   * instances made by {@linkcode MemoryFileSystem.restart}. A `crashAt` halt is cleared and a
   * `crashAt` not reached yet is disarmed.
   */
  crash(options: CrashOptions = {}): void {
    if (this.#epoch !== this.#disk.epoch) {
      throw new SimulatedCrash("this file system instance did not survive a crash");
    }
    this.#disk.crash(options);
    this.#epoch = this.#disk.epoch;
  }

  /**
   * {@linkcode MemoryFileSystem.crash}, then a fresh instance on the same disk for the next run.
   * This instance is dead afterwards (every call throws {@linkcode SimulatedCrash}), so that
   * stragglers of the crashed run cannot touch the disk the next run uses.
   *
   * @example
   * ```ts
   * import { MemoryFileSystem } from "./memory_file_system.ts";
   * let fs = new MemoryFileSystem();
   * fs = fs.restart();
   * ```
   */
  restart(options: CrashOptions = {}): MemoryFileSystem {
    this.crash(options);
    const next = new MemoryFileSystem();
    next.#disk = this.#disk;
    next.#epoch = this.#disk.epoch;
    this.#epoch = -1;
    return next;
  }

  /** The number of counted (mutating) operations so far, over all crashes. */
  get operationCount(): number {
    return this.#disk.log.length;
  }

  /** Every counted operation so far, in order. */
  get operations(): readonly MemoryOperation[] {
    return this.#disk.log;
  }

  /** The counted operation to crash at (one shot), or `undefined`. */
  get crashAt(): number | undefined {
    return this.#disk.crashAt;
  }

  set crashAt(index: number | undefined) {
    this.#disk.crashAt = index;
  }

  /** The `datasync` (counted from 1, see `datasyncCount`) to fail (one shot), or `undefined`. */
  get failDatasyncAt(): number | undefined {
    return this.#disk.failDatasyncAt;
  }

  set failDatasyncAt(n: number | undefined) {
    this.#disk.failDatasyncAt = n;
  }

  /** The number of `datasync` calls so far, over all crashes. */
  get datasyncCount(): number {
    return this.#disk.datasyncs;
  }

  /** The allocated bytes beyond which writes fail with `FS_NO_SPACE`. */
  get capacity(): number {
    return this.#disk.capacity;
  }

  set capacity(bytes: number) {
    if (!(bytes >= 0)) throw new RangeError(`capacity must be a non-negative number, got ${bytes}`);
    this.#disk.capacity = bytes;
  }

  /** The bytes allocated by the live files (and open, removed ones). */
  get used(): number {
    return this.#disk.used();
  }

  /** Whether a simulated crash has halted the file system (until `crash()` or `restart()`). */
  get halted(): boolean {
    return this.#disk.halted !== undefined;
  }

  /** How many handles are open (and alive). */
  get openFiles(): number {
    return this.#disk.handles.size;
  }

  /** Make `path` (and everything under it) read-only, or writable again. */
  setReadOnly(path: string, readOnly = true): void {
    if (readOnly) this.#disk.readOnly.add(normalize(path));
    else this.#disk.readOnly.delete(normalize(path));
  }

  /** The current contents of a file, or `null` when there is no file. Not counted. */
  readLive(path: string): Uint8Array | null {
    const e = this.#disk.live.get(normalize(path));
    return e instanceof Inode ? e.live.view().slice() : null;
  }

  /**
   * What a crash that loses every un-synced change would leave at `path`: the durable contents of
   * the durably named file, or `null`. Not counted.
   */
  readDurable(path: string): Uint8Array | null {
    const e = this.#disk.durableEntry(normalize(path));
    return e instanceof Inode ? e.durable.view().slice() : null;
  }

  /** Whether something (file or directory) is at `path` now. Not counted. */
  exists(path: string): boolean {
    return this.#disk.live.has(normalize(path));
  }

  /** Whether something would be at `path` after a crash. Not counted. */
  existsDurable(path: string): boolean {
    return this.#disk.durableEntry(normalize(path)) !== undefined;
  }

  /**
   * The paths of all files, sorted; `durable: true` lists the files a crash would leave. Not
   * counted.
   */
  listFiles(options: { durable?: boolean } = {}): string[] {
    const disk = this.#disk;
    const names = options.durable ? disk.durable : disk.live;
    return [...names.keys()]
      .filter((p) => (options.durable ? disk.durableEntry(p) : disk.live.get(p)) instanceof Inode)
      .sort();
  }

  /**
   * Test setup: create the file `path` with `data` (and its parent directories), all durable at
   * once. Replaces an existing file. Not counted, not subject to faults.
   */
  writeDurable(path: string, data: Uint8Array): void {
    const p = normalize(path);
    this.mkdirDurable(parentOf(p));
    const inode = new Inode();
    inode.mtime = ++this.#disk.clock;
    inode.live.write(0, data.slice());
    inode.durable.write(0, data.slice());
    this.#disk.live.set(p, inode);
    this.#disk.durable.set(p, inode);
  }

  /**
   * Test setup: set the modification time of the file `path` (as `touch -d` does), e.g. to make
   * changed bytes look unchanged by size and time. Not counted.
   */
  setMtime(path: string, mtimeMs: number): void {
    const inode = this.#disk.live.get(normalize(path));
    if (!(inode instanceof Inode)) throw new FileSystemError("FS_NOT_FOUND", "setMtime", path);
    inode.mtime = mtimeMs;
  }

  /** Test setup: create a directory and its parents, durable at once. Not counted. */
  mkdirDurable(path: string): void {
    for (const dir of ancestors(normalize(path), true)) {
      if (this.#disk.live.get(dir) instanceof Inode) {
        throw new FileSystemError("FS_NOT_DIRECTORY", "mkdir", path);
      }
      this.#disk.live.set(dir, DIR);
      this.#disk.durable.set(dir, DIR);
    }
  }
}

/** Runs a synchronous operation as a promise (its errors become rejections). */
function run<T>(task: () => T): Promise<T> {
  try {
    return Promise.resolve(task());
  } catch (e) {
    return Promise.reject(e);
  }
}

const DIR = Object.freeze({ kind: "dir" as const });
type Entry = Inode | typeof DIR;

/** A growable byte image with its allocated (written) ranges. Bytes past `size` are zero. */
class Image {
  bytes: Uint8Array = new Uint8Array(0);
  size = 0;
  /** Disjoint, sorted, non-adjacent [start, end) ranges of allocated bytes. */
  ranges: Array<[number, number]> = [];

  #reserve(n: number): void {
    if (n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(n, this.bytes.length * 2, 64));
    next.set(this.bytes.subarray(0, this.size));
    this.bytes = next;
  }

  write(offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    if (data.length === 0) return;
    this.#reserve(end);
    this.bytes.set(data, offset);
    if (end > this.size) this.size = end;
    this.#allocate(offset, end);
  }

  truncate(size: number): void {
    if (size < this.size) {
      this.bytes.fill(0, size, this.size);
      this.ranges = this.ranges.filter(([s]) => s < size).map(([s, e]) => [s, Math.min(e, size)]);
    } else {
      this.#reserve(size);
    }
    this.size = size;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.size);
  }

  clone(): Image {
    const c = new Image();
    c.bytes = this.bytes.slice(0, Math.max(this.size, 64));
    c.size = this.size;
    c.ranges = this.ranges.map(([s, e]) => [s, e]);
    return c;
  }

  allocated(): number {
    let n = 0;
    for (const [s, e] of this.ranges) n += e - s;
    return n;
  }

  /** How many bytes of [start, end) are not allocated yet. */
  unallocated(start: number, end: number): number {
    let free = end - start;
    for (const [s, e] of this.ranges) {
      const overlap = Math.min(e, end) - Math.max(s, start);
      if (overlap > 0) free -= overlap;
    }
    return free;
  }

  #allocate(start: number, end: number): void {
    const out: Array<[number, number]> = [];
    let i = 0;
    while (i < this.ranges.length && this.ranges[i][1] < start) out.push(this.ranges[i++]);
    let s = start;
    let e = end;
    while (i < this.ranges.length && this.ranges[i][0] <= e) {
      s = Math.min(s, this.ranges[i][0]);
      e = Math.max(e, this.ranges[i][1]);
      i++;
    }
    out.push([s, e]);
    while (i < this.ranges.length) out.push(this.ranges[i++]);
    this.ranges = out;
  }
}

type DataOp = { kind: "write"; offset: number; bytes: Uint8Array } | {
  kind: "truncate";
  size: number;
};

function apply(image: Image, op: DataOp): void {
  if (op.kind === "write") image.write(op.offset, op.bytes);
  else image.truncate(op.size);
}

/** A file: its durable image, its live image and the data operations not yet durable. */
class Inode {
  durable: Image = new Image();
  live: Image = new Image();
  pending: DataOp[] = [];
  /** The disk's logical clock at the last write or truncate (`FileInfo.mtimeMs`). */
  mtime = 0;

  do(op: DataOp, clock: number): void {
    apply(this.live, op);
    this.pending.push(op);
    this.mtime = clock;
  }

  datasync(): void {
    for (const op of this.pending) apply(this.durable, op);
    this.pending = [];
  }
}

/** The state shared by a MemoryFileSystem and the instances `restart` makes from it. */
class Disk {
  live: Map<string, Entry> = new Map([["/", DIR]]);
  durable: Map<string, Entry> = new Map([["/", DIR]]);
  epoch = 0;
  log: MemoryOperation[] = [];
  crashAt: number | undefined;
  onOperation: ((operation: MemoryOperation) => void) | undefined;
  capacity: number;
  readOnly: Set<string>;
  halted: SimulatedCrash | undefined;
  handles: Set<MemoryPositionalFile> = new Set();
  failDatasyncAt: number | undefined;
  datasyncs = 0;
  /** A logical clock, advanced at every write and truncate: the files' `mtimeMs`. */
  clock = 0;
  blockWriter: "none" | "async";
  /** Decides when block-writer writes land (apart from `#random`, so crashes stay as they were). */
  schedule: () => number;
  #random: () => number;

  constructor(options: MemoryFileSystemOptions) {
    this.crashAt = options.crashAt;
    this.onOperation = options.onOperation;
    this.capacity = options.capacity ?? Infinity;
    this.readOnly = new Set((options.readOnly ?? []).map(normalize));
    this.#random = seededRandom(options.seed ?? 1);
    this.failDatasyncAt = options.failDatasyncAt;
    this.blockWriter = options.blockWriter ?? "async";
    this.schedule = seededRandom((options.seed ?? 1) ^ 0x5bd1e995);
  }

  checkRunning(): void {
    if (this.halted) {
      throw new SimulatedCrash(
        `the file system crashed at operation ${this.halted.operation?.index}; ` +
          "call crash() or restart() first",
        this.halted.operation,
      );
    }
  }

  /** Counts and logs a mutating operation, and injects the configured faults. */
  count(op: Omit<MemoryOperation, "index">): void {
    const operation: MemoryOperation = { index: this.log.length + 1, ...op };
    this.log.push(operation);
    if (op.op === "datasync") this.datasyncs++;
    if (this.crashAt === operation.index) {
      this.crashAt = undefined;
      this.halted = new SimulatedCrash(
        `simulated crash at operation ${operation.index} (${operation.op} ${operation.path})`,
        operation,
      );
      throw this.halted;
    }
    if (this.onOperation) {
      try {
        this.onOperation(operation);
      } catch (e) {
        if (e instanceof SimulatedCrash) this.halted = e;
        throw e;
      }
    }
    if (op.op === "datasync" && this.datasyncs === this.failDatasyncAt) {
      this.failDatasyncAt = undefined;
      throw new FileSystemError("FS_ERROR", "datasync", op.path, {
        cause: new Error("EIO: input/output error (simulated writeback failure)"),
      });
    }
  }

  /**
   * A `datasync` of `inode` failed (a writeback error): each un-synced operation reached the disk
   * or not, as at a torn crash; then they are forgotten, and the live image is the durable one.
   */
  writebackFailed(inode: Inode): void {
    for (const op of inode.pending) this.#land(inode.durable, op, "torn");
    inode.pending = [];
    inode.live = inode.durable.clone();
  }

  isReadOnly(p: string): boolean {
    if (this.readOnly.size === 0) return false;
    for (const a of ancestors(p, true)) if (this.readOnly.has(a)) return true;
    return false;
  }

  /** Throws what a lookup of `p`'s parent directories would: FS_NOT_FOUND or FS_NOT_DIRECTORY. */
  checkParents(p: string, operation: string, shown: string): void {
    for (const a of ancestors(parentOf(p), true)) {
      const e = this.live.get(a);
      if (e === undefined) throw new FileSystemError("FS_NOT_FOUND", operation, shown);
      if (e !== DIR) throw new FileSystemError("FS_NOT_DIRECTORY", operation, shown);
    }
  }

  /** The durable entry at `p`, if it and all its parents are durable. */
  durableEntry(p: string): Entry | undefined {
    for (const a of ancestors(parentOf(p), true)) if (this.durable.get(a) !== DIR) return undefined;
    return this.durable.get(p);
  }

  used(): number {
    const inodes = new Set<Inode>();
    for (const e of this.live.values()) if (e instanceof Inode) inodes.add(e);
    for (const h of this.handles) inodes.add(h.inode);
    let n = 0;
    for (const inode of inodes) n += inode.live.allocated();
    return n;
  }

  open(path: string, options: OpenOptions): MemoryPositionalFile {
    const p = normalize(path);
    if (options.create || options.truncate || options.exclusive) {
      this.count({ op: "open", path: p });
    }
    this.checkParents(p, "open", path);
    const found = this.live.get(p);
    if (found !== undefined && !(found instanceof Inode)) {
      throw new FileSystemError("FS_NOT_DIRECTORY", "open", path);
    }
    if (found !== undefined && options.exclusive) {
      throw new FileSystemError("FS_EXISTS", "open", path);
    }
    let e = found;
    if (e === undefined) {
      if (!options.create && !options.exclusive) {
        throw new FileSystemError("FS_NOT_FOUND", "open", path);
      }
      if (this.isReadOnly(p)) throw new FileSystemError("FS_PERMISSION", "open", path);
      e = new Inode();
      e.mtime = ++this.clock;
      this.live.set(p, e);
    } else if (!options.readOnly && this.isReadOnly(p)) {
      throw new FileSystemError("FS_PERMISSION", "open", path);
    }
    if (options.truncate) e.do({ kind: "truncate", size: 0 }, ++this.clock);
    const handle = new MemoryPositionalFile(this, e, path, !!options.readOnly);
    this.handles.add(handle);
    return handle;
  }

  readFile(path: string): Uint8Array {
    const p = normalize(path);
    this.checkParents(p, "read", path);
    const e = this.live.get(p);
    if (e === undefined) throw new FileSystemError("FS_NOT_FOUND", "read", path);
    if (!(e instanceof Inode)) throw new FileSystemError("FS_NOT_DIRECTORY", "read", path);
    return e.live.view().slice();
  }

  stat(path: string): FileInfo | null {
    const p = normalize(path);
    for (const a of ancestors(parentOf(p), true)) if (this.live.get(a) !== DIR) return null;
    const e = this.live.get(p);
    if (e === undefined) return null;
    if (!(e instanceof Inode)) return { size: 0, isFile: false, isDirectory: true };
    return { size: e.live.size, isFile: true, isDirectory: false, mtimeMs: e.mtime };
  }

  rename(from: string, to: string): void {
    const f = normalize(from);
    const t = normalize(to);
    const shown = `${from} -> ${to}`;
    this.count({ op: "rename", path: f, to: t });
    this.checkParents(f, "rename", shown);
    const e = this.live.get(f);
    if (e === undefined) throw new FileSystemError("FS_NOT_FOUND", "rename", shown);
    this.checkParents(t, "rename", shown);
    if (e === DIR) {
      throw new FileSystemError("FS_ERROR", "rename", shown, {
        cause: new Error("the memory file system renames files only"),
      });
    }
    if (this.live.get(t) === DIR) throw new FileSystemError("FS_NOT_DIRECTORY", "rename", shown);
    if (this.isReadOnly(f) || this.isReadOnly(t)) {
      throw new FileSystemError("FS_PERMISSION", "rename", shown);
    }
    if (f === t) return;
    this.live.set(t, e);
    this.live.delete(f);
  }

  link(existing: string, newPath: string): void {
    const f = normalize(existing);
    const t = normalize(newPath);
    const shown = `${existing} -> ${newPath}`;
    this.count({ op: "link", path: f, to: t });
    this.checkParents(f, "link", shown);
    const e = this.live.get(f);
    if (e === undefined) throw new FileSystemError("FS_NOT_FOUND", "link", shown);
    this.checkParents(t, "link", shown);
    if (this.live.has(t)) throw new FileSystemError("FS_EXISTS", "link", shown);
    if (e === DIR || this.isReadOnly(t)) {
      throw new FileSystemError("FS_PERMISSION", "link", shown); // EPERM for a directory
    }
    this.live.set(t, e);
  }

  remove(path: string): void {
    const p = normalize(path);
    this.count({ op: "remove", path: p });
    try {
      this.checkParents(p, "remove", path);
    } catch (e) {
      if ((e as FileSystemError).code === "FS_NOT_FOUND") return;
      throw e;
    }
    const e = this.live.get(p);
    if (e === undefined) return;
    if (this.isReadOnly(p)) throw new FileSystemError("FS_PERMISSION", "remove", path);
    if (e === DIR) {
      if (p === "/" || [...this.live.keys()].some((k) => k !== p && parentOf(k) === p)) {
        throw new FileSystemError("FS_ERROR", "remove", path, {
          cause: new Error("the directory is not empty"),
        });
      }
    }
    this.live.delete(p);
  }

  mkdir(path: string): void {
    const p = normalize(path);
    this.count({ op: "mkdir", path: p });
    for (const a of ancestors(p, true)) {
      const e = this.live.get(a);
      if (e === DIR) continue;
      if (e !== undefined) throw new FileSystemError("FS_NOT_DIRECTORY", "mkdir", path);
      if (this.isReadOnly(a)) throw new FileSystemError("FS_PERMISSION", "mkdir", path);
      this.live.set(a, DIR);
    }
  }

  syncDir(path: string): void {
    const p = normalize(path);
    this.count({ op: "syncDir", path: p });
    this.checkParents(p, "syncDir", path);
    const e = this.live.get(p);
    if (e === undefined) throw new FileSystemError("FS_NOT_FOUND", "syncDir", path);
    if (e !== DIR) throw new FileSystemError("FS_NOT_DIRECTORY", "syncDir", path);
    const names = new Set([...this.live.keys(), ...this.durable.keys()]);
    for (const name of names) {
      if (name === "/" || parentOf(name) !== p) continue;
      const now = this.live.get(name);
      if (now === undefined) this.durable.delete(name);
      else this.durable.set(name, now);
    }
  }

  crash(options: CrashOptions): void {
    const mode = options.unsynced ?? "torn";
    if (options.processOnly) {
      this.durable = new Map(this.live);
      for (const e of this.live.values()) if (e instanceof Inode) e.datasync();
    }
    // Drop entries whose parent directory is not durable (shortest paths first).
    const names = [...this.durable.keys()].sort((a, b) => depth(a) - depth(b));
    for (const name of names) {
      if (name !== "/" && this.durable.get(parentOf(name)) !== DIR) this.durable.delete(name);
    }
    const seen = new Set<Inode>();
    for (const e of this.durable.values()) {
      if (!(e instanceof Inode) || seen.has(e)) continue;
      seen.add(e);
      for (const op of e.pending) this.#land(e.durable, op, mode);
      e.pending = [];
      e.live = e.durable.clone();
    }
    this.live = new Map(this.durable);
    for (const h of this.handles) h.kill();
    this.handles.clear();
    this.halted = undefined;
    this.crashAt = undefined;
    this.epoch++;
  }

  /** Applies an un-synced operation at a crash, as much of it as `mode` and chance decide. */
  #land(image: Image, op: DataOp, mode: "torn" | "lost" | "kept"): void {
    if (mode === "kept") return apply(image, op);
    if (mode === "lost") return;
    if (op.kind === "truncate") {
      if (this.#random() < 0.5) apply(image, op);
      return;
    }
    const r = this.#random();
    if (r < 1 / 3) return apply(image, op);
    const kept = r < 2 / 3 ? 0 : Math.floor(this.#random() * (op.bytes.length + 1));
    image.write(op.offset, op.bytes.subarray(0, kept));
    const end = op.offset + op.bytes.length;
    if (kept < op.bytes.length && end > image.size && this.#random() < 0.5) image.truncate(end);
  }
}

class MemoryPositionalFile implements PositionalFile {
  readonly inode: Inode;
  #disk: Disk;
  #path: string;
  #readOnly: boolean;
  #closed = false;
  #dead = false;

  constructor(disk: Disk, inode: Inode, path: string, readOnly: boolean) {
    this.#disk = disk;
    this.inode = inode;
    this.#path = path;
    this.#readOnly = readOnly;
  }

  kill(): void {
    this.#dead = true;
  }

  #check(operation: string): void {
    if (this.#dead) throw new SimulatedCrash("this file handle did not survive a crash");
    this.#disk.checkRunning();
    if (this.#closed) throw closedError(operation, this.#path);
  }

  #writable(operation: string): void {
    if (this.#readOnly) {
      throw new FileSystemError("FS_ERROR", operation, this.#path, {
        cause: new Error("the file is open read-only"),
      });
    }
  }

  write(data: Uint8Array, offset: number): Promise<void> {
    return run(() => {
      checkPosition(offset, "offset");
      this.#check("write");
      this.#disk.count({
        op: "write",
        path: normalize(this.#path),
        offset,
        length: data.length,
      });
      this.#writable("write");
      const disk = this.#disk;
      if (disk.capacity !== Infinity) {
        const more = this.inode.live.unallocated(offset, offset + data.length);
        if (more > 0 && disk.used() + more > disk.capacity) {
          throw new FileSystemError("FS_NO_SPACE", "write", this.#path);
        }
      }
      this.inode.do({ kind: "write", offset, bytes: data.slice() }, ++this.#disk.clock);
    });
  }

  read(buffer: Uint8Array, offset: number): Promise<number> {
    return run(() => {
      checkPosition(offset, "offset");
      this.#check("read");
      const live = this.inode.live;
      if (offset >= live.size) return 0;
      const n = Math.min(buffer.length, live.size - offset);
      buffer.set(live.bytes.subarray(offset, offset + n));
      return n;
    });
  }

  datasync(): Promise<void> {
    return run(() => {
      this.#check("datasync");
      try {
        this.#disk.count({ op: "datasync", path: normalize(this.#path) });
      } catch (error) {
        if (error instanceof FileSystemError) this.#disk.writebackFailed(this.inode);
        throw error;
      }
      this.inode.datasync();
    });
  }

  truncate(size: number): Promise<void> {
    return run(() => {
      checkPosition(size, "size");
      this.#check("truncate");
      this.#disk.count({ op: "truncate", path: normalize(this.#path), length: size });
      this.#writable("truncate");
      this.inode.do({ kind: "truncate", size }, ++this.#disk.clock);
    });
  }

  size(): Promise<number> {
    return run(() => {
      this.#check("size");
      return this.inode.live.size;
    });
  }

  close(): Promise<void> {
    if (!this.#dead && !this.#closed) {
      this.#closed = true;
      this.#disk.handles.delete(this);
    }
    return Promise.resolve();
  }
}

/** `/`-rooted, with `.`, `..`, empty parts and trailing separators resolved. */
function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.replaceAll("\\", "/").split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

function parentOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

function depth(p: string): number {
  return p === "/" ? 0 : p.split("/").length - 1;
}

/** The ancestors of a normalized path from the top, without `/`, with `p` itself if `self`. */
function ancestors(p: string, self: boolean): string[] {
  const out: string[] = [];
  let i = 0;
  while ((i = p.indexOf("/", i + 1)) > 0) out.push(p.slice(0, i));
  if (self && p !== "/") out.push(p);
  return out;
}
