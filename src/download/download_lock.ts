/**
 * One download per destination at a time. Two downloads writing the same partial file and journal
 * would corrupt each other's progress, so a download holds `<destination>.ossdl-lock`. A lock whose
 * holder is gone (killed, crashed, machine rebooted) is stale and is taken over, so that running
 * the same command again always resumes; a live holder's lock is never removed or replaced.
 *
 * ## The protocol
 *
 * A lock file holds one JSON record naming its holder: host, boot id, pid, process start time
 * (see {@linkcode holderStatus}) and a random `nonce` that is new at every acquisition and names
 * this *generation* of the lock.
 *
 * 1. **Acquire.** Write the complete record to a private temporary file `<lock>.<nonce>.tmp`, then
 *    hard-link it to `<lock>`. The link fails when a lock exists, and a lock never exists without
 *    its whole record, so nobody ever reads a half-written lock.
 * 2. **Judge.** When the lock exists, read it. A live holder (or a holder on another host, which
 *    cannot be checked, or another download in this process) means `DownloadLockedError`. A dead
 *    holder, or a record that is not valid, means stale.
 * 3. **Take over generation N** (the stale lock's nonce): take the token `<lock>.next-N` by the
 *    same steps (link, or judge its holder and take it over in turn, at most a few levels deep),
 *    then read the lock again. Still generation N: rename the token onto the lock (atomic). Another
 *    generation now: remove the token and judge the new lock from step 1.
 * 4. Only the holder of the token for N may replace generation N, and generation N never comes
 *    back once replaced, so two contenders never both succeed, and a contender that was slow can
 *    only find that the lock has changed: it never removes or replaces a lock a live process took.
 * 5. **Release** removes the lock only while it still holds this acquisition's nonce.
 *
 * On file systems without hard links (FAT, exFAT, some network shares) the lock is created
 * exclusively and then written; a reader that finds no valid record waits `malformedGraceMs` and
 * treats it as stale only when it has not changed meanwhile. Where links work, a lock without a
 * valid record can only be what a power cut left of one, and is stale at once.
 *
 * @module
 */
import { DownloadLockedError, FileSystemError } from "../errors.ts";
import type { FileSystem } from "../fs/file_system.ts";
import { holderStatus, type ProcessProbe } from "../runtime/process_probe.ts";

/** The suffix of the lock file beside the destination. */
export const LOCK_SUFFIX = ".ossdl-lock";

/** Releases a lock. Never throws. */
export type ReleaseLock = () => Promise<void>;

/** Options of {@linkcode acquireLock}. */
export interface AcquireLockOptions {
  /**
   * How long a lock file without a valid record is given to get one before it counts as stale
   * (only a file system without hard links ever shows a lock before its record), in milliseconds.
   * @default 250
   */
  malformedGraceMs?: number;
}

/** The record in a lock file, as this version writes it. */
export interface LockRecord {
  /** The holder's host name. */
  host: string;
  /** The holder's machine's boot id, or `null`. */
  bootId: string | null;
  /** The holder's process id. */
  pid: number;
  /** The holder's process start time, or `null`. */
  start: number | null;
  /** Random, new at every acquisition: the lock's generation. */
  nonce: string;
  /** When it was acquired (ISO 8601). */
  since: string;
}

/** How many tokens deep a takeover may go (`<lock>.next-N.next-M...`). */
const MAX_DEPTH = 3;
/** How many times one level re-judges a lock that keeps changing before giving up. */
const MAX_ROUNDS = 20;
const NONCE = /^[0-9a-f]{16,64}$/;

/**
 * The nonces of the records this process has written and not removed yet (lock files, tokens and
 * temporary files): a record with this process's identity is held here only when its nonce is in
 * this set. Shared through `globalThis` by every copy of this module loaded in the process.
 */
const held: Set<string> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("ossdl.download_lock.held")
] ??= new Set<string>()) as Set<string>;

