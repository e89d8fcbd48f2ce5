import type { Tool } from './tool.js'
import { buildx } from './buildx.js'
import { envd } from './envd.js'

export const TOOLS: Readonly<Record<string, Tool>> = Object.fromEntries([buildx, envd].map(tool => [tool.name, tool]))
