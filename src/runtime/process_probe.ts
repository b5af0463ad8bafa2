/**
 * Which process this is, and whether another one is still running: what the download lock needs
 * to tell a live lock holder from one that was killed. `node:process` works on Deno, Bun and Node.
 *
 * @module
 */
import process from "node:process";

/** This process and a liveness check for others. */
export interface ProcessProbe {
  /** This process's id. */
  readonly pid: number;
  /** Whether a process with this id is running (on this machine). */
  isAlive(pid: number): boolean;
}

/**
 * The probe of the running process.
 *
 * @example
 * ```ts
 * import { processProbe } from "./process_probe.ts";
 * const probe = processProbe();
 * console.log(probe.isAlive(probe.pid)); // true
 * ```
 */
export function processProbe(): ProcessProbe {
  return {
    pid: process.pid,
    isAlive(pid: number): boolean {
      try {
        process.kill(pid, 0); // signal 0: only asks whether the process exists
        return true;
      } catch (error) {
        // EPERM: it exists but belongs to someone else.
        return (error as { code?: string }).code === "EPERM";
      }
    },
  };
}
