/**
 * Keeps secrets out of everything the CLI prints: URL query values that carry a signature, a
 * security token or an access key id, and any literal secret value the caller names.
 *
 * @module
 */

/** Query parameters whose whole value is masked (compared case-insensitively). */
const MASKED_PARAMS = [
  "signature",
  "x-oss-signature",
  "security-token",
  "x-oss-security-token",
  "ossaccesskeyid",
];

/** The mask that replaces a secret. */
export const MASK = "***";

const PARAM_RE = /([?&])([^=&#\s"'<>;,()]+)=([^&#\s"'<>;,()]*)/g;

/**
 * Masks secret-bearing query values in every URL of `text`: `Signature`, `x-oss-signature`,
 * `security-token`, `x-oss-security-token` and `OSSAccessKeyId` lose their whole value;
 * `x-oss-credential` (`<AccessKeyId>/<date>/<region>/oss/aliyun_v4_request`) loses its access key
 * id and keeps its scope. Parameter names are matched case-insensitively, percent-encoded or not.
 * Each string in `literals` (an access key secret, a token) is masked wherever it appears.
 *
 * @param text any text: a URL, a command line, an error message
 * @param literals exact secret values to mask too (empty strings are ignored)
 * @returns the text with every secret replaced by `***`
 *
 * @example
 * ```ts
 * import { maskSecrets } from "./mask_secrets.ts";
 * maskSecrets("https://b.example.com/k?x-oss-credential=LTAI5t%2F20240101%2Fcn-hangzhou%2Foss" +
 *   "%2Faliyun_v4_request&x-oss-signature=abc123");
 * // "https://b.example.com/k?x-oss-credential=***%2F20240101%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-signature=***"
 * ```
 */
export function maskSecrets(text: string, literals: readonly (string | undefined)[] = []): string {
  let out = text.replace(PARAM_RE, (match, sep: string, name: string, value: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch { /* keep the raw name */ }
    const lower = decoded.toLowerCase();
    if (MASKED_PARAMS.includes(lower)) return value === "" ? match : `${sep}${name}=${MASK}`;
    if (lower === "x-oss-credential") return `${sep}${name}=${maskCredential(value)}`;
    return match;
  });
  for (const secret of literals) {
    if (secret && secret.length >= 4) out = out.split(secret).join(MASK);
  }
  return out;
}

/** `AKID/date/region/oss/aliyun_v4_request`, `/` raw or as `%2F`: mask the key id. */
function maskCredential(value: string): string {
  const m = /^(.*?)(\/|%2f)(.*)$/i.exec(value);
  return m ? `${MASK}${m[2]}${m[3]}` : MASK;
}
