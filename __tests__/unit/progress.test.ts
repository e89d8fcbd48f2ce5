import { describe, expect, it } from '@jest/globals'
import { DOCKERFILE_STEP, PlainProgressReader, RawJsonReader, hitRatio } from '../../src/core/progress.js'

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString()

describe('buildx --progress rawjson', () => {
  it('counts steps once, cached ones, run time, and which imports were found', () => {
    const reader = new RawJsonReader(DOCKERFILE_STEP)
    const lines = [
      { vertexes: [{ digest: 'i1', name: 'importing cache manifest from reg/app:buildcache-pr-7', started: at(0) }] },
      {
        vertexes: [
          {
            digest: 'i1',
            name: 'importing cache manifest from reg/app:buildcache-pr-7',
            started: at(0),
            completed: at(1),
            error: 'not found'
          }
        ]
      },
      { vertexes: [{ digest: 'i2', name: 'importing cache manifest from reg/app:buildcache-main', started: at(0), completed: at(2) }] },
      { vertexes: [{ digest: 's1', name: '[1/3] COPY a /a', cached: true, started: at(2), completed: at(2) }] },
      { vertexes: [{ digest: 's2', name: '[2/3] RUN make', started: at(2) }] },
      { logs: [{ vertex: 's2', data: Buffer.from('compiling\n').toString('base64') }] },
      { vertexes: [{ digest: 's2', name: '[2/3] RUN make', started: at(2), completed: at(7) }] },
      { vertexes: [{ digest: 's2b', name: '[2/3] RUN make', cached: true }] },
      { vertexes: [{ digest: 's3', name: '[3/3] RUN test', cached: true }] },
      { vertexes: [{ digest: 'e1', name: 'exporting cache to registry', started: at(7), completed: at(10) }] }
    ]
    const log = lines.flatMap(line => reader.line(JSON.stringify(line)))
    expect(log).toContain('[2/3] RUN make DONE 5.0s')
    expect(log).toContain('  compiling')
    expect(log).toContain('[3/3] RUN test CACHED')
    expect(reader.line('not json at all')).toEqual(['not json at all'])
    const report = reader.report()
    expect(report).toMatchObject({ totalSteps: 3, cachedSteps: 3, importSeconds: 3, exportSeconds: 3 })
    expect(report.imports).toEqual([
      { source: 'reg/app:buildcache-pr-7', found: false, error: 'not found' },
      { source: 'reg/app:buildcache-main', found: true }
    ])
    expect(hitRatio(report)).toBe('1.00')
  })
})

describe("envd's plain progress", () => {
  it('counts its run() steps (bash -c …), not the internal vertices that always show CACHED', () => {
    const reader = new PlainProgressReader(/^bash -c /)
    const text = [
      '#1 [internal] prepare language',
      '#1 CACHED',
      "#2 bash -c 'set -euo pipefail\necho one'",
      '#2 CACHED',
      "#3 bash -c 'set -euo pipefail\necho two'",
      '#3 0.120 two',
      '#3 DONE 2.5s',
      '#4 exporting cache to registry',
      '#4 ERROR: failed to push'
    ]
    for (const line of text.join('\n').split('\n')) reader.line(line)
    const report = reader.report()
    expect(report).toMatchObject({ totalSteps: 2, cachedSteps: 1, runSeconds: 2.5 })
    expect(report.exportErrors).toEqual(['exporting cache to registry: failed to push'])
    expect(hitRatio(report)).toBe('0.50')
  })
})
