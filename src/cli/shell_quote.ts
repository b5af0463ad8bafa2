/**
 * POSIX shell quoting, and the command line that resumes an interrupted download.
 *
 * @module
 */
import { maskSecrets } from "./mask_secrets.ts";

const SAFE_RE = /^[A-Za-z0-9_\/.,:=@%+^-]+$/;

/**
 * Quotes one word for a POSIX shell: safe words stay as they are, anything else goes in single
 * quotes (a `'` inside becomes `'\''`).
 *
 * @example
 * ```ts
 * import { shellQuote } from "./shell_quote.ts";
 * shellQuote("oss://bucket/a.bin"); // "oss://bucket/a.bin"
 * shellQuote("my file's.bin"); // "'my file'\\''s.bin'"
 * ```
 */
export function shellQuote(word: string): string {
  if (word !== "" && SAFE_RE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command that resumes a download: the program and the same arguments, each shell-quoted,
 * secrets masked (see `maskSecrets`), and `--no-resume` dropped (it would start over). Only the
 * option itself is dropped (also a `--no-resume=...` form): every other argument is kept as it was
 * given, in order, whether a value follows its option (`--checkpoint x`) or is attached
 * (`--checkpoint=x`), short flags (`-q`) included. After `--` every argument is a positional and
 * kept, even one spelled `--no-resume`.
 *
 * @param program how the CLI was started, already quoted (e.g. `deno run -A cli.ts`)
 * @param args the arguments as given
 * @param literals secret values to mask too
 *
 * @example
 * ```ts
 * import { resumeCommand } from "./shell_quote.ts";
 * resumeCommand("ossdl", ["oss://b/my file.bin", "out", "--no-resume"]);
 * // "ossdl 'oss://b/my file.bin' out"
 * ```
 */
export function resumeCommand(
  program: string,
  args: readonly string[],
  literals: readonly (string | undefined)[] = [],
): string {
  const kept: string[] = [];
  let positionalOnly = false;
  for (const arg of args) {
    if (!positionalOnly) {
      if (arg === "--") positionalOnly = true;
      else if (arg === "--no-resume" || arg.startsWith("--no-resume=")) continue;
    }
    kept.push(arg);
  }
  return [program, ...kept.map((a) => shellQuote(maskSecrets(a, literals)))].join(" ");
}
