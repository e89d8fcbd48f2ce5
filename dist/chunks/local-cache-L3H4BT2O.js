import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  carryToolkitCall,
  restoreCarried,
  restoreLocalCache,
  saveCarried,
  saveLocalCache,
  saveLocalCacheStep,
  toolkitLine
} from "./chunk-FT6HNTVX.js";
import "./chunk-AUCYMPWF.js";
import "./chunk-UTIKCLHM.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  carryToolkitCall,
  restoreCarried,
  restoreLocalCache,
  saveCarried,
  saveLocalCache,
  saveLocalCacheStep,
  toolkitLine
};
