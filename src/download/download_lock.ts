/**
 * One download per destination at a time. Two processes writing the same partial file and journal
 * would corrupt each other's progress, so a download holds `<destination>.ossdl-lock`, created
 * exclusively (O_EXCL) with the holder's process id. A lock whose holder is gone (killed, crashed,
 * power cut) is stale and is taken over, so that running the same command again always resumes.
 *
 * @module
 */
import { DownloadLockedError, FileSystemError } from "../errors.ts";
import type { FileSystem } from "../fs/file_system.ts";
import type { ProcessProbe } from "../runtime/process_probe.ts";

/** The suffix of the lock file beside the destination. */
export const LOCK_SUFFIX = ".ossdl-lock";

/** Locks held by this process (a second download here to the same file is refused too). */
const held = new Set<string>();

/** Releases a lock. Never throws. */
export type ReleaseLock = () => Promise<void>;

/**
 * Take the lock at `path`, or throw {@linkcode DownloadLockedError} when a live process holds it.
 *
 * @example
 * ```ts ignore
 * const release = await acquireLock(fs, "/data/big.iso.ossdl-lock", processProbe());
 * try {
 *   // ... download ...
 * } finally {
 *   await release();
 * }
 * ```
 */
export async function acquireLock(
  fs: FileSystem,
  path: string,
  probe: ProcessProbe,
): Promise<ReleaseLock> {
  if (held.has(path)) throw new DownloadLockedError(path, probe.pid);
  for (let attempt = 0;; attempt++) {
    try {
      const file = await fs.open(path, { exclusive: true });
      try {
        const record = JSON.stringify({ pid: probe.pid, since: new Date().toISOString() });
        await file.write(new TextEncoder().encode(record + "\n"), 0);
      } finally {
        await file.close();
      }
      held.add(path);
      return async () => {
        held.delete(path);
        await fs.remove(path).catch(() => {});
      };
    } catch (error) {
      if (!(error instanceof FileSystemError) || error.code !== "FS_EXISTS") throw error;
      const holder = await lockHolder(fs, path);
      const live = holder !== null && holder !== probe.pid && probe.isAlive(holder);
      if (live || attempt > 0) throw new DownloadLockedError(path, holder ?? probe.pid);
      // Stale: its process is gone (or it is this process's own, left by an interrupted run).
      await fs.remove(path);
    }
  }
}

async function lockHolder(fs: FileSystem, path: string): Promise<number | null> {
  try {
    const pid = JSON.parse(new TextDecoder().decode(await fs.readFile(path))).pid;
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // unreadable or half-written: its writer died while creating it
  }
}
