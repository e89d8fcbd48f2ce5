// @actions/cache never throws for a restore or save that failed: the action reads its reason back
// from the lines it writes, and tells a call that moves from one that only waits or retries.
import { describe, expect, it } from '@jest/globals'
import { carryToolkitCall, toolkitLine } from '../../src/effects/local-cache.js'

describe("the toolkit's lines", () => {
  it.each<[string, string, number | undefined, ReturnType<typeof toolkitLine>]>([
    [
      'a 5xx on restore: an error annotation, replaced by the action',
      '::error::Failed to restore: Failed to GetCacheEntryDownloadURL: Failed request: (500) Internal Server Error%0Adetail 100%25',
      undefined,
      {
        complaint: 'Failed to GetCacheEntryDownloadURL: Failed request: (500) Internal Server Error\ndetail 100%',
        annotation: true,
        moved: false
      }
    ],
    [
      'a refused connection: a warning annotation',
      '::warning::Failed to restore: Unable to make request: ECONNREFUSED',
      undefined,
      { complaint: 'Unable to make request: ECONNREFUSED', annotation: true, moved: false }
    ],
    [
      'a refused reservation: a plain line, kept in the log',
      'Failed to save: Unable to reserve cache with key k, another job may be creating this cache.',
      undefined,
      { complaint: 'Unable to reserve cache with key k, another job may be creating this cache.', annotation: false, moved: false }
    ],
    [
      'a retry: the reason, and no progress',
      'Attempt 2 of 5 failed with error: Failed request: (500) Internal Server Error. Retrying request in 4500 ms...',
      100,
      { complaint: 'Failed request: (500) Internal Server Error', annotation: false, moved: false, count: 100 }
    ],
    ['a download that grew: progress', 'Received 2048 of 4096 (50.0%), 0.1 MBs/sec', 1024, { annotation: false, moved: true, count: 2048 }],
    ['a download that did not: none', 'Received 1024 of 4096 (25.0%), 0.0 MBs/sec', 1024, { annotation: false, moved: false, count: 1024 }],
    ['an upload counts the same', 'Sent 10 of 20 (50.0%), 0.0 MBs/sec', undefined, { annotation: false, moved: true, count: 10 }],
    ['any other line: progress', 'Cache Size: ~1 MB (1048576 B)', 7, { annotation: false, moved: true, count: 7 }]
  ])('%s', (_, line, lastCount, expected) => {
    expect(toolkitLine(line, lastCount)).toEqual(expected)
  })
})

describe('toolkit calls carried at once (several cache mounts restored together)', () => {
  const after = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
  /** A call that writes its lines as @actions/cache does, interleaved with the other's by the waits. */
  const toolkitCall = (lines: string[], wait: number) => async () => {
    for (const line of lines) {
      await after(wait)
      process.stdout.write(`${line}\n`)
    }
    return lines.length
  }

  it("each call hears only its own lines, and the other's annotation is still dropped", async () => {
    const written: string[] = []
    const write = process.stdout.write
    process.stdout.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stdout.write
    try {
      const [first, second] = await Promise.all([
        carryToolkitCall(toolkitCall(['Received 10 of 20 (50.0%)', '::warning::Failed to restore: first broke'], 20), 1000),
        carryToolkitCall(toolkitCall(['Attempt 1 of 5 failed with error: second broke. Retrying request in 10 ms...', 'done'], 15), 1000)
      ])
      expect(first).toEqual({ value: 2, complaint: 'first broke' })
      expect(second).toEqual({ value: 2, complaint: 'second broke' })
    } finally {
      process.stdout.write = write
    }
    expect(written.join('')).not.toContain('::warning::')
    expect(written.join('')).toContain('done')
  })

  it('a call that stalls is given up alone: the other, moving, completes', async () => {
    const [stalled, moving] = await Promise.all([
      carryToolkitCall(() => new Promise(() => undefined), 60),
      carryToolkitCall(toolkitCall(['Received 1 of 4', 'Received 2 of 4', 'Received 3 of 4', 'Received 4 of 4'], 30), 60)
    ])
    expect(stalled).toEqual({ stalled: true })
    expect(moving).toEqual({ value: 4 })
  })
})
