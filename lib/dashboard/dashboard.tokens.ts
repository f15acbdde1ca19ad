/** DI token: the validated `DashboardConfig`. */
export const DASHBOARD_CONFIG = 'KRONOS_DASHBOARD_CONFIG';
/** DI token: the mount path given to `register()` / `registerAsync()`, normalised. */
export const DASHBOARD_PATH = 'KRONOS_DASHBOARD_PATH';
