// A finished run of one build, as report() takes it: the figures come from `progress`.
import type { Plan } from '../../src/core/plan.js'
import type { BuildReport } from '../../src/core/progress.js'
import type { BuildRun } from '../../src/core/recovery.js'
import type { Execution } from '../../src/core/report.js'

export function oneRun(p: Plan, progress: BuildReport, run: Partial<BuildRun> = {}): Execution {
  const attempt = { plan: p, imports: p.imports, noCache: false }
  return {
    first: attempt,
    last: attempt,
    runs: [{ exitCode: 0, denied: false, exporterSetupFailed: false, ...run, report: progress }],
    exitCode: 0,
    problems: [],
    stalled: [],
    seconds: 1
  }
}
