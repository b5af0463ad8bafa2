/**
 * From the credential options of `get` and `verify` (`--access-key-id`, `--access-key-secret`,
 * `--security-token`, `--profile`, `--config-file`, `--ecs-role`) to the library's credential
 * options: a warning when a secret is on the command line, the secrets to mask, and the
 * `--debug` line that names the credentials source (never a secret).
 *
 * @module
 */
import type { CredentialLookupOptions } from "../credentials/credential_lookup.ts";
import { staticProvider } from "../credentials/credentials_provider.ts";
import type { CliIo } from "./cli_io.ts";
import type { GetCommand, VerifyCommand } from "./parse_command.ts";

/** What a command passes to the library, and what it learns back. */
export interface CredentialFlags {
  /** The options for `download()`, `downloadPrefix()` or `verifyFile()`. */
  options: CredentialLookupOptions;
  /** Secret values given on the command line, to mask in everything printed. */
  secrets: string[];
  /** Whether the run found credentials (`undefined` until the lookup ran). */
  found(): boolean | undefined;
}

/**
 * The credential options of `command`. Prints a warning (unless `--quiet`) when the secret is on
 * the command line, and with `--debug` one line naming the source used.
 *
 * @example
 * ```ts ignore
 * import { credentialFlags } from "./credential_flags.ts";
 * const flags = credentialFlags(command, io);
 * await download({ ...flags.options, source, destination });
 * ```
 */
export function credentialFlags(command: GetCommand | VerifyCommand, io: CliIo): CredentialFlags {
  let anonymous: boolean | undefined;
  const secrets: string[] = [];
  const given = command.credentials;
  if (given) {
    secrets.push(given.accessKeySecret);
    if (given.securityToken) secrets.push(given.securityToken);
    if (command.output !== "quiet") {
      io.writeErr(
        "warning: --access-key-secret on the command line can be seen by other users of this " +
          "machine (ps, shell history); prefer OSS_ACCESS_KEY_SECRET or a config file\n",
      );
    }
  }
  return {
    options: {
      credentials: given
        ? staticProvider("command-line options (--access-key-id)", given)
        : undefined,
      profile: command.profile,
      configFile: command.configFile,
      ecsRole: command.ecsRole,
      onCredentials: (info) => {
        anonymous = info.anonymous;
        if (command.debug) io.writeErr(`debug: credentials: ${info.source}\n`);
      },
    },
    secrets,
    found: () => anonymous === undefined ? undefined : !anonymous,
  };
}
