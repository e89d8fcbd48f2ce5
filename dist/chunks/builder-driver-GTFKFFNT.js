import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  CLASSIC_STORE_IMPORTS,
  DRIVER_CANNOT_EXPORT,
  DRIVER_FALLBACKS,
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
} from "./chunk-TOPSMCAF.js";
import "./chunk-36NWXXXN.js";
import "./chunk-ZDGOWBAC.js";
import "./chunk-N3HGW3KE.js";
import "./chunk-PQADDHOS.js";
import "./chunk-HANBNIMK.js";
export {
  CLASSIC_STORE_IMPORTS,
  DRIVER_CANNOT_EXPORT,
  DRIVER_FALLBACKS,
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
