/**
 * The few `crypto.subtle` helpers the signers need: HMAC-SHA1, HMAC-SHA256, SHA-256, and hex /
 * base64 rendering.
 *
 * @module
 */

const ENCODER = new TextEncoder();

function bytes(data: string | Uint8Array): Uint8Array<ArrayBuffer> {
  if (typeof data === "string") return ENCODER.encode(data);
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return copy;
}

/**
 * HMAC of `message` under `key` with the given hash.
 *
 * @param hash `"SHA-1"` or `"SHA-256"`
 * @param key the key (text is UTF-8 encoded)
 * @param message the message (text is UTF-8 encoded)
 * @returns the MAC bytes
 *
 * @example
 * ```ts
 * import { hmac, toHex } from "./crypto_util.ts";
 * toHex(await hmac("SHA-256", "key", "msg")).length; // 64
 * ```
 */
export async function hmac(
  hash: "SHA-1" | "SHA-256",
  key: string | Uint8Array,
  message: string | Uint8Array,
): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", bytes(key), { name: "HMAC", hash }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, bytes(message)));
}

/**
 * Lower-case hex SHA-256 of a UTF-8 string.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./crypto_util.ts";
 * await sha256Hex(""); // "e3b0c442...b855"
 * ```
 */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes(text))));
}

/**
 * Lower-case hex rendering.
 *
 * @example
 * ```ts
 * import { toHex } from "./crypto_util.ts";
 * toHex(new Uint8Array([1, 171])); // "01ab"
 * ```
 */
export function toHex(data: Uint8Array): string {
  let out = "";
  for (const b of data) out += b.toString(16).padStart(2, "0");
  return out;
}

/**
 * Standard base64 rendering (with padding).
 *
 * @example
 * ```ts
 * import { toBase64 } from "./crypto_util.ts";
 * toBase64(new Uint8Array([1, 2, 3])); // "AQID"
 * ```
 */
export function toBase64(data: Uint8Array): string {
  let binary = "";
  for (const b of data) binary += String.fromCharCode(b);
  return btoa(binary);
}
