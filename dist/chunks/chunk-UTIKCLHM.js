import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);

// src/backends/backend.ts
function attribute(attributes, key) {
  return attributes.find(([k]) => k === key)?.[1];
}
function scopeId(scope, settings) {
  return settings.namespace ? `${settings.namespace}/${scope.name}` : scope.name;
}
function pick(options, keys) {
  return keys.filter((key) => key in options).map((key) => [key, options[key]]);
}
function exportAttributes(backend, settings) {
  const options = { "ignore-error": "true", ...settings.options };
  return [["mode", settings.mode], ...pick(options, [...backend.sharedOptions, ...backend.exportOptions])];
}

// src/backends/object-store.ts
function importedName(attributes) {
  return (attributes.name ?? "buildkit").split(";")[0];
}
function encodeKeyPath(key) {
  return key.split("/").map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join("/");
}
function commitName(settings) {
  return settings.sha ? scopeId({ name: settings.sha, ref: "", role: "own" }, settings) : void 0;
}
function objectStoreBackend({ api, manifestUrl, ...shape }) {
  const backend = {
    ...shape,
    needsBuildKitDriver: true,
    imports: (chain, settings) => {
      const commit = commitName(settings);
      const names = [
        ...chain.map((scope) => ({ name: scopeId(scope, settings), scope })),
        ...commit ? [{ name: commit }] : []
      ];
      return names.map(({ name, scope }) => ({
        label: name,
        ...scope && { scope },
        attributes: [["type", shape.name], ["name", name], ...pick(settings.options, shape.sharedOptions)],
        probe: { kind: "object-store", api }
      }));
    },
    exportTo: (own, settings) => {
      const commit = commitName(settings);
      const names = [scopeId(own, settings), ...commit ? [commit] : []].join(";");
      return [["type", shape.name], ["name", names], ...exportAttributes(backend, settings)];
    },
    // Unsigned: only silence is a stall, and a refusal of the signature is an answer too.
    readProbe: (attributes) => {
      try {
        const url = manifestUrl(Object.fromEntries(attributes));
        if (!url) return void 0;
        return { what: `the ${shape.name} store ${url.host} (${url.pathname})`, url: url.href, init: { method: "HEAD", headers: {} } };
      } catch {
        return void 0;
      }
    }
  };
  return backend;
}

// src/backends/azblob.ts
function azblobManifestKey(attributes) {
  const parts = [attributes.prefix ?? "", attributes.manifests_prefix ?? "manifests", importedName(attributes)];
  return parts.join("/").split("/").filter((part) => part !== "" && part !== ".").join("/");
}
function azblobObjectUrl(attributes, key) {
  const base = attributes.account_url.replace(/\/+$/, "");
  return new URL(`${base}/${encodeURIComponent(attributes.container ?? "buildkit-cache")}/${encodeKeyPath(key)}`);
}
function azblobManifestUrl(attributes) {
  return azblobObjectUrl(attributes, azblobManifestKey(attributes));
}
var azureCredentialsFromEnv = (env, _tool, given) => {
  const taken = {};
  if (!given.account_name && env.BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME) taken.account_name = env.BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME;
  if (!given.secret_access_key && env.BUILDKIT_AZURE_STORAGE_ACCESS_KEY) taken.secret_access_key = env.BUILDKIT_AZURE_STORAGE_ACCESS_KEY;
  return taken;
};
var azblob = objectStoreBackend({
  name: "azblob",
  api: "azblob",
  manifestUrl: (store) => store.account_url ? azblobManifestUrl(store) : void 0,
  sharedOptions: ["account_url", "account_name", "secret_access_key", "container", "prefix", "blobs_prefix", "manifests_prefix"],
  exportOptions: ["ignore-error"],
  secretOptions: ["secret_access_key"],
  requiredOptions: ["account_url"],
  optionsFromEnv: azureCredentialsFromEnv
});

