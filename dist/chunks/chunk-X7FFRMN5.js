import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  formatBytes
} from "./chunk-AUCYMPWF.js";

// src/core/input-error.ts
var InputError = class _InputError extends Error {
  static refusing({ input, reason }) {
    return new _InputError(`Input "${input}": ${reason}`);
  }
};

// src/core/mount-carry.ts
import { join } from "node:path";
var MOUNT_KEY_PREFIX = "buildkit-mount-";
function mountKeyPrefix(name, scopeId) {
  return `${MOUNT_KEY_PREFIX}${name}--${scopeId}#`;
}
function ownedMountKeys(scopeId) {
  return {
    prefix: MOUNT_KEY_PREFIX,
    matches: (key) => {
      if (!key.startsWith(MOUNT_KEY_PREFIX)) return false;
      const rest = key.slice(MOUNT_KEY_PREFIX.length);
      const scopeStart = rest.indexOf("--") + 2;
      return scopeStart > 1 && rest.slice(scopeStart, rest.indexOf("#")) === scopeId;
    }
  };
}
var PLAIN_KEY = /^[A-Za-z0-9_./@:+-]+$/;
function notCarried(mount) {
  if (mount.from !== void 0) return `it starts from ${JSON.stringify(mount.from)}, which the build makes`;
  if (mount.unresolved?.length) return `its key or settings use ${mount.unresolved.join(", ")}, which only the build knows`;
  if (!PLAIN_KEY.test(mount.key)) return "its key holds characters the action does not write into a Dockerfile";
  return void 0;
}
function carriedMounts(carry, mounts) {
  const carried = [];
  const skipped = [];
  const keyScope = carry.own ?? carry.chain[0] ?? "none";
  for (const mount of mounts) {
    const reason = notCarried(mount);
    if (reason) {
      skipped.push({ key: mount.key, reason });
      continue;
    }
    carried.push({
      mount,
      key: `${mountKeyPrefix(mount.name, keyScope)}${carry.sha}`,
      restoreKeys: carry.chain.map((scope) => mountKeyPrefix(mount.name, scope)),
      dir: join(carry.root, mount.name)
    });
  }
  return { carried, skipped };
}
function restoredScope(carry, carried, restoredKey) {
  const index = carried.restoreKeys.findIndex((prefix) => restoredKey.startsWith(prefix));
  return index < 0 ? void 0 : carry.chain[index];
}
function mountSaveDecision(carry, carried, restored, extracted) {
  if (!carry.save) return { save: false, reason: carry.noSave ?? "this run does not save" };
  if (extracted.oversize || extracted.bytes > carry.maxBytes) {
    const reason = `${formatBytes(extracted.bytes)} is over cache-mounts-max-size (${formatBytes(carry.maxBytes)})`;
    return { save: false, reason, notice: `Cache mount ${carried.mount.key} not saved: ${reason}.` };
  }
  if (!extracted.entries) return { save: false, reason: "empty" };
  if (restored.digest !== void 0 && restored.digest === extracted.digest)
    return { save: false, reason: `unchanged since restored from ${restored.key}` };
  if (restored.key === carried.key) return { save: false, reason: `${carried.key} is already saved (a key is written once)` };
  return { save: true };
}
function mountFlag(mount, target) {
  const fields = [
    "type=cache",
    `id=${mount.key}`,
    `target=${target}`,
    `sharing=${mount.sharing}`,
    ...mount.uid !== void 0 ? [`uid=${mount.uid}`] : [],
    ...mount.gid !== void 0 ? [`gid=${mount.gid}`] : [],
    ...mount.mode !== void 0 ? [`mode=0${mount.mode.toString(8)}`] : []
  ];
  return `--mount=${fields.join(",")}`;
}
function mountingDockerfile(image, mounts, extra, script, nonce) {
  const flags = [...mounts.map((m, i) => mountFlag(m.mount, `/m/${i}`)), extra].filter(Boolean).join(" ");
  return `FROM ${image}
RUN ${flags} ${JSON.stringify(["sh", "-c", [`: ${nonce}`, "set -e", ...script].join("\n")])}
`;
}
var KEPT = "kept the builder's own content";
function injectDockerfile(image, mounts, nonce) {
  const script = mounts.map(
    (m, i) => `if [ -n "$(ls -A /m/${i})" ]; then echo "cache mount ${m.mount.name}: ${KEPT}"; else tar -xpf /src/${m.mount.name}/mount.tar -C /m/${i}; fi`
  );
  return mountingDockerfile(image, mounts, "--mount=type=bind,source=.,target=/src", script, nonce);
}
function extractDockerfile(image, mounts, maxBytes, nonce, restoredDigests = []) {
  const maxKb = Math.floor(maxBytes / 1024);
  const script = mounts.flatMap((m, i) => {
    const out = `/out/${m.mount.name}`;
    const restored = /^[0-9a-f]{64}$/.test(restoredDigests[i] ?? "") ? restoredDigests[i] : void 0;
    return [
      `mkdir -p ${out} && cd /m/${i} && kb=$(du -sk . | cut -f1)`,
      `if [ "$kb" -gt ${maxKb} ]; then echo $((kb * 1024)) > ${out}/oversize; else`,
      `listing=$(find . -mindepth 1 -exec stat -c '%n|%F|%a|%u|%g|%N' {} + | LC_ALL=C sort)`,
      `contents=$(find . -type f -exec sha256sum {} + | LC_ALL=C sort)`,
      `digest=$(printf '%s\\n%s\\n' "$listing" "$contents" | sha256sum | cut -d' ' -f1)`,
      restored ? `[ "$digest" = ${restored} ] || tar -cf ${out}/mount.tar .` : `tar -cf ${out}/mount.tar .`,
      `echo "$digest $(find . -mindepth 1 | wc -l)" > ${out}/digest; fi`
    ];
  });
  return `${mountingDockerfile(image, mounts, "", script, nonce)}FROM scratch
COPY --from=0 /out /
`;
}
function generatedBuildArgs(carry, builder, dockerfile, context, output) {
  const namespace = carry.buildArgs.BUILDKIT_CACHE_MOUNT_NS;
  return [
    "buildx",
    "build",
    ...builder ? ["--builder", builder] : [],
    "--file",
    dockerfile,
    ...namespace !== void 0 ? ["--build-arg", `BUILDKIT_CACHE_MOUNT_NS=${namespace}`] : [],
    "--provenance=false",
    "--progress",
    "plain",
    "--output",
    output,
    context
  ];
}
function buildArgValues(lines, env) {
  const values = {};
  for (const line of lines) {
    const eq = line.indexOf("=");
    const name = eq < 0 ? line : line.slice(0, eq);
    const value = eq < 0 ? env[line] : line.slice(eq + 1);
    if (value !== void 0) values[name] = value;
  }
  return values;
}
function mountLines(carry, mounts, skipped) {
  const saving = carry.save ? "saved in the post step when changed" : `not saved: ${carry.noSave}`;
  return [
    ...mounts.map((m) => {
      const restored = !carry.restore ? `not restored (${carry.noRestore})` : m.restoredKey ? `restored from ${m.from ?? m.restoredKey} (${formatBytes(m.bytes)})` + (m.kept ? `, ${KEPT}` : m.notInjected ? ", not put into the builder (see the warning)" : "") : `nothing saved under ${carry.chain.join(", ")}`;
      return `${m.carried.mount.key}: ${restored}; ${saving}`;
    }),
    ...skipped.map((s) => `${s.key}: not carried: ${s.reason}`)
  ];
}

export {
  InputError,
  ownedMountKeys,
  carriedMounts,
  restoredScope,
  mountSaveDecision,
  KEPT,
  injectDockerfile,
  extractDockerfile,
  generatedBuildArgs,
  buildArgValues,
  mountLines
};
