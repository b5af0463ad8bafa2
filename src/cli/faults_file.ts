/**
 * `ossdl serve --faults FILE.json`: load the emulator's faults from a JSON file and load them again
 * whenever the file changes (its mtime or size, polled). A file that cannot be read or parsed is
 * reported and the faults in force stay as they were.
 *
 * @module
 */
import type { Faults } from "../emulator/faults.ts";
import { parseFaults } from "../emulator/parse_faults.ts";
import type { FileSystem } from "../fs/file_system.ts";

/** Options of {@linkcode watchFaultsFile}. */
export interface WatchFaultsOptions {
  /** Where the file is read. */
  fs: Pick<FileSystem, "stat" | "readFile">;
  /** Called with each valid version of the file (the first one included). */
  apply: (faults: Faults) => void;
  /** Told, in one line, what was loaded or why a version was refused. */
  report: (line: string) => void;
  /** How often the file's mtime and size are checked, in ms. @default 500 */
  intervalMs?: number;
}

/** A running watch. */
export interface FaultsWatch {
  /** Check the file now (the timer calls this); resolves when done. */
  check(): Promise<void>;
  /** Stop polling. */
  stop(): void;
}

/**
 * Load the faults from `path` once (throws `Error` with a readable message when the file is
 * missing or invalid), then poll it every `intervalMs` and apply each valid change.
 *
 * @example
 * ```ts ignore
 * import { watchFaultsFile } from "./faults_file.ts";
 * import { defaultFileSystem } from "../fs/default_file_system.ts";
 * import { OssEmulator } from "../emulator/oss_emulator.ts";
 * const emulator = new OssEmulator();
 * const watch = await watchFaultsFile("faults.json", {
 *   fs: await defaultFileSystem(),
 *   apply: (f) => emulator.setFaults(f),
 *   report: (line) => console.error(line),
 * });
 * watch.stop();
 * ```
 */
export async function watchFaultsFile(
  path: string,
  options: WatchFaultsOptions,
): Promise<FaultsWatch> {
  const { fs, apply, report } = options;
  let stamp = "";
  let running: Promise<void> | null = null;

  const load = async (): Promise<Faults> => {
    const info = await fs.stat(path);
    if (info === null || !info.isFile) throw new Error(`--faults ${path}: no such file`);
    stamp = `${info.mtimeMs}:${info.size}`;
    const text = new TextDecoder().decode(await fs.readFile(path));
    try {
      return parseFaults(text);
    } catch (e) {
      const what = e instanceof SyntaxError ? "is not valid JSON" : "is not a valid set of faults";
      throw new Error(`--faults ${path} ${what}: ${(e as Error).message}`);
    }
  };

  const first = await load();
  apply(first);
  report(`faults from ${path}: ${describe(first)}`);

  const check = (): Promise<void> => {
    running ??= (async () => {
      try {
        const info = await fs.stat(path);
        const now = info === null ? "missing" : `${info.mtimeMs}:${info.size}`;
        if (now === stamp) return;
        if (info === null) {
          stamp = now;
          report(`faults: ${path} is gone; the faults in force are kept`);
          return;
        }
        const faults = await load();
        apply(faults);
        report(`faults reloaded from ${path}: ${describe(faults)}`);
      } catch (e) {
        report(`faults: ${(e as Error).message}; the faults in force are kept`);
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? 500);
  return {
    check,
    stop: () => clearInterval(timer),
  };
}

/** `none`, or the JSON of the faults (object contents shown as their size). */
function describe(faults: Faults): string {
  if (Object.keys(faults).length === 0) return "none";
  return JSON.stringify(
    faults,
    (_k, v) => v instanceof Uint8Array ? `<${v.length} bytes>` : v,
  );
}
