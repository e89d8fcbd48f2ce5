import { runMain } from './run.js'

await runMain()
