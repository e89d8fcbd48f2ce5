import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);

// src/local-state.ts
var LOCAL_STATE = "local-cache";

export {
  LOCAL_STATE
};
