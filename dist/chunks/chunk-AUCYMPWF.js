import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  BACKENDS
} from "./chunk-UTIKCLHM.js";

// src/core/cache-watch.ts
var typeOf = (attributes) => attributes.find(([k]) => k === "type")?.[1] ?? "";
function withRetryTimeout(attributes, seconds) {
  const attribute = BACKENDS[typeOf(attributes)]?.retryTimeoutAttribute;
  if (!attribute || seconds <= 0 || attributes.some(([k]) => k === attribute)) return attributes;
  return [...attributes, [attribute, `${seconds}s`]];
}
function isNotFound(backend, error) {
  return BACKENDS[backend]?.importNotFound?.test(error.trim()) ?? false;
}
function reasonOf(error) {
  return error.replace(/\s+/g, " ").trim();
}
function importFailures(backend, chain, imports) {
  const failures = [];
  const unnamed = [];
  const unnamedScopes = chain.filter((scope) => !scope.location || !imports.some((i) => i.source.includes(scope.location)));
  for (const line of imports) {
    const named = chain.find((scope) => scope.location && line.source.includes(scope.location));
    if (named) {
      if (line.error && !isNotFound(backend, line.error)) {
        failures.push({ kind: "import", backend, scopes: [named.id], ambiguous: false, reason: reasonOf(line.error) });
      }
    } else unnamed.push(line);
  }
  const hashed = unnamed.filter((line) => line.source.startsWith(`${backend}:`));
  const failed = hashed.filter((line) => line.error && !isNotFound(backend, line.error));
  if (failed.length && unnamedScopes.length) {
    if (failed.length === hashed.length) {
      const reasons = [...new Set(failed.map((line) => reasonOf(line.error)))].join("; ");
      for (const [i, scope] of unnamedScopes.entries()) {
        const reason = hashed.length === unnamedScopes.length ? reasonOf(failed[i].error) : reasons;
        failures.push({ kind: "import", backend, scopes: [scope.id], ambiguous: false, reason });
      }
    } else {
      for (const line of failed)
        failures.push({ kind: "import", backend, scopes: unnamedScopes.map((s) => s.id), ambiguous: true, reason: reasonOf(line.error) });
    }
  }
  for (const line of unnamed.filter((l) => !hashed.includes(l) && l.error && !isNotFound(backend, l.error))) {
    failures.push({ kind: "import", backend, scopes: [line.source], ambiguous: false, reason: reasonOf(line.error) });
  }
  return failures;
}
function dedupe(failures) {
  const seen = /* @__PURE__ */ new Set();
  return failures.filter((f) => {
    const key = JSON.stringify([f.kind, f.scopes, f.reason]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
function failureWarning(f) {
  const which = f.ambiguous ? `one of the scopes ${f.scopes.join(", ")}` : `scope ${f.scopes.join(", ")}`;
  const outcome = f.stalled ? "stalled" : "failed";
  return f.kind === "import" ? `Cache import from ${which} (${f.backend}) ${outcome}, the build went on without it: ${f.reason}` : `Cache export to ${which} (${f.backend}) ${outcome}, the build's result is kept but its cache was not saved: ${f.reason}`;
}
function failedScopes(failures) {
  return new Set(failures.filter((f) => f.kind === "import" && !f.ambiguous).flatMap((f) => f.scopes));
}
var IMPORT_VERTEX = /^importing cache manifest from /;
var EXPORT_VERTEX = /^(exporting cache|exporting to GitHub Actions Cache|preparing build cache for export|writing cache)/i;
var NOT_CACHE = /^(\[[^\]]*\] FROM |\[internal\]|load metadata|resolve image config|exporting to image|exporting to oci|pushing |sending tarball)/i;
var BLOB = /^sha256:[0-9a-f]{64}$/;
var IMAGE_EXPORT = /^exporting to image/i;
var CacheWatch = class {
  constructor(options) {
    this.options = options;
  }
  options;
  vertices = /* @__PURE__ */ new Map();
  transfers = /* @__PURE__ */ new Map();
  feed(event, now) {
    if (event.type === "vertex") return this.vertex(event, now);
    const owner = this.vertices.get(event.vertex);
    if (owner) owner.since = now;
    if (!owner || !BLOB.test(event.id)) return;
    const key = `${event.vertex} ${event.id}`;
    const seen = this.transfers.get(key);
    const current = event.current ?? seen?.current ?? 0;
    if (!seen) {
      this.transfers.set(key, {
        vertex: event.vertex,
        id: event.id,
        since: now,
        from: current,
        current,
        total: event.total,
        done: !!event.completed
      });
      return;
    }
    seen.current = current;
    seen.total = event.total ?? seen.total;
    seen.done ||= !!event.completed;
  }
  vertex(event, now) {
    const seen = this.vertices.get(event.id);
    const v = seen ?? { name: event.name ?? "", since: now, done: false, failed: false };
    v.name ||= event.name ?? "";
    const finished = !!event.completed || !!event.cached || !!event.error;
    if (finished) v.done = true;
    else if (event.started) v.done = false;
    v.failed ||= !!event.error;
    v.since = now;
    this.vertices.set(event.id, v);
  }
  phaseOf(name) {
    if (IMPORT_VERTEX.test(name)) return "import";
    if (EXPORT_VERTEX.test(name) || this.options.pushCarriesCache && IMAGE_EXPORT.test(name)) return "export";
    if (NOT_CACHE.test(name)) return void 0;
    return "build";
  }
  /** The first stall at `now`, or undefined. */
  check(now) {
    const { timeoutMs, minBytesPerSecond } = this.options;
    for (const v of this.vertices.values()) {
      const phase = this.phaseOf(v.name);
      if (v.done || phase !== "import" && phase !== "export") continue;
      if (now - v.since <= timeoutMs) continue;
      if ([...this.transfers.values()].some((t) => !t.done && this.vertices.get(t.vertex) === v)) continue;
      return {
        phase,
        what: v.name,
        idleSeconds: Math.round((now - v.since) / 1e3),
        resultWritten: phase === "export" && !IMAGE_EXPORT.test(v.name) && this.othersFinished(v)
      };
    }
    for (const t of this.transfers.values()) {
      const owner = this.vertices.get(t.vertex);
      if (t.done || !owner || owner.done) continue;
      const phase = this.phaseOf(owner.name);
      if (!phase || phase === "build" && !this.options.importing) continue;
      const elapsed = now - t.since;
      if (elapsed <= timeoutMs) continue;
      const rate = (t.current - t.from) / (elapsed / 1e3);
      if (rate >= minBytesPerSecond) {
        t.since = now;
        t.from = t.current;
        continue;
      }
      const stalled = phase === "export" ? "export" : "import";
      return {
        phase: stalled,
        what: `${t.id.slice(0, 19)} in "${owner.name}" at ${Math.round(rate)} B/s (${t.current}${t.total ? ` of ${t.total}` : ""} bytes)`,
        idleSeconds: Math.round(elapsed / 1e3),
        resultWritten: stalled === "export" && !IMAGE_EXPORT.test(owner.name) && this.othersFinished(owner)
      };
    }
    return void 0;
  }
  /** Every vertex other than the cache exports finished, none failed. */
  othersFinished(except) {
    return [...this.vertices.values()].every(
      (v) => v === except || this.phaseOf(v.name) === "export" || v.done && !v.failed || this.phaseOf(v.name) === "import"
    );
  }
};
function rawJsonEvents(line) {
  let status;
  try {
    status = JSON.parse(line);
  } catch {
    return [];
  }
  if (!status || typeof status !== "object") return [];
  const events = [];
  for (const v of status.vertexes ?? []) {
    if (!v?.digest) continue;
    events.push({
      type: "vertex",
      id: v.digest,
      name: v.name,
      started: !!v.started,
      completed: !!v.completed,
      cached: !!v.cached,
      ...v.error && { error: v.error }
    });
  }
  for (const s of status.statuses ?? []) {
    if (!s?.vertex || !s.id) continue;
    events.push({ type: "status", vertex: s.vertex, id: s.id, current: s.current, total: s.total, completed: !!s.completed });
  }
  return events;
}
var SIZE = /^([\d.]+)\s*(B|kB|KB|KiB|MB|MiB|GB|GiB)$/;
var UNITS = { B: 1, kB: 1e3, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 };
function bytes(text) {
  const m = SIZE.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]] : void 0;
}
function plainEvents(line) {
  const m = /^#(\d+) (.*)$/.exec(line.trimEnd());
  if (!m) return [];
  const [, id, rest] = m;
  if (rest === "CACHED") return [{ type: "vertex", id, cached: true }];
  if (/^DONE \d/.test(rest)) return [{ type: "vertex", id, completed: true }];
  const error = /^ERROR:? (.*)$/.exec(rest);
  if (error) return [{ type: "vertex", id, error: error[1] || "failed" }];
  const transfer = /^(sha256:[0-9a-f]{64}) (?:([\d.]+\s*\w+) \/ ([\d.]+\s*\w+)|([\d.]+\s*\w+))?.*?( done)?$/.exec(rest);
  if (transfer) {
    const [, blob, current, total, only, done] = transfer;
    return [
      {
        type: "status",
        vertex: id,
        id: blob,
        current: bytes(current ?? only ?? ""),
        total: total ? bytes(total) : void 0,
        completed: !!done
      }
    ];
  }
  if (/^\d+(\.\d+)? /.test(rest)) return [{ type: "status", vertex: id, id: "log" }];
  return [{ type: "vertex", id, name: rest, started: true }];
}

// src/core/format.ts
function formatBytes(bytes2) {
  if (bytes2 >= 1e9) return `${(bytes2 / 1e9).toFixed(2)} GB`;
  if (bytes2 >= 1e6) return `${(bytes2 / 1e6).toFixed(1)} MB`;
  return `${(bytes2 / 1e3).toFixed(1)} kB`;
}
function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(text.trim());
  if (!match) return void 0;
  const bytes2 = Number(match[1]) * 1e3 ** " kmgt".indexOf(match[2].toLowerCase() || " ");
  return bytes2 > 0 ? Math.floor(bytes2) : void 0;
}

export {
  withRetryTimeout,
  reasonOf,
  importFailures,
  dedupe,
  failureWarning,
  failedScopes,
  CacheWatch,
  rawJsonEvents,
  plainEvents,
  formatBytes,
  parseSize
};
