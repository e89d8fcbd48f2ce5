import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  restoreLocalCache,
  saveLocalCache,
  saveLocalCacheStep
} from "./chunk-CVFKA7HA.js";
import "./chunk-ZDGOWBAC.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  restoreLocalCache,
  saveLocalCache,
  saveLocalCacheStep
};
