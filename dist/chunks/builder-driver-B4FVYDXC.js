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
} from "./chunk-36VYDG4K.js";
import "./chunk-MX3X6PSI.js";
import "./chunk-HKC45ILX.js";
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
