import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  failureWarning,
  formatBytes
} from "./chunk-AUCYMPWF.js";
import {
  STATE
} from "./chunk-G22OP24S.js";
import {
  getState,
  group,
  info,
  summary,
  warning
} from "./chunk-N3HGW3KE.js";

// src/effects/local-cache.ts
import { AsyncLocalStorage } from "node:async_hooks";

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

// src/effects/local-cache.ts
var actionsCache = () => import("./cache-4I7C44LA.js");
function toolkitLine(line, lastCount) {
  const command = /^::(error|warning)(?: [^:]*)?::(.*)$/.exec(line);
  if (command) {
    const text = command[2].replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%25/g, "%");
    return { complaint: text.replace(/^Failed to (restore|save): /, ""), annotation: true, moved: false, count: lastCount };
  }
  const failed = /^(?:Failed to (?:restore|save): |Attempt \d+ of \d+ failed with error: )(.*?)(?:\. Retrying request in \d+ ms\.\.\.)?$/.exec(line);
  if (failed) return { complaint: failed[1], annotation: false, moved: false, count: lastCount };
  const count = /^(?:Received|Sent) (\d+) of /.exec(line);
  if (!count) return { annotation: false, moved: line.trim() !== "", count: lastCount };
  return { annotation: false, moved: lastCount === void 0 || Number(count[1]) > lastCount, count: Number(count[1]) };
}
var hearing = new AsyncLocalStorage();
var callsHeard = 0;
var plainWrite;
function hearStdout() {
  if (callsHeard++ === 0) {
    const write = process.stdout.write.bind(process.stdout);
    plainWrite = process.stdout.write;
    process.stdout.write = ((chunk, ...rest) => {
      const hear = hearing.getStore();
      if (!hear) return write(chunk, ...rest);
      const kept = String(chunk).split(/(?<=\n)/).filter(hear);
      return kept.length ? write(kept.join(""), ...rest) : true;
    });
  }
  return () => {
    if (--callsHeard === 0) process.stdout.write = plainWrite;
  };
}
async function carryToolkitCall(call, timeoutMs) {
  const complaints = [];
  let count;
  let timer;
  let stall = () => void 0;
  const idle = () => {
    clearTimeout(timer);
    if (timeoutMs > 0) timer = setTimeout(() => stall({ stalled: true }), timeoutMs);
  };
  let over = false;
  const hear = (line) => {
    if (over) return true;
    const said = toolkitLine(line.trimEnd(), count);
    if (said.complaint) complaints.push(said.complaint);
    if (said.moved) idle();
    count = said.count;
    return !said.annotation;
  };
  const stopHearing = hearStdout();
  try {
    idle();
    const outcome = await Promise.race([
      hearing.run(hear, call).then((value) => ({ value })),
      new Promise((resolve) => stall = resolve)
    ]);
    return { ...outcome, ...complaints.length && { complaint: [...new Set(complaints)].join("; ") } };
  } finally {
    over = true;
    clearTimeout(timer);
    stopHearing();
  }
}
async function restoreLocalCache(p, cacheTimeout) {
  const local = p.local;
  if (!local.canRestore) return { bytes: 0 };
  try {
    const {
      value: key,
      complaint,
      stalled
    } = await group("Restore local cache", async () => {
      const toolkit = await actionsCache();
      return carryToolkitCall(() => toolkit.restoreCache([local.dir], local.key, local.restoreKeys), cacheTimeout * 1e3);
    });
    const given = `for cache-timeout (${cacheTimeout} s): given up`;
    if (stalled && complaint) return { bytes: 0, failure: { reason: `${complaint} (still failing ${given})`, stalled: false } };
    if (stalled) return { bytes: 0, failure: { reason: `the restore made no progress ${given}`, stalled } };
    if (complaint) return { bytes: 0, failure: { reason: complaint, stalled: false } };
    const bytes = key ? await directorySize(local.dir) : 0;
    info(key ? `local cache restored from ${key} (${bytes} bytes)` : `no local cache under ${local.restoreKeys.join(", ")}`);
    return { key, bytes, looked: true, digest: key ? await cacheManifestDigest(local.dir) : void 0 };
  } catch (error) {
    return { bytes: 0, failure: { reason: error.message, stalled: false } };
  }
}
function stalledSave(seconds, complaint) {
  return `the save made no progress for ${seconds} s (cache-timeout)${complaint ? `, retrying ${complaint}` : ""}: given up`;
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
  const failed = (reason) => ({
    failure: { kind: "export", backend: "local", scopes: [state.scope], ambiguous: false, reason }
  });
  try {
    const toolkit = await actionsCache();
    const {
      value: id,
      complaint,
      stalled
    } = await carryToolkitCall(() => toolkit.saveCache([state.path], state.key), state.cacheTimeout * 1e3);
    if (stalled) return { stalledSeconds: state.cacheTimeout, complaint };
    if (id === void 0 || id === -1) return failed(complaint ?? "the cache service did not take it");
    info(`local cache saved as ${state.key} (${state.bytes} bytes)`);
    return { bytes: state.bytes };
  } catch (error) {
    return failed(error.message);
  }
}
async function saveLocalCacheStep(env) {
  try {
    const state = JSON.parse(getState(STATE.localCache));
    const saved = await saveLocalCache(state);
    if (!saved) return;
    let line;
    if ("bytes" in saved) line = `Local cache saved as <code>${state.key}</code>: ${formatBytes(saved.bytes)}`;
    else {
      const reason = "failure" in saved ? saved.failure.reason : stalledSave(saved.stalledSeconds, saved.complaint);
      warning(
        "failure" in saved ? failureWarning(saved.failure) : `Cache export to scope ${state.scope} (local) stalled: ${reason}, the directory was not saved.`
      );
      line = `\u26A0 Local cache not saved as <code>${state.key}</code>: ${reason}`;
    }
    if (!env.GITHUB_STEP_SUMMARY) return;
    await summary.addRaw(line, true).write();
  } catch (error) {
    warning(`Post step: ${error.message}`);
  }
}
async function restoreCarried(path, key, restoreKeys, timeoutMs) {
  try {
    const toolkit = await actionsCache();
    const { value, complaint, stalled } = await carryToolkitCall(() => toolkit.restoreCache([path], key, restoreKeys), timeoutMs);
    if (stalled) return { failure: `the restore made no progress for ${timeoutMs / 1e3} s` };
    return complaint ? { failure: complaint } : { key: value };
  } catch (error) {
    return { failure: error.message };
  }
}
async function saveCarried(path, key, timeoutMs) {
  try {
    const toolkit = await actionsCache();
    const { value: id, complaint, stalled } = await carryToolkitCall(() => toolkit.saveCache([path], key), timeoutMs);
    if (stalled) return stalledSave(timeoutMs / 1e3, complaint);
    return id === void 0 || id === -1 ? complaint ?? "the cache service did not take it" : void 0;
  } catch (error) {
    return error.message;
  }
}

export {
  cacheManifestDigest,
  compactLayout,
  directorySize,
  toolkitLine,
  carryToolkitCall,
  restoreLocalCache,
  saveLocalCache,
  saveLocalCacheStep,
  restoreCarried,
  saveCarried
};
