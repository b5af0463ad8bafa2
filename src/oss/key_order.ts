/**
 * The order OSS lists keys in: UTF-8 byte order, which is Unicode code point order. JavaScript's
 * `<` compares UTF-16 code units instead, which differs for characters above U+FFFF against
 * characters in U+E000..U+FFFF.
 *
 * @module
 */

/** Maps a UTF-16 code unit >= 0xD800 so that code-unit order becomes code-point order. */
function fixup(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/**
 * Compares two keys in UTF-8 byte order: negative when `a` sorts first, 0 when equal, positive
 * when `b` sorts first.
 *
 * @example
 * ```ts
 * import { compareKeys } from "./key_order.ts";
 * ["b", "a/", "a"].sort(compareKeys); // ["a", "a/", "b"]
 * compareKeys("\u{1F600}", "\uFFFD") > 0; // true (UTF-16 order says the opposite)
 * ```
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = fixup(x);
        y = fixup(y);
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * The length of `text` in UTF-8 bytes (lone surrogates count as the 3 bytes of U+FFFD).
 *
 * @example
 * ```ts
 * import { utf8Length } from "./key_order.ts";
 * utf8Length("été"); // 5
 * ```
 */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
