// Runs a JavaScript action the way GitHub's runner does: inputs and runner variables in the
// environment, file commands (GITHUB_OUTPUT, GITHUB_STATE, ...) in fresh files per step, workflow
// commands (::warning::, ::add-mask::, ...) parsed from stdout, and the post step run with the
// state the main step saved. Returns what a user would see.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { constants as osConstants, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

export interface RunOptions {
  inputs: Record<string, string> // action inputs by their action.yml names
  eventName: string // GITHUB_EVENT_NAME
  payload: object // written to a file, GITHUB_EVENT_PATH
  ref: string // GITHUB_REF
  sha?: string // GITHUB_SHA
  headRef?: string // GITHUB_HEAD_REF ('' when absent, as the runner does)
  baseRef?: string // GITHUB_BASE_REF ('' when absent)
  repository?: string // GITHUB_REPOSITORY, default 'octo-org/octo-repo'
  env?: Record<string, string | undefined> // extra env; overrides the defaults; undefined deletes a variable
  cwd?: string // GITHUB_WORKSPACE and the process cwd (default: a fresh empty directory)
  post?: boolean // run the post step too (default true; subject to runs.post-if, default always())
  actionDir?: string // default: the repo root; entry points read from its action.yml
  node?: string // node binary (default process.execPath)
  timeoutMs?: number // per step: SIGINT, then SIGKILL to the process group 7.5 s later (as on cancel)
}

export interface StepResult {
  exitCode: number
  stdout: string // raw, unmasked
  stderr: string // raw, unmasked
  wallMs: number
  timedOut?: boolean
}

export type AnnotationLevel = 'error' | 'warning' | 'notice' | 'debug'
export interface Annotation {
  level: AnnotationLevel
  message: string // masked
  properties: Record<string, string>
}

