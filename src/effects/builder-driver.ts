/**
 * buildx's `docker` driver exports `gha`, `registry` and `local` caches only when the engine
 * uses the containerd image store; without it buildx stops before building ("Cache export is
 * not supported for the docker driver"). Here: which builder buildx will use and its driver,
 * read from buildx's own files (no CLI call); whether the engine has the containerd image
 * store (asked only when the driver is `docker` and an export or the default provenance needs
 * it: buildx refuses any attestation there without it); and the two ways out:
 * build without the export, with one warning naming the fix, or (opted in with
 * `driver-fallback: docker-container`) build on a docker-container builder created for this
 * job, which the post step removes.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { homedir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import * as exec from '@actions/exec'
import { type CacheImport, attribute } from '../backends/backend.js'
import { backendOfSpec } from '../backends/index.js'
import type { Plan } from '../core/plan.js'
import type { Env } from '../core/context.js'
import type { Attributes } from '../core/spec.js'
import { STATE } from '../core/state.js'
import { addsDefaultProvenance } from '../tools/attests.js'
import { TOOLS } from '../tools/index.js'
import { dockerConfigDir } from './registry-client.js'

/**
 * buildx's refusal, in its current words ("Cache export is not supported for the docker
 * driver.") and in those of older releases ("Cache export feature is currently not supported
 * for docker driver.").
 */
export const DRIVER_CANNOT_EXPORT = /Cache export (?:feature )?is (?:currently )?not supported for (?:the )?docker driver/i

/** buildx's refusal of any attestation on that driver: the fit's second trigger when it was the default provenance. */
export const DRIVER_REFUSES_ATTESTATION = /Attestation is not supported for (?:the )?docker driver/i

export type DriverFallback = 'off' | 'docker-container'
export const DRIVER_FALLBACKS: readonly DriverFallback[] = ['off', 'docker-container']

export interface CurrentBuilder {
  /** The builder's name as buildx knows it (a docker context's own builder has the context's name). */
  name: string
  /** Its driver; undefined when buildx's files do not tell. */
  driver?: string
  /** The engine a `docker` driver builder talks to, when the files and the environment tell. */
  endpoint?: string
}

export type FileReader = (path: string) => string | undefined

function json(read: FileReader, path: string): Record<string, any> | undefined {
  const text = read(path)
  if (text === undefined) return undefined
  try {
    const value = JSON.parse(text)
    return value && typeof value === 'object' ? value : undefined
  } catch {
    return undefined
  }
}

/** The docker CLI's config directory and buildx's own (BUILDX_CONFIG, else <DOCKER_CONFIG>/buildx). */
export function buildxDirs(env: Env, home = homedir()): { docker: string; buildx: string } {
  const docker = dockerConfigDir(env, home)
  return { docker, buildx: env.BUILDX_CONFIG || join(docker, 'buildx') }
}

/**
 * The builder `docker buildx build [--builder <requested>]` uses, as buildx resolves it from
 * its files: the requested name (or BUILDX_BUILDER), else the `current` file when it was set
 * for this engine (or globally), else the engine's default in `defaults/`, else the docker
 * context's own builder, which has the `docker` driver.
 */
export function currentBuilder(read: FileReader, env: Env, requested?: string, home = homedir()): CurrentBuilder {
  const dirs = buildxDirs(env, home)
  const config = json(read, join(dirs.docker, 'config.json'))
  // The docker CLI: DOCKER_HOST means the default context; then DOCKER_CONTEXT, then the config's.
  const context = env.DOCKER_HOST
    ? 'default'
    : env.DOCKER_CONTEXT || (typeof config?.currentContext === 'string' && config.currentContext) || 'default'
  // buildx keys its current builder by the engine endpoint (default context) or the context's name.
  const key = context === 'default' ? env.DOCKER_HOST || 'unix:///var/run/docker.sock' : context
  const contextBuilder = (name: string): CurrentBuilder => ({
    name,
    driver: 'docker',
    ...(name === 'default' && context === 'default' && { endpoint: key })
  })
  const instance = (name: string): CurrentBuilder | undefined => {
    if (!/^[a-zA-Z][a-zA-Z0-9.\-_+]*$/.test(name)) return undefined
    const found = json(read, join(dirs.buildx, 'instances', name.toLowerCase()))
    if (!found) return undefined
    return {
      name: typeof found.Name === 'string' && found.Name ? found.Name : name,
      driver: typeof found.Driver === 'string' && found.Driver ? found.Driver : undefined
    }
  }

  const named = requested || env.BUILDX_BUILDER
  if (named) {
    const found = instance(named)
    if (found) return found
    // Not a buildx instance: a docker context's own builder ("default" is the default context's).
    if (named === 'default' || named === context) return contextBuilder(named)
    return { name: named }
  }
  const current = json(read, join(dirs.buildx, 'current'))
  const currentName = typeof current?.Name === 'string' ? current.Name : ''
  if (currentName && current?.Global) {
    const found = instance(currentName)
    if (found) return found
  }
  if (currentName && current?.Key === key) return instance(currentName) ?? contextBuilder(context)
  const byDefault = read(join(dirs.buildx, 'defaults', createHash('sha256').update(key).digest('hex').slice(0, 20)))?.trim()
  if (byDefault) {
    const found = instance(byDefault)
    if (found) return found
  }
  return contextBuilder(context)
}

