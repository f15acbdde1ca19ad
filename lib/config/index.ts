export { SchedulerIniFileError } from './config.errors.js';
export { exportIni, type IniExportInput } from './ini-export.js';
export { applyIniImport, planIniImport, type ImportAction, type ImportContext, type ImportPlan } from './ini-import.js';
export { iniJobs, readIniFile, type IniLoadResult } from './ini-loader.js';
export {
  formatIniProblem,
  readIni,
  writeIni,
  type IniDocument,
  type IniProblem,
  type IniSection,
} from './ini-reader.js';
