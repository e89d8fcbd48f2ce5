/**
 * Runs the build as its own process group, hands every line of its output to `onLine`, and
 * asks a CacheWatch on a one-second clock whether cache traffic has stalled: then the whole
 * group (docker, the buildx plugin, envd) is stopped, SIGTERM and 3 s later SIGKILL.
 */
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import type { CacheWatch, Stall } from '../core/cache-watch.js'

export interface ProcessResult {
  exitCode: number
  stall?: Stall
}

/**
 * Every process under `root` (Linux /proc). The docker CLI starts its buildx plugin in a
 * process group of its own, so killing the group alone would leave the plugin waiting on
 * BuildKit; each descendant is signalled too.
 */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>()
  let entries: string[] = []
  try {
    entries = readdirSync('/proc').filter(name => /^\d+$/.test(name))
  } catch {
    return []
  }
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)])
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = []
  const queue = [root]
  while (queue.length && found.length < 1000) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child)
      queue.push(child)
    }
  }
  return found
}

export function runWatched(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  onLine: (line: string) => void,
  watch: { watcher: CacheWatch; feed: (line: string, now: number) => void } | undefined
): Promise<ProcessResult> {
  return new Promise(resolve => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let stall: Stall | undefined
    let killTimer: NodeJS.Timeout | undefined
    const pending = { stdout: '', stderr: '' }
    const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const lines = (pending[stream] + chunk.toString('utf8')).split('\n')
      pending[stream] = lines.pop() ?? ''
      for (const line of lines) {
        watch?.feed(line, Date.now())
        onLine(line)
      }
    }
    child.stdout.on('data', take('stdout'))
    child.stderr.on('data', take('stderr'))
    let tree: number[] = []
    const signal = (name: NodeJS.Signals) => {
      if (!child.pid) return
      tree = [...new Set([...tree, ...descendants(child.pid)])]
      for (const target of [-child.pid, ...tree]) {
        try {
          process.kill(target, name)
        } catch {
          // already gone
        }
      }
    }
    const clock = watch
      ? setInterval(() => {
          if (stall) return
          stall = watch.watcher.check(Date.now())
          if (!stall) return
          signal('SIGTERM')
          killTimer = setTimeout(() => signal('SIGKILL'), 3000)
        }, 1000)
      : undefined
    const finish = (exitCode: number) => {
      if (clock) clearInterval(clock)
      if (killTimer) clearTimeout(killTimer)
      for (const stream of ['stdout', 'stderr'] as const) if (pending[stream]) onLine(pending[stream])
      resolve({ exitCode, stall })
    }
    child.on('error', error => {
      onLine(`${file}: ${error.message}`)
      finish(127)
    })
    child.on('close', (code, sig) => finish(code ?? (sig ? 128 : 1)))
  })
}
