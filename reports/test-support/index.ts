// Test support for reports: headless Chromium, a real influxd, report-page checks and
// synthetic runs.
export * from './chromium';
export * from './influxd';
export * from './report-page';
export * from './synthetic';
