import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  restoreLocalCache,
  saveLocalCache,
  saveLocalCacheStep
} from "./chunk-XW664ENI.js";
import "./chunk-MX3X6PSI.js";
import "./chunk-HKC45ILX.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  restoreLocalCache,
  saveLocalCache,
  saveLocalCacheStep
};
