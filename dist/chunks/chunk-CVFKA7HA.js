import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  STATE
} from "./chunk-ZDGOWBAC.js";
import {
  getState,
  group,
  info,
  summary,
  warning
} from "./chunk-N3HGW3KE.js";

// src/effects/oci-layout.ts
import { readFile, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
async function readJson(path) {
  return JSON.parse(await readFile(path, "utf8"));
}
function blobPath(dir, digest) {
  const [algorithm, hex] = digest.split(":");
  return join(dir, "blobs", algorithm, hex);
}
async function cacheManifestDigest(dir) {
  try {
    const index = await readJson(join(dir, "index.json"));
    const manifests = index.manifests ?? [];
    return manifests.at(-1)?.digest;
  } catch {
    return void 0;
  }
}
function children(document) {
  return [...document.manifests ?? [], ...document.layers ?? [], ...document.config ? [document.config] : []].filter(
    (d) => typeof d?.digest === "string"
  );
}
async function reachableBlobs(dir) {
  const reached = /* @__PURE__ */ new Set();
  const pending = children(await readJson(join(dir, "index.json")));
  while (pending.length) {
    const descriptor = pending.pop();
    if (reached.has(descriptor.digest)) continue;
    reached.add(descriptor.digest);
    if (/manifest|index/.test(descriptor.mediaType ?? "")) {
      try {
        pending.push(...children(await readJson(blobPath(dir, descriptor.digest))));
      } catch {
      }
    }
  }
  return reached;
}
async function compactLayout(dir) {
  const keep = await reachableBlobs(dir);
  let freed = 0;
  const algorithms = await readdir(join(dir, "blobs")).catch(() => []);
  for (const algorithm of algorithms) {
    for (const hex of await readdir(join(dir, "blobs", algorithm))) {
      if (keep.has(`${algorithm}:${hex}`)) continue;
      const path = join(dir, "blobs", algorithm, hex);
      freed += (await stat(path)).size;
      await rm(path, { force: true });
    }
  }
  return freed;
}
async function directorySize(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}

// src/core/format.ts
function formatBytes(bytes) {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}

// src/effects/local-cache.ts
var actionsCache = () => import("./cache-4I7C44LA.js");
async function restoreLocalCache(p) {
  const local = p.local;
  if (!local.canRestore) return { bytes: 0 };
  try {
    const key = await group(
      "Restore local cache",
      async () => (await actionsCache()).restoreCache([local.importDir], local.key, local.restoreKeys)
    );
    const bytes = key ? await directorySize(local.importDir) : 0;
    info(key ? `local cache restored from ${key} (${bytes} bytes)` : `no local cache under ${local.restoreKeys.join(", ")}`);
    return { key, bytes, looked: true, digest: key ? await cacheManifestDigest(local.importDir) : void 0 };
  } catch (error) {
    warning(`Local cache not restored, the build goes on uncached: ${error.message}`);
    return { bytes: 0 };
  }
}
async function saveLocalCache(state) {
  if (!state.canSave) return void 0;
  if (state.restoredKey === state.key) {
    info(`local cache: ${state.key} is already saved`);
    return void 0;
  }
  if (state.unchanged) {
    info(`local cache: the same as the restored ${state.restoredKey}, not saved again as ${state.key}`);
    return void 0;
  }
  try {
    const id = await (await actionsCache()).saveCache([state.path], state.key);
    if (id === -1) return void 0;
    info(`local cache saved as ${state.key} (${state.bytes} bytes)`);
    return state.bytes;
  } catch (error) {
    warning(`Local cache not saved: ${error.message}`);
    return void 0;
  }
}
async function saveLocalCacheStep(env) {
  try {
    const state = JSON.parse(getState(STATE.localCache));
    const bytes = await saveLocalCache(state);
    if (bytes !== void 0 && env.GITHUB_STEP_SUMMARY) {
      await summary.addRaw(`Local cache saved as <code>${state.key}</code>: ${formatBytes(bytes)}`, true).write();
    }
  } catch (error) {
    warning(`Post step: ${error.message}`);
  }
}

export {
  formatBytes,
  cacheManifestDigest,
  compactLayout,
  directorySize,
  restoreLocalCache,
  saveLocalCache,
  saveLocalCacheStep
};
