// Test support for reports: headless Chromium, a real influxd, report-page checks, synthetic
// runs, runs of one-op processes and stores of nights.
export * from './chromium';
export * from './influxd';
export * from './nights';
export * from './one-op';
export * from './report-page';
export * from './synthetic';
