// A second Docker Engine for one test file: the same binaries as the bed's, but with the
// classic image store ({"features":{"containerd-snapshotter":false}}), where buildx's docker
// driver cannot export gha, registry or local caches. It has its own data root, exec root,
// socket, pidfile, DOCKER_CONFIG and network bridge (no iptables), so it never touches the
// bed's engine; stop() ends it and removes all of it. Its directory is under the bed's state
// dir, so testbed/down.sh also finds anything a crashed test left behind.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { request } from 'node:http'
import path from 'node:path'
import { promisify } from 'node:util'
import { type TestbedEnv, toolEnv } from './env.js'

const run = promisify(execFile)

export interface ClassicEngine {
  dir: string
  /** unix://<dir>/docker.sock */
  dockerHost: string
  /** Its own DOCKER_CONFIG: buildx's files here know only this engine's builders. */
  dockerConfig: string
  /** toolEnv(bed) pointed at this engine. */
  env: NodeJS.ProcessEnv
  stop(): Promise<void>
}

function engineAnswers(socketPath: string): Promise<boolean> {
  return new Promise(resolve => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, res => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

/** A bridge of its own: dockerd without one cannot run a Dockerfile's RUN steps (it needs a network). */
async function createBridge(name: string): Promise<void> {
  const { stdout } = await run('ip', ['-br', 'addr'])
  const used = new Set([...stdout.matchAll(/10\.213\.(\d+)\./g)].map(m => Number(m[1])))
  const free = Array.from({ length: 254 }, (_, i) => i + 1).filter(n => !used.has(n))
  const subnet = free[Math.floor(Math.random() * free.length)]
  await run('ip', ['link', 'add', 'name', name, 'type', 'bridge'])
  await run('ip', ['addr', 'add', `10.213.${subnet}.1/24`, 'dev', name])
  await run('ip', ['link', 'set', name, 'up'])
}

/** Processes whose command line names `dir` (dockerd's containerd and its shims run in sessions of their own). */
function straysOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter(entry => /^\d+$/.test(entry))
    .filter(pid => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`)
      } catch {
        return false
      }
    })
    .map(Number)
}

function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return true
    await new Promise(r => setTimeout(r, 200))
  }
  return check()
}

export async function startClassicEngine(bed: TestbedEnv): Promise<ClassicEngine> {
  const id = randomBytes(3).toString('hex')
  const dir = path.join(bed.state, `classic-${id}`)
  const bin = path.join(dir, 'bin')
  const dockerConfig = path.join(dir, 'config')
  const socket = path.join(dir, 'docker.sock')
  const bridge = `bcbc${id}`
  for (const d of [bin, path.join(dir, 'data'), path.join(dir, 'exec'), path.join(dockerConfig, 'cli-plugins')])
    mkdirSync(d, { recursive: true })
  writeFileSync(path.join(dir, 'daemon.json'), '{"features":{"containerd-snapshotter":false}}\n')
  writeFileSync(path.join(dockerConfig, 'config.json'), '{}\n')
  symlinkSync(
    readlinkSync(path.join(bed.dockerConfig, 'cli-plugins', 'docker-buildx')),
    path.join(dockerConfig, 'cli-plugins', 'docker-buildx')
  )
  // The Docker prefix's docker-init is a link to tini-static, which tini installs in /usr/bin.
  symlinkSync('/usr/bin/tini-static', path.join(bin, 'docker-init'))
  await createBridge(bridge)

  const env: NodeJS.ProcessEnv = { ...toolEnv(bed), DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dockerConfig }
  const log = openSync(path.join(dir, 'dockerd.log'), 'a')
  const child: ChildProcess = spawn(
    'dockerd',
    [
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '-H',
      `unix://${socket}`,
      '--pidfile',
      path.join(dir, 'dockerd.pid'),
      '--config-file',
      path.join(dir, 'daemon.json'),
      `--bridge=${bridge}`,
      '--iptables=false',
      '--ip6tables=false'
    ],
    { detached: true, stdio: ['ignore', log, log], env: { ...env, PATH: `${bin}:${env.PATH}` } }
  )
  closeSync(log)
  child.unref()
  const pid = child.pid!

  const stop = async () => {
    if (processGroupAlive(pid)) {
      try {
        process.kill(-pid, 'SIGTERM')
      } catch {}
      if (!(await waitFor(() => !processGroupAlive(pid), 30000))) process.kill(-pid, 'SIGKILL')
    }
    // dockerd's own containerd and shims: anything left whose command line names the dir.
    for (const stray of straysOf(dir)) {
      try {
        process.kill(stray, 'SIGKILL')
      } catch {}
    }
    const { stdout } = await run('awk', ['-v', `s=${dir}/`, 'index($5, s) == 1 {print $5}', '/proc/self/mountinfo']).catch(() => ({
      stdout: ''
    }))
    for (const mount of stdout.split('\n').filter(Boolean).sort().reverse()) await run('umount', ['-l', mount]).catch(() => undefined)
    await run('ip', ['link', 'delete', bridge]).catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }

  if (!(await waitFor(() => engineAnswers(socket), 30000))) {
    await stop()
    throw new Error(`the classic-store dockerd did not answer on ${socket}`)
  }
  return { dir, dockerHost: `unix://${socket}`, dockerConfig, env, stop }
}

/**
 * A BuildKit image for a docker-container builder, built into `engine` from the binaries the
 * bed already has (buildkitd, buildctl, runc and the libraries runc links): no image can be
 * pulled here. A builder uses it with the driver-opt image=<tag> (buildx falls back to the
 * local image when the pull fails).
 */
export async function buildBuildKitImage(engine: ClassicEngine, tag: string): Promise<void> {
  const ctx = path.join(engine.dir, 'buildkit-image')
  mkdirSync(path.join(ctx, 'tmp'), { recursive: true })
  const which = async (name: string) => (await run('bash', ['-c', `command -v ${name}`], { env: engine.env })).stdout.trim()
  for (const name of ['buildkitd', 'buildctl']) copyFileSync(await which(name), path.join(ctx, name))
  copyFileSync('/usr/sbin/runc', path.join(ctx, 'runc'))
  const { stdout } = await run('ldd', ['/usr/sbin/runc'])
  const libs = [...stdout.matchAll(/(\/\S+\.so[.\d]*)/g)].map(m => m[1])
  const lines = ['FROM scratch', 'COPY buildkitd buildctl runc /usr/bin/', 'COPY tmp /tmp', 'ENV PATH=/usr/bin', 'ENTRYPOINT ["buildkitd"]']
  for (const [i, lib] of libs.entries()) {
    copyFileSync(lib, path.join(ctx, `lib${i}`))
    lines.splice(2, 0, `COPY lib${i} ${lib}`)
  }
  writeFileSync(path.join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`)
  await run('docker', ['buildx', 'build', '--builder', 'default', '--progress', 'quiet', '-t', tag, ctx], { env: engine.env })
  rmSync(ctx, { recursive: true, force: true })
}
