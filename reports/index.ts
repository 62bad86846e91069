// reports/: reads stored run directories and writes what ops teams read: one self-contained
// report.html per run, the nightly index, JUnit XML for CI, and InfluxDB metrics.
export { CHROMIUM_ARGS, chromiumPath } from './browser';
export { esc, jsonForScript, xmlEsc } from './escape';
export { renderReport, violationViews, writeReport, type ReportOptions, type WriteReportResult } from './html';
export { buildIndex, findRunDirs, readNights, whatChanged, type IndexOptions, type IndexResult, type NightChanges, type StoreNights } from './index/index';
export { exportRunToInflux, influxTarget, openMetricsSink, type MetricsSink, type MetricsSinkOptions, type SinkStats } from './influx';
export { junitProblems, junitXml, nightJunitXml, type JunitRun } from './junit';
export { series, workloadIndex } from './metrics';
export { assertRunDir, loadRun, type RunData } from './run';
export { summarize, type RunSummary } from './summary';
