import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  carryToolkitCall,
  restoreCarried,
  restoreLocalCache,
  saveCarried,
  saveLocalCache,
  saveLocalCacheStep,
  toolkitLine
} from "./chunk-PJM6MWRY.js";
import "./chunk-PB4UTKWJ.js";
import "./chunk-7DVI2TUS.js";
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
