import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  STATE
} from "./chunks/chunk-QGCITXSA.js";
import "./chunks/chunk-HANBNIMK.js";

// src/post.ts
if (process.env[`STATE_${STATE.localCache}`]) {
  const { saveLocalCacheStep } = await import("./chunks/local-cache-26B2OJTP.js");
  await saveLocalCacheStep();
}
var fallbackBuilder = process.env[`STATE_${STATE.fallbackBuilder}`];
if (fallbackBuilder) {
  const { removeFallbackBuilder } = await import("./chunks/builder-driver-ON5LDZO6.js");
  await removeFallbackBuilder(fallbackBuilder);
}
