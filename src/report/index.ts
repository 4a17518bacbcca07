export { buildReport, createReportBuilder, type ReportBuilder } from './fold';
export { FAILURE_TAG, failureMask } from './figures';
export { formatCount, formatDuration, formatShare } from './format';
export { renderReportHtml, type ReportHtmlOptions } from './html';
export { mergeReports } from './merge';
export {
  REPORT_FORMAT,
  type ChannelFigures,
  type Contradiction,
  type ContradictionFigures,
  type DeliveryReport,
  type DetailCount,
  type FailureFigures,
  type FinalCount,
  type FunnelStep,
  type ReportOptions,
  type TimingFigures,
  type TransitionCount,
} from './model';
export {
  RELATIVE_ACCURACY,
  histogramOf,
  mergeSketchData,
  newSketch,
  quantileOf,
  sketchFromData,
  sketchKey,
  sketchToData,
  type HistogramBar,
  type SketchData,
} from './sketch';
export { renderTrafficDot, trafficSvg } from './traffic';
