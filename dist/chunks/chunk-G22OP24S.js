import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);

// src/core/state.ts
var STATE = {
  /** The local backend's exported directory, to save. */
  localCache: "local-cache",
  /** The cache budget of a run that exported to the Actions cache, to keep. */
  cacheBudget: "cache-budget",
  /** The docker-container builder driver-fallback created, to remove. */
  fallbackBuilder: "fallback-builder",
  /** The directory the `secrets` values were written to, to remove should the main step have died before it did. */
  secretFiles: "secret-files",
  /** The build's cache mounts, to take out of the builder and save when changed. */
  cacheMounts: "cache-mounts"
};

export {
  STATE
};
