/**
 * One holder of the current credentials, shared by every request of a download (and by every
 * object and the listing of a prefix download). Keys with an expiration are fetched again before
 * they expire, by one refresh at a time: every caller that needs keys while a refresh runs waits
 * for that one refresh.
 *
 * @module
 */
import type { Credentials } from "../oss/credentials.ts";
import { CredentialsError } from "./credentials_error.ts";
import type { CredentialsProvider } from "./credentials_provider.ts";

/** Keys are refreshed when less than this is left of them (or less than 20% of their life). */
export const REFRESH_MARGIN_MS = 3 * 60 * 1000;
/** The share of their life left at which keys are refreshed, when that is less than 3 minutes. */
export const REFRESH_LIFE_SHARE = 0.2;
/**
 * Keys are not fetched again sooner than this after the last fetch (unless a request was refused),
 * so that keys that arrive already expired (a clock that is off) do not make every request fetch.
 */
export const MIN_REFRESH_INTERVAL_MS = 500;

/** Options of {@linkcode CredentialsRefresher}. */
export interface CredentialsRefresherOptions {
  /** The clock, ms since the epoch. @default Date.now */
  now?: () => number;
}

interface Held {
  credentials: Credentials;
  refreshAt: number;
}

/**
 * When keys obtained at `obtainedAt` and expiring at `expiresAt` are to be refreshed: when the
 * smaller of 3 minutes and 20% of their life is left (a 1-hour token at 57 min, a 5-second token
 * after 4 s).
 *
 * @example
 * ```ts
 * import { refreshTime } from "./credentials_refresher.ts";
 * refreshTime(0, 3_600_000); // 3420000
 * refreshTime(0, 5_000); // 4000
 * ```
 */
export function refreshTime(obtainedAt: number, expiresAt: number): number {
  const life = Math.max(0, expiresAt - obtainedAt);
  return expiresAt - Math.min(REFRESH_MARGIN_MS, life * REFRESH_LIFE_SHARE);
}

/**
 * Holds the keys of a {@linkcode CredentialsProvider} and refreshes them before they expire.
 *
 * @example
 * ```ts
 * import { CredentialsRefresher } from "./credentials_refresher.ts";
 * import { staticProvider } from "./credentials_provider.ts";
 * const refresher = new CredentialsRefresher(
 *   staticProvider("options", { accessKeyId: "ak", accessKeySecret: "sk" }),
 * );
 * (await refresher.current()).accessKeyId; // "ak"
 * ```
 */
export class CredentialsRefresher {
  /** The provider's name, for `--debug`. */
  readonly name: string;
  readonly #provider: CredentialsProvider;
  readonly #now: () => number;
  #held: Held | null = null;
  #pending: Promise<Credentials> | null = null;
  #refreshes = 0;

  /**
   * Holds nothing yet: the first {@linkcode CredentialsRefresher.current} asks the provider.
   *
   * @param provider where the keys come from
   * @param options the clock
   */
  constructor(provider: CredentialsProvider, options: CredentialsRefresherOptions = {}) {
    this.#provider = provider;
    this.name = provider.name;
    this.#now = options.now ?? Date.now;
  }

  /** Whether a refresh may give other keys (the provider says so). */
  get refreshable(): boolean {
    return this.#provider.refreshable === true;
  }

  /** How many times keys were fetched from the provider (the first time included). */
  get fetches(): number {
    return this.#refreshes;
  }

  /**
   * The keys to sign with now: the held ones while they are fresh, else fresh ones (one fetch for
   * all callers). When a refresh fails while the held keys have not yet expired, those are used.
   *
   * @throws {CredentialsError} when the provider has no keys, or fails and no valid keys are held
   */
  async current(): Promise<Credentials> {
    const held = this.#held;
    if (held && this.#now() < held.refreshAt) return held.credentials;
    try {
      return await this.#refresh();
    } catch (error) {
      const expiration = held?.credentials.expiration;
      if (held && expiration && this.#now() < expiration.getTime()) return held.credentials;
      throw error;
    }
  }

  /**
   * After a request signed with `used` was refused for an expired or invalid token: makes sure
   * that newer keys are held (fetching them unless another caller already did) and says whether
   * they differ from `used`, that is whether the request is worth sending again.
   *
   * @example
   * ```ts ignore
   * if (await refresher.refreshAfterRejection(used)) {
   *   // sign again with await refresher.current() and resend
   * }
   * ```
   */
  async refreshAfterRejection(used: Credentials): Promise<boolean> {
    if (!this.refreshable) return false;
    const held = this.#held?.credentials;
    if (held && held !== used) return !sameKeys(held, used);
    try {
      const fresh = await this.#refresh();
      return !sameKeys(fresh, used);
    } catch {
      return false;
    }
  }

  #refresh(): Promise<Credentials> {
    if (this.#pending) return this.#pending;
    const pending = (async () => {
      this.#refreshes++;
      const obtainedAt = this.#now();
      const credentials = await this.#provider.getCredentials();
      if (!credentials) {
        throw new CredentialsError(`${this.#provider.name} gave no credentials`);
      }
      const expiresAt = credentials.expiration?.getTime();
      this.#held = {
        credentials,
        refreshAt: expiresAt === undefined
          ? Infinity
          : Math.max(refreshTime(obtainedAt, expiresAt), this.#now() + MIN_REFRESH_INTERVAL_MS),
      };
      return credentials;
    })();
    this.#pending = pending;
    const clear = () => {
      if (this.#pending === pending) this.#pending = null;
    };
    pending.then(clear, clear);
    return pending;
  }
}

function sameKeys(a: Credentials, b: Credentials): boolean {
  return a.accessKeyId === b.accessKeyId && a.accessKeySecret === b.accessKeySecret &&
    a.securityToken === b.securityToken;
}
