// The README's examples are tests. Every ```yaml block of README.md is read at test time, and
// the step(s) that use this action run with their `with:` and `env:` exactly as written, as the
// runner runs the action (node dist/index.js + post), on the test bed: main's build, then, after
// BuildKit's state is wiped, pull request 7's first build, which must take every step from the
// cache. Only what cannot exist here is replaced, by the tables below (SUBSTITUTIONS, additions,
// STAND_INS); every other step of an example is stood in for by the bed, as STAND_INS says. A
// yaml block that is neither run (EXAMPLES) nor listed with a reason (NOT_RUN) fails the test,
// so a new example cannot go untested, and an example that drifts from the code fails CI.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseDocument } from 'yaml'
import { type TestbedEnv, envdFixture, fixtureContext, privateEnvdHome, testbedEnv } from '../../testbed/env.js'
import { buildConfigOf, provenanceOf, pushed } from '../../testbed/registry.js'
import type { RunResult } from '../../testbed/runner.js'
import {
  type ScenarioOptions,
  cacheFigures,
  closedPullRequestTargetRun,
  pruneBuildKit,
  pruneStandalone,
  pullRequestBuild,
  pushBuild,
  tempDir
} from '../../testbed/scenario.js'

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md')
const ACTION = 'branch-cache-build/branch-cache-build@v1'
/** GITHUB_REPOSITORY of every run of the harness (testbed/scenario.ts). */
const REPOSITORY = 'octo-org/octo-repo'

// ---------------------------------------------------------------------------------------------
// Reading the examples

interface Block {
  /** The heading the block sits under, with ` (2)`, ` (3)` for a second, third block there. */
  key: string
  line: number
  text: string
}

function yamlBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  const perHeading = new Map<string, number>()
  let heading = ''
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const h = /^#{1,6}\s+(.*)$/.exec(lines[i])
    if (h) heading = h[1].trim()
    const fence = /^```(\S*)\s*$/.exec(lines[i])
    if (!fence) continue
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l))
    if (end < 0) throw new Error(`README.md:${i + 1}: a fence that is never closed`)
    if (fence[1] === 'yaml' || fence[1] === 'yml') {
      const n = (perHeading.get(heading) ?? 0) + 1
      perHeading.set(heading, n)
      blocks.push({ key: n === 1 ? heading : `${heading} (${n})`, line: i + 1, text: lines.slice(i + 1, end).join('\n') })
    }
    i = end
  }
  return blocks
}

interface Step {
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
}

interface ParsedExample {
  /** `on:` of a workflow-level example; undefined for a list of steps. */
  on?: Record<string, unknown>
  steps: Step[]
}

function parseExample(block: Block): ParsedExample {
  const doc = parseDocument(block.text)
  if (doc.errors.length) throw new Error(`README.md:${block.line} (${block.key}) is not valid YAML: ${doc.errors[0].message}`)
  const value = doc.toJS() as unknown
  if (Array.isArray(value)) return { steps: value as Step[] }
  const workflow = value as { on?: Record<string, unknown>; jobs?: Record<string, { steps?: Step[] }> }
  if (workflow && typeof workflow === 'object' && workflow.jobs) {
    return { on: workflow.on, steps: Object.values(workflow.jobs).flatMap(job => job.steps ?? []) }
  }
  throw new Error(`README.md:${block.line} (${block.key}) is neither a list of steps nor a workflow`)
}

// ---------------------------------------------------------------------------------------------
// What cannot exist here, and what stands in for it

interface Context {
  bed: TestbedEnv
  /** A bucket of this run on the bed's S3 server (see s3Bucket). */
  bucket: string
  /** A registry namespace of this run (one per example, unless it names another's). */
  namespace: string
  /** GITHUB_SHA of the run being prepared. */
  sha: string
  /** What docker/metadata-action names the run's ref in a tag: `main`, or `pr-7` for pull request 7. */
  refName: string
}

/**
 * What docker/metadata-action@v5 with `images: ghcr.io/octo-org/app` (and its default tags and
 * annotation level, manifest) gives the next step: newline-separated lists.
 */
function metadataAction(c: Context): Record<'tags' | 'labels' | 'annotations', string> {
  const labels = [
    'org.opencontainers.image.created=2026-11-30T12:00:00.000Z',
    'org.opencontainers.image.description=The app = built per branch, with a cache',
    'org.opencontainers.image.licenses=MIT',
    `org.opencontainers.image.revision=${c.sha}`,
    'org.opencontainers.image.source=https://github.com/octo-org/app',
    'org.opencontainers.image.title=app',
    'org.opencontainers.image.url=https://github.com/octo-org/app',
    `org.opencontainers.image.version=${c.refName}`
  ]
  return {
    tags: `ghcr.io/octo-org/app:${c.refName}`,
    labels: labels.join('\n'),
    annotations: labels.map(label => `manifest:${label}`).join('\n')
  }
}

/** Applied in order to every value of `with:` and `env:`; anything `${{ … }}` left over fails the test. */
const SUBSTITUTIONS: { from: string | RegExp; to: (c: Context) => string; why: string }[] = [
  { from: '${{ steps.meta.outputs.tags }}', to: c => metadataAction(c).tags, why: "metadata-action's tags of the run's ref" },
  { from: '${{ steps.meta.outputs.labels }}', to: c => metadataAction(c).labels, why: "metadata-action's labels of the run" },
  {
    from: '${{ steps.meta.outputs.annotations }}',
    to: c => metadataAction(c).annotations,
    why: "metadata-action's annotations of the run"
  },
  { from: '${{ github.repository }}', to: () => REPOSITORY, why: "the harness's repository" },
  { from: '${{ github.sha }}', to: c => c.sha, why: "the run's commit" },
  { from: 'ghcr.io/', to: c => `${c.bed.registry}/${c.namespace}/`, why: "the bed's plain-HTTP registry, a repository per run" },
  { from: '${{ secrets.AWS_ACCESS_KEY_ID }}', to: c => c.bed.s3.accessKeyId, why: "the bed's S3 server's key" },
  { from: '${{ secrets.AWS_SECRET_ACCESS_KEY }}', to: c => c.bed.s3.secretAccessKey, why: "the bed's S3 server's secret" },
  { from: 'bucket: my-build-cache', to: c => `bucket: ${c.bucket}`, why: "a bucket of this run on the bed's S3 server" },
  { from: 'region: eu-west-1', to: c => `region: ${c.bed.s3.region}`, why: "the bed's region" },
  { from: 'https://myaccount.blob.core.windows.net/', to: c => c.bed.azblob.accountUrl, why: "Azurite's account URL" },
  { from: /^myaccount$/, to: c => c.bed.azblob.accountName, why: "Azurite's account" },
  { from: '${{ secrets.AZURE_STORAGE_KEY }}', to: c => c.bed.azblob.accountKey, why: "Azurite's account key" },
  { from: 'tcp://buildkitd.internal:1234', to: c => c.bed.buildkitdTcp, why: "the bed's buildkitd" }
]

function substitute(value: unknown, c: Context, where: string): string {
  let s = typeof value === 'string' ? value : String(value) // the runner hands every input over as a string
  for (const { from, to } of SUBSTITUTIONS) s = typeof from === 'string' ? s.split(from).join(to(c)) : s.replace(from, to(c))
  if (s.includes('${{')) throw new Error(`${where}: no substitution for ${s}`)
  return s
}

/**
 * What the test adds to an example's inputs, only to reach a server the README's example
 * reaches by its defaults. The action takes no S3 endpoint from the environment (BuildKit reads
 * it from the spec only), so an S3 example without an endpoint gets the bed's, path-style.
 */
function additions(inputs: Record<string, string>, bed: TestbedEnv): Record<string, string> {
  const added: Record<string, string> = {}
  if (inputs['cache-backend'] === 's3' && !/^endpoint_url:/m.test(inputs['cache-options'] ?? '')) {
    added['cache-options'] = `${inputs['cache-options'].trimEnd()}\nendpoint_url: ${bed.s3.endpoint}\nuse_path_style: true\n`
  }
  return added
}

/**
 * A bucket of this run on the bed's S3 server (BuildKit does not create one). Not the bed's
 * shared bucket: an example without tags has a namespace every run shares, and envd imports only
 * the first scope of the chain that exists, so another run's pr-7 there would be taken over this
 * run's main.
 */
const bucket = `readme-${randomBytes(4).toString('hex')}`
let bucketMade: Promise<void> | undefined
const UNSIGNED = 'SignedHeaders=host, Signature=0'

function s3Bucket(bed: TestbedEnv): Promise<void> {
  bucketMade ??= fetch(`${bed.s3.endpoint}/${bucket}`, {
    method: 'PUT',
    // The S3 server does not check signatures; it reads the key id from the header.
    headers: {
      Authorization: `AWS4-HMAC-SHA256 Credential=${bed.s3.accessKeyId}/20240101/${bed.s3.region}/s3/aws4_request, ${UNSIGNED}`
    }
  }).then(res => {
    if (!res.ok) throw new Error(`creating bucket ${bucket}: ${res.status}`)
  })
  return bucketMade
}

interface StandIn {
  why: string
  /** Environment of the action's step that the stood-in step would have left behind. */
  env?: (bed: TestbedEnv) => Record<string, string>
}

/** The other steps of the examples: not run; the bed provides what they would. */
const STAND_INS: Record<string, StandIn> = {
  'actions/checkout@v5': { why: 'the fixture build context, passed as `context`, is the checkout' },
  'docker/setup-buildx-action@v3': {
    why:
      "it creates a builder with its own BuildKit and makes it current: the bed's remote builder (a standalone buildkitd), made " +
      'current through BUILDX_BUILDER',
    env: bed => ({ BUILDX_BUILDER: bed.remoteBuilder })
  },
  'docker/login-action@v3': { why: "the bed's registry is plain HTTP on 127.0.0.1 and needs no login" },
  'docker/metadata-action@v5': { why: 'its outputs are what metadataAction writes, put in by SUBSTITUTIONS' },
  'pip install envd==1.3.6': { why: 'the bed installs envd 1.3.6 and puts it on PATH' }
}

// ---------------------------------------------------------------------------------------------
// The examples

interface ExampleCase {
  /** The heading the yaml block sits under (see yamlBlocks). */
  key: string
  /**
   * A workflow-level example's `on:`, as written: the runs below are those events (push to main,
   * then pull_request 7; or pull_request_target closed), so a change of triggers must be seen here.
   */
  on?: Record<string, unknown>
  /** Runs, as the clean-up example does, after another example, in its namespace. */
  after?: string
  /** Extra checks of the pull request's first build beyond exit 0, no warnings, every step CACHED. */
  check?: (r: CheckArgs) => Promise<void> | void
}

interface CheckArgs {
  bed: TestbedEnv
  main: RunResult
  /** GITHUB_SHA of main's build. */
  mainSha: string
  pr: RunResult
  /** The pull request's inputs, after the tables. */
  inputs: Record<string, string>
  /** This example's scope of that name (its namespace, then the name). */
  scope: (name: string) => string
  /** Pull request 7 again, with other inputs, after BuildKit's state is wiped. */
  again: (inputs: Record<string, string>) => Promise<RunResult>
}

/** "the export is also written under the commit (name=<namespace>/<scope>;<namespace>/<sha>)" */
const commitName = ({ main, mainSha }: CheckArgs) =>
  expect(main.outputs['cache-to']).toMatch(new RegExp(`name=\\S*main;\\S*${mainSha}[,']`))

/**
 * Blocks that are not an example of the action's step (a fragment, a config file, another
 * action's step), by key, each with the reason it is not run.
 */
const NOT_RUN: Record<string, string> = {
  'Migrating from docker/build-push-action': "build-push-action's step, shown beside this action's, which runs (the next block)",
  Inputs: 'a fragment of `with:` showing the quoting rule; inputs.test.ts tables it and backends.test.ts the --build-arg it gives',
  'Inputs (2)': "secrets, secret-envs and ssh: build-secrets.test.ts runs each in a real build (a RUN step reads them, the job's ssh-agent)"
}

const warnings = (r: RunResult) => r.annotations.filter(a => a.level === 'warning' || a.level === 'error')

/** The summary's row `label`, its value cell as text. */
function summaryRow(summary: string, label: string): string | undefined {
  const m = new RegExp(`<td>${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td><td>(.*?)</td>`).exec(summary)
  return m?.[1].replace(/<[^>]+>/g, '')
}

/** The README's table under the quick start: | What | Result | rows. */
function readmeSummaryTable(markdown: string): [string, string][] {
  const start = markdown.indexOf('| What | Result |')
  const rows: [string, string][] = []
  for (const line of markdown.slice(start).split('\n').slice(2)) {
    const m = /^\|\s*(.*?)\s*\|\s*(.*?)\s*\|$/.exec(line)
    if (!m) break
    rows.push([m[1], m[2]])
  }
  return rows
}

const EXAMPLES: ExampleCase[] = [
  {
    key: 'Quick start',
    on: { push: { branches: ['main'] }, pull_request: null },
    check: ({ pr, scope }) => {
      // The summary has the README's rows, with this run's names and figures.
      const { cached, total } = cacheFigures(pr)
      const rows = readmeSummaryTable(readFileSync(README, 'utf8'))
      expect(rows.map(r => r[0])).toEqual([
        'Builder',
        'Backend',
        'Own scope',
        'Import chain',
        'Cached steps',
        'Cache source',
        'Cache export'
      ])
      for (const [label, shown] of rows) {
        const expected = shown
          .replace(/octo-org\/app\/(\S+)/g, (_, s: string) => scope(s))
          .replace(/^\d+ \/ \d+ \(1\.00\)$/, `${cached} / ${total} (1.00)`)
        expect([label, summaryRow(pr.summary, label)]).toEqual([label, expected])
      }
    }
  },
  {
    key: 'gha (default)',
    check: ({ pr, scope }) => expect(pr.summary).toContain(`${scope('pr-7')} ✗ → ${scope('main')} ✓`)
  },
  {
    key: 'registry',
    check: ({ pr, scope }) => expect(pr.outputs['cache-source']).toBe(scope('main'))
  },
  {
    key: 'inline',
    check: async ({ pr, inputs, again }) => {
      // As written (push: true) the pull request's build carries its own cache too.
      expect(pr.outputs['cache-export']).toBe('true')
      // "Without push: true ... the build imports the chain's last pushed images and exports
      // nothing, cache-export is false and the log and summary say why."
      const { push: _push, ...withoutPush } = inputs
      const unpushed = await again(withoutPush)
      expect(cacheFigures(unpushed)).toMatchObject({ exitCode: 0, exported: 'false' })
      expect(unpushed.outputs['cache-to']).toBe('')
      expect(unpushed.outputs['cached-steps']).toBe(unpushed.outputs['total-steps'])
      expect(summaryRow(unpushed.summary, 'Cache export')).toMatch(/^no: /)
      expect(unpushed.log).toMatch(/export: no \(/)
      expect(warnings(unpushed)).toEqual([])
    }
  },
  {
    key: 'local (carried by `@actions/cache`)',
    // "a pull request's first run restores its base branch's directory"
    check: ({ pr }) => expect(summaryRow(pr.summary, 'Local cache restored')).toMatch(/^buildkit-main#/)
  },
  { key: 's3', check: commitName },
  {
    // The bed's engine has the containerd image store: the docker driver exports, no fallback
    // builder is made, nothing warns. (The fallback itself, on an engine without the store, is
    // driver-fallback.test.ts: it needs an image option and host networking this example leaves out.)
    key: "buildx's `docker` driver without the containerd image store",
    check: ({ main }) => expect(main.log).not.toMatch(/docker-container builder/)
  },
  {
    key: 'azblob',
    check: args => {
      commitName(args)
      // "the action puts these two into the spec as account_name and secret_access_key ..., masked in the log"
      const { main, bed } = args
      expect(main.outputs['cache-to']).toContain(`account_name=${bed.azblob.accountName}`)
      expect(main.outputs['cache-to']).toContain('secret_access_key=***')
      expect(main.log).not.toContain(bed.azblob.accountKey)
    }
  },
  {
    key: 'envd',
    // "builder: ... becomes an envd context"; the image is pushed where `outputs` says.
    check: ({ main, bed }) => {
      expect(main.log).toContain(`--builder tcp --builder-address ${bed.buildkitdTcp.replace(/^tcp:\/\//, '')} --use`)
      expect(main.outputs.command).toMatch(/--output type=image,name=\S+\/octo-org\/env:latest,push=true/)
    }
  },
  { key: 'envd (2)' },
  {
    key: 'Migrating from docker/build-push-action (2)',
    // The chain the hand-written scopes stood for; metadata-action's lists reach the image whole.
    check: async ({ bed, pr, inputs, scope }) => {
      expect(pr.summary).toContain(`${scope('pr-7')} ✗ → ${scope('main')} ✓`)
      const p = await pushed(bed, inputs.tags)
      const [image] = p.images.map(d => d.digest)
      const pairs = (lines: string, prefix = '') =>
        Object.fromEntries(lines.split('\n').map(line => [line.slice(prefix.length, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
      expect(p.configs.get(image)?.config?.Labels).toMatchObject(pairs(inputs.labels))
      expect(p.manifests.get(image)?.annotations).toMatchObject(pairs(inputs.annotations, 'manifest:'))
      // provenance: mode=max, as build-push-action writes it.
      expect(provenanceOf(p).map(buildConfigOf)).toEqual([expect.anything()])
    }
  },
  {
    key: "Deleting a closed pull request's caches",
    on: { pull_request_target: { types: ['closed'] } },
    after: 'gha (default)'
  }
]

// ---------------------------------------------------------------------------------------------

const blocks = yamlBlocks(readFileSync(README, 'utf8'))

/**
 * One registry namespace per example of this run; the clean-up example shares its build's. (No
 * `-` before the hex: a name ending in `-<8 hex digits>` is one the action renames.)
 */
const nonces = new Map<string, string>()
function namespaceOf(key: string): string {
  if (!nonces.has(key)) nonces.set(key, `readme${randomBytes(4).toString('hex')}`)
  return nonces.get(key)!
}

describe('README.md: every yaml block is an example that runs here, or listed with a reason', () => {
  it('no block is left out, and no case names a block that is gone', () => {
    const known = new Set([...EXAMPLES.map(e => e.key), ...Object.keys(NOT_RUN)])
    expect(blocks.filter(b => !known.has(b.key)).map(b => `README.md:${b.line} ${b.key}`)).toEqual([])
    expect([...known].filter(k => !blocks.some(b => b.key === k))).toEqual([])
  })

  it('every block is valid YAML, and every step other than the action is one the bed stands in for', () => {
    for (const block of blocks) {
      if (NOT_RUN[block.key]) continue
      const { steps } = parseExample(block)
      expect([block.key, steps.filter(s => s.uses === ACTION).length]).toEqual([block.key, 1])
      const others = steps.filter(s => s.uses !== ACTION).map(s => s.uses ?? s.run ?? '')
      expect(others.filter(o => !STAND_INS[o]).map(o => `${block.key}: ${o}`)).toEqual([])
    }
  })
})

describe.each(EXAMPLES.filter(e => !NOT_RUN[e.key]))('README example "$key"', example => {
  let bed: TestbedEnv
  const block = blocks.find(b => b.key === example.key)

  beforeAll(() => {
    bed = testbedEnv()
  })

  it('runs as written', async () => {
    if (!block) throw new Error(`README.md has no yaml block under "${example.key}"`)
    const parsed = parseExample(block)
    const step = parsed.steps.find(s => s.uses === ACTION)!
    expect(parsed.on).toEqual(example.on)

    const envd = step.with?.['build-tool'] === 'envd'
    const runnerTemp = tempDir('runner-temp-')
    const nonce = randomBytes(4).toString('hex')
    // Two short steps whose output is this run's own: main's build is cold, whatever ran before.
    const fixture = envd
      ? envdFixture([`echo deps-${nonce} > /deps`, `echo app-${nonce} > /app`], bed)
      : fixtureContext([`echo deps-${nonce} > /deps`, `echo app-${nonce} > /app`], bed)
    const namespace = namespaceOf(example.after ?? example.key)
    const standInEnv = Object.assign(
      {},
      ...parsed.steps.filter(s => s.uses !== ACTION).map(s => STAND_INS[s.uses ?? s.run ?? '']?.env?.(bed) ?? {})
    ) as Record<string, string>
    // envd's `builder:` creates and switches envd contexts: in a copy of the bed's envd HOME.
    const home = envd && step.with?.builder ? { HOME: privateEnvdHome(bed) } : {}
    const builder = standInEnv.BUILDX_BUILDER

    if (block.text.includes('my-build-cache')) await s3Bucket(bed)
    const prepare = (sha: string, refName: string) => {
      const c: Context = { bed, bucket, namespace, sha, refName }
      const inputs: Record<string, string> = {}
      for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = substitute(v, c, `${example.key}: with.${k}`)
      const env: Record<string, string> = {}
      for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(v, c, `${example.key}: env.${k}`)
      Object.assign(inputs, additions(inputs, bed))
      // The example builds the checkout (context `.`): here, the fixture.
      if (inputs.context === undefined || inputs.context === '.') inputs.context = fixture
      const options: ScenarioOptions = { sha, runnerTemp, envd, env: { ...standInEnv, ...home, ...env } }
      return { inputs, options }
    }
    const sha = () => randomBytes(20).toString('hex')
    const prune = () => (envd ? pruneStandalone(bed) : pruneBuildKit(builder, bed))

    if (example.after) {
      // The clean-up: pull_request_target closed, after the build it names ran main and pull request 7.
      const entries = async () =>
        ((await (await fetch(`${bed.cacheService!.url}_admin/entries`)).json()) as { key: string }[])
          .map(e => e.key)
          .filter(k => k.startsWith(`index-${namespace}/`))
      const before = await entries()
      expect(before.some(k => k.startsWith(`index-${namespace}/octo-org/app/pr-7-`))).toBe(true)
      const { inputs, options } = prepare(sha(), 'pr-7')
      const cleanup = await closedPullRequestTargetRun(7, 'main', inputs, options)
      if (cleanup.main.exitCode !== 0) console.log(cleanup.log, cleanup.main.stderr)
      expect(cleanup.main.exitCode).toBe(0)
      expect(warnings(cleanup)).toEqual([])
      expect(Number(cleanup.outputs['cleaned-bytes'])).toBeGreaterThan(0)
      const after = await entries()
      expect(after.filter(k => k.includes('/pr-7-'))).toEqual([])
      expect(after.filter(k => k.includes('/main-'))).toEqual(before.filter(k => k.includes('/main-')))
      return
    }

    const mainSha = sha()
    const first = prepare(mainSha, 'main')
    const main = await pushBuild('main', first.inputs, first.options)
    expect(cacheFigures(main)).toMatchObject({ exitCode: 0, exported: 'true' })
    expect(warnings(main)).toEqual([])

    await prune()
    const second = prepare(sha(), 'pr-7')
    const pr = await pullRequestBuild(7, 'main', second.inputs, second.options)
    const figures = cacheFigures(pr)
    if (figures.cached !== figures.total) console.log(`pull request 7's build of "${example.key}":\n${pr.log}`)
    expect(figures).toMatchObject({ exitCode: 0, cached: figures.total })
    expect(figures.total).toBeGreaterThan(0)
    expect(warnings(pr)).toEqual([])
    const scope = (name: string) => pr.outputs.scope.replace(/pr-7$/, name)
    expect(pr.outputs.scope).toMatch(/(^|\/)pr-7$/)
    console.log(
      `README example "${example.key}": main ${main.main.wallMs} ms, pull request 7 ${pr.main.wallMs} ms, ` +
        `${figures.cached}/${figures.total} cached`
    )

    await example.check?.({
      bed,
      main,
      mainSha,
      pr,
      inputs: second.inputs,
      scope,
      again: async inputs => {
        await prune()
        return pullRequestBuild(7, 'main', inputs, { ...second.options, sha: sha() })
      }
    })
  })
})