// src/backends/gha.ts
function serviceAttributes(settings) {
  const service = settings.actionsCache;
  if (settings.builder.readsCredentialEnv || !service) return [];
  return service.urlV2 ? [
    ["url_v2", service.urlV2],
    ["version", "2"],
    ["token", service.token]
  ] : [
    ["url", service.url ?? ""],
    ["token", service.token]
  ];
}
function scopeName(scope, settings) {
  return settings.builder.singleImport ? settings.namespace || "buildkit" : scopeId(scope, settings);
}
function exportName(own, settings, chain) {
  const sharesRef = chain.some((scope) => scope.name !== own.name && scope.ref === own.ref);
  return settings.builder.singleImport && sharesRef ? scopeId(own, settings) : scopeName(own, settings);
}
function scopeAttributes(name, settings) {
  return [["type", "gha"], ["scope", name], ...serviceAttributes(settings)];
}
function ghaService(attributes, env) {
  const token = attribute(attributes, "token") ?? env.ACTIONS_RUNTIME_TOKEN;
  const v2 = (attribute(attributes, "version") ?? (env.ACTIONS_CACHE_SERVICE_V2 === "true" ? "2" : "1")) === "2";
  const url = v2 ? attribute(attributes, "url_v2") ?? env.ACTIONS_RESULTS_URL : attribute(attributes, "url") ?? env.ACTIONS_CACHE_URL ?? env.ACTIONS_RESULTS_URL;
  if (!token || !url) return void 0;
  return { url: url.endsWith("/") ? url : `${url}/`, v2, token };
}
function indexLookup(attributes, env) {
  const service = ghaService(attributes, env);
  if (!service) return void 0;
  const key = `index-${attribute(attributes, "scope") ?? "buildkit"}-`;
  const auth = { Authorization: `Bearer ${service.token}` };
  return service.v2 ? {
    what: `the cache service (GetCacheEntryDownloadURL ${key})`,
    url: `${service.url}twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL`,
    init: {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ key, restore_keys: [key], version: "probe" })
    }
  } : {
    what: `the cache service (cache ${key})`,
    url: `${service.url}_apis/artifactcache/cache?keys=${encodeURIComponent(key)}&version=probe`,
    init: { method: "GET", headers: { ...auth, Accept: "application/json;api-version=6.0-preview.1" } }
  };
}
var escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
var gha = {
  name: "gha",
  sharedOptions: ["timeout"],
  exportOptions: ["ignore-error"],
  usesActionsCache: true,
  buildsThroughActionsCache: true,
  retryTimeoutAttribute: "timeout",
  readProbe: indexLookup,
  imports: (chain, settings) => {
    const scopes = settings.builder.singleImport ? chain.slice(0, 1) : chain;
    return scopes.map((scope) => ({
      // One import for the whole chain reads no one scope, unless the chain is that scope.
      ...(!settings.builder.singleImport || chain.length === 1) && { scope },
      ...settings.builder.singleImport && chain.length > 1 && { wholeChain: true },
      label: settings.builder.singleImport ? `${scopeName(scope, settings)} (read under ${chain.map((s) => s.ref).join(", ")})` : scopeId(scope, settings),
      attributes: [...scopeAttributes(scopeName(scope, settings), settings), ...pick(settings.options, gha.sharedOptions)]
    }));
  },
  exportTo: (own, settings, chain) => [...scopeAttributes(exportName(own, settings, chain), settings), ...exportAttributes(gha, settings)],
  ownedKeys: (own, settings, chain) => {
    const name = exportName(own, settings, chain);
    const index = new RegExp(`^index-${escapeRegExp(name)}-\\d+-[0-9a-f]+(#\\d+)?$`);
    return { prefix: `index-${name}-`, matches: (key) => index.test(key) };
  },
  // BuildKit keeps a scope's cache index as `index-<scope>-<version>-<ref hash>` under the ref that wrote it.
  indexKey: (scope, settings) => `index-${scopeName(scope, settings)}-`
};

