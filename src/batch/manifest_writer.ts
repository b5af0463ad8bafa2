/**
 * Group commit for the manifest: objects that finish while an append is being made durable are
 * appended together by the next one, so many small objects share one `datasync`. `add` resolves
 * when the object's record is durable: only then is the object reported done.
 *
 * @module
 */
import type { Manifest, ManifestRecord } from "./manifest.ts";

/**
 * Coalesces manifest appends.
 *
 * @example
 * ```ts ignore
 * const writer = new ManifestWriter(manifest);
 * await writer.add(record); // durable now
 * ```
 */
export class ManifestWriter {
  #manifest: Manifest;
  #pending: { record: ManifestRecord; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #running: Promise<void> | null = null;

  /** @param manifest the open manifest */
  constructor(manifest: Manifest) {
    this.#manifest = manifest;
  }

  /** Append `record`; resolves once it is durable. */
  add(record: ManifestRecord): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
    });
    this.#running ??= this.#drain();
    return done;
  }

  /** Wait until every record added so far is durable (or failed). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0);
        try {
          await this.#manifest.append(batch.map((b) => b.record));
          for (const b of batch) b.resolve();
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.#running = null;
    }
  }
}
