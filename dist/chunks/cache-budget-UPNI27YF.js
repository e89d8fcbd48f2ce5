import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  keepCacheBudget,
  lookUpCacheBudget
} from "./chunk-GKOMEF7H.js";
import "./chunk-TJ4Y37BX.js";
import "./chunk-EG6GMA3A.js";
import "./chunk-FYC4OIAB.js";
import "./chunk-PB4UTKWJ.js";
import "./chunk-7DVI2TUS.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  keepCacheBudget,
  lookUpCacheBudget
};