// src/core/names.ts
import { createHash } from "node:crypto";
var MAX_NAME = 128;
var HASH_LENGTH = 8;
var TAG_GRAMMAR = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
var RESERVED = [/-[0-9a-f]{8}$/, /^h[0-9a-f]{8}$/, /^pr-\d+$/, /^[0-9a-f]{40}$|^[0-9a-f]{64}$/, /--/, /-$/];
function shortHash(value, length = HASH_LENGTH) {
  return createHash("sha256").update(value).digest("hex").slice(0, length);
}
function isPlainName(name, maxLength = MAX_NAME) {
  return name.length <= maxLength && TAG_GRAMMAR.test(name) && !RESERVED.some((shape) => shape.test(name));
}
function safeName(raw, maxLength = MAX_NAME) {
  if (isPlainName(raw, maxLength)) return raw;
  const suffix = `-${shortHash(raw)}`;
  const name = raw.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[.-]+/, "").slice(0, maxLength - suffix.length).replace(/-+$/, "");
  return name === "" ? `h${shortHash(raw)}` : `${name}${suffix}`;
}
function joinNames(names, maxLength = MAX_NAME) {
  const joined = names.join("--");
  if (joined.length <= maxLength) return joined;
  const suffix = `---${shortHash(joined, 16)}`;
  return `${joined.slice(0, maxLength - suffix.length)}${suffix}`;
}
function imageRepository(image) {
  const withoutDigest = image.split("@")[0];
  const lastSlash = withoutDigest.lastIndexOf("/");
  const lastColon = withoutDigest.lastIndexOf(":");
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}
function splitRegistryHost(repository) {
  const [first, ...rest] = repository.split("/");
  const isHost = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  return isHost ? { host: first, path: rest.join("/") } : { path: repository };
}
function splitImageRef(ref) {
  const repository = imageRepository(ref);
  const rest = ref.slice(repository.length);
  return { ...splitRegistryHost(repository), tag: rest.startsWith(":") ? rest.slice(1).split("@")[0] : "latest" };
}
function registryBaseUrl(host) {
  return `${/^(localhost|127\.|\[::1\])/.test(host) ? "http" : "https"}://${host}`;
}
function imagePath(image) {
  return splitRegistryHost(imageRepository(image)).path;
}
function platformsName(platforms) {
  const sorted = [...new Set(platforms.map((p) => p.trim()).filter(Boolean))].sort();
  const parts = sorted.map((platform) => platform.split("/"));
  const readable = parts.every((p) => p.every((part) => /^[a-z0-9]+$/.test(part)));
  return safeName(readable ? parts.map((p) => p.join("-")).join(".") : sorted.join(","));
}

