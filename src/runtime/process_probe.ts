/**
 * Which process this is, and whether the process named in a lock record still runs: what the
 * download lock needs to tell a live holder from one that was killed. A process is identified by
 * its host name, the machine's boot id, its pid and its start time, so that a pid reused after a
 * crash or a reboot (every container's first process is pid 1) is not mistaken for the holder.
 * `node:process`, `node:os` and `node:fs` work on Deno, Bun and Node; `/proc` gives the boot id
 * and start times on Linux. Elsewhere (macOS, Windows) those are `null` and liveness is by pid.
 *
 * @module
 */
import process from "node:process";
import { hostname } from "node:os";
import { readFileSync } from "node:fs";

/**
 * Who a process is: enough to recognise it again, and to notice that a pid now belongs to another
 * process.
 *
 * @example
 * ```ts
 * import type { ProcessIdentity } from "./process_probe.ts";
 * const me: ProcessIdentity = { host: "build-7", bootId: null, pid: 4242, start: null };
 * console.log(me.pid); // 4242
 * ```
 */
export interface ProcessIdentity {
  /** The machine's host name ("" when it cannot be read). */
  host: string;
  /** The Linux boot id (new at every boot), or `null` where there is none. */
  bootId: string | null;
  /** The process id. */
  pid: number;
  /** When the process started, in clock ticks after boot (Linux), or `null` when unknown. */
  start: number | null;
}

/**
 * This process and the liveness of others on this machine.
 *
 * @example
 * ```ts
 * import { holderStatus, type ProcessProbe } from "./process_probe.ts";
 * // A probe for tests: this is pid 10 on host "a"; only pid 20 (started at tick 5) runs too.
 * const probe: ProcessProbe = {
 *   pid: 10,
 *   identity: () => ({ host: "a", bootId: "b", pid: 10, start: 1 }),
 *   isAlive: (pid) => pid === 10 || pid === 20,
 *   startTime: (pid) => (pid === 20 ? 5 : pid === 10 ? 1 : null),
 * };
 * console.log(holderStatus(probe, { host: "a", bootId: "b", pid: 20, start: 6 })); // "dead"
 * ```
 */
export interface ProcessProbe {
  /** This process's id. */
  readonly pid: number;
  /** Who this process is. */
  identity(): ProcessIdentity;
  /** Whether a process with this id is running (on this machine). */
  isAlive(pid: number): boolean;
  /** When the running process `pid` started (the unit of `ProcessIdentity.start`), or `null`. */
  startTime(pid: number): number | null;
}

/** What a lock record's holder is, as far as this machine can tell. */
export type HolderStatus =
  /** The record names this very process (whether it really holds the lock is not said here). */
  | "self"
  /** Another process on this machine that is running. */
  | "alive"
  /** Its process is gone: killed, exited, or the machine rebooted since. */
  | "dead"
  /** It ran on another host (a shared or network file system); liveness cannot be checked. */
  | "elsewhere";

/**
 * Judge the process named by a lock record. A record without `host` (older versions) is taken to
 * be from this host, and one without `bootId` or `start` is judged by its pid alone.
 *
 * - another host: `"elsewhere"`;
 * - this host, both boot ids known and different: `"dead"` (the machine rebooted);
 * - this process's pid: `"self"`, unless both start times are known and differ (`"dead"`: the pid
 *   was reused);
 * - another pid: `"alive"` when it runs and, where both are known, started when the record says;
 *   else `"dead"`.
 *
 * @example
 * ```ts
 * import { holderStatus, processProbe } from "./process_probe.ts";
 * const probe = processProbe();
 * console.log(holderStatus(probe, probe.identity())); // "self"
 * console.log(holderStatus(probe, { ...probe.identity(), host: "elsewhere.example" })); // "elsewhere"
 * ```
 */
export function holderStatus(
  probe: ProcessProbe,
  holder: { host?: string; bootId?: string | null; pid: number; start?: number | null },
): HolderStatus {
  const me = probe.identity();
  if (holder.host !== undefined && holder.host !== me.host) return "elsewhere";
  if (holder.bootId && me.bootId && holder.bootId !== me.bootId) return "dead";
  const start = holder.start ?? null;
  if (holder.pid === me.pid) {
    return start !== null && me.start !== null && start !== me.start ? "dead" : "self";
  }
  if (!probe.isAlive(holder.pid)) return "dead";
  if (start === null) return "alive";
  const now = probe.startTime(holder.pid);
  return now !== null && now !== start ? "dead" : "alive";
}

let cached: ProcessIdentity | undefined;
/** Whether `/proc` describes this process's pid namespace (not the case in some containers). */
let procUsable = false;

/**
 * The probe of the running process.
 *
 * @example
 * ```ts
 * import { processProbe } from "./process_probe.ts";
 * const probe = processProbe();
 * console.log(probe.isAlive(probe.pid)); // true
 * console.log(probe.identity().pid === probe.pid); // true
 * ```
 */
export function processProbe(): ProcessProbe {
  return {
    pid: process.pid,
    identity,
    isAlive(pid: number): boolean {
      try {
        process.kill(pid, 0); // signal 0: only asks whether the process exists
        return true;
      } catch (error) {
        // EPERM: it exists but belongs to someone else.
        return (error as { code?: string }).code === "EPERM";
      }
    },
    startTime(pid: number): number | null {
      identity(); // decides whether /proc can be trusted
      return procUsable ? procStart(`/proc/${pid}/stat`)?.start ?? null : null;
    },
  };
}

function identity(): ProcessIdentity {
  if (cached) return { ...cached };
  let host = "";
  try {
    if (granted({ name: "sys", kind: "hostname" })) host = hostname();
  } catch {
    // not allowed to ask: hosts are not told apart
  }
  const proc = granted({ name: "read", path: "/proc" });
  const self = proc ? procStart("/proc/self/stat") : null;
  procUsable = self !== null && self.pid === process.pid;
  cached = {
    host,
    bootId: proc ? readText("/proc/sys/kernel/random/boot_id") : null,
    pid: process.pid,
    start: procUsable ? self!.start : null,
  };
  return { ...cached };
}

/**
 * On Deno, whether a permission is granted already, so that using it never stops to prompt the
 * user (without it, the identity is less precise, not wrong); `true` on other runtimes.
 */
function granted(descriptor: { name: string; kind?: string; path?: string }): boolean {
  const permissions = (globalThis as {
    Deno?: { permissions?: { querySync?(d: unknown): { state: string } } };
  }).Deno?.permissions;
  if (typeof permissions?.querySync !== "function") return true;
  try {
    return permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** The pid (field 1) and start time (field 22) of a `/proc/<pid>/stat` file, or `null`. */
function procStart(path: string): { pid: number; start: number } | null {
  const text = readText(path);
  if (text === null) return null;
  // "pid (comm) state ppid ...": comm may hold spaces and ")", so count fields after the last ")".
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const pid = Number(text.slice(0, text.indexOf(" ")));
  const start = Number(fields[22 - 3]); // fields[0] is field 3 (state)
  return Number.isSafeInteger(pid) && Number.isSafeInteger(start) ? { pid, start } : null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim() || null;
  } catch {
    return null; // no /proc here, or no permission to read it
  }
}
