/**
 * The Alibaba Cloud SDKs' shared credentials file, `~/.alibabacloud/credentials`: INI sections
 * with `type = access_key` (`access_key_id`, `access_key_secret`) or `type = ecs_ram_role`
 * (`role_name`, optional). Pure.
 *
 * @module
 */
import { Credentials } from "../oss/credentials.ts";
import { CredentialsError } from "./credentials_error.ts";
import { lookup, parseIniFile } from "./ini_profile.ts";
import type { ProfileSource } from "./profile_source.ts";

/**
 * The section `profile` (default `default`) of the credentials file `text` read from `path`.
 *
 * @returns its credentials, or `null` when there is no such section
 * @throws {CredentialsError} for a malformed file, a missing key or an unsupported type, naming
 * the file and the line
 *
 * @example
 * ```ts
 * import { sharedCredentialsProfile } from "./shared_credentials_file.ts";
 * const text = "[default]\ntype = access_key\naccess_key_id = ak\naccess_key_secret = sk\n";
 * sharedCredentialsProfile(text, "/home/me/.alibabacloud/credentials")?.kind; // "keys"
 * ```
 */
export function sharedCredentialsProfile(
  text: string,
  path: string,
  profile = "default",
): ProfileSource | null {
  const section = parseIniFile(text, path).get(profile);
  if (!section) return null;
  const where = `${path} [${profile}]`;
  const type = lookup(section, "type");
  const enable = lookup(section, "enable");
  if (enable && enable.value.toLowerCase() === "false") return null;
  switch (type?.value) {
    case "access_key": {
      const id = lookup(section, "accesskeyid");
      const secret = lookup(section, "accesskeysecret");
      if (!id || !secret) {
        throw new CredentialsError(
          `${path} line ${section.line}: [${profile}] (type access_key) has no ${
            id ? "access_key_secret" : "access_key_id"
          }`,
        );
      }
      return {
        kind: "keys",
        credentials: new Credentials({ accessKeyId: id.value, accessKeySecret: secret.value }),
        where,
      };
    }
    case "ecs_ram_role":
      return { kind: "ecs", roleName: lookup(section, "rolename")?.value, where };
    case undefined:
      throw new CredentialsError(`${path} line ${section.line}: [${profile}] has no type`);
    default:
      throw new CredentialsError(
        `${path} line ${type!.line}: [${profile}] has type ${
          type!.value.replace(/[^\w-]/g, "").slice(0, 40)
        }, which ossdl does not support yet (supported: access_key, ecs_ram_role)`,
        "choose another profile with --profile, or pass credentials another way (see --help)",
      );
  }
}
