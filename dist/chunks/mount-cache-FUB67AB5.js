import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  carriedMountLines,
  carryMountsIn,
  carryMountsInto,
  carryMountsOut,
  handMountsToPost
} from "./chunk-JC6DUEMP.js";
import "./chunk-WYO2UCJX.js";
import "./chunk-X7FFRMN5.js";
import "./chunk-A2ZEUCOF.js";
import "./chunk-FT6HNTVX.js";
import "./chunk-AUCYMPWF.js";
import "./chunk-UTIKCLHM.js";
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