export interface RunResult {
  main: StepResult
  post?: StepResult
  outputs: Record<string, string> // from the main step's GITHUB_OUTPUT
  summary: string // GITHUB_STEP_SUMMARY of main then post, masked
  state: Record<string, string> // from the main step's GITHUB_STATE
  exportedEnv: Record<string, string> // from the main step's GITHUB_ENV (also passed to post)
  addedPath: string[] // from the main step's GITHUB_PATH (also prepended to PATH for post)
  annotations: Annotation[]
  masks: string[]
  log: string // stdout of both steps as the runner shows it: commands rendered, secrets as ***
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_SHA = 'ffac537e6cbbf934b08745a378932722df287a53'
const STRIPPED_PREFIXES = ['INPUT_', 'STATE_', 'GITHUB_', 'ACTIONS_', 'RUNNER_']

export async function runAction(opts: RunOptions): Promise<RunResult> {
  const actionDir = path.resolve(opts.actionDir ?? REPO_ROOT)
  const manifest = await readManifest(actionDir)
  const runs = manifest.runs ?? {}
  if (!/^node\d+$/.test(String(runs.using))) throw new Error(`runs.using '${runs.using}' is not a node action`)
  if (runs.pre) throw new Error('runs.pre is not supported by this harness')
  if (!runs.main) throw new Error('action.yml has no runs.main')

  const tmp = await mkdtemp(path.join(tmpdir(), 'action-run-'))
  try {
    const workspace = path.resolve(opts.cwd ?? path.join(tmp, 'workspace'))
    const runnerTemp = path.join(tmp, 'temp')
    const toolCache = path.join(tmp, 'tool-cache')
    await Promise.all([workspace, runnerTemp, toolCache].map(d => mkdir(d, { recursive: true })))
    const eventPath = path.join(tmp, 'event.json')
    await writeFile(eventPath, JSON.stringify(opts.payload, null, 2))

    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !STRIPPED_PREFIXES.some(p => k.startsWith(p))) env[k] = v
    }
    const repository = opts.repository ?? 'octo-org/octo-repo'
    Object.assign(env, {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: opts.eventName,
      GITHUB_REF: opts.ref,
      GITHUB_REF_NAME: opts.ref.replace(/^refs\/(heads|tags|pull)\//, ''),
      GITHUB_REF_TYPE: opts.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      GITHUB_HEAD_REF: opts.headRef ?? '',
      GITHUB_BASE_REF: opts.baseRef ?? '',
      GITHUB_SHA: opts.sha ?? DEFAULT_SHA,
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0],
      GITHUB_ACTOR: 'octocat',
      GITHUB_WORKFLOW: 'CI',
      GITHUB_RUN_ID: '1',
      GITHUB_RUN_NUMBER: '1',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'build',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'test-runner',
      RUNNER_ENVIRONMENT: 'github-hosted'
    })
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (v === undefined) delete env[k]
      else env[k] = v
    }
    Object.assign(env, {
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_WORKSPACE: workspace,
      // A runner's temp path is the same on every job (what @actions/cache versions paths by):
      // a caller may pin it, and empties it between jobs itself.
      RUNNER_TEMP: opts.env?.RUNNER_TEMP ?? runnerTemp,
      RUNNER_TOOL_CACHE: toolCache
    })
    Object.assign(env, inputEnv(manifest.inputs ?? {}, opts.inputs, env.GITHUB_TOKEN ?? ''))

    const node = opts.node ?? process.execPath
    const view = new LogView(env.RUNNER_DEBUG === '1')

    // main
    const mainFiles = await stepFiles(tmp, 'main')
    const main = await runStep(node, path.resolve(actionDir, runs.main), { ...env, ...mainFiles }, workspace, opts.timeoutMs)
    view.process(main.stdout)
    const outputs = { ...view.legacyOutputs, ...parseFileCommand(await readFile(mainFiles.GITHUB_OUTPUT, 'utf8'), 'GITHUB_OUTPUT') }
    const state = { ...view.legacyState, ...parseFileCommand(await readFile(mainFiles.GITHUB_STATE, 'utf8'), 'GITHUB_STATE') }
    const exportedEnv = parseFileCommand(await readFile(mainFiles.GITHUB_ENV, 'utf8'), 'GITHUB_ENV')
    const addedPath = (await readFile(mainFiles.GITHUB_PATH, 'utf8')).split(/\r?\n/).filter(l => l.trim() !== '')
    let summary = await readFile(mainFiles.GITHUB_STEP_SUMMARY, 'utf8')

    // post: env as left by main (GITHUB_ENV, GITHUB_PATH) plus STATE_<name>
    let post: StepResult | undefined
    if (runs.post && opts.post !== false && postCondition(runs['post-if'], main.exitCode === 0)) {
      const postEnv: Record<string, string> = { ...env, ...exportedEnv }
      if (addedPath.length) postEnv.PATH = [...[...addedPath].reverse(), postEnv.PATH].filter(Boolean).join(path.delimiter)
      for (const [k, v] of Object.entries(state)) postEnv[`STATE_${k}`] = v
      const postFiles = await stepFiles(tmp, 'post')
      post = await runStep(node, path.resolve(actionDir, runs.post), { ...postEnv, ...postFiles }, workspace, opts.timeoutMs)
      view.process(post.stdout)
      summary += await readFile(postFiles.GITHUB_STEP_SUMMARY, 'utf8')
    }

    return {
      main,
      post,
      outputs,
      summary: maskText(summary, view.masks),
      state,
      exportedEnv,
      addedPath,
      annotations: view.annotations,
      masks: view.masks,
      log: view.lines.join('\n')
    }
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// action.yml and inputs

interface Manifest {
  inputs?: Record<string, { default?: unknown; deprecationMessage?: string } | null>
  runs?: Record<string, string>
}

async function readManifest(dir: string): Promise<Manifest> {
  const file = ['action.yml', 'action.yaml'].map(f => path.join(dir, f)).find(f => existsSync(f))
  if (!file) throw new Error(`no action.yml in ${dir}`)
  return parseYaml(await readFile(file, 'utf8')) as Manifest
}

