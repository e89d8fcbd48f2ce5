import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  carryMountsIn,
  carryMountsOut,
  handMountsToPost
} from "./chunk-EIXQTWG3.js";
import "./chunk-JDGTF3GF.js";
import "./chunk-7CABQQ6A.js";
import "./chunk-W3OOWTTM.js";
import "./chunk-RWSYIF77.js";
import "./chunk-S4LQUINO.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  carryMountsIn,
  carryMountsOut,
  handMountsToPost
};
