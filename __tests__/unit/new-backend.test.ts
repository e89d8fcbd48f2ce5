// The README's claim: a new backend is one file and one line in src/backends/index.ts. Here a
// backend is declared as such a file would declare it, added as that line would add it, and
// inputs, plan, command line, the read before the build, the docker driver's fit, report and
// clean-up take it with no other change.
import { oneRun } from './one-run.js'
import { describe, expect, it } from '@jest/globals'
import type { Backend } from '../../src/backends/backend.js'
import { attribute, exportAttributes, pick, scopeId } from '../../src/backends/backend.js'
import { BACKENDS } from '../../src/backends/index.js'
import { readInputs } from '../../src/core/inputs.js'
import { invocationOf, plan } from '../../src/core/plan.js'
import type { BuildReport } from '../../src/core/progress.js'
import { report } from '../../src/core/report.js'
import { summaryRows } from '../../src/core/summary.js'
import { readProbes } from '../../src/effects/cache-probe.js'
import { withoutDriverExport } from '../../src/effects/builder-driver.js'
import { PR_7, PR_7_ENV } from './pull-request-7.js'

// --- what src/backends/webdav.ts would hold -------------------------------------------------
const webdav: Backend = {
  name: 'webdav',
  sharedOptions: ['url'],
  exportOptions: ['ignore-error'],
  requiredOptions: ['url'],
  importsOnClassicDockerStore: true,
  readProbe: attributes => ({
    what: `the WebDAV server (${attribute(attributes, 'path')})`,
    url: `${attribute(attributes, 'url')}/${attribute(attributes, 'path')}`,
    init: { method: 'PROPFIND', headers: { Depth: '0' } }
  }),
  imports: (chain, settings) =>
    chain.map(scope => ({
      label: scopeId(scope, settings),
      scope,
      attributes: [['type', 'webdav'], ['path', scopeId(scope, settings)], ...pick(settings.options, ['url'])]
    })),
  exportTo: (own, settings) => [['type', 'webdav'], ['path', scopeId(own, settings)], ...exportAttributes(webdav, settings)]
}
// --- and the line in src/backends/index.ts --------------------------------------------------
;(BACKENDS as Record<string, Backend>)[webdav.name] = webdav

const PR = PR_7
const ENV = PR_7_ENV
const inputs = (values: Record<string, string>) => readInputs(name => values[name] ?? '')

describe('a backend declared in one file', () => {
  const values = { 'cache-backend': 'webdav', 'cache-options': 'url: https://dav.example/cache', tags: 'r.example/o/app:1' }

  it('is an input value, with its options checked like any backend’s', () => {
    expect(inputs(values).cacheBackend).toBe('webdav')
    expect(() => inputs({ ...values, 'cache-options': 'user: me' })).toThrow(
      /^Input "cache-options": "user" is not an attribute of the webdav backend; allowed: url, ignore-error\.$/
    )
    expect(() => inputs({ 'cache-backend': 'webdav' })).toThrow(/^Input "cache-options": the webdav backend needs url/)
  })

  it('gets the scope chain, its specs and the command line', () => {
    const p = plan(inputs(values), PR, ENV)
    expect(p.chain.map(s => [s.id, s.location])).toEqual([
      ['o/app/pr-7', 'o/app/pr-7'],
      ['o/app/main', 'o/app/main']
    ])
    const args = invocationOf(p, p.imports, ENV).args
    expect(args).toEqual(
      expect.arrayContaining([
        '--cache-from',
        'type=webdav,path=o/app/pr-7,url=https://dav.example/cache',
        '--cache-to',
        'type=webdav,path=o/app/pr-7,mode=max,url=https://dav.example/cache,ignore-error=true'
      ])
    )
  })

  it('is read before the build as it says BuildKit reads it, once per request', () => {
    const p = plan(inputs(values), PR, ENV)
    expect(readProbes([...p.imports, ...p.imports], ENV).map(probe => `${probe.init.method} ${probe.url}`)).toEqual([
      'PROPFIND https://dav.example/cache/o/app/pr-7',
      'PROPFIND https://dav.example/cache/o/app/main'
    ])
  })

  it('keeps the imports it says the docker driver does without the containerd image store, not its export', () => {
    const p = plan(inputs({ ...values, 'cache-export': 'true' }), PR, ENV)
    const fitted = withoutDriverExport(p, 'default')
    expect(fitted.imports).toEqual(p.imports)
    expect(fitted).toMatchObject({ exports: [], cacheExport: false, exportReason: expect.stringMatching(/cannot export the webdav cache/) })
  })

  it('is reported: outputs, chain marks from BuildKit’s import lines, the summary', () => {
    const p = plan(inputs(values), PR, ENV)
    const progress: BuildReport = {
      totalSteps: 4,
      cachedSteps: 4,
      runSeconds: 0,
      importSeconds: 0.2,
      exportSeconds: 0.1,
      imports: [
        { source: 'webdav:o/app/pr-7', found: false },
        { source: 'webdav:o/app/main', found: true }
      ],
      exportErrors: []
    }
    const result = report(oneRun(p, progress), { metadata: { text: '' } }, ENV)
    expect(result.outputs).toMatchObject({ scope: 'o/app/pr-7', 'cache-export': 'true', 'cached-steps': '4', 'cache-source': 'o/app/main' })
    expect(result.warnings).toEqual([])
    expect(Object.fromEntries(summaryRows(p, result.outcome))).toMatchObject({
      Backend: 'webdav',
      'Import chain': 'o/app/pr-7 ✗ → o/app/main ✓'
    })
  })

  it('is cleaned up as far as it says it can be: neither Actions cache keys nor a registry tag', () => {
    const p = plan(inputs({ ...values, 'cache-export': 'true' }), PR, ENV)
    expect(p.ownedKeys).toBeUndefined()
    expect(p.ownedTag).toBeUndefined()
  })
})
