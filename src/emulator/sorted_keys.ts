/**
 * One listing page out of a sorted array of keys, by binary search: the start (after the cursor,
 * at the prefix) and each skipped common-prefix group cost O(log n), so a page costs O(page size
 * × log n) whatever the number of keys, and nothing is copied but the page.
 *
 * @module
 */
import { compareKeys } from "../oss/key_order.ts";
import type { ListQuery } from "./object_store.ts";

/** A page of keys (see {@linkcode pageOfSortedKeys}). */
export interface KeyPage {
  /** The keys listed. */
  keys: string[];
  /** The common prefixes listed. */
  commonPrefixes: string[];
  /** More items follow. */
  truncated: boolean;
  /** The page's last item when truncated, else `null`. */
  nextAfter: string | null;
}

/** The first index in `[from, sorted.length)` where `test` holds; `test` must be monotone. */
function firstWhere(
  sorted: readonly string[],
  from: number,
  test: (key: string) => boolean,
): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(sorted[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The page `query` asks for, out of `sorted` (distinct keys in UTF-8 byte order, see
 * `compareKeys`). With a delimiter, keys whose rest after the prefix holds it are rolled up into
 * one common prefix (prefix + rest up to and including the delimiter), which counts as one item
 * and is listed only when it sorts after `query.after`.
 *
 * @example
 * ```ts
 * import { pageOfSortedKeys } from "./sorted_keys.ts";
 * const page = pageOfSortedKeys(["a/1", "a/2", "b", "c"], {
 *   prefix: "", delimiter: "/", after: "", maxKeys: 2,
 * });
 * // { keys: ["b"], commonPrefixes: ["a/"], truncated: true, nextAfter: "b" }
 * ```
 */
export function pageOfSortedKeys(sorted: readonly string[], query: ListQuery): KeyPage {
  const { prefix, delimiter, after, maxKeys } = query;
  let i = prefix === "" ? 0 : firstWhere(sorted, 0, (k) => compareKeys(k, prefix) >= 0);
  if (after !== "") i = Math.max(i, firstWhere(sorted, 0, (k) => compareKeys(k, after) > 0));
  const keys: string[] = [];
  const commonPrefixes: string[] = [];
  let count = 0;
  let last: string | null = null;
  let truncated = false;
  while (i < sorted.length) {
    const key = sorted[i];
    if (!key.startsWith(prefix)) break;
    if (count >= maxKeys) {
      truncated = true;
      break;
    }
    const d = delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length);
    if (d >= 0) {
      const group = key.slice(0, d + delimiter.length);
      // Keys starting with `group` are contiguous from i on; skip them all at once.
      i = firstWhere(sorted, i, (k) => !k.startsWith(group));
      if (after !== "" && compareKeys(group, after) <= 0) continue; // listed on an earlier page
      commonPrefixes.push(group);
      last = group;
    } else {
      keys.push(key);
      last = key;
      i++;
    }
    count++;
  }
  return { keys, commonPrefixes, truncated, nextAfter: truncated ? last : null };
}
