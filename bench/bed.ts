// The bench's hold on the test bed: the same lease as a jest run's.
//
// It also starts a private buildkitd (the bed's binary, its own root and socket) behind a
// buildx builder with the remote driver: other runs on the same bed prune the shared
// builders at will, which would turn a "warm" build cold in the middle of a measurement, and
// this bench prunes its own builder without touching anyone else's state. The remote driver
// behaves as the docker-container builder docker/setup-buildx-action creates on a runner.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type TestbedEnv, toolEnv } from '../testbed/env.js'
import setup from '../testbed/jest-setup.js'
import teardown from '../testbed/jest-teardown.js'

const run = promisify(execFile)
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The test bed as a jest run holds it (install.sh + up.sh, and a lease): the bench calls the
 * jest global setup and teardown themselves, so both share one set of rules.
 */
export async function acquireBed(): Promise<{ release(): Promise<void> }> {
  await setup()
  return { release: () => teardown() }
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
      '--root',
      path.join(dir, 'root'),
      '--config',
      path.join(bed.state, 'buildkit', 'buildkitd.toml'),
      '--addr',
      `unix://${sock}`,
      '--oci-worker=true',
      '--containerd-worker=false'
    ],
    { env, stdio: ['ignore', logFd, logFd] }
  )
  const deadline = Date.now() + 20000
  for (;;) {
    try {
      await run('buildctl', ['--addr', `unix://${sock}`, 'debug', 'workers'], { env })
      break
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`private buildkitd did not start (log: ${dir}/buildkitd.log): ${(error as Error).message}`)
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
