/**
 * The `secrets` values on disk for as long as the build runs, and nowhere else: each in a file
 * only the runner's user may read, never on a command line.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import * as core from '@actions/core'
import { InputError } from '../core/input-error.js'
import { type Plan, secretMasks } from '../core/plan.js'
import { STATE } from '../core/state.js'

/**
 * Masks what each `secret-files` file holds, as the values of `secrets` and `secret-envs` are.
 * A file that cannot be read is an input error, before anything runs.
 */
export async function maskSecretFiles(p: Plan): Promise<void> {
  const written = new Set(p.secretFiles?.files.map(file => file.path))
  for (const secret of p.request.secrets) {
    if (!('file' in secret) || written.has(secret.file)) continue
    const content = await readFile(secret.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw InputError.refusing({ input: 'secret-files', reason: `secret "${secret.id}": cannot read ${secret.file} (${error.code}).` })
    })
    for (const mask of secretMasks(content)) core.setSecret(mask)
  }
}

/**
 * Writes each `secrets` value to its file: mode 0600 in a directory of mode 0700, made afresh (a
 * directory left by an earlier run of this step is not trusted to be the runner user's alone).
 * The post step removes the directory, should this step die before removeSecretFiles.
 */
export async function writeSecretFiles(p: Plan): Promise<void> {
  if (!p.secretFiles) return
  core.saveState(STATE.secretFiles, p.secretFiles.dir)
  await rm(p.secretFiles.dir, { recursive: true, force: true })
  await mkdir(p.secretFiles.dir, { mode: 0o700 })
  for (const { path, value } of p.secretFiles.files) await writeFile(path, value, { mode: 0o600, flag: 'wx' })
}

export async function removeSecretFiles(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true })
}
