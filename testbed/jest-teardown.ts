// Jest globalTeardown for the test-bed project: stops everything testbed/up.sh started,
// unless TESTBED_KEEP=1 (then the bed stays up for the next run or for inspection), the bed
// was already up when this run started, or another jest run still uses it (see the leases
// written by jest-setup.ts).
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export default async function teardown(): Promise<void> {
  const state = path.resolve(process.env.TESTBED_STATE || path.join(repo, '.testbed'))
  rmSync(path.join(state, 'leases', String(process.pid)), { force: true })
  if (process.env.TESTBED_KEEP === '1') {
    process.stdout.write('[testbed] TESTBED_KEEP=1: leaving the bed running (bash testbed/down.sh stops it)\n')
    return
  }
  if (process.env.TESTBED_WAS_UP === '1') {
    process.stdout.write('[testbed] the bed was up before this run: leaving it running\n')
    return
  }
  // Stops the bed unless another jest run still holds a lease on it.
  const r = spawnSync('bash', ['testbed/down.sh'], {
    cwd: repo,
    env: { ...process.env, TESTBED_IF_UNUSED: '1', TESTBED_LEASE: String(process.pid) },
    encoding: 'utf8'
  })
  if (r.status !== 0) {
    process.stdout.write(`[testbed] down.sh exited ${r.status}:\n${r.stdout ?? ''}${r.stderr ?? ''}\n`)
    throw new Error(`test bed teardown failed (exit ${r.status})`)
  }
  const last = (r.stderr ?? '').trim().split('\n').pop() ?? ''
  process.stdout.write(`[testbed] ${last.replace(/^\[down\] /, '')}\n`)
}
