/**
 * One small HTTP exchange for a credentials endpoint (a credentials URI, the ECS metadata
 * service): sent with `send` under short timeouts, the answer read as text (at most 64 KiB), any
 * failure a {@linkcode CredentialsError} that names the address without its query (which may hold
 * a secret).
 *
 * @module
 */
import { defaultFetch, type FetchFunction, send } from "../oss/http_send.ts";
import { CredentialsError } from "./credentials_error.ts";

const MAX_BYTES = 64 * 1024;

/** How to send. */
export interface FetchTextOptions {
  /** The fetch. @default globalThis.fetch */
  fetch?: FetchFunction;
  /** Headers to send. */
  headers?: Record<string, string>;
  /** HTTP method. @default "GET" */
  method?: string;
  /** Give up when the answer has not begun, and when its body stalls, after this long. @default 5000 */
  timeoutMs?: number;
  /** Cancels the exchange. */
  signal?: AbortSignal;
}

/**
 * The address without query, fragment or user info, for messages.
 *
 * @example
 * ```ts
 * import { displayAddress } from "./fetch_text.ts";
 * displayAddress("http://u:p@127.0.0.1:8080/creds?token=x"); // "http://127.0.0.1:8080/creds"
 * ```
 */
export function displayAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(a malformed URL)";
  }
}

/**
 * Sends one request and returns the status and the body text.
 *
 * @throws {CredentialsError} when the request fails or times out
 *
 * @example
 * ```ts
 * import { fetchText } from "./fetch_text.ts";
 * const r = await fetchText("http://127.0.0.1/x", { fetch: async () => new Response("hi") });
 * r.text; // "hi"
 * ```
 */
export async function fetchText(
  url: string,
  options: FetchTextOptions = {},
): Promise<{ status: number; text: string }> {
  const timeout = options.timeoutMs ?? 5000;
  let request: Request;
  try {
    request = new Request(url, { method: options.method ?? "GET", headers: options.headers });
  } catch {
    throw new CredentialsError(`${displayAddress(url)} is not a valid http(s) URL`);
  }
  try {
    const response = await send(options.fetch ?? defaultFetch, request, {
      connectTimeoutMs: timeout,
      idleTimeoutMs: timeout,
      signal: options.signal,
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = new TextDecoder().decode(bytes.subarray(0, MAX_BYTES));
    return { status: response.status, text };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CredentialsError(
      `no answer from ${displayAddress(url)}: ${
        reason.replace(/https?:\/\/\S+/g, (u) => displayAddress(u))
      }`,
      "check that the address is reachable from here",
      { cause: error },
    );
  }
}
