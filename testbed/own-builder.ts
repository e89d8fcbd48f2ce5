// A small buildkitd of a test's own (the bed's binary, its own --root and socket) and a buildx
// remote builder for it in a private copy of the bed's DOCKER_CONFIG: a test that breaks its
// cache traffic on purpose (testbed/fault-proxy.ts) never slows the builds of other tests.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { type TestbedEnv, toolEnv } from './env.js'

const run = promisify(execFile)

/** Every own buildkitd still running: stopOwnBuilders() ends them (a test's afterAll, even after a failed or timed-out cell). */
const live = new Set<() => Promise<void>>()

export async function stopOwnBuilders(): Promise<void> {
  await Promise.allSettled([...live].map(stop => stop()))
}

export interface OwnBuilder {
  /** buildx builder name (remote driver), known in `dockerConfig` only. */
  name: string
  /** unix://<socket>: the BuildKit address (an envd context points at it). */
  address: string
  dockerConfig: string
  /** toolEnv with the private DOCKER_CONFIG. */
  env: NodeJS.ProcessEnv
  log: string
  prune(): Promise<void>
  stop(): Promise<void>
}

/** `registries`: host:port of plain-HTTP registries it talks to (the bed's is always added). */
export async function startOwnBuilder(bed: TestbedEnv, label: string, registries: string[] = []): Promise<OwnBuilder> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `own-bk-${label}-`))
  const sock = path.join(dir, 'buildkitd.sock')
  const config = path.join(dir, 'buildkitd.toml')
  writeFileSync(config, [bed.registry, ...registries].map(r => `[registry."${r}"]\n  http = true\n  insecure = true\n`).join(''))
  const dockerConfig = path.join(dir, 'docker-config')
  cpSync(bed.dockerConfig, dockerConfig, { recursive: true, verbatimSymlinks: true })
  const env = { ...toolEnv(bed), DOCKER_CONFIG: dockerConfig }
  const log = path.join(dir, 'buildkitd.log')
  const out = openSync(log, 'a')
  const child: ChildProcess = spawn(
    'buildkitd',
    ['--root', path.join(dir, 'root'), '--config', config, '--addr', `unix://${sock}`, '--oci-worker=true', '--containerd-worker=false'],
    { env, stdio: ['ignore', out, out], detached: true }
  )
  const stopProcess = async () => {
    if (child.exitCode !== null || !child.pid) return
    const gone = new Promise(resolve => child.once('exit', resolve))
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      return
    }
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 5000)
    await gone
    clearTimeout(timer)
  }
  live.add(stopProcess)
  child.once('exit', () => live.delete(stopProcess))
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      await run('buildctl', ['--addr', `unix://${sock}`, 'debug', 'workers'], { env })
      break
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await stopProcess()
        throw new Error(`buildkitd ${label} did not start: ${(error as Error).message} (log: ${log})`)
      }
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }
  const name = `own-${label}`.replace(/[^A-Za-z0-9_-]/g, '-')
  await run('docker', ['buildx', 'create', '--name', name, '--driver', 'remote', `unix://${sock}`], { env })
  return {
    name,
    address: `unix://${sock}`,
    dockerConfig,
    env,
    log,
    prune: async () => {
      await run('docker', ['buildx', 'prune', '--builder', name, '-af'], { env })
    },
    stop: async () => {
      await stopProcess()
      try {
        rmSync(dir, { recursive: true, force: true })
      } catch {
        // a snapshot still mounted: left for the OS temp cleanup
      }
    }
  }
}