export function readFileOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** `docker info`'s DriverStatus: the containerd image store shows `driver-type: io.containerd.snapshotter.v1`. */
export function usesContainerdStore(driverStatus: unknown): boolean | undefined {
  if (!Array.isArray(driverStatus)) return undefined
  return driverStatus.some(
    entry => Array.isArray(entry) && entry[0] === 'driver-type' && /^io\.containerd\.snapshotter\./.test(String(entry[1]))
  )
}

/** The cache exports only a builder that can export caches can do (all but those that travel inside the image). */
export function exportsNeedingCacheExport(exports: readonly Attributes[]): Attributes[] {
  return exports.filter(spec => !backendOfSpec(spec)?.exportedWithImage)
}

/** GET /info straight from the engine's unix socket: a few ms, where `docker info` costs ~0.3 s. */
function engineInfoOverSocket(socketPath: string): Promise<Record<string, unknown> | undefined> {
  return new Promise(resolve => {
    const req = request({ socketPath, path: '/info', method: 'GET', timeout: 3000 }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => (body += chunk))
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(body) : undefined)
        } catch {
          resolve(undefined)
        }
      })
    })
    req.on('error', () => resolve(undefined))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

/** Whether the builder's engine has the containerd image store; undefined when it could not be told. */
export async function engineUsesContainerdStore(builder: CurrentBuilder, env: Env): Promise<boolean | undefined> {
  if (builder.endpoint?.startsWith('unix://')) {
    const info = await engineInfoOverSocket(builder.endpoint.slice('unix://'.length))
    if (info) return usesContainerdStore(info.DriverStatus)
  }
  const args = [...(builder.name !== 'default' ? ['--context', builder.name] : []), 'info', '--format', '{{json .DriverStatus}}']
  const result = await exec
    .getExecOutput('docker', args, { silent: true, ignoreReturnCode: true, env: env as Record<string, string> })
    .catch(() => undefined)
  if (result?.exitCode !== 0) return undefined
  try {
    return usesContainerdStore(JSON.parse(result.stdout))
  } catch {
    return undefined
  }
}

export interface DriverFallbackOptions {
  fallback: DriverFallback
  /** `--driver-opt` values for the builder the fallback creates (e.g. image=…, network=host). */
  driverOpts: string[]
}

const FIX =
  'to use it, add docker/setup-buildx-action before this step (a docker-container builder), turn on the containerd image store in the ' +
  'Docker Engine ("features": {"containerd-snapshotter": true} in daemon.json), or set driver-fallback: docker-container'

const importsOnClassicStore = (i: CacheImport) => !!backendOfSpec(i.attributes)?.importsOnClassicDockerStore

const typeOf = (spec: Attributes) => attribute(spec, 'type') ?? '?'
const listed = (types: string[]) => [...new Set(types)].join(', ')

/** The plan without build-push-action's default provenance, for a builder that cannot attach attestations. */
function withoutDefaultProvenance(p: Plan): Plan {
  return { ...p, request: { ...p.request, defaultProvenance: undefined } }
}

/**
 * The plan a docker driver builder without the containerd image store can run: without the
 * exports it cannot do (inline stays), the imports it does not know and the default provenance,
 * with one warning naming the fix.
 */
export function withoutDriverExport(p: Plan, builderName: string): Plan {
  const dropped = exportsNeedingCacheExport(p.exports)
  const imports = p.imports.filter(importsOnClassicStore)
  if (!dropped.length && imports.length === p.imports.length) return withoutDefaultProvenanceOn(p, builderName)
  const exportTypes = listed(dropped.map(typeOf))
  const importTypes = listed(p.imports.filter(i => !imports.includes(i)).map(i => typeOf(i.attributes)))
  const what =
    exportTypes && exportTypes === importTypes
      ? `export or import the ${exportTypes} cache`
      : [exportTypes && `export the ${exportTypes} cache`, importTypes && `import the ${importTypes} cache`].filter(Boolean).join(' or ')
  const reason = `builder "${builderName}" uses the docker driver, which cannot ${what} without the containerd image store`
  const doing =
    exportTypes && importTypes ? 'exporting or importing it' : exportTypes ? 'exporting the cache (imports still work)' : 'importing it'
  core.warning(`The ${reason}: building without ${doing}. ${FIX[0].toUpperCase()}${FIX.slice(1)}.`)
  // The backend's own export comes first; inline (its extra tags) is never dropped.
  const ownDropped = p.cacheExport && p.exports.length > 0 && dropped.includes(p.exports[0])
  return withoutDefaultProvenance({
    ...p,
    exports: p.exports.filter(spec => !dropped.includes(spec)),
    imports,
    ...(importTypes && { importReason: reason }),
    ...(ownDropped && { extraTags: [], cacheExport: false, exportReason: reason })
  })
}

