/**
 * Test helper run as a child process by `download_lock_test.ts`: one contender for a download lock
 * on the real file system.
 *
 *   <runtime> tests/_lock_contender.ts <lock> <out> <mode> <goAt> <holdMs> <deadline>
 *
 * Waits until `goAt` (ms since the epoch), then tries to take `<lock>`:
 * - mode `retry`: until it has held the lock once or `deadline` passes, retrying every few ms
 *   while another holds it; holds it `holdMs`, releases it, and writes `hold <t0> <t1>` to `<out>`
 *   (`Date.now()` after acquiring and before releasing), or `gave-up` at the deadline;
 * - mode `hold`: takes it once (`locked` to `<out>` when refused), writes `held`, and holds it until
 *   killed.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { acquireLock } from "../src/download/download_lock.ts";
import { defaultFileSystem } from "../src/fs/default_file_system.ts";
import { processProbe } from "../src/runtime/process_probe.ts";
import { DownloadLockedError } from "../src/errors.ts";

const [lock, out, mode, goAt, holdMs, deadline] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const fs = await defaultFileSystem();
const probe = processProbe();
probe.identity(); // read /proc before the start line, not in the race
await sleep(Math.max(0, Number(goAt) - Date.now()));

if (mode === "hold") {
  try {
    await acquireLock(fs, lock, probe);
  } catch (error) {
    if (!(error instanceof DownloadLockedError)) throw error;
    writeFileSync(out, "locked\n");
    process.exit(0);
  }
  writeFileSync(out, "held\n");
  setInterval(() => {}, 1 << 30); // until killed
} else {
  let result = "gave-up\n";
  while (Date.now() < Number(deadline)) {
    let release;
    try {
      release = await acquireLock(fs, lock, probe);
    } catch (error) {
      if (!(error instanceof DownloadLockedError)) throw error;
      await sleep(1 + Math.random() * 4);
      continue;
    }
    const t0 = Date.now();
    await sleep(Number(holdMs));
    const t1 = Date.now();
    await release();
    result = `hold ${t0} ${t1}\n`;
    break;
  }
  writeFileSync(out, result);
}
