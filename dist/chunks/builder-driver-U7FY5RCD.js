import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  CLASSIC_STORE_IMPORTS,
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
} from "./chunk-WOMLVIS7.js";
import "./chunk-7CABQQ6A.js";
import "./chunk-S4LQUINO.js";
import "./chunk-G22OP24S.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  CLASSIC_STORE_IMPORTS,
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
