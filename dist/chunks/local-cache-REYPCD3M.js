import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  restoreLocalCache,
  saveLocalCache,
  saveLocalCacheStep
} from "./chunk-NYQWVDER.js";
import "./chunk-I2FH5GNM.js";
import "./chunk-3NORXGW5.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  restoreLocalCache,
  saveLocalCache,
  saveLocalCacheStep
};
