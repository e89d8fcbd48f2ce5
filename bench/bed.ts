// The bench's hold on the test bed: starts it as the jest global setup does (install.sh, then
// up.sh, both idempotent), takes a lease so no other run's teardown stops it meanwhile, and
// on release stops it only when this run started it, TESTBED_KEEP is unset and no other
// lease is alive (down.sh with TESTBED_IF_UNUSED=1).
//
// It also starts a private buildkitd (the bed's binary, its own root and socket) behind a
// buildx builder with the remote driver: other runs on the same bed prune the shared
// builders at will, which would turn a "warm" build cold in the middle of a measurement, and
// this bench prunes its own builder without touching anyone else's state. The remote driver
// behaves as the docker-container builder docker/setup-buildx-action creates on a runner.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type TestbedEnv, testbedStateDir, toolEnv } from '../testbed/env.js'

const run = promisify(execFile)
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

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

export interface BedLease {
  wasUp: boolean
  release(): void
}

/** install.sh + up.sh (quiet; log in <state>/logs/bench-setup.log), then a lease on the bed. */
export async function acquireBed(): Promise<BedLease> {
  const state = testbedStateDir()
  const wasUp = bedRunning(state)
  mkdirSync(path.join(state, 'leases'), { recursive: true })
  mkdirSync(path.join(state, 'logs'), { recursive: true })
  const lease = path.join(state, 'leases', String(process.pid))
  writeFileSync(lease, new Date().toISOString() + '\n')
  const logFile = path.join(state, 'logs', 'bench-setup.log')
  const log = createWriteStream(logFile, { flags: 'w' })
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', ['-c', 'bash testbed/install.sh && bash testbed/up.sh'], { cwd: repo, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.pipe(log, { end: false })
    child.stderr.pipe(log, { end: false })
    child.on('error', reject)
    child.on('close', c => resolve(c ?? 1))
  })
  await new Promise<void>(resolve => log.end(resolve))
  if (code !== 0) {
    rmSync(lease, { force: true })
    throw new Error(`test bed setup failed (exit ${code}); see ${logFile}`)
  }
  return {
    wasUp,
    release() {
      rmSync(lease, { force: true })
      if (process.env.TESTBED_KEEP === '1' || wasUp) return
      spawnSync('bash', ['testbed/down.sh'], {
        cwd: repo,
        env: { ...process.env, TESTBED_IF_UNUSED: '1', TESTBED_LEASE: String(process.pid) },
        stdio: 'ignore'
      })
    }
  }
}

export interface PrivateBuilder {
  name: string
  stop(): Promise<void>
}

/** A buildkitd of the bench's own, reached through a buildx builder (remote driver). */
export async function startPrivateBuilder(bed: TestbedEnv, nonce: string): Promise<PrivateBuilder> {
  const env = toolEnv(bed)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-buildkitd-'))
  const sock = path.join(dir, 'buildkitd.sock')
  const name = `bench-${nonce}`
  const logFd = createWriteStream(path.join(dir, 'buildkitd.log'))
  await new Promise(resolve => logFd.on('open', resolve))
  const child: ChildProcess = spawn(
    'buildkitd',
    [
      '--root', path.join(dir, 'root'),
      '--config', path.join(bed.state, 'buildkit', 'buildkitd.toml'),
      '--addr', `unix://${sock}`,
      '--oci-worker=true', '--containerd-worker=false'
    ],
    { env, stdio: ['ignore', logFd, logFd] }
  )
  const deadline = Date.now() + 20000
  for (;;) {
    try {
      await run('buildctl', ['--addr', `unix://${sock}`, 'debug', 'workers'], { env })
      break
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`private buildkitd did not start (log: ${dir}/buildkitd.log): ${(error as Error).message}`)
      await new Promise(r => setTimeout(r, 200))
    }
  }
  await run('docker', ['buildx', 'create', '--name', name, '--driver', 'remote', `unix://${sock}`], { env })
  await run('docker', ['buildx', 'inspect', '--bootstrap', name], { env })
  let stopped = false
  return {
    name,
    async stop() {
      if (stopped) return
      stopped = true
      await run('docker', ['buildx', 'rm', name], { env }).catch(() => undefined)
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise<void>(resolve => {
          const t = setTimeout(() => {
            child.kill('SIGKILL')
            resolve()
          }, 10000)
          child.on('exit', () => {
            clearTimeout(t)
            resolve()
          })
        })
      }
      logFd.end()
      // buildkitd's root holds snapshot mounts only while it runs: gone now.
      try {
        rmSync(dir, { recursive: true, force: true })
      } catch {
        /* a mount left behind: the temp dir stays */
      }
    }
  }
}