/**
 * Take the lock at `path`, or throw {@linkcode DownloadLockedError} when a live download holds it
 * (another process on this host, a process on another host, or another download in this process).
 * A stale lock (its holder is gone) is taken over atomically; see the module documentation.
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
  options: AcquireLockOptions = {},
): Promise<ReleaseLock> {
  const graceMs = options.malformedGraceMs ?? 250;
  if (!(graceMs >= 0)) throw new RangeError(`malformedGraceMs must be >= 0, got ${graceMs}`);
  const me = probe.identity();
  const nonce = newNonce();
  const record: LockRecord = {
    host: me.host,
    bootId: me.bootId,
    pid: me.pid,
    start: me.start,
    nonce,
    since: new Date().toISOString(),
  };
  const contender: Contender = {
    fs,
    probe,
    lockPath: path,
    tmp: `${path}.${nonce}.tmp`,
    bytes: new TextEncoder().encode(JSON.stringify(record) + "\n"),
    nonce,
    graceMs,
    linkWorks: true,
  };
  held.add(nonce);
  let holding = false;
  try {
    await createWith(fs, contender.tmp, contender.bytes);
    await claim(contender, path, 0);
    holding = true;
  } finally {
    await fs.remove(contender.tmp).catch(() => {});
    if (!holding) held.delete(nonce);
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    try {
      const seen = await look(fs, path);
      if (seen.kind === "record" && seen.nonce === nonce) await fs.remove(path);
    } catch {
      // never throws: a lock left behind is stale (its nonce is no longer held) and is taken over
    } finally {
      held.delete(nonce);
    }
  };
}

interface Contender {
  fs: FileSystem;
  probe: ProcessProbe;
  /** The lock asked for (named in errors). */
  lockPath: string;
  /** The private file holding `bytes`, linked to every name this contender takes. */
  tmp: string;
  bytes: Uint8Array;
  nonce: string;
  graceMs: number;
  /** Cleared when `link` fails otherwise than with FS_EXISTS (no hard links here). */
  linkWorks: boolean;
}

interface Holder {
  host?: string;
  bootId?: string | null;
  pid: number;
  start?: number | null;
}

/** What a lock (or token) file holds. */
type Seen =
  | { kind: "missing" }
  /** A record of this version (`nonce` set) or of an older one (`nonce` null, `pid` only). */
  | { kind: "record"; generation: string; holder: Holder; nonce: string | null }
  | { kind: "malformed"; generation: string };

/**
 * Make `target` hold this contender's record, taking over a stale one; throws
 * {@linkcode DownloadLockedError} when a live contender or holder has it.
 */
async function claim(c: Contender, target: string, depth: number): Promise<void> {
  let last: Holder | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (await publish(c, target)) return;
    const seen = await look(c.fs, target);
    if (seen.kind === "missing") continue; // released meanwhile: try again
    if (seen.kind === "malformed") {
      last = undefined;
      // Where hard links work (our link just failed with FS_EXISTS), every lock appears with its
      // whole record: one without is the remnant of a crash (a power cut tore its data), stale at
      // once. Only a file system without links shows a lock before its record: give it time.
      if (!c.linkWorks) {
        await new Promise((resolve) => setTimeout(resolve, c.graceMs));
        const again = await look(c.fs, target);
        if (again.kind !== "malformed" || again.generation !== seen.generation) continue;
      }
    } else {
      if (seen.nonce === c.nonce) return; // ours already (a link that reported failure but happened)
      last = seen.holder;
      if (!isStale(c, seen)) throw locked(c, seen.holder);
    }
    // Stale: replace generation `seen.generation`, which only the holder of its token may do.
    if (depth >= MAX_DEPTH) {
      // Contenders that died in the middle of takeovers, again and again: a person removes it.
      throw new DownloadLockedError(target, last?.pid ?? 0, last?.host ?? "");
    }
    const token = `${target}.next-${seen.generation}`;
    await claim(c, token, depth + 1);
    try {
      const now = await look(c.fs, target);
      if (now.kind !== "missing" && now.generation === seen.generation) {
        await c.fs.rename(token, target);
        // The dead holder's temporary file, if it was killed before removing it.
        if (seen.kind === "record" && seen.nonce !== null) {
          await c.fs.remove(`${c.lockPath}.${seen.nonce}.tmp`).catch(() => {});
        }
        return;
      }
    } catch (error) {
      await removeIfOurs(c, token).catch(() => {});
      throw error;
    }
    // Another contender replaced it first (or it was removed): give the token back, judge afresh.
    await removeIfOurs(c, token);
  }
  throw locked(c, last ?? { pid: 0 });
}

