/**
 * Group commit for directory entries: many small objects renamed into the same directory share one
 * `syncDir`. A caller that renamed a file asks for a sync of its directory and waits; callers that
 * arrive while a sync of that directory is running wait for the next one (which starts after their
 * rename, so it covers it), and all of them share it.
 *
 * @module
 */
import type { FileSystem } from "../fs/file_system.ts";

interface DirectoryState {
  /** The sync running now, if any. */
  running: Promise<void> | null;
  /** The sync that starts once `running` ends, shared by everyone who asked meanwhile. */
  next: Promise<void> | null;
}

/**
 * Coalesces `syncDir` calls per directory.
 *
 * @example
 * ```ts
 * import { DirectorySyncs } from "./directory_syncs.ts";
 * import { MemoryFileSystem } from "../fs/memory_file_system.ts";
 * const fs = new MemoryFileSystem();
 * const syncs = new DirectorySyncs(fs);
 * await fs.mkdir("/d");
 * await Promise.all([syncs.sync("/d"), syncs.sync("/d")]); // one or two syncDir calls, not more
 * ```
 */
export class DirectorySyncs {
  #fs: FileSystem;
  #states = new Map<string, DirectoryState>();
  #calls = 0;

  /** @param fs the file system whose directories to sync */
  constructor(fs: FileSystem) {
    this.#fs = fs;
  }

  /** `syncDir` calls made so far (for tests and benchmarks). */
  get calls(): number {
    return this.#calls;
  }

  /**
   * Resolves once a `syncDir` of `directory` that started after this call has finished, so every
   * create, rename or remove made in it before the call is durable.
   */
  sync(directory: string): Promise<void> {
    let state = this.#states.get(directory);
    if (!state) {
      state = { running: null, next: null };
      this.#states.set(directory, state);
    }
    if (state.running === null) {
      state.running = this.#run(directory, state);
      return state.running;
    }
    const current = state.running;
    state.next ??= current.catch(() => {}).then(() => {
      const s = state!;
      s.next = null;
      s.running = this.#run(directory, s);
      return s.running;
    });
    return state.next;
  }

  async #run(directory: string, state: DirectoryState): Promise<void> {
    this.#calls++;
    try {
      await this.#fs.syncDir(directory);
    } finally {
      state.running = null;
      if (state.next === null) this.#states.delete(directory);
    }
  }
}
