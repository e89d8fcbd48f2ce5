/**
 * Reads BuildKit's progress and keeps what the report needs: steps, which were CACHED, how
 * long the others ran, and the cache import and export vertices. buildx prints it as
 * `--progress rawjson` (one SolveStatus JSON object per line); envd prints BuildKit's plain
 * format (`#5 [2/3] RUN …`, `#5 CACHED`, `#5 DONE 1.2s`). Pure: lines in, report out.
 */
export interface BuildReport {
  totalSteps: number
  cachedSteps: number
  /** Seconds spent in steps that ran (were not CACHED). */
  runSeconds: number
  importSeconds: number
  exportSeconds: number
  /** `importing cache manifest from X` vertices: X and whether it was found. */
  imports: Array<{ source: string; found: boolean; error?: string }>
  /** Export vertices that failed (the build went on: ignore-error). */
  exportErrors: string[]
}

interface Vertex {
  name: string
  cached: boolean
  seconds: number
  done: boolean
  error?: string
}

export interface ProgressReader {
  /** Takes one line of the stream; returns the human-readable lines it adds to the log. */
  line(text: string): string[]
  report(): BuildReport
}

/** A Dockerfile step as buildx names it: `[stage 2/5] RUN …`. */
export const DOCKERFILE_STEP = /^\[[^\]]*?\d+\/\d+\]/
const IMPORT = /^importing cache manifest from (.*)$/
const EXPORT = /^(exporting cache|exporting to GitHub Actions Cache|preparing build cache for export|writing cache)/i

/** The vertices seen so far, keyed by the stream's id for them. */
class Vertices {
  readonly byId = new Map<string, Vertex>()

  /** sameNameSameStep: buildx names every step uniquely (`[2/5] RUN …`), envd does not. */
  constructor(
    private readonly step: RegExp,
    private readonly sameNameSameStep: boolean
  ) {}

  update(id: string, change: Partial<Vertex>): { vertex: Vertex; finished: boolean } {
    const previous = this.byId.get(id)
    const vertex: Vertex = { name: '', cached: false, seconds: 0, done: false, ...previous }
    if (change.name) vertex.name = vertex.name || change.name
    vertex.cached ||= !!change.cached
    vertex.error ||= change.error
    if (change.seconds !== undefined) vertex.seconds = change.seconds
    vertex.done ||= !!change.done || vertex.cached || !!vertex.error
    this.byId.set(id, vertex)
    return { vertex, finished: vertex.done && !previous?.done }
  }

  report(): BuildReport {
    const all = [...this.byId.values()]
    // A step can show up under more than one digest (e.g. once resolved from cache); count it once.
    const byName = new Map<string, Vertex>()
    for (const [id, v] of this.byId) {
      if (!this.step.test(v.name)) continue
      const key = this.sameNameSameStep ? v.name : id
      const seen = byName.get(key)
      byName.set(key, seen ? { ...seen, cached: seen.cached || v.cached, seconds: Math.max(seen.seconds, v.seconds) } : v)
    }
    const steps = [...byName.values()]
    const importing = all.filter(v => IMPORT.test(v.name))
    const exporting = all.filter(v => EXPORT.test(v.name))
    const sum = (vs: Vertex[]) => Math.round(vs.reduce((t, v) => t + v.seconds, 0) * 100) / 100
    return {
      totalSteps: steps.length,
      cachedSteps: steps.filter(v => v.cached).length,
      runSeconds: sum(steps.filter(v => !v.cached)),
      importSeconds: sum(importing),
      exportSeconds: sum(exporting),
      imports: importing.map(v => ({ source: IMPORT.exec(v.name)![1], found: !v.error, ...(v.error && { error: v.error }) })),
      exportErrors: exporting.filter(v => v.error).map(v => `${v.name}: ${v.error}`)
    }
  }
}

function describe(vertex: Vertex): string {
  if (vertex.cached) return `${vertex.name} CACHED`
  if (vertex.error) return `${vertex.name} ERROR: ${vertex.error}`
  return `${vertex.name} DONE ${vertex.seconds.toFixed(1)}s`
}

export class RawJsonReader implements ProgressReader {
  private readonly vertices: Vertices

  constructor(step: RegExp) {
    this.vertices = new Vertices(step, true)
  }

  line(text: string): string[] {
    let status: { vertexes?: any[]; logs?: any[]; warnings?: any[] }
    try {
      status = JSON.parse(text)
    } catch {
      return text.trim() ? [text] : []
    }
    const out: string[] = []
    for (const raw of status.vertexes ?? []) {
      const started = raw.started ? Date.parse(raw.started) : NaN
      const completed = raw.completed ? Date.parse(raw.completed) : NaN
      const { vertex, finished } = this.vertices.update(raw.digest, {
        name: raw.name,
        cached: raw.cached,
        error: raw.error || undefined,
        done: !!raw.completed,
        ...(completed >= started && { seconds: (completed - started) / 1000 })
      })
      if (finished) out.push(describe(vertex))
    }
    for (const log of status.logs ?? []) {
      const data = Buffer.from(log.data ?? '', 'base64')
        .toString('utf8')
        .replace(/\n$/, '')
      if (data) out.push(...data.split('\n').map(l => `  ${l}`))
    }
    for (const warning of status.warnings ?? []) {
      out.push(`WARNING: ${Buffer.from(warning.short ?? '', 'base64').toString('utf8')}`)
    }
    return out
  }

  report(): BuildReport {
    return this.vertices.report()
  }
}

export class PlainProgressReader implements ProgressReader {
  private readonly vertices: Vertices

  constructor(step: RegExp) {
    this.vertices = new Vertices(step, false)
  }

  line(text: string): string[] {
    const match = /^#(\d+) (.*)$/.exec(text.trimEnd())
    if (!match) return text.trim() ? [text] : []
    const [, id, rest] = match
    const done = /^DONE (\d+(?:\.\d+)?)s$/.exec(rest)
    const error = /^ERROR:? (.*)$/.exec(rest)
    if (rest === 'CACHED') this.vertices.update(id, { cached: true })
    else if (done) this.vertices.update(id, { done: true, seconds: Number(done[1]) })
    else if (error) this.vertices.update(id, { error: error[1] || 'failed' })
    else if (!this.vertices.byId.has(id)) this.vertices.update(id, { name: rest })
    return [text]
  }

  report(): BuildReport {
    return this.vertices.report()
  }
}

/** Whether the build ran a step (a RUN could have changed something); a build that says nothing of its steps may have. */
export function ranAnyStep(report: Pick<BuildReport, 'cachedSteps' | 'totalSteps'>): boolean {
  return report.totalSteps === 0 || report.cachedSteps < report.totalSteps
}

/** Share of steps that came from cache, two decimals; 0 when nothing ran. */
export function hitRatio(report: Pick<BuildReport, 'cachedSteps' | 'totalSteps'>): string {
  return report.totalSteps ? (report.cachedSteps / report.totalSteps).toFixed(2) : '0.00'
}
