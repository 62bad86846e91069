// reports/: reads stored run directories and writes what ops teams read: one self-contained
// report.html per run, the nightly index, JUnit XML for CI, and InfluxDB metrics.
export { loadRun, assertRunDir, type RunData } from './run';
export { renderReport, writeReport, violationViews, type ReportOptions, type WriteReportResult } from './html';
export { buildIndex, findRunDirs, type IndexOptions, type IndexResult } from './index/index';
export { junitXml, junitProblems, type JunitRun } from './junit';
export { summarize, type RunSummary } from './summary';
export { workloadIndex, series } from './metrics';
export { esc, jsonForScript, xmlEsc } from './escape';
export { openMetricsSink, exportRunToInflux, type MetricsSink, type MetricsSinkOptions } from './influx';
export { CHROMIUM_ARGS, chromiumPath } from './browser';
