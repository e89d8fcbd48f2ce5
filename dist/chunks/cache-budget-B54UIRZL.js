import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  keepCacheBudget,
  lookUpCacheBudget
} from "./chunk-6I2U6ACL.js";
import "./chunk-SLKQJ4DP.js";
import "./chunk-SI3FHKSV.js";
import "./chunk-7CABQQ6A.js";
import "./chunk-ID57MOYA.js";
import "./chunk-S4LQUINO.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  keepCacheBudget,
  lookUpCacheBudget
};
