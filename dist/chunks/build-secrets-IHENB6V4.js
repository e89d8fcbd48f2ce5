import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  maskSecretFiles,
  removeSecretFiles,
  writeSecretFiles
} from "./chunk-2V6VTVQH.js";
import "./chunk-36NWXXXN.js";
import "./chunk-ZDGOWBAC.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  maskSecretFiles,
  removeSecretFiles,
  writeSecretFiles
};
