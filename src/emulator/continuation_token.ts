/**
 * The emulator's ListObjectsV2 continuation tokens: opaque to clients, they carry the last item of
 * the previous page (base64 of its UTF-8 bytes, so tokens hold `+`, `/` and `=` like real ones
 * may, and clients must encode them in the query).
 *
 * @module
 */

/**
 * The token that continues a listing after `after`.
 *
 * @example
 * ```ts
 * import { encodeContinuationToken } from "./continuation_token.ts";
 * encodeContinuationToken("a/b"); // "YS9i"
 * ```
 */
export function encodeContinuationToken(after: string): string {
  let binary = "";
  for (const b of new TextEncoder().encode(after)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * The cursor a token carries, or `null` when `token` is not one the emulator made.
 *
 * @example
 * ```ts
 * import { decodeContinuationToken } from "./continuation_token.ts";
 * decodeContinuationToken("YS9i"); // "a/b"
 * decodeContinuationToken("???"); // null
 * ```
 */
export function decodeContinuationToken(token: string): string | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token) || token.length % 4 !== 0) return null;
  try {
    const bytes = Uint8Array.from(atob(token), (c) => c.charCodeAt(0));
    const after = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return after === "" ? null : after;
  } catch {
    return null;
  }
}
