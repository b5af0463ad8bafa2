/**
 * Bun preload (`bun --preload bench/_no_crc64_bun.ts cli.ts ...`): loads `bench/_no_crc64.ts` in
 * place of `src/crc64/crc64.ts`, to time the engine with verification off (bench/run.sh, tool `ossdl-bun-nocrc`).
 *
 * @module
 */
import { readFileSync } from "node:fs";

interface BunPluginBuilder {
  onLoad(
    options: { filter: RegExp },
    callback: (args: { path: string }) => { contents: string; loader: string },
  ): void;
}
interface BunLike {
  plugin(plugin: { name: string; setup(build: BunPluginBuilder): void }): void;
}

const fake = readFileSync(new URL("./_no_crc64.ts", import.meta.url), "utf8");
(globalThis as unknown as { Bun: BunLike }).Bun.plugin({
  name: "ossdl-bench-no-crc64",
  setup(build) {
    build.onLoad(
      { filter: /src[\\/]crc64[\\/]crc64\.ts$/ },
      () => ({ contents: fake, loader: "ts" }),
    );
  },
});

// Workers do not inherit `--preload`: Bun's Worker takes a `preload` option, so every worker the
// engine starts (the CRC-64 hashing worker) gets this plugin too and hashes nothing either.
type WorkerCtor = new (url: string | URL, options?: Record<string, unknown>) => object;
const scope = globalThis as unknown as { Worker: WorkerCtor };
const BaseWorker = scope.Worker;
const self = new URL(import.meta.url).pathname;
scope.Worker = class extends BaseWorker {
  constructor(url: string | URL, options: Record<string, unknown> = {}) {
    super(url, { ...options, preload: [self] });
  }
};
