// Jest globalSetup for the test-bed project: installs (idempotently) and starts every real
// part the tests build against. Output goes to <state>/logs/jest-setup.log; one short line
// per step is printed. On failure the tail of the log is printed and setup throws.
import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function stateDir(): string {
  return path.resolve(process.env.TESTBED_STATE || path.join(repo, '.testbed'))
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

/** The bed was already running (started by hand or by another run) before this run. */
function bedRunning(state: string): boolean {
  for (const name of ['dockerd', 'buildkitd']) {
    try {
      process.kill(Number(readFileSync(path.join(state, 'run', `${name}.pid`), 'utf8').trim()), 0)
    } catch {
      return false
    }
  }
  return true
}

export default async function setup(): Promise<void> {
  const state = stateDir()
  // A bed that was already up is left up by the teardown (jest-teardown.ts reads this).
  if (bedRunning(state)) process.env.TESTBED_WAS_UP = '1'
  mkdirSync(path.join(state, 'logs'), { recursive: true })
  // A lease: while this jest run lives, another run's teardown leaves the bed up.
  mkdirSync(path.join(state, 'leases'), { recursive: true })
  writeFileSync(path.join(state, 'leases', String(process.pid)), `${new Date().toISOString()}\n`)
  const logFile = path.join(state, 'logs', 'jest-setup.log')
  const log = createWriteStream(logFile, { flags: 'w' })
  const started = Date.now()
  process.stdout.write(`\n[testbed] install + up (log: ${logFile})\n`)
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', ['-c', 'bash testbed/install.sh && bash testbed/up.sh'], {
      cwd: repo,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let pending = ''
    const onData = (buf: Buffer): void => {
      log.write(buf)
      pending += buf.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        // The scripts' own step lines: "[install] ..." and "[up] ...".
        if (/^\[(install|up)\]/.test(line)) process.stdout.write(`[testbed] ${line}\n`)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1)))
  })
  await new Promise<void>(resolve => log.end(resolve))
  const secs = ((Date.now() - started) / 1000).toFixed(1)
  if (code !== 0) {
    process.stdout.write(`[testbed] FAILED after ${secs} s (exit ${code}); last lines of ${logFile}:\n`)
    process.stdout.write(`${tail(logFile, 60)}\n`)
    throw new Error(`test bed setup failed (exit ${code}); see ${logFile}`)
  }
  process.stdout.write(`[testbed] ready in ${secs} s\n`)
}
