import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  STATE
} from "./chunks/chunk-ZDGOWBAC.js";
import "./chunks/chunk-HANBNIMK.js";

// src/post.ts
if (process.env[`STATE_${STATE.localCache}`]) {
  const { saveLocalCacheStep } = await import("./chunks/local-cache-YN2OXPEQ.js");
  await saveLocalCacheStep(process.env);
}
var secretFiles = process.env[`STATE_${STATE.secretFiles}`];
if (secretFiles) {
  const { removeSecretFiles } = await import("./chunks/build-secrets-IHENB6V4.js");
  await removeSecretFiles(secretFiles);
}
var fallbackBuilder = process.env[`STATE_${STATE.fallbackBuilder}`];
if (fallbackBuilder) {
  const { removeFallbackBuilder } = await import("./chunks/builder-driver-GTFKFFNT.js");
  await removeFallbackBuilder(fallbackBuilder);
}