// src/backends/registry.ts
function cacheTag(scope, settings) {
  const lead = "buildcache-";
  return `${lead}${joinNames([...settings.tagNamespace, scope.name], 128 - lead.length)}`;
}
function cacheImageRef(scope, settings) {
  return `${settings.cacheRepository}:${cacheTag(scope, settings)}`;
}
function checkCacheRepository(settings) {
  return settings.cacheRepository ? void 0 : {
    input: "cache-ref",
    reason: "required for this backend when no tags are given (the cache repository is derived from the first tag)"
  };
}
var registry = {
  name: "registry",
  sharedOptions: [],
  exportOptions: ["compression", "compression-level", "force-compression", "oci-mediatypes", "image-manifest", "ignore-error"],
  check: checkCacheRepository,
  cacheTagOf: cacheImageRef,
  // The registry's resolver fails a missing tag with `<ref>: not found`.
  importNotFound: /: not found$/,
  importsOnClassicDockerStore: true,
  importLocation: (attributes) => attribute(attributes, "ref"),
  readProbe: (attributes) => {
    const ref = attribute(attributes, "ref");
    const { host, path, tag } = ref ? splitImageRef(ref) : { host: void 0, path: "", tag: "" };
    if (!host) return void 0;
    return {
      what: `the registry ${host} (manifest ${path}:${tag})`,
      url: `${registryBaseUrl(host)}/v2/${path}/manifests/${encodeURIComponent(tag)}`,
      init: { method: "HEAD", headers: { Accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json" } }
    };
  },
  imports: (chain, settings) => chain.map((scope) => {
    const ref = cacheImageRef(scope, settings);
    return {
      label: ref,
      scope,
      attributes: [
        ["type", "registry"],
        ["ref", ref]
      ],
      probe: { kind: "registry", ref }
    };
  }),
  exportTo: (own, settings) => [["type", "registry"], ["ref", cacheImageRef(own, settings)], ...exportAttributes(registry, settings)]
};

// src/backends/inline.ts
function pushesImage(request) {
  return request.push || request.outputs.some((output) => /(^|,)(push=true|type=registry)(,|$)/.test(output));
}
var inline = {
  name: "inline",
  sharedOptions: [],
  exportOptions: [],
  minOnly: "inline cache holds only the layers of the final image",
  exportedWithImage: true,
  check: checkCacheRepository,
  exportBlocked: (request) => pushesImage(request) ? void 0 : "inline cache travels inside the pushed image and this build pushes none (push: false); the next build imports the last pushed one. Use the registry backend to export without pushing",
  imports: registry.imports,
  exportTo: () => [["type", "inline"]],
  cacheTagOf: cacheImageRef,
  importNotFound: registry.importNotFound,
  exportTags: (own, settings) => [cacheImageRef(own, settings)]
};

// src/backends/local.ts
import { join } from "node:path";
var layoutDir = (settings) => join(settings.cacheDir, "cache");
function localKeyPrefix(scope, settings) {
  return `buildkit-${scopeId(scope, settings)}#`;
}
function carriedDirectory(own, chain, settings) {
  const keyOf = (scope) => localKeyPrefix(scope, settings);
  const keyScope = own ?? chain[0] ?? { name: "none", ref: "", role: "own" };
  return {
    dir: layoutDir(settings),
    key: `${keyOf(keyScope)}${settings.sha}`,
    restoreKeys: chain.map(keyOf)
  };
}
var local = {
  name: "local",
  sharedOptions: [],
  exportOptions: ["compression", "compression-level", "force-compression", "oci-mediatypes", "image-manifest", "ignore-error"],
  usesActionsCache: true,
  importsOnClassicDockerStore: true,
  carriedDirectory,
  imports: (chain, settings) => {
    const src = layoutDir(settings);
    return [
      {
        label: chain.map((scope) => scope.name).join(" \u2192 ") || src,
        ...chain.length === 1 && { scope: chain[0] },
        ...chain.length > 1 && { wholeChain: true },
        attributes: [
          ["type", "local"],
          ["src", src]
        ],
        probe: { kind: "directory", path: src }
      }
    ];
  },
  ownedKeys: (own, settings) => {
    const prefix = localKeyPrefix(own, settings);
    return { prefix, matches: (key) => key.startsWith(prefix) };
  },
  exportTo: (_own, settings) => [["type", "local"], ["dest", layoutDir(settings)], ...exportAttributes(local, settings)]
};

// src/backends/s3.ts
function s3ManifestKey(attributes) {
  return `${attributes.prefix ?? ""}${attributes.manifests_prefix ?? "manifests/"}${importedName(attributes)}`;
}
function s3ObjectUrl(attributes, key) {
  const { bucket, region } = attributes;
  const path = encodeKeyPath(key);
  if (!attributes.endpoint_url) return new URL(`https://${bucket}.s3.${region}.amazonaws.com/${path}`);
  const endpoint = new URL(attributes.endpoint_url);
  const base = endpoint.pathname.replace(/\/+$/, "");
  if (/^(1|t|true)$/i.test(attributes.use_path_style ?? "")) return new URL(`${endpoint.origin}${base}/${bucket}/${path}`);
  return new URL(`${endpoint.protocol}//${bucket}.${endpoint.host}${base}/${path}`);
}
function s3ManifestUrl(attributes) {
  return s3ObjectUrl(attributes, s3ManifestKey(attributes));
}
var awsCredentialsFromEnv = (env, builder, given) => {
  if (builder.readsCredentialEnv || given.access_key_id && given.secret_access_key) return {};
  const taken = {};
  const take = (key, variable) => {
    if (!given[key] && env[variable]) taken[key] = env[variable];
  };
  take("access_key_id", "AWS_ACCESS_KEY_ID");
  take("secret_access_key", "AWS_SECRET_ACCESS_KEY");
  take("session_token", "AWS_SESSION_TOKEN");
  return taken;
};
var s3 = objectStoreBackend({
  name: "s3",
  api: "s3",
  manifestUrl: (store) => store.bucket && (store.endpoint_url || store.region) ? s3ManifestUrl(store) : void 0,
  sharedOptions: [
    "bucket",
    "region",
    "endpoint_url",
    "use_path_style",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "prefix",
    "blobs_prefix",
    "manifests_prefix"
  ],
  exportOptions: ["ignore-error", "touch_refresh", "upload_parallelism"],
  secretOptions: ["access_key_id", "secret_access_key", "session_token"],
  requiredOptions: ["bucket", "region"],
  optionsFromEnv: awsCredentialsFromEnv
});

// src/backends/index.ts
var BACKENDS = Object.fromEntries(
  [gha, registry, inline, local, s3, azblob].map((backend) => [backend.name, backend])
);
function backendOfSpec(spec) {
  return BACKENDS[attribute(spec, "type") ?? ""];
}

export {
  attribute,
  scopeId,
  encodeKeyPath,
  azblobManifestUrl,
  shortHash,
  safeName,
  imageRepository,
  splitImageRef,
  registryBaseUrl,
  imagePath,
  platformsName,
  s3ManifestUrl,
  BACKENDS,
  backendOfSpec
};
