/**
 * Removes secrets from text that may end up in an error message: the query string of any
 * http(s) URL (it may hold a signature, a credential or a security token) and user:password@.
 *
 * @module
 */

const URL_RE = /(https?:\/\/)(?:[^\s/?#@"'<>]*@)?([^\s?#"'<>)]*)(?:\?[^\s#"'<>)]*)?/gi;

/**
 * Replaces every URL's query with `?<redacted>` and drops URL credentials.
 *
 * @example
 * ```ts
 * import { redactUrls } from "./redact.ts";
 * redactUrls("error sending request for url (https://b.example.com/k?x-oss-signature=abc)");
 * // "error sending request for url (https://b.example.com/k?<redacted>)"
 * ```
 */
export function redactUrls(text: string): string {
  return text.replace(URL_RE, (match, scheme: string, rest: string) => {
    const hasQuery = match.includes("?");
    return `${scheme}${rest}${hasQuery ? "?<redacted>" : ""}`;
  });
}
