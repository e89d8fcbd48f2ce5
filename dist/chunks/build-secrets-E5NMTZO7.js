import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  maskSecretFiles,
  removeSecretFiles,
  writeSecretFiles
} from "./chunk-SBI6CETW.js";
import "./chunk-ZX3MJ7GY.js";
import "./chunk-7KVD4VK7.js";
import "./chunk-X7FFRMN5.js";
import "./chunk-A2ZEUCOF.js";
import "./chunk-AUCYMPWF.js";
import "./chunk-UTIKCLHM.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  maskSecretFiles,
  removeSecretFiles,
  writeSecretFiles
};
