/**
 * `--include` / `--exclude` filters of a prefix download: glob patterns matched against the
 * relative path of each object (the path from `relativePathForKey`, with `/` separators), compiled
 * once to regular expressions.
 *
 * @module
 */

/** One `--include` or `--exclude` rule: exactly one of the two fields is set. */
export interface FilterRule {
  /** Paths matching this glob are downloaded (unless a later rule excludes them). */
  include?: string;
  /** Paths matching this glob are skipped (unless a later rule includes them). */
  exclude?: string;
}

/** Options of {@linkcode compileFilters}. */
export interface FilterOptions {
  /**
   * A pattern without `/` is matched against the last segment (the file name) at any depth, as
   * in `.gitignore` and minimatch's `matchBase`: `*.txt` matches `a/b/c.txt`, `*` matches every
   * path. Patterns that contain a `/` always match the whole path, and a leading `/` anchors a
   * pattern at the top (`/README` matches `README` only). `false`: every pattern matches the
   * whole path (`*.txt` only top-level files); a leading `/` is then still dropped.
   * @default true
   */
  matchBase?: boolean;
}

// Characters with a meaning in a regular expression (u mode allows escaping exactly these).
const SYNTAX = /[\^$\\.*+?()[\]{}|/]/;

function literal(c: string): string {
  return SYNTAX.test(c) ? `\\${c}` : c;
}

/** A class member escaped for use inside `[...]` in u mode. */
function classChar(c: string): string {
  return /[\\\]\[^-]/.test(c) ? `\\${c}` : c;
}

/**
 * Translates one glob to the source of an anchored regular expression (u and s flags). Throws a
 * `TypeError` for an unclosed `[`, a trailing `\`, an empty pattern or a reversed range.
 */
function globSource(glob: string): string {
  if (glob === "") throw new TypeError("an empty glob pattern matches nothing");
  const chars = [...glob]; // code points, so that ? and classes see whole characters
  let out = "";
  let i = 0;
  const bad = (why: string): never => {
    throw new TypeError(`invalid glob pattern ${JSON.stringify(glob)}: ${why}`);
  };
  while (i < chars.length) {
    const c = chars[i];
    if (c === "*") {
      let j = i;
      while (chars[j] === "*") j++;
      const wholeSegment = (i === 0 || chars[i - 1] === "/") &&
        (j === chars.length || chars[j] === "/");
      if (j - i >= 2 && wholeSegment) {
        if (j === chars.length) {
          out += ".*"; // a final "**": everything below (or everything, alone)
          i = j;
        } else {
          out += "(?:[^/]*/)*"; // "**/": zero or more directories
          i = j + 1;
        }
      } else {
        out += "[^/]*"; // "*" (and "**" inside a name): any run of characters within a segment
        i = j;
      }
    } else if (c === "?") {
      out += "[^/]";
      i++;
    } else if (c === "\\") {
      if (i + 1 >= chars.length) bad("it ends with an escaping \\");
      out += literal(chars[i + 1]);
      i += 2;
    } else if (c === "[") {
      let j = i + 1;
      const negated = chars[j] === "!" || chars[j] === "^";
      if (negated) j++;
      const members: string[] = [];
      let first = true;
      for (;;) {
        if (j >= chars.length) bad("a [ is not closed by ]");
        let m = chars[j];
        if (m === "]" && !first) break;
        first = false;
        if (m === "\\") {
          if (j + 1 >= chars.length) bad("a [ is not closed by ]");
          m = chars[++j];
        }
        j++;
        if (chars[j] === "-" && j + 1 < chars.length && chars[j + 1] !== "]") {
          let hi = chars[j + 1];
          j += 2;
          if (hi === "\\") {
            if (j >= chars.length) bad("a [ is not closed by ]");
            hi = chars[j++];
          }
          if (hi.codePointAt(0)! < m.codePointAt(0)!) {
            bad(`the range ${m}-${hi} is reversed`);
          }
          members.push(`${classChar(m)}-${classChar(hi)}`);
        } else {
          members.push(classChar(m));
        }
      }
      // A class matches one character within a segment: never "/".
      out += negated ? `[^/${members.join("")}]` : `(?!/)[${members.join("")}]`;
      i = j + 1;
    } else {
      out += literal(c);
      i++;
    }
  }
  return out;
}

