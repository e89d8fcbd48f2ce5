import { runMain } from './run.js'

await runMain()
// Everything is written: a cache request the action gave up on (a restore past cache-timeout) must not hold the step open.
process.exit()
