/**
 * {@linkcode Faults} from JSON text (`ossdl serve --faults FILE.json`): the same fields as the
 * `Faults` interface, checked strictly so that a typo is an error instead of a silent no-op.
 * `changeObject.content` is text (UTF-8) or `{ "base64": "..." }`. Web standards only.
 *
 * @module
 */
import type { Faults } from "./faults.ts";

const FIELDS = new Set([
  "serverError",
  "dropAfterBytes",
  "stallAfterBytes",
  "stallHeaders",
  "delayHeadersMs",
  "throttle",
  "flipByteAt",
  "changeObject",
  "ignoreRange",
  "denyAccess",
  "seed",
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fields(value: unknown, name: string, allowed: string[]): Json {
  if (!isObject(value)) throw new TypeError(`${name} must be an object`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${name} has an unknown field "${key}" (known: ${allowed.join(", ")})`);
    }
  }
  return value;
}

function count(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${name} must be a whole number >= 0`);
  }
  return value;
}

function optionalCount(value: unknown, name: string): number | undefined {
  return value === undefined ? undefined : count(value, name);
}

function flag(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") throw new TypeError(`${name} must be true or false`);
  return value;
}

function content(value: unknown): Uint8Array {
  if (typeof value === "string") return new TextEncoder().encode(value);
  const { base64 } = fields(value, "changeObject.content", ["base64"]);
  if (typeof base64 !== "string") {
    throw new TypeError('changeObject.content must be text or { "base64": "..." }');
  }
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    throw new TypeError("changeObject.content.base64 is not valid base64");
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * Parse and check faults. Throws `SyntaxError` for invalid JSON and `TypeError` (naming the
 * field) for a value that is not a fault.
 *
 * @example
 * ```ts
 * import { parseFaults } from "./parse_faults.ts";
 * const faults = parseFaults('{"serverError": {"status": 503, "next": 2}, "dropAfterBytes": 1000}');
 * console.log(faults.serverError?.next); // 2
 * ```
 */
export function parseFaults(text: string): Faults {
  const value: unknown = JSON.parse(text);
  if (!isObject(value)) throw new TypeError("the faults must be a JSON object");
  for (const key of Object.keys(value)) {
    if (!FIELDS.has(key)) {
      throw new TypeError(`unknown fault "${key}" (known: ${[...FIELDS].join(", ")})`);
    }
  }
  const faults: Faults = {};
  if (value.serverError !== undefined) {
    const s = fields(value.serverError, "serverError", ["status", "rate", "next"]);
    if (s.status !== undefined && s.status !== 500 && s.status !== 503) {
      throw new TypeError("serverError.status must be 500 or 503");
    }
    if (s.rate !== undefined && !(typeof s.rate === "number" && s.rate >= 0 && s.rate <= 1)) {
      throw new TypeError("serverError.rate must be a number from 0 to 1");
    }
    faults.serverError = {
      status: s.status as 500 | 503 | undefined,
      rate: s.rate as number | undefined,
      next: optionalCount(s.next, "serverError.next"),
    };
  }
  for (
    const name of ["dropAfterBytes", "stallAfterBytes", "delayHeadersMs", "flipByteAt"] as const
  ) {
    if (value[name] !== undefined) faults[name] = count(value[name], name);
  }
  for (const name of ["stallHeaders", "ignoreRange", "denyAccess"] as const) {
    if (value[name] !== undefined) faults[name] = flag(value[name], name);
  }
  if (value.seed !== undefined) {
    if (typeof value.seed !== "number" || !Number.isFinite(value.seed)) {
      throw new TypeError("seed must be a number");
    }
    faults.seed = value.seed;
  }
  if (value.throttle !== undefined) {
    const t = fields(value.throttle, "throttle", ["bytesPerSecond", "start", "end"]);
    const bytesPerSecond = count(t.bytesPerSecond, "throttle.bytesPerSecond");
    if (bytesPerSecond === 0) throw new TypeError("throttle.bytesPerSecond must be > 0");
    faults.throttle = {
      bytesPerSecond,
      start: optionalCount(t.start, "throttle.start"),
      end: optionalCount(t.end, "throttle.end"),
    };
  }
  if (value.changeObject !== undefined) {
    const c = fields(value.changeObject, "changeObject", [
      "afterRequests",
      "content",
      "bucket",
      "key",
    ]);
    for (const name of ["bucket", "key"] as const) {
      if (c[name] !== undefined && typeof c[name] !== "string") {
        throw new TypeError(`changeObject.${name} must be a string`);
      }
    }
    faults.changeObject = {
      afterRequests: count(c.afterRequests, "changeObject.afterRequests"),
      content: content(c.content),
      bucket: c.bucket as string | undefined,
      key: c.key as string | undefined,
    };
  }
  return faults;
}
