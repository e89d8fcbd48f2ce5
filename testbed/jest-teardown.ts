// Jest globalTeardown for the test-bed project: stops everything testbed/up.sh started,
// unless TESTBED_KEEP=1 (then the bed stays up for the next run or for inspection).
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export default async function teardown(): Promise<void> {
  if (process.env.TESTBED_KEEP === '1') {
    process.stdout.write('[testbed] TESTBED_KEEP=1: leaving the bed running (bash testbed/down.sh stops it)\n')
    return
  }
  const r = spawnSync('bash', ['testbed/down.sh'], { cwd: repo, env: process.env, encoding: 'utf8' })
  if (r.status !== 0) {
    process.stdout.write(`[testbed] down.sh exited ${r.status}:\n${r.stdout ?? ''}${r.stderr ?? ''}\n`)
    throw new Error(`test bed teardown failed (exit ${r.status})`)
  }
  process.stdout.write('[testbed] stopped\n')
}
