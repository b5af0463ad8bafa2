/**
 * Reads environment variables on Deno (`Deno.env.get`, which may need `--allow-env`) and on
 * Node / Bun (`process.env`). This adapter is the only file that touches those globals.
 *
 * @module
 */

interface DenoEnvGlobal {
  Deno?: { env?: { get(name: string): string | undefined } };
}

interface ProcessEnvGlobal {
  process?: { env?: Record<string, string | undefined> };
}

/**
 * The value of environment variable `name`, or `undefined` when it is unset or cannot be read
 * (e.g. Deno without `--allow-env`).
 *
 * @example
 * ```ts
 * import { readEnv } from "./env.ts";
 * const id = readEnv("OSS_ACCESS_KEY_ID");
 * console.log(id === undefined ? "no key" : "key set");
 * ```
 */
export function readEnv(name: string): string | undefined {
  const deno = (globalThis as DenoEnvGlobal).Deno;
  if (deno?.env) {
    try {
      return deno.env.get(name);
    } catch {
      return undefined; // NotCapable / PermissionDenied
    }
  }
  try {
    return (globalThis as ProcessEnvGlobal).process?.env?.[name];
  } catch {
    return undefined;
  }
}
