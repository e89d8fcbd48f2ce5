import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);

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
function imagePath(image) {
  return splitRegistryHost(imageRepository(image)).path;
}
function platformsName(platforms) {
  const sorted = [...new Set(platforms.map((p) => p.trim()).filter(Boolean))].sort();
  const parts = sorted.map((platform) => platform.split("/"));
  const readable = parts.every((p) => p.every((part) => /^[a-z0-9]+$/.test(part)));
  return safeName(readable ? parts.map((p) => p.join("-")).join(".") : sorted.join(","));
}

export {
  shortHash,
  safeName,
  joinNames,
  imageRepository,
  splitRegistryHost,
  imagePath,
  platformsName
};
