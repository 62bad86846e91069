export { openMetricsSink, type MetricsSink, type MetricsSinkOptions, type SinkStats } from './sink';
export { exportRunToInflux, runPoints, type ExportOptions, type ExportResult } from './export';
export { influxTarget, stripCredentials, ENV_USER, ENV_PASSWORD, DEFAULT_DATABASE, type InfluxTarget } from './client';
export { MEASUREMENTS, type OpSample, type FaultEvent, type CounterSampleIn } from './points';
