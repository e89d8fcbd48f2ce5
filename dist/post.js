import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  FALLBACK_BUILDER_STATE,
  LOCAL_STATE
} from "./chunks/chunk-MX3X6PSI.js";
import "./chunks/chunk-HANBNIMK.js";

// src/post.ts
if (process.env[`STATE_${LOCAL_STATE}`]) {
  const { saveLocalCacheStep } = await import("./chunks/local-cache-QWRNSVIR.js");
  await saveLocalCacheStep();
}
var fallbackBuilder = process.env[`STATE_${FALLBACK_BUILDER_STATE}`];
if (fallbackBuilder) {
  const { removeFallbackBuilder } = await import("./chunks/builder-driver-B4FVYDXC.js");
  await removeFallbackBuilder(fallbackBuilder);
}