/** Whether the holder of a valid record is gone. */
function isStale(c: Contender, seen: Extract<Seen, { kind: "record" }>): boolean {
  switch (holderStatus(c.probe, seen.holder)) {
    case "dead":
      return true;
    case "self": // this process: held only while the nonce is one of ours
      return seen.nonce === null || !held.has(seen.nonce);
    default: // alive, or on another host (cannot tell: assume alive)
      return false;
  }
}

function locked(c: Contender, holder: Holder): DownloadLockedError {
  return new DownloadLockedError(c.lockPath, holder.pid, holder.host ?? "");
}

/** Give `target` this contender's record, unless something is there: `false`. */
async function publish(c: Contender, target: string): Promise<boolean> {
  if (c.linkWorks) {
    try {
      await c.fs.link(c.tmp, target);
      return true;
    } catch (error) {
      if (!(error instanceof FileSystemError)) throw error;
      if (error.code === "FS_EXISTS") return false;
      c.linkWorks = false; // no hard links on this file system: create, then write
    }
  }
  try {
    await createWith(c.fs, target, c.bytes);
    return true;
  } catch (error) {
    if (error instanceof FileSystemError && error.code === "FS_EXISTS") return false;
    throw error;
  }
}

/** Create `path` exclusively with `bytes`; on failure after the create, remove it again. */
async function createWith(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  const file = await fs.open(path, { exclusive: true });
  try {
    await file.write(bytes, 0);
    await file.close();
  } catch (error) {
    await file.close().catch(() => {});
    await fs.remove(path).catch(() => {});
    throw error;
  }
}

async function removeIfOurs(c: Contender, path: string): Promise<void> {
  const seen = await look(c.fs, path);
  if (seen.kind === "record" && seen.nonce === c.nonce) await c.fs.remove(path);
}

/** Read and parse a lock or token file. */
async function look(fs: FileSystem, path: string): Promise<Seen> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    if (error instanceof FileSystemError && error.code === "FS_NOT_FOUND") {
      return { kind: "missing" };
    }
    throw error;
  }
  return parse(bytes);
}

function parse(bytes: Uint8Array): Seen {
  const generation = `h${fnv1a(bytes)}-${bytes.length}`;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { kind: "malformed", generation };
  }
  if (typeof value !== "object" || value === null) return { kind: "malformed", generation };
  const r = value as Record<string, unknown>;
  if (!(Number.isSafeInteger(r.pid) && (r.pid as number) > 0)) {
    return { kind: "malformed", generation };
  }
  const pid = r.pid as number;
  if (r.nonce === undefined) return { kind: "record", generation, holder: { pid }, nonce: null };
  const valid = typeof r.nonce === "string" && NONCE.test(r.nonce) &&
    typeof r.host === "string" &&
    (r.bootId === null || typeof r.bootId === "string") &&
    (r.start === null || Number.isSafeInteger(r.start));
  if (!valid) return { kind: "malformed", generation };
  const holder: Holder = {
    host: r.host as string,
    bootId: r.bootId as string | null,
    pid,
    start: r.start as number | null,
  };
  return { kind: "record", generation: r.nonce as string, holder, nonce: r.nonce as string };
}

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** FNV-1a (32 bits, hex) of `bytes`: names the generation of a lock without a nonce. */
function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}
