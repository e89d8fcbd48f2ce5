import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);

// src/core/state.ts
var STATE = {
  /** The local backend's exported directory, to save. */
  localCache: "local-cache",
  /** The docker-container builder driver-fallback created, to remove. */
  fallbackBuilder: "fallback-builder",
  /** The directory the `secrets` values were written to, to remove should the main step have died before it did. */
  secretFiles: "secret-files"
};

export {
  STATE
};
