// Test support for reports: headless Chromium, a real influxd, report-page checks, synthetic
// runs and runs of one-op processes.
export * from './chromium';
export * from './influxd';
export * from './one-op';
export * from './report-page';
export * from './synthetic';
