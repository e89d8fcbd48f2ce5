// Bundles the action into dist/: ESM entry points for main and post plus the chunks they
// share or load on demand, with every dependency inside, because the runner runs dist/ as
// checked out, without node_modules. Code only some runs need (@actions/cache for the local
// backend, the GitHub API client) sits in chunks loaded by dynamic import(), so a step that
// does not need it does not pay for parsing it.
import { build } from 'esbuild'
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = fileURLToPath(new URL('../dist', import.meta.url))
const result = await build({
  entryPoints: { index: 'src/main.ts', post: 'src/post.ts' },
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  write: false,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  // Some bundled dependencies are CommonJS and call require() for Node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
})

// Each file is replaced by a rename, so a run that starts while dist/ is rebuilt never reads
// a half-written or missing file; files of an earlier build that are no longer produced go.
const written = new Set()
for (const file of result.outputFiles) {
  await mkdir(path.dirname(file.path), { recursive: true })
  await writeFile(`${file.path}.tmp`, file.contents)
  await rename(`${file.path}.tmp`, file.path)
  written.add(file.path)
}
for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
  const file = path.join(entry.parentPath, entry.name)
  if (entry.isFile() && !written.has(file)) await rm(file)
}
