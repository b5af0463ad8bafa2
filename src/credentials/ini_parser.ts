/**
 * A small INI parser for credentials files (`~/.alibabacloud/credentials`, `~/.ossutilconfig`):
 * `[section]` headers, `key = value` (or `key: value`) lines, `#` and `;` comment lines, blank
 * lines. Every section and key keeps its line number, so that errors can name the line. Pure.
 *
 * @module
 */

/** A value and the line it is on (1-based). */
export interface IniValue {
  /** The value, trimmed; surrounding double or single quotes removed. */
  value: string;
  /** Its line, 1-based. */
  line: number;
}

/** A section: its header line and its keys (names as written; the last of duplicates wins). */
export interface IniSection {
  /** The name between the brackets, trimmed. */
  name: string;
  /** The header's line, 1-based (0 for keys before any header). */
  line: number;
  /** The keys. */
  values: Map<string, IniValue>;
}

/** A syntax error at a line; the message never quotes the line (it may hold a secret). */
export class IniSyntaxError extends SyntaxError {
  /** The line, 1-based. */
  readonly line: number;
  /**
   * @param line the 1-based line
   * @param reason what is wrong, without the line's text
   */
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = "IniSyntaxError";
    this.line = line;
  }
}

/**
 * Parses INI text into its sections, in order. Keys before the first header go to a section
 * named `""`. A section named twice is merged.
 *
 * @throws {IniSyntaxError} for a line that is neither a header, a `key = value`, a comment nor
 * blank, or a header without its closing bracket
 *
 * @example
 * ```ts
 * import { parseIni } from "./ini_parser.ts";
 * const sections = parseIni("[default]\ntype = access_key\n");
 * sections.get("default")?.values.get("type")?.value; // "access_key"
 * ```
 */
export function parseIni(text: string): Map<string, IniSection> {
  const sections = new Map<string, IniSection>();
  let current: IniSection | null = null;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const t = lines[i].trim();
    if (t === "" || t.startsWith("#") || t.startsWith(";")) continue;
    if (t.startsWith("[")) {
      if (!t.endsWith("]")) throw new IniSyntaxError(line, "a section header without its ]");
      const name = t.slice(1, -1).trim();
      if (name === "") throw new IniSyntaxError(line, "an empty section name");
      current = sections.get(name) ?? { name, line, values: new Map() };
      sections.set(name, current);
      continue;
    }
    const m = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(t);
    if (!m) throw new IniSyntaxError(line, "expected [section] or key = value");
    if (current === null) {
      current = sections.get("") ?? { name: "", line: 0, values: new Map() };
      sections.set("", current);
    }
    current.values.set(m[1], { value: unquote(m[2]), line });
  }
  return sections;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v.slice(1, -1);
  }
  return v;
}
