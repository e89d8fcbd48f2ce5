import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  STATE
} from "./chunks/chunk-G22OP24S.js";
import "./chunks/chunk-HANBNIMK.js";

// src/post.ts
if (process.env[`STATE_${STATE.localCache}`]) {
  const { saveLocalCacheStep } = await import("./chunks/local-cache-L3H4BT2O.js");
  await saveLocalCacheStep(process.env);
}
if (process.env[`STATE_${STATE.cacheMounts}`]) {
  const { carryMountsOut } = await import("./chunks/mount-cache-FUB67AB5.js");
  await carryMountsOut(process.env);
}
if (process.env[`STATE_${STATE.cacheBudget}`]) {
  const { keepCacheBudget } = await import("./chunks/cache-budget-CBTVYLO7.js");
  await keepCacheBudget(process.env);
}
var secretFiles = process.env[`STATE_${STATE.secretFiles}`];
if (secretFiles) {
  const { removeSecretFiles } = await import("./chunks/build-secrets-E5NMTZO7.js");
  await removeSecretFiles(secretFiles);
}
var fallbackBuilder = process.env[`STATE_${STATE.fallbackBuilder}`];
if (fallbackBuilder) {
  const { removeFallbackBuilder } = await import("./chunks/builder-driver-HNJUFRTS.js");
  await removeFallbackBuilder(fallbackBuilder);
}
process.exit();
