import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  carriedMountLines,
  carryMountsIn,
  carryMountsInto,
  carryMountsOut,
  handMountsToPost
} from "./chunk-MPELNYI2.js";
import "./chunk-D4JPN7VI.js";
import "./chunk-226FARFR.js";
import "./chunk-A2ZEUCOF.js";
import "./chunk-PJM6MWRY.js";
import "./chunk-PB4UTKWJ.js";
import "./chunk-7DVI2TUS.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  carriedMountLines,
  carryMountsIn,
  carryMountsInto,
  carryMountsOut,
  handMountsToPost
};