/**
 * Compiles one glob to an anchored `RegExp` that matches whole relative paths. Syntax:
 *
 * - `*` matches any run of characters within one segment (not `/`), also an empty one;
 * - `**` as a whole segment matches zero or more segments: as the first segment of a pattern
 *   ending in `/x`, it matches `x`, `a/x` and `a/b/x`; between `a/` and `/b`, it matches `a/b`
 *   and `a/x/y/b`; a final `a/**` matches everything below `a`; `**` alone matches every path
 *   (the examples below spell the slash after `**` as `\/` only because this is a comment).
 *   Elsewhere (`a**b`) it is a plain `*`;
 * - `?` matches one character (a code point) within a segment;
 * - `[abc]`, `[a-z]`, `[!a-z]` (or `[^a-z]`) match one character of (or not of) the class, never
 *   `/`; a `]` first in the class is a member; `\` escapes inside and outside classes;
 * - everything else matches itself, case-sensitively; names starting with `.` get no special
 *   treatment.
 *
 * Throws a `TypeError` naming the pattern for an unclosed `[`, a reversed range, a trailing `\`
 * or an empty pattern.
 *
 * @example
 * ```ts
 * import { globToRegExp } from "./glob_filter.ts";
 * globToRegExp("**\/*.txt").test("a/b/c.txt"); // true
 * globToRegExp("*.txt").test("a/c.txt"); // false: * stays within a segment
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^(?:${globSource(glob)})$`, "su");
}

/**
 * Compiles `--include` and `--exclude` rules, in the order given on the command line, to a
 * predicate on relative paths (`true`: download it). The semantics are those of `aws s3 cp`: every
 * rule is tried, the last rule that matches decides, and a path that no rule matches is
 * downloaded. So `--include` alone selects nothing away; to download only text files, exclude
 * everything first and include them after: `--exclude '*' --include '*.txt'`, as with aws.
 *
 * Patterns ({@linkcode globToRegExp}) are matched as in `.gitignore` (option `matchBase`, on by
 * default): a pattern without `/` is matched against the file name at any depth (`*.txt`
 * matches `a/b/c.txt`, `*` matches everything), which makes the aws idioms above work although
 * aws's `*` crosses `/` and ours does not; a pattern with a `/` matches the whole path, and a
 * leading `/` anchors a slash-less pattern at the top (`/README`). Unlike aws, `*` stays within
 * a segment: `--exclude 'logs/*'` skips `logs/a.txt` but not `logs/2024/a.txt` (write
 * `logs/**`).
 *
 * Patterns are compiled once ({@linkcode globToRegExp}; a bad one throws a `TypeError` naming it);
 * each call of the predicate tries the rules from the last one back and stops at the first match.
 * Throws a `TypeError` for a rule with neither or both of `include` and `exclude`.
 *
 * @example
 * ```ts
 * import { compileFilters } from "./glob_filter.ts";
 * const wanted = compileFilters([{ exclude: "*" }, { include: "*.txt" }, { exclude: "tmp/**" }]);
 * wanted("a/b.txt"); // true
 * wanted("a/b.bin"); // false
 * wanted("tmp/c.txt"); // false: the last matching rule decides
 * compileFilters([])("anything"); // true
 * compileFilters([{ include: "*.txt" }])("a.bin"); // true: includes alone exclude nothing
 * compileFilters([{ exclude: "/*.log" }])("a/b.log"); // true: anchored at the top
 * ```
 */
export function compileFilters(
  rules: readonly FilterRule[],
  options: FilterOptions = {},
): (relativePath: string) => boolean {
  const compiled = rules.map((rule, index) => {
    const hasInclude = rule.include !== undefined;
    const hasExclude = rule.exclude !== undefined;
    if (hasInclude === hasExclude) {
      throw new TypeError(`filter rule ${index + 1} must have exactly one of include and exclude`);
    }
    const glob = (hasInclude ? rule.include : rule.exclude) as string;
    if (typeof glob !== "string") {
      throw new TypeError(`filter rule ${index + 1}: the pattern must be a string`);
    }
    const anchored = glob.startsWith("/");
    const body = anchored ? glob.slice(1) : glob;
    if (body === "") throw new TypeError(`filter rule ${index + 1}: the pattern is empty`);
    const source = (options.matchBase ?? true) && !anchored && !glob.includes("/")
      ? `(?:[^/]*/)*(?:${globSource(body)})`
      : globSource(body);
    return { include: hasInclude, regexp: new RegExp(`^(?:${source})$`, "su") };
  });
  return (relativePath: string): boolean => {
    for (let i = compiled.length - 1; i >= 0; i--) {
      if (compiled[i].regexp.test(relativePath)) return compiled[i].include;
    }
    return true;
  };
}
