import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  DRIVER_CANNOT_EXPORT,
  DRIVER_FALLBACKS,
  DRIVER_REFUSES_ATTESTATION,
  buildxDirs,
  currentBuilder,
  engineUsesContainerdStore,
  exportsNeedingCacheExport,
  fitPlanToBuilder,
  planForDockerDriver,
  readFileOrUndefined,
  removeFallbackBuilder,
  usesContainerdStore,
  withoutDriverExport
} from "./chunk-7OW7WN3Y.js";
import "./chunk-7KVD4VK7.js";
import "./chunk-A2ZEUCOF.js";
import "./chunk-UTIKCLHM.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  DRIVER_CANNOT_EXPORT,
  DRIVER_FALLBACKS,
  DRIVER_REFUSES_ATTESTATION,
  buildxDirs,
  currentBuilder,
  engineUsesContainerdStore,
  exportsNeedingCacheExport,
  fitPlanToBuilder,
  planForDockerDriver,
  readFileOrUndefined,
  removeFallbackBuilder,
  usesContainerdStore,
  withoutDriverExport
};
