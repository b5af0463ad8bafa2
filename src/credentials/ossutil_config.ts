/**
 * ossutil's config file, `~/.ossutilconfig`, in both layouts: 1.x (`[Credentials]` with
 * `accessKeyID`, `accessKeySecret`, `stsToken`, `endpoint`) and 2.x (`[default]` and
 * `[profile NAME]`, keys in camelCase, kebab-case or snake_case: `accessKeyId`,
 * `access-key-secret`, `sts_token`, `region`, `endpoint`, `mode`, `ecsRoleName`). The endpoint and
 * region come along, for a command line that gives neither. Pure.
 *
 * @module
 */
import { Credentials } from "../oss/credentials.ts";
import { CredentialsError } from "./credentials_error.ts";
import type { IniSection } from "./ini_parser.ts";
import { lookup, normalizeKey, parseIniFile } from "./ini_profile.ts";
import type { ProfileSource } from "./profile_source.ts";

function pick(sections: Map<string, IniSection>, profile?: string): IniSection | undefined {
  if (profile !== undefined && profile !== "default") {
    return sections.get(`profile ${profile}`) ?? sections.get(profile);
  }
  return sections.get("default") ?? sections.get("Credentials");
}

/**
 * The profile of the ossutil config `text` read from `path`: `[profile NAME]` (or `[NAME]`) when
 * `profile` is given, else `[default]` (2.x), else `[Credentials]` (1.x).
 *
 * @returns its credentials with endpoint and region, or `null` when the section is missing or
 * holds no keys (a section with only an endpoint)
 * @throws {CredentialsError} for a malformed file, a key id without its secret (or the reverse), or
 * an unsupported mode, naming the file and the line
 *
 * @example
 * ```ts
 * import { ossutilProfile } from "./ossutil_config.ts";
 * const text = "[default]\naccessKeyId = ak\naccessKeySecret = sk\nregion = cn-hangzhou\n";
 * ossutilProfile(text, "/home/me/.ossutilconfig"); // { kind: "keys", region: "cn-hangzhou", ... }
 * ```
 */
export function ossutilProfile(text: string, path: string, profile?: string): ProfileSource | null {
  const section = pick(parseIniFile(text, path), profile);
  if (!section) return null;
  const where = `${path} [${section.name}]`;
  const mode = lookup(section, "mode");
  const region = lookup(section, "region")?.value;
  const endpoint = lookup(section, "endpoint")?.value;
  const m = mode ? normalizeKey(mode.value) : "";
  if (m === "ecsramrole") {
    return { kind: "ecs", roleName: lookup(section, "ecsrolename", "ramrolename")?.value, where };
  }
  if (m !== "" && m !== "ak" && m !== "ststoken") {
    throw new CredentialsError(
      `${path} line ${mode!.line}: [${section.name}] has mode ${
        mode!.value.replace(/[^\w-]/g, "").slice(0, 40)
      }, which ossdl does not support yet (supported: AK, StsToken, EcsRamRole)`,
      "choose another profile with --profile, or pass credentials another way (see --help)",
    );
  }
  const id = lookup(section, "accesskeyid");
  const secret = lookup(section, "accesskeysecret");
  const token = lookup(section, "ststoken", "securitytoken");
  if (!id && !secret) return null;
  if (!id || !secret) {
    const present = (id ?? secret)!;
    throw new CredentialsError(
      `${path} line ${present.line}: [${section.name}] has ${
        id ? "an access key id without its secret" : "an access key secret without its id"
      }`,
    );
  }
  return {
    kind: "keys",
    credentials: new Credentials({
      accessKeyId: id.value,
      accessKeySecret: secret.value,
      securityToken: token?.value,
    }),
    where,
    endpoint,
    region,
  };
}
