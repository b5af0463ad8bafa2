/**
 * Shared helpers of the INI-based files: parse with errors that name the file and line, and read
 * a section's keys whatever their spelling (`accessKeyId`, `access-key-id`, `access_key_id`).
 *
 * @module
 */
import { CredentialsError } from "./credentials_error.ts";
import { type IniSection, type IniValue, parseIni } from "./ini_parser.ts";

/**
 * Parses INI `text` read from `path`.
 *
 * @throws {CredentialsError} naming the file and the line
 *
 * @example
 * ```ts
 * import { parseIniFile } from "./ini_profile.ts";
 * parseIniFile("[default]\nregion = cn-hangzhou\n", "/home/me/.ossutilconfig").has("default"); // true
 * ```
 */
export function parseIniFile(text: string, path: string): Map<string, IniSection> {
  try {
    return parseIni(text);
  } catch (error) {
    throw new CredentialsError(
      `${path} ${error instanceof Error ? error.message : "is malformed"}`,
      `fix ${path}, or pass credentials another way (see --help)`,
    );
  }
}

/**
 * A key's normalized name: lower case, without `-` and `_` (`access-key-id` → `accesskeyid`).
 *
 * @example
 * ```ts
 * import { normalizeKey } from "./ini_profile.ts";
 * normalizeKey("Access_Key-ID"); // "accesskeyid"
 * ```
 */
export function normalizeKey(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "");
}

/**
 * The value of the first of `names` (normalized spellings) present and non-empty in `section`.
 *
 * @example
 * ```ts
 * import { lookup } from "./ini_profile.ts";
 * import { parseIni } from "./ini_parser.ts";
 * const s = parseIni("[p]\naccess-key-id = a\n").get("p")!;
 * lookup(s, "accesskeyid")?.value; // "a"
 * ```
 */
export function lookup(section: IniSection, ...names: string[]): IniValue | undefined {
  for (const wanted of names) {
    for (const [key, value] of section.values) {
      if (normalizeKey(key) === wanted && value.value !== "") return value;
    }
  }
  return undefined;
}
