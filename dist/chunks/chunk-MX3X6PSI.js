import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);

// src/local-state.ts
var LOCAL_STATE = "local-cache";
var FALLBACK_BUILDER_STATE = "fallback-builder";

export {
  LOCAL_STATE,
  FALLBACK_BUILDER_STATE
};
