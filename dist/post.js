import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  STATE
} from "./chunks/chunk-G22OP24S.js";
import "./chunks/chunk-HANBNIMK.js";

// src/post.ts
if (process.env[`STATE_${STATE.localCache}`]) {
  const { saveLocalCacheStep } = await import("./chunks/local-cache-MNBVJASE.js");
  await saveLocalCacheStep(process.env);
}
if (process.env[`STATE_${STATE.cacheMounts}`]) {
  const { carryMountsOut } = await import("./chunks/mount-cache-FJZP34LK.js");
  await carryMountsOut(process.env);
}
if (process.env[`STATE_${STATE.cacheBudget}`]) {
  const { keepCacheBudget } = await import("./chunks/cache-budget-6HXGFQY5.js");
  await keepCacheBudget(process.env);
}
var secretFiles = process.env[`STATE_${STATE.secretFiles}`];
if (secretFiles) {
  const { removeSecretFiles } = await import("./chunks/build-secrets-DCFX2FEC.js");
  await removeSecretFiles(secretFiles);
}
var fallbackBuilder = process.env[`STATE_${STATE.fallbackBuilder}`];
if (fallbackBuilder) {
  const { removeFallbackBuilder } = await import("./chunks/builder-driver-6WNN6FZF.js");
  await removeFallbackBuilder(fallbackBuilder);
}
process.exit();
