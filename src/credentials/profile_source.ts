/**
 * What a profile of a config file says: keys (access key, optionally with an STS token), or "use
 * the ECS instance's RAM role". The file parsers return it; the chain turns it into a provider.
 *
 * @module
 */
import type { Credentials } from "../oss/credentials.ts";

/**
 * A profile's credentials, as found in a file.
 *
 * @example
 * ```ts
 * import type { ProfileSource } from "./profile_source.ts";
 * const ecs: ProfileSource = { kind: "ecs", roleName: "my-role", where: "config.json [ecs]" };
 * ```
 */
export type ProfileSource =
  | {
    /** Static keys. */
    kind: "keys";
    /** The keys. */
    credentials: Credentials;
    /** The file and profile, for `--debug`. */
    where: string;
    /** Endpoint from the file (ossutil). */
    endpoint?: string;
    /** Region from the file (ossutil). */
    region?: string;
  }
  | {
    /** The ECS instance's RAM role. */
    kind: "ecs";
    /** The role, or `undefined` for the instance's. */
    roleName?: string;
    /** The file and profile, for `--debug`. */
    where: string;
  };

/** Reads a text file: its text, or `null` when there is no such file. */
export type ReadTextFile = (path: string) => Promise<string | null>;
