import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  restoreCarried,
  restoreLocalCache,
  saveCarried,
  saveLocalCache,
  saveLocalCacheStep,
  toolkitLine
} from "./chunk-W3OOWTTM.js";
import "./chunk-RWSYIF77.js";
import "./chunk-S4LQUINO.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  restoreCarried,
  restoreLocalCache,
  saveCarried,
  saveLocalCache,
  saveLocalCacheStep,
  toolkitLine
};
