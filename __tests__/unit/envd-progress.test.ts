import { describe, expect, it } from '@jest/globals'
import { hitRatio } from '../../src/core/progress.js'
import { EnvdProgressReader, envdBuilderAddress } from '../../src/tools/envd.js'

function read(lines: string[]) {
  const reader = new EnvdProgressReader()
  const printed = lines.flatMap(line => reader.line(line))
  return { report: reader.report(), printed }
}

describe("envd's progress, as envd prints it after importing a cache", () => {
  it('counts a step that only downloaded its layers from the cache as cached, and prints nothing extra', () => {
    const lines = [
      '#3 bash -c set -euo pipefail',
      'echo deps > /deps',
      '#3 CACHED',
      '#4 [internal] prepare language',
      '#4 CACHED',
      '#7 exporting to oci image format',
      '#7 ...',
      '#8 bash -c set -euo pipefail',
      'echo one > /last',
      `#8 sha256:${'a'.repeat(64)} 104B / 104B 0.0s done`,
      `#8 sha256:${'b'.repeat(64)} 1.16MB / 1.16MB 0.1s done`,
      '#8 DONE 0.2s'
    ]
    const { report, printed } = read(lines)
    expect(report).toMatchObject({ totalSteps: 2, cachedSteps: 2, runSeconds: 0 })
    expect(hitRatio(report)).toBe('1.00')
    expect(printed).toEqual(lines)
  })

  it('a step that ran is not cached, though the cached step before it downloaded its layers', () => {
    const { report } = read([
      '#6 bash -c set -euo pipefail',
      `#6 sha256:${'c'.repeat(64)} 190B / 190B done`,
      `#6 extracting sha256:${'c'.repeat(64)} done`,
      '#6 DONE 0.3s',
      '#7 bash -c set -euo pipefail',
      '#7 0.072 bash: warning: setlocale: LC_ALL: cannot change locale (C.UTF-8)',
      '#7 DONE 1.1s'
    ])
    expect(report).toMatchObject({ totalSteps: 2, cachedSteps: 1, runSeconds: 1.1 })
  })

  it('a cold step whose log envd prints under #0 is not cached; reading the report twice changes nothing', () => {
    const reader = new EnvdProgressReader()
    for (const line of ['#5 bash -c set -euo pipefail', '#0 0.064 bash: warning', '#5 DONE 1.1s']) reader.line(line)
    expect(reader.report()).toMatchObject({ totalSteps: 1, cachedSteps: 0 })
    expect(reader.report()).toMatchObject({ totalSteps: 1, cachedSteps: 0 })
  })
})

describe('envd builder addresses', () => {
  it.each([
    ['unix:///run/buildkit/buildkitd.sock', { kind: 'unix', address: '/run/buildkit/buildkitd.sock' }],
    ['tcp://127.0.0.1:1234', { kind: 'tcp', address: '127.0.0.1:1234' }],
    ['/run/buildkitd.sock', { kind: 'unix', address: '/run/buildkitd.sock' }]
  ])('%s', (given, expected) => {
    expect(envdBuilderAddress(given)).toEqual(expected)
  })
})
