import * as core from '@actions/core'
import type { Plan } from '../core/plan.js'
import { type BuildOutcome, summaryRows } from '../core/summary.js'
import type { Env } from '../core/context.js'

/** Every output of action.yml, by its name there: the values a step writes, in one place. */
export interface Outputs {
  scope: string
  'cache-from': string
  'cache-to': string
  'cache-export': string
  command: string
  imageid: string
  digest: string
  metadata: string
  'cached-steps': string
  'total-steps': string
  'cache-hit-ratio': string
  'cache-source': string
  'cleaned-bytes': string
}

export const OUTPUT_NAMES: ReadonlyArray<keyof Outputs> = [
  'scope',
  'cache-from',
  'cache-to',
  'cache-export',
  'command',
  'imageid',
  'digest',
  'metadata',
  'cached-steps',
  'total-steps',
  'cache-hit-ratio',
  'cache-source',
  'cleaned-bytes'
]

/** Writes the outputs a run has, once, at its end. */
export function writeOutputs(values: Partial<Outputs>): void {
  for (const name of OUTPUT_NAMES) if (values[name] !== undefined) core.setOutput(name, values[name])
}

/** The build's table in the job summary (when the runner offers one). */
export async function writeSummary(p: Plan, outcome: BuildOutcome, env: Env): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) return
  const rows = summaryRows(p, outcome)
  await core.summary
    .addHeading(`Build cache: ${p.scope || p.context.ref || 'build'}`, 3)
    .addTable([
      [
        { data: 'What', header: true },
        { data: 'Result', header: true }
      ],
      ...rows
    ])
    .write()
}
