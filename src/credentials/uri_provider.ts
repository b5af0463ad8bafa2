/**
 * Credentials from a credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`): a GET answered with
 * `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}`, asked again
 * before the keys expire.
 *
 * @module
 */
import type { FetchFunction } from "../oss/http_send.ts";
import { CredentialsError } from "./credentials_error.ts";
import type { CredentialsProvider } from "./credentials_provider.ts";
import { credentialsFromResponse } from "./credentials_response.ts";
import { displayAddress, fetchText } from "./fetch_text.ts";

/** Options of {@linkcode uriProvider}. */
export interface UriProviderOptions {
  /** The fetch. @default globalThis.fetch */
  fetch?: FetchFunction;
  /** Timeout of the request, in ms. @default 5000 */
  timeoutMs?: number;
}

/**
 * A provider that GETs `uri` each time keys are needed.
 *
 * @param uri an http(s) URL
 * @param options fetch and timeout
 *
 * @example
 * ```ts
 * import { uriProvider } from "./uri_provider.ts";
 * const p = uriProvider("http://127.0.0.1:8080/creds", {
 *   fetch: async () => Response.json({
 *     Code: "Success", AccessKeyId: "STS.a", AccessKeySecret: "s", SecurityToken: "t",
 *     Expiration: "2030-01-01T00:00:00Z",
 *   }),
 * });
 * (await p.getCredentials())?.accessKeyId; // "STS.a"
 * ```
 */
export function uriProvider(uri: string, options: UriProviderOptions = {}): CredentialsProvider {
  const where = displayAddress(uri);
  return {
    name: `credentials URI ${where} (ALIBABA_CLOUD_CREDENTIALS_URI)`,
    refreshable: true,
    async getCredentials() {
      const { status, text } = await fetchText(uri, {
        fetch: options.fetch,
        timeoutMs: options.timeoutMs,
      });
      if (status !== 200) {
        throw new CredentialsError(`the credentials URI ${where} answered HTTP ${status}`);
      }
      return credentialsFromResponse(text, `the credentials URI ${where}`);
    },
  };
}
