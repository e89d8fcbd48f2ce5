import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  secretMasks
} from "./chunk-ZX3MJ7GY.js";
import {
  InputError
} from "./chunk-X7FFRMN5.js";
import {
  STATE
} from "./chunk-G22OP24S.js";
import {
  saveState,
  setSecret
} from "./chunk-N3HGW3KE.js";

// src/effects/build-secrets.ts
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
async function maskSecretFiles(p) {
  const written = new Set(p.secretFiles?.files.map((file) => file.path));
  for (const secret of p.request.secrets) {
    if (!("file" in secret) || written.has(secret.file)) continue;
    const content = await readFile(secret.file, "utf8").catch((error) => {
      throw InputError.refusing({ input: "secret-files", reason: `secret "${secret.id}": cannot read ${secret.file} (${error.code}).` });
    });
    for (const mask of secretMasks(content)) setSecret(mask);
  }
}
async function writeSecretFiles(p) {
  if (!p.secretFiles) return;
  saveState(STATE.secretFiles, p.secretFiles.dir);
  await rm(p.secretFiles.dir, { recursive: true, force: true });
  await mkdir(p.secretFiles.dir, { mode: 448 });
  for (const { path, value } of p.secretFiles.files) await writeFile(path, value, { mode: 384, flag: "wx" });
}
async function removeSecretFiles(dir) {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export {
  maskSecretFiles,
  writeSecretFiles,
  removeSecretFiles
};
