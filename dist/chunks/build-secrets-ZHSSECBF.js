import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  maskSecretFiles,
  removeSecretFiles,
  writeSecretFiles
} from "./chunk-I4AK6KC6.js";
import "./chunk-QM5CNITC.js";
import "./chunk-QWTI2ALW.js";
import "./chunk-FYC4OIAB.js";
import "./chunk-PB4UTKWJ.js";
import "./chunk-7DVI2TUS.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  maskSecretFiles,
  removeSecretFiles,
  writeSecretFiles
};
