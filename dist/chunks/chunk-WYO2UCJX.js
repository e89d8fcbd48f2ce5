import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  InputError
} from "./chunk-X7FFRMN5.js";
import {
  decodeSpec
} from "./chunk-A2ZEUCOF.js";
import {
  safeName
} from "./chunk-UTIKCLHM.js";

// src/core/cache-mounts.ts
var PLATFORM_ARGS = [
  "BUILDPLATFORM",
  "BUILDOS",
  "BUILDOSVERSION",
  "BUILDARCH",
  "BUILDVARIANT",
  "TARGETPLATFORM",
  "TARGETOS",
  "TARGETOSVERSION",
  "TARGETARCH",
  "TARGETVARIANT"
];
var MOUNT_TYPES = ["bind", "cache", "tmpfs", "secret", "ssh"];
var SHARING = ["shared", "private", "locked"];
var MAX_UINT32 = 4294967295;
var SPACE = /[ \t\n\v\f\r]/;
var Refused = class extends Error {
};
var lookup = (env, name) => env.vars.has(name) ? env.vars.get(name) : env.complete ? void 0 : null;
function expand(word, env, escapeChar, unresolved) {
  let i = 0;
  const name = () => {
    const match = /^(?:\d+|[@*#?\-$!0]|[\p{L}\p{N}_]*)/u.exec(word.slice(i))[0];
    i += match.length;
    return match;
  };
  const known = (variable, start) => {
    const value = lookup(env, variable);
    if (value !== null) return value ?? "";
    unresolved.add(variable);
    return word.slice(start, i);
  };
  const dollar = () => {
    const start = i++;
    if (word[i] !== "{") {
      const variable2 = name();
      return variable2 === "" ? "$" : known(variable2, start);
    }
    i++;
    if (i >= word.length || "{}:".includes(word[i])) throw new Refused("bad substitution");
    const variable = name();
    let op = word[i++];
    if (op === "}") return known(variable, start);
    if (op === "/") {
      until("/");
      until("}");
      unresolved.add(variable);
      return word.slice(start, i);
    }
    const colon = op === ":";
    if (colon) op = word[i++];
    if (op === void 0 || !"+-?#%".includes(op) || colon && "#%".includes(op)) throw new Refused("bad substitution");
    const alternative = until("}");
    const value = lookup(env, variable);
    if (value === null || "#%".includes(op)) {
      unresolved.add(variable);
      return word.slice(start, i);
    }
    const empty = value === void 0 || colon && value === "";
    if (op === "-") return empty ? alternative : value;
    if (op === "+") return empty ? "" : alternative;
    if (empty) throw new Refused(`${variable} is not set`);
    return value;
  };
  const doubleQuoted = () => {
    let out = "";
    i++;
    for (; ; ) {
      if (i >= word.length) throw new Refused("unclosed double quote");
      const c = word[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c === "$") {
        out += dollar();
        continue;
      }
      i++;
      if (c === escapeChar && ['"', "$", escapeChar].includes(word[i])) out += word[i++];
      else if (c !== escapeChar || i < word.length) out += c;
    }
  };
  const until = (stop) => {
    let out = "";
    while (i < word.length) {
      const c = word[i];
      if (c === stop) {
        i++;
        return out;
      }
      if (c === "$") out += dollar();
      else if (c === '"') out += doubleQuoted();
      else if (c === "'") {
        const end = word.indexOf("'", i + 1);
        if (end < 0) throw new Refused("unclosed single quote");
        out += word.slice(i + 1, end);
        i = end + 1;
      } else {
        i += c === escapeChar ? 2 : 1;
        out += word[i - 1] ?? "";
      }
    }
    if (stop !== void 0) throw new Refused(`no closing ${stop}`);
    return out;
  };
  return until();
}
function wordValue(word, env, escapeChar) {
  const unresolved = /* @__PURE__ */ new Set();
  try {
    const value = expand(word, env, escapeChar, unresolved);
    return unresolved.size ? null : value;
  } catch {
    return null;
  }
}
function rawWords(text, escapeChar, heredocs = false) {
  const words = [];
  let word = "";
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      word += c;
      if (c === quote) quote = "";
      else if (c === escapeChar && quote === '"' && i + 1 < text.length) word += text[++i];
    } else if (SPACE.test(c)) {
      if (word) words.push(word);
      word = "";
    } else if (c === escapeChar) {
      if (i + 1 < text.length) word += c + text[++i];
    } else if (heredocs && text.startsWith("<<", i)) {
      const spaces = /^<<[ \t]*/.exec(text.slice(i))[0];
      word += spaces;
      i += spaces.length - 1;
    } else {
      if (c === "'" || c === '"') quote = c;
      word += c;
    }
  }
  if (word) words.push(word);
  return words;
}
function splitFlags(rest, escapeChar) {
  const flags = [];
  let pos = 0;
  for (; ; ) {
    while (pos < rest.length && SPACE.test(rest[pos])) pos++;
    if (!rest.startsWith("--", pos)) return { flags, args: rest.slice(pos) };
    let word = "";
    let quote = "";
    let quoted = false;
    for (; pos < rest.length; pos++) {
      let c = rest[pos];
      if (!quote && SPACE.test(c)) break;
      if (quote ? c === quote : c === "'" || c === '"') {
        quote = quote ? "" : c;
        quoted = true;
        continue;
      }
      if (c === escapeChar) {
        if (++pos === rest.length) break;
        c = rest[pos];
      }
      word += c;
    }
    if (word === "--") return { flags, args: rest.slice(pos) };
    if (word || quoted) flags.push(word);
  }
}
function instructionOf(line, escapeChar) {
  const [, keyword, rest = ""] = /^(\S+)(?:[ \t\v\f\r]+([\s\S]*))?$/.exec(line.trim()) ?? ["", "", ""];
  return { keyword: keyword.toLowerCase(), ...splitFlags(rest, escapeChar) };
}
function heredocsOf(line, instruction, escapeChar) {
  const inner = instruction.keyword === "onbuild" ? instructionOf(instruction.args, escapeChar) : instruction;
  if (!["run", "copy", "add"].includes(inner.keyword) || !line.includes("<<")) return [];
  const docs = [];
  for (const word of rawWords(line, "\\", true)) {
    const match = /^\d*<<(-?)\s*([^<]*)$/.exec(word);
    if (!match || match[2] === "") continue;
    try {
      docs.push({ name: expand(match[2], { vars: /* @__PURE__ */ new Map(), complete: false }, "\\", /* @__PURE__ */ new Set()), chomp: match[1] === "-" });
    } catch {
    }
  }
  return docs;
}
function instructionsOf(dockerfile) {
  const lines = dockerfile.replace(/^\uFEFF/, "").split("\n").map((line) => line.replace(/[\r\n]+$/, ""));
  let escapeChar = "\\";
  let directives = true;
  let continuation = /([^\\])\\[ \t]*$|^\\[ \t]*$/;
  const isComment = (line) => line.trimStart().startsWith("#");
  const instructions = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i++].trimStart();
    if (directives) {
      const directive = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(first);
      const name = directive?.[1].toLowerCase();
      if (name === "escape" && (directive[2] === "`" || directive[2] === "\\")) {
        escapeChar = directive[2];
        const e = `\\${escapeChar}`;
        continuation = new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
      }
      if (name === "escape" || name === "syntax" || name === "check") continue;
      directives = false;
    }
    if (isComment(first) || first.trim() === "") continue;
    let line = "";
    let next = first;
    for (; ; ) {
      const continued = continuation.test(next);
      line += continued ? next.replace(continuation, "$1") : next;
      if (!continued) break;
      next = lines[i++];
      while (next !== void 0 && (isComment(next) || next.trim() === "")) next = lines[i++];
      if (next === void 0) break;
    }
    const instruction = instructionOf(line, escapeChar);
    for (const { name, chomp } of heredocsOf(line, instruction, escapeChar)) {
      while (i < lines.length && (chomp ? lines[i].replace(/^\t+/, "") : lines[i]) !== name) i++;
      i++;
    }
    instructions.push(instruction);
  }
  return { escapeChar, instructions };
}
function cleanPath(path) {
  const rooted = path.startsWith("/");
  const parts = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") parts.push(part);
    else if (parts.length && parts[parts.length - 1] !== "..") parts.pop();
    else if (!rooted) parts.push("..");
  }
  return rooted ? `/${parts.join("/")}` : parts.join("/") || ".";
}
var parseBool = (value) => /^(1|t|T|TRUE|true|True)$/.test(value) ? true : /^(0|f|F|FALSE|false|False)$/.test(value) ? false : void 0;
var parseId = (value) => /^\d+$/.test(value) && Number(value) <= MAX_UINT32 ? Number(value) : void 0;
var parseMode = (value) => /^[0-7]+$/.test(value) && Number.parseInt(value, 8) <= MAX_UINT32 ? Number.parseInt(value, 8) : void 0;
var parseSharing = (value) => SHARING.find((s) => s === value.toLowerCase());
function cacheMount({ id, ...fields }) {
  const key = id || cleanPath(fields.target);
  const mount = { key, name: safeName(key), sharing: "shared", readonly: false, ...fields };
  for (const field of Object.keys(mount)) if (mount[field] === void 0) delete mount[field];
  return mount;
}
function parseMount(spec, env, escapeChar) {
  const unresolvedIn = /* @__PURE__ */ new Map();
  let type = "bind";
  let readonly = false;
  const fields = {};
  for (const [rawKey, rawValue] of decodeSpec(spec)) {
    const key = rawKey.toLowerCase();
    const flag = rawValue === "" && ["readonly", "ro", "readwrite", "rw"].includes(key);
    const unresolved2 = /* @__PURE__ */ new Set();
    const value = flag ? "true" : expand(rawValue, env, escapeChar, unresolved2);
    const known = unresolved2.size === 0;
    if (!known) unresolvedIn.set(["target", "dst", "destination"].includes(key) ? "target" : key, unresolved2);
    const valid = (parsed) => {
      if (known && parsed === void 0) throw new Refused(`invalid ${key}`);
      return parsed;
    };
    if (key === "type") {
      if (!known || !MOUNT_TYPES.includes(value.toLowerCase())) return void 0;
      type = value.toLowerCase();
    } else if (key === "id") fields.id = value;
    else if (["target", "dst", "destination"].includes(key)) fields.target = value;
    else if (key === "from") fields.from = value;
    else if (key === "source" || key === "src") fields.source = value;
    else if (key === "readonly" || key === "ro") readonly = valid(parseBool(value)) ?? readonly;
    else if (key === "readwrite" || key === "rw") readonly = !(valid(parseBool(value)) ?? !readonly);
    else if (key === "sharing") fields.sharing = valid(parseSharing(value));
    else if (key === "uid") fields.uid = valid(parseId(value));
    else if (key === "gid") fields.gid = valid(parseId(value));
    else if (key === "mode") fields.mode = valid(parseMode(value));
    else if (key !== "env") throw new Refused(`unexpected key ${key}`);
  }
  if (type !== "cache" || !fields.target) return void 0;
  const unresolved = [...unresolvedIn].filter(([key]) => !["readonly", "ro", "readwrite", "rw", "env"].includes(key) && !(key === "target" && fields.id)).flatMap(([, variables]) => [...variables]);
  return cacheMount({ ...fields, target: fields.target, readonly, unresolved: unresolved.length ? [...new Set(unresolved)] : void 0 });
}
function flagValue(flag, name) {
  return flag.startsWith(`--${name}=`) ? flag.slice(name.length + 3) : void 0;
}
function declareArgs(instruction, env, global, buildArgs, escapeChar) {
  for (const word of rawWords(instruction.args, escapeChar)) {
    const eq = word.indexOf("=");
    const name = eq < 0 ? word : word.slice(0, eq);
    if (Object.hasOwn(buildArgs, name)) env.vars.set(name, buildArgs[name]);
    else if (eq >= 0) env.vars.set(name, wordValue(word.slice(eq + 1), env, escapeChar));
    else if (global.vars.has(name)) env.vars.set(name, global.vars.get(name));
  }
}
function declareEnv(instruction, env, escapeChar) {
  const words = rawWords(instruction.args, escapeChar);
  if (!words.length) return;
  if (!words[0].includes("=")) {
    const [name, value = ""] = instruction.args.trim().split(/[ \t\v\f\r]+([\s\S]*)/);
    env.vars.set(name, wordValue(value, env, escapeChar));
    return;
  }
  const values = words.map(
    (word) => [word.slice(0, word.indexOf("=")), wordValue(word.slice(word.indexOf("=") + 1), env, escapeChar)]
  );
  for (const [name, value] of values) env.vars.set(name, value);
}
function reachedStages(instructions, target, buildArgs, escapeChar) {
  const stages = [];
  const byName = /* @__PURE__ */ new Map();
  const global = { vars: /* @__PURE__ */ new Map(), complete: true };
  for (const name of PLATFORM_ARGS) global.vars.set(name, buildArgs[name] ?? null);
  global.vars.set("TARGETSTAGE", buildArgs.TARGETSTAGE ?? (target || lastStageName(instructions) || "default"));
  for (const instruction of instructions) {
    if (instruction.keyword === "from") {
      const [image, as, name] = instruction.args.trim().split(/[ \t\v\f\r]+/);
      const base = wordValue(image, global, escapeChar) ?? image;
      const stageName = as?.toLowerCase() === "as" && name ? name.toLowerCase() : void 0;
      stages.push({ name: stageName, base: byName.get(base) ?? base, instructions: [] });
      if (stageName) byName.set(stageName, stages.length - 1);
    } else if (stages.length) stages[stages.length - 1].instructions.push(instruction);
    else if (instruction.keyword === "arg") declareArgs(instruction, global, { vars: /* @__PURE__ */ new Map(), complete: true }, buildArgs, escapeChar);
  }
  const start = target === void 0 ? stages.length - 1 : byName.get(target.toLowerCase());
  const reached = /* @__PURE__ */ new Set();
  const visit = (index) => {
    if (reached.has(index)) return;
    reached.add(index);
    for (const dep of dependencies(stages[index], byName)) if (dep < stages.length) visit(dep);
  };
  if (start !== void 0 && start >= 0) visit(start);
  return { stages, reached: [...reached].sort((a, b) => a - b), global };
}
function lastStageName(instructions) {
  const froms = instructions.filter((i) => i.keyword === "from").map((i) => i.args.trim().split(/[ \t\v\f\r]+/));
  const last = froms[froms.length - 1];
  return last?.[1]?.toLowerCase() === "as" ? last[2]?.toLowerCase() : void 0;
}
function dependencies(stage, byName) {
  const deps = typeof stage.base === "number" ? [stage.base] : [];
  for (const instruction of stage.instructions) {
    for (const flag of instruction.flags) {
      if (instruction.keyword === "copy") {
        const from = flagValue(flag, "from");
        const dep = from === void 0 ? void 0 : /^\d+$/.test(from) ? Number(from) : byName.get(from.toLowerCase());
        if (dep !== void 0) deps.push(dep);
      } else if (instruction.keyword === "run") {
        const from = decodeSpec(flagValue(flag, "mount") ?? "").find(([key]) => key.toLowerCase() === "from")?.[1];
        const dep = from === void 0 ? void 0 : byName.get(from.toLowerCase());
        if (dep !== void 0) deps.push(dep);
      }
    }
  }
  return deps;
}
function mergeByKey(mounts) {
  const byKey = /* @__PURE__ */ new Map();
  const show = (field, value) => value === void 0 ? "unset" : field === "mode" ? `0${value.toString(8)}` : String(value);
  for (const mount of mounts) {
    const first = byKey.get(mount.key);
    if (!first) {
      byKey.set(mount.key, mount);
      continue;
    }
    for (const field of ["sharing", "uid", "gid", "mode", "from", "source"]) {
      if (first[field] === mount[field]) continue;
      const conflict = `${field}: ${show(field, first[field])}, then ${show(field, mount[field])}`;
      if (!first.conflicts?.includes(conflict)) first.conflicts = [...first.conflicts ?? [], conflict];
    }
    if (mount.unresolved) first.unresolved = [.../* @__PURE__ */ new Set([...first.unresolved ?? [], ...mount.unresolved])];
  }
  return [...byKey.values()];
}
function cacheMountsOf(dockerfile, target, buildArgs = {}) {
  const { escapeChar, instructions } = instructionsOf(dockerfile);
  const { stages, reached, global } = reachedStages(instructions, target, buildArgs, escapeChar);
  const envs = /* @__PURE__ */ new Map();
  const mounts = [];
  for (const index of reached) {
    const stage = stages[index];
    const base = typeof stage.base === "number" ? envs.get(stage.base) : void 0;
    const env = base ? { vars: new Map(base.vars), complete: base.complete } : { vars: /* @__PURE__ */ new Map(), complete: stage.base === "scratch" };
    envs.set(index, env);
    for (const instruction of stage.instructions) {
      if (instruction.keyword === "arg") declareArgs(instruction, env, global, buildArgs, escapeChar);
      else if (instruction.keyword === "env") declareEnv(instruction, env, escapeChar);
      else if (instruction.keyword === "run") {
        for (const spec of instruction.flags.map((flag) => flagValue(flag, "mount"))) {
          if (spec === void 0) continue;
          try {
            const mount = parseMount(spec, env, escapeChar);
            if (mount) mounts.push(mount);
          } catch (error) {
            if (!(error instanceof Refused)) throw error;
          }
        }
      }
    }
  }
  return mergeByKey(mounts);
}
var refuse = (reason) => InputError.refusing({ input: "cache-mounts", reason });
function listedMounts(line) {
  if (!line.includes("=")) {
    return line.split(",").map((path) => path.trim()).filter(Boolean).map((path) => {
      if (path.startsWith("/")) return cacheMount({ target: path });
      throw refuse(
        `${JSON.stringify(path)} is not auto, off, an absolute path or id=...,target=... (e.g. "id=gomod,target=/go/pkg/mod").`
      );
    });
  }
  const fields = {};
  for (const [rawKey, rawValue] of decodeSpec(line)) {
    const [key, value] = [rawKey.trim().toLowerCase(), rawValue.trim()];
    const attribute = key === "dst" || key === "destination" ? "target" : key;
    const setting = JSON.stringify(`${key}=${value}`);
    if (!["type", "id", "target", "sharing", "uid", "gid", "mode"].includes(attribute)) {
      throw refuse(`${JSON.stringify(rawKey.trim())} is not an attribute of a cache mount; use id, target, sharing, uid, gid and mode.`);
    }
    if (value === "") throw refuse(`${JSON.stringify(key)} is empty; give it a value or leave it out.`);
    if (attribute === "type") {
      if (value.toLowerCase() !== "cache") throw refuse(`${setting}: only cache mounts are carried.`);
      continue;
    }
    if (attribute in fields) throw refuse(`${JSON.stringify(attribute)} is given twice.`);
    if (attribute === "id" || attribute === "target") fields[attribute] = value;
    else if (attribute === "sharing") fields.sharing = parseSharing(value) ?? fail(`${setting} is not shared, private or locked.`);
    else if (attribute === "mode") fields.mode = parseMode(value) ?? fail(`${setting} is not an octal mode (e.g. 0755).`);
    else fields[attribute] = parseId(value) ?? fail(`${setting} is not a number (a decimal ${attribute}).`);
  }
  if (fields.target === void 0) {
    throw refuse(`${JSON.stringify(line)} has no target: give the path the Dockerfile mounts it at, e.g. "id=gomod,target=/go/pkg/mod".`);
  }
  return [cacheMount({ ...fields, target: fields.target })];
}
function fail(reason) {
  throw refuse(reason);
}
function parseCacheMountsInput(value) {
  const text = value.trim();
  if (text === "" || text === "auto") return "auto";
  if (text === "off") return "off";
  const mounts = [];
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  for (const mount of lines.flatMap(listedMounts)) {
    if (mounts.some((other) => other.key === mount.key)) {
      throw refuse(`${JSON.stringify(mount.key)} is listed twice: mounts with one id, or one target and no id, are one cache.`);
    }
    mounts.push(mount);
  }
  return mounts;
}

export {
  cacheMountsOf,
  parseCacheMountsInput
};
