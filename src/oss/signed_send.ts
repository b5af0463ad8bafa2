/**
 * Signs a request with the credentials current at the moment it is sent, sends it, and when it is
 * refused because its STS token expired (`InvalidAccessKeyId`, `SecurityTokenExpired`,
 * `InvalidSecurityToken`, `AccessKeyIdAndSecurityTokenNotMatch`) while the credentials can be
 * refreshed, refreshes them (once for all requests) and sends it once more.
 *
 * @module
 */
import type { Credentials } from "./credentials.ts";
import type { CredentialsRefresher } from "../credentials/credentials_refresher.ts";
import { decodeErrHeader, parseErrorXml } from "./parse_error.ts";

/** The OSS error codes of a request signed with keys that expired or were replaced. */
export const EXPIRED_TOKEN_CODES: ReadonlySet<string> = new Set([
  "InvalidAccessKeyId",
  "SecurityTokenExpired",
  "InvalidSecurityToken",
  "AccessKeyIdAndSecurityTokenNotMatch",
]);

const MAX_ERROR_BYTES = 64 * 1024;

/**
 * Reads the OSS error Code of an error response and returns a response equal to it (the body read
 * is put back), so that the caller can still turn it into a typed error.
 *
 * @example
 * ```ts
 * import { peekErrorCode } from "./signed_send.ts";
 * const { code, response } = await peekErrorCode(
 *   new Response("<Error><Code>SecurityTokenExpired</Code></Error>", { status: 403 }),
 * );
 * code; // "SecurityTokenExpired"
 * await response.text(); // the same XML
 * ```
 */
export async function peekErrorCode(
  response: Response,
): Promise<{ code: string; response: Response }> {
  let text = "";
  try {
    text = response.body ? (await response.text()).slice(0, MAX_ERROR_BYTES) : "";
  } catch {
    // a broken error body: the headers still tell the status
  }
  let fields = parseErrorXml(text);
  const header = response.headers.get("x-oss-err");
  if (!fields && header) {
    const xml = decodeErrHeader(header);
    if (xml) fields = parseErrorXml(xml);
  }
  const replay = new Response(response.body === null ? null : text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  return { code: fields?.ossCode ?? "", response: replay };
}

/**
 * Builds, signs and sends a request, retrying it once with refreshed credentials when it is refused
 * for an expired token.
 *
 * @param refresher the shared credentials, or `null` for unsigned requests
 * @param build makes the request signed with the given credentials (`null`: unsigned)
 * @param sendRequest sends it
 *
 * @example
 * ```ts
 * import { sendSigned } from "./signed_send.ts";
 * const r = await sendSigned(
 *   null,
 *   async () => new Request("http://127.0.0.1/"),
 *   async () => new Response("ok"),
 * );
 * r.status; // 200
 * ```
 */
export async function sendSigned(
  refresher: CredentialsRefresher | null,
  build: (credentials: Credentials | null) => Promise<Request>,
  sendRequest: (request: Request) => Promise<Response>,
): Promise<Response> {
  for (let attempt = 0;; attempt++) {
    const used = refresher ? await refresher.current() : null;
    const response = await sendRequest(await build(used));
    if (
      !used || !refresher?.refreshable || attempt > 0 ||
      (response.status !== 403 && response.status !== 400 && response.status !== 401)
    ) {
      return response;
    }
    const peeked = await peekErrorCode(response);
    if (!EXPIRED_TOKEN_CODES.has(peeked.code)) return peeked.response;
    if (!(await refresher.refreshAfterRejection(used))) return peeked.response;
  }
}
