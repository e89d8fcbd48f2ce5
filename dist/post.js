import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  STATE
} from "./chunks/chunk-74WAKCNO.js";
import "./chunks/chunk-HANBNIMK.js";

// src/post.ts
if (process.env[`STATE_${STATE.localCache}`]) {
  const { saveLocalCacheStep } = await import("./chunks/local-cache-RG5DCCD6.js");
  await saveLocalCacheStep(process.env);
}
var fallbackBuilder = process.env[`STATE_${STATE.fallbackBuilder}`];
if (fallbackBuilder) {
  const { removeFallbackBuilder } = await import("./chunks/builder-driver-JHJIKPKC.js");
  await removeFallbackBuilder(fallbackBuilder);
}