function inputEnv(declared: NonNullable<Manifest['inputs']>, given: Record<string, string>, token: string) {
  const byLower = new Map(Object.keys(declared).map(n => [n.toLowerCase(), n]))
  const unknown = Object.keys(given).filter(n => !byLower.has(n.toLowerCase()))
  if (unknown.length) {
    throw new Error(`Unexpected input(s) ${unknown.map(n => `'${n}'`).join(', ')}, valid inputs are [${Object.keys(declared).join(', ')}]`)
  }
  const givenByLower = new Map(Object.entries(given).map(([k, v]) => [k.toLowerCase(), v]))
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(declared)) {
    let value = givenByLower.get(name.toLowerCase())
    if (value === undefined) {
      const def = spec?.default
      value = def === undefined || def === null ? '' : String(def)
      if (value.includes('${{')) {
        if (!/^\$\{\{\s*github\.token\s*\}\}$/.test(value.trim()))
          throw new Error(`input '${name}': unsupported default expression ${value}`)
        value = token
      }
    }
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return env
}

function postCondition(expr: string | undefined, mainSucceeded: boolean): boolean {
  const e = (expr ?? 'always()').trim().replace(/^\$\{\{\s*(.*?)\s*\}\}$/, '$1')
  const known: Record<string, boolean> = {
    'always()': true,
    '!cancelled()': true,
    'cancelled()': false,
    'success()': mainSucceeded,
    'failure()': !mainSucceeded
  }
  if (!(e in known)) throw new Error(`post-if '${expr}' is not supported by this harness`)
  return known[e]
}

// ---------------------------------------------------------------------------------------------
// steps and file commands

const FILE_COMMANDS = ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_PATH'] as const
type StepFiles = Record<(typeof FILE_COMMANDS)[number], string>

async function stepFiles(tmp: string, step: string): Promise<StepFiles> {
  const dir = path.join(tmp, 'file-commands', step)
  await mkdir(dir, { recursive: true })
  const files = {} as StepFiles
  for (const name of FILE_COMMANDS) {
    files[name] = path.join(dir, name.toLowerCase())
    await writeFile(files[name], '')
  }
  return files
}

function runStep(node: string, script: string, env: Record<string, string>, cwd: string, timeoutMs?: number) {
  const start = performance.now()
  return new Promise<StepResult>((resolve, reject) => {
    const child = spawn(node, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: timeoutMs !== undefined })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    let timedOut = false
    const timers: NodeJS.Timeout[] = []
    if (timeoutMs !== undefined) {
      const killGroup = (sig: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, sig)
        } catch {
          /* already gone */
        }
      }
      timers.push(
        setTimeout(() => {
          timedOut = true
          killGroup('SIGINT')
          timers.push(setTimeout(() => killGroup('SIGKILL'), 7500))
        }, timeoutMs)
      )
    }
    child.on('error', reject)
    child.on('close', (code, signal) => {
      timers.forEach(clearTimeout)
      resolve({
        exitCode: code ?? 128 + (signal ? osConstants.signals[signal] : 0),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: Math.round(performance.now() - start),
        ...(timedOut ? { timedOut } : {})
      })
    })
  })
}

/** The runner's file-command format: `key=value` lines and `key<<DELIM` ... `DELIM` blocks. */
export function parseFileCommand(text: string, what = 'file command'): Record<string, string> {
  const lines = text.split(/\r?\n/)
  const result: Record<string, string> = {}
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const eq = line.indexOf('=')
    const heredoc = line.indexOf('<<')
    let key: string
    let value: string
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      key = line.slice(0, eq)
      value = line.slice(eq + 1)
    } else if (heredoc >= 0) {
      key = line.slice(0, heredoc)
      const delimiter = line.slice(heredoc + 2)
      const end = lines.indexOf(delimiter, i + 1)
      if (!delimiter || end < 0) throw new Error(`${what}: no closing delimiter '${delimiter}' for '${key}'`)
      value = lines.slice(i + 1, end).join('\n')
      i = end
    } else {
      throw new Error(`${what}: invalid line '${line}'`)
    }
    if (!key) throw new Error(`${what}: empty name in '${line}'`)
    result[key] = value
  }
  return result
}

// ---------------------------------------------------------------------------------------------
// workflow commands and masking

