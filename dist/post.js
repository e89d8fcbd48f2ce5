import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  LOCAL_STATE
} from "./chunks/chunk-I2FH5GNM.js";
import "./chunks/chunk-HANBNIMK.js";

// src/post.ts
if (process.env[`STATE_${LOCAL_STATE}`]) {
  const { saveLocalCacheStep } = await import("./chunks/local-cache-REYPCD3M.js");
  await saveLocalCacheStep();
}