/** Creates a docker-container builder for this job (not made current); the post step removes it. */
async function createFallbackBuilder(env: Env, options: DriverFallbackOptions): Promise<string | undefined> {
  const name = `branch-cache-build-${randomBytes(4).toString('hex')}`
  const args = [
    'buildx',
    'create',
    '--name',
    name,
    '--driver',
    'docker-container',
    ...options.driverOpts.flatMap(opt => ['--driver-opt', opt])
  ]
  const result = await exec.getExecOutput('docker', args, { silent: true, ignoreReturnCode: true, env: env as Record<string, string> })
  if (result.exitCode !== 0) {
    core.info(`Could not create a docker-container builder (${(result.stderr || result.stdout).trim().split('\n').pop()}).`)
    return undefined
  }
  core.saveState(STATE.fallbackBuilder, name)
  return name
}

/**
 * Where the builder cannot do the plan's cache export: a plan that builds anyway. With
 * driver-fallback: docker-container, the same plan on a builder created for this job; else
 * (or when that builder cannot be created) the plan without the export.
 */
export async function planForDockerDriver(p: Plan, builderName: string, env: Env, options: DriverFallbackOptions): Promise<Plan> {
  if (options.fallback === 'docker-container') {
    const created = await createFallbackBuilder(env, options)
    if (created) {
      core.info(
        `Builder "${builderName}" uses the docker driver, which cannot export this cache without the containerd image store: building on ` +
          `a docker-container builder created for this job, "${created}" (driver-fallback: docker-container); the post step removes it.`
      )
      // The docker driver leaves the image in the engine; a docker-container builder only with --load.
      const load = p.request.load || (!p.request.push && p.request.outputs.length === 0)
      return { ...p, request: { ...p.request, builder: created, load } }
    }
  }
  return withoutDriverExport(p, builderName)
}

/**
 * Before the build: when buildx's files say the builder has the docker driver and the plan
 * exports a cache that driver can only export with the containerd image store, or carries
 * build-push-action's default provenance, which it can attach only with that store, ask the engine
 * (a few ms over its socket) and, without that store, change the plan so the build never
 * fails on it. Anything not known for certain is left to the build (its error text is the
 * second trigger).
 */
export async function fitPlanToBuilder(p: Plan, env: Env, options: DriverFallbackOptions): Promise<Plan> {
  if (!TOOLS[p.tool].traits.driverMayLackExporters) return p
  // What the docker driver does only with the containerd image store: a cache export, an import it does not know, an attestation.
  const needsExport = exportsNeedingCacheExport(p.exports).length > 0 || !p.imports.every(importsOnClassicStore)
  const needsBuildKit = p.needsBuildKitDriver && options.fallback === 'docker-container'
  const attests = addsDefaultProvenance(p.request, env)
  if (!needsExport && !needsBuildKit && !attests) return p
  const builder = currentBuilder(readFileOrUndefined, env, p.request.builder)
  if (builder.driver !== 'docker') return p
  // s3 and azblob need a BuildKit the docker driver never is: only the opted-in builder helps.
  if (needsBuildKit) return planForDockerDriver(p, builder.name, env, options)
  if ((await engineUsesContainerdStore(builder, env)) !== false) return p
  core.info(`Builder "${builder.name}" uses the docker driver and the engine has no containerd image store.`)
  if (needsExport) return planForDockerDriver(p, builder.name, env, options)
  return withoutDefaultProvenanceOn(p, builder.name)
}

/** The default provenance is build-push-action's extra, not the user's ask: dropping it is worth a log line, not a warning. */
function withoutDefaultProvenanceOn(p: Plan, builderName: string): Plan {
  core.info(
    `No default provenance attestation: buildx attaches none with the docker driver of "${builderName}" and no containerd image store.`
  )
  return withoutDefaultProvenance(p)
}

/** The post step: removes the builder the main step created (its container and state volume). */
export async function removeFallbackBuilder(name: string): Promise<void> {
  const result = await exec.getExecOutput('docker', ['buildx', 'rm', '--force', name], { silent: true, ignoreReturnCode: true })
  if (result.exitCode === 0) core.info(`Removed the docker-container builder "${name}" created for this job.`)
  else
    core.warning(
      `Could not remove the docker-container builder "${name}" created for this job: ` +
        `${(result.stderr || result.stdout).trim().split('\n').pop()}`
    )
}
