/**
 * The version of ossdl, read from `deno.json` (a JSON import: Deno, Bun and `bun build --compile`
 * all embed it).
 *
 * @module
 */
import meta from "../../deno.json" with { type: "json" };

/**
 * The package version, e.g. `0.1.0`.
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(`ossdl ${VERSION}`);
 * ```
 */
export const VERSION: string = meta.version;
