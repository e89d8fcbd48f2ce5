// The formatter keeps code within its line width but cannot break a long string, regex or
// comment: this check fails on any line of the sources longer than that width.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const width = JSON.parse(readFileSync('biome.json', 'utf8')).formatter.lineWidth
const roots = ['src', '__tests__', 'testbed', 'bench', 'scripts']
const files = []
const walk = dir => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (name === 'node_modules') continue
    if (statSync(path).isDirectory()) walk(path)
    else if (/\.(ts|mjs|js)$/.test(name)) files.push(path)
  }
}
for (const root of roots) walk(root)
const long = files.flatMap(file =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => ([...line].length > width ? [`${file}:${i + 1}: ${[...line].length} characters`] : []))
)
for (const line of long) console.log(line)
if (long.length) {
  console.log(`${long.length} line(s) over ${width} characters: break the string or comment by hand.`)
  process.exit(1)
}