const COMMANDS = new Set([
  'add-mask',
  'debug',
  'notice',
  'warning',
  'error',
  'group',
  'endgroup',
  'echo',
  'stop-commands',
  'add-matcher',
  'remove-matcher',
  'set-output',
  'save-state'
])

function unescapeCommand(s: string, property: boolean): string {
  let r = s.replace(/%0D/g, '\r').replace(/%0A/g, '\n')
  if (property) r = r.replace(/%3A/g, ':').replace(/%2C/g, ',')
  return r.replace(/%25/g, '%')
}

/** `::name k=v,k=v::data`, as the runner parses it (leading whitespace allowed). */
export function parseWorkflowCommand(line: string) {
  const s = line.trimStart()
  if (!s.startsWith('::')) return undefined
  const end = s.indexOf('::', 2)
  if (end < 0) return undefined
  const info = s.slice(2, end)
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  const properties: Record<string, string> = {}
  if (space >= 0) {
    for (const pair of info.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=')
      if (eq > 0 && eq < pair.length - 1) properties[pair.slice(0, eq)] = unescapeCommand(pair.slice(eq + 1), true)
    }
  }
  return { name, properties, data: unescapeCommand(s.slice(end + 2), false) }
}

export function maskText(text: string, masks: string[]): string {
  const ranges: [number, number][] = []
  for (const m of masks) {
    for (let i = text.indexOf(m); i >= 0; i = text.indexOf(m, i + 1)) ranges.push([i, i + m.length])
  }
  if (!ranges.length) return text
  ranges.sort((a, b) => a[0] - b[0])
  let out = ''
  let pos = 0
  for (const [from, to] of ranges) {
    if (to <= pos) continue
    if (from >= pos) out += `${text.slice(pos, from)}***`
    pos = to
  }
  return out + text.slice(pos)
}

/** Feeds step stdout through command processing; the state (masks) carries over from main to post. */
class LogView {
  masks: string[] = []
  annotations: Annotation[] = []
  lines: string[] = []
  legacyOutputs: Record<string, string> = {}
  legacyState: Record<string, string> = {}
  constructor(private showDebug: boolean) {}

  process(stdout: string) {
    const lines = stdout.split(/\r?\n/)
    if (lines[lines.length - 1] === '') lines.pop()
    let stopToken: string | undefined
    for (const line of lines) {
      if (stopToken !== undefined) {
        if (line.trim() === `::${stopToken}::`) stopToken = undefined
        else this.write(line)
        continue
      }
      const cmd = parseWorkflowCommand(line)
      if (!cmd || !COMMANDS.has(cmd.name)) {
        this.write(line)
        continue
      }
      switch (cmd.name) {
        case 'add-mask':
          if (cmd.data.trim() === '') this.warn("Can't add secret mask for empty string in ##[add-mask] command.")
          else if (!this.masks.includes(cmd.data)) this.masks.push(cmd.data)
          break
        case 'debug':
        case 'notice':
        case 'warning':
        case 'error':
          this.annotate(cmd.name, cmd.data, cmd.properties)
          break
        case 'group':
          this.write(`##[group]${cmd.data}`)
          break
        case 'endgroup':
          this.write('##[endgroup]')
          break
        case 'stop-commands':
          stopToken = cmd.data
          break
        case 'set-output':
        case 'save-state':
          this.warn(`The \`${cmd.name}\` command is deprecated and will be disabled soon. Please upgrade to using Environment Files.`)
          if (cmd.properties.name) (cmd.name === 'set-output' ? this.legacyOutputs : this.legacyState)[cmd.properties.name] = cmd.data
          break
        // echo, add-matcher, remove-matcher: consumed, nothing shown
      }
    }
  }

  private write(line: string) {
    this.lines.push(maskText(line, this.masks))
  }

  private warn(message: string) {
    this.annotate('warning', message, {})
  }

  private annotate(level: AnnotationLevel, message: string, properties: Record<string, string>) {
    const masked = maskText(message, this.masks)
    const props = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, maskText(v, this.masks)]))
    this.annotations.push({ level, message: masked, properties: props })
    if (level !== 'debug' || this.showDebug) this.lines.push(`##[${level}]${masked}`)
  }
}
