/**
 * A strict JSON parser that knows the line of every object member, so that errors about a config
 * file can name the line, and whose syntax errors name only a line and what was expected (never
 * the text: a broken line may hold a secret; the runtimes' `JSON.parse` messages quote it). Pure.
 *
 * @module
 */

/** A syntax error at a line; the message never quotes the text. */
export class JsonSyntaxError extends SyntaxError {
  /** The line, 1-based. */
  readonly line: number;
  /**
   * @param line the 1-based line
   * @param reason what was expected
   */
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = "JsonSyntaxError";
    this.line = line;
  }
}

/** The parsed value and where things are. */
export interface JsonWithLines {
  /** The value, as `JSON.parse` gives it. */
  value: unknown;
  /** The line of an object's opening brace, 1-based. */
  lineOf(object: object): number;
  /** The line of an object's member (its name), 1-based, or the object's line when absent. */
  memberLine(object: object, name: string): number;
}

/**
 * Parses `text` as JSON, recording lines.
 *
 * @throws {JsonSyntaxError} on malformed JSON, naming the line
 *
 * @example
 * ```ts
 * import { parseJsonWithLines } from "./json_with_lines.ts";
 * const parsed = parseJsonWithLines('{\n  "current": "default"\n}');
 * parsed.memberLine(parsed.value as object, "current"); // 2
 * ```
 */
export function parseJsonWithLines(text: string): JsonWithLines {
  const objectLines = new WeakMap<object, number>();
  const memberLines = new WeakMap<object, Map<string, number>>();
  let pos = 0;
  let line = 1;
  const src = text.replace(/^\uFEFF/, "");
  const fail = (reason: string): never => {
    throw new JsonSyntaxError(line, reason);
  };
  const space = (): void => {
    while (pos < src.length) {
      const c = src[pos];
      if (c === "\n") line++;
      else if (c !== " " && c !== "\t" && c !== "\r") return;
      pos++;
    }
  };
  const string = (): string => {
    const start = pos++;
    while (pos < src.length) {
      const c = src[pos];
      if (c === '"') {
        pos++;
        try {
          return JSON.parse(src.slice(start, pos)) as string;
        } catch {
          return fail("a malformed string");
        }
      }
      if (c === "\n") fail("a string that does not end on its line");
      pos += c === "\\" ? 2 : 1;
    }
    return fail("a string that does not end");
  };
  const value = (): unknown => {
    space();
    const c = src[pos];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(
      src.slice(pos, pos + 64),
    );
    if (!m) return fail(pos >= src.length ? "more text (the file ends early)" : "a value");
    pos += m[0].length;
    return JSON.parse(m[0]);
  };
  const object = (): object => {
    const result: Record<string, unknown> = {};
    const members = new Map<string, number>();
    objectLines.set(result, line);
    memberLines.set(result, members);
    pos++;
    space();
    if (src[pos] === "}") {
      pos++;
      return result;
    }
    for (;;) {
      space();
      if (src[pos] !== '"') fail("a member name in double quotes");
      const nameLine = line;
      const name = string();
      space();
      if (src[pos] !== ":") fail('":" after a member name');
      pos++;
      result[name] = value();
      members.set(name, nameLine);
      space();
      if (src[pos] === ",") {
        pos++;
        continue;
      }
      if (src[pos] === "}") {
        pos++;
        return result;
      }
      fail('"," or "}"');
    }
  };
  const array = (): unknown[] => {
    const result: unknown[] = [];
    pos++;
    space();
    if (src[pos] === "]") {
      pos++;
      return result;
    }
    for (;;) {
      result.push(value());
      space();
      if (src[pos] === ",") {
        pos++;
        continue;
      }
      if (src[pos] === "]") {
        pos++;
        return result;
      }
      fail('"," or "]"');
    }
  };
  const parsed = value();
  space();
  if (pos < src.length) fail("the end of the file after the value");
  return {
    value: parsed,
    lineOf: (o) => objectLines.get(o) ?? 1,
    memberLine: (o, name) => memberLines.get(o)?.get(name) ?? objectLines.get(o) ?? 1,
  };
}
