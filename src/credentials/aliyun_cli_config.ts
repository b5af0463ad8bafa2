/**
 * The Alibaba Cloud CLI's profiles, `~/.aliyun/config.json`:
 * `{"current": "default", "profiles": [{"name", "mode", "access_key_id", "access_key_secret",
 * "sts_token", "ram_role_name", ...}]}`. Modes `AK`, `StsToken` and `EcsRamRole` are read; any
 * other mode is an error that names it. Pure.
 *
 * @module
 */
import { Credentials } from "../oss/credentials.ts";
import { CredentialsError } from "./credentials_error.ts";
import { type JsonWithLines, parseJsonWithLines } from "./json_with_lines.ts";
import type { ProfileSource } from "./profile_source.ts";

/**
 * The profile of the CLI config `text` (read from `path`): `profile` when given, else the one
 * named by `current`, else `default`.
 *
 * @param text the file's text
 * @param path the file, for messages
 * @param profile the profile asked for (`--profile`, `ALIBABA_CLOUD_PROFILE`)
 * @returns the profile's credentials, or `null` when the profile is not in the file, or it is an
 * `AK` profile with no keys (as `aliyun configure` leaves a fresh file)
 * @throws {CredentialsError} for malformed JSON, a profile without a field it needs, or a mode
 * that is not supported, naming the file and the line
 *
 * @example
 * ```ts
 * import { aliyunCliProfile } from "./aliyun_cli_config.ts";
 * const text = JSON.stringify({
 *   current: "default",
 *   profiles: [{ name: "default", mode: "AK", access_key_id: "ak", access_key_secret: "sk" }],
 * });
 * aliyunCliProfile(text, "/home/me/.aliyun/config.json")?.kind; // "keys"
 * ```
 */
export function aliyunCliProfile(
  text: string,
  path: string,
  profile?: string,
): ProfileSource | null {
  let parsed: JsonWithLines;
  try {
    parsed = parseJsonWithLines(text);
  } catch (error) {
    throw new CredentialsError(
      `${path} ${error instanceof Error ? error.message : "is not JSON"}`,
      `fix the JSON of ${path}, or pass credentials another way (see --help)`,
    );
  }
  const root = parsed.value;
  if (typeof root !== "object" || root === null || Array.isArray(root)) {
    throw new CredentialsError(`${path} line 1: expected a JSON object with "profiles"`);
  }
  const r = root as Record<string, unknown>;
  const name = profile ?? (typeof r.current === "string" && r.current ? r.current : "default");
  const profiles = r.profiles;
  if (profiles === undefined) return null;
  if (!Array.isArray(profiles)) {
    throw new CredentialsError(
      `${path} line ${parsed.memberLine(r, "profiles")}: profiles is not a list`,
    );
  }
  const found = profiles.find((p) =>
    typeof p === "object" && p !== null && (p as Record<string, unknown>).name === name
  ) as Record<string, unknown> | undefined;
  if (!found) return null;
  const at = (field: string) => `${path} line ${parsed.memberLine(found, field)}`;
  const where = `${path} profile ${name}`;
  const str = (field: string): string | undefined => {
    const v = found[field];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") throw new CredentialsError(`${at(field)}: ${field} is not a string`);
    return v;
  };
  const mode = str("mode") ?? "AK";
  switch (mode) {
    case "AK":
    case "StsToken": {
      const id = str("access_key_id");
      const secret = str("access_key_secret");
      const token = str("sts_token");
      if (mode === "AK" && !id && !secret) return null;
      if (!id || !secret) {
        const missing = id ? "access_key_secret" : "access_key_id";
        throw new CredentialsError(
          `${path} line ${parsed.lineOf(found)}: profile ${name} (mode ${mode}) has no ${missing}`,
        );
      }
      if (mode === "StsToken" && !token) {
        throw new CredentialsError(
          `${path} line ${parsed.lineOf(found)}: profile ${name} (mode StsToken) has no sts_token`,
        );
      }
      return {
        kind: "keys",
        credentials: new Credentials({
          accessKeyId: id,
          accessKeySecret: secret,
          securityToken: mode === "StsToken" ? token : undefined,
        }),
        where,
      };
    }
    case "EcsRamRole":
      return { kind: "ecs", roleName: str("ram_role_name"), where };
    default:
      throw new CredentialsError(
        `${at("mode")}: profile ${name} has mode ${mode.replace(/[^\w-]/g, "").slice(0, 40)}, ` +
          `which ossdl does not support yet (supported: AK, StsToken, EcsRamRole)`,
        "choose another profile with --profile, or pass credentials another way (see --help)",
      );
  }
}
