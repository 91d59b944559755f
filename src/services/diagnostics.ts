// How the extension host is doing since the last snapshot: event-loop delay percentiles, memory
// over time (with its growth trend), the live probe's delivery counts and latencies, and each
// inspection's timing. The Show Diagnostics command writes a snapshot out.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Disposable } from '../base/disposable';
import { floorTrend, inspectionSummary, percentile, round, slopePerMinute, type InspectionTiming } from './trend';

const SAMPLE_EVERY_MS = 1000;
const MAX_SAMPLES = 3600;

export interface MemorySample {
  tMs: number;
  rssMb: number;
  heapUsedMb: number;
  /** Typed-array memory (model outputs, caches): outside the JS heap, inside the RSS. */
  arrayBuffersMb: number;
}

export class HostDiagnostics extends Disposable {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private windowStart = Date.now();
  private samples: MemorySample[] = [];
  private probeLatencies: number[] = [];
  private probeErrors = 0;
  private inspections: InspectionTiming[] = [];

  constructor() {
    super();
    this.delay.enable();
    const timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    timer.unref?.();
    this.register({ dispose: () => { clearInterval(timer); this.delay.disable(); } });
  }

  /** The live probe reports each delivered result's time from request to display. */
  recordProbe(ms: number): void {
    if (this.probeLatencies.length < 100_000) this.probeLatencies.push(ms);
  }

  recordProbeError(): void {
    this.probeErrors++;
  }

  /** Inspect Selection reports each analysis it showed: from the command to the panel given the result. */
  recordInspection(t: InspectionTiming): void {
    if (this.inspections.length < 10_000) this.inspections.push(t);
  }

  /** Everything measured since the last snapshot; starts a new window. */
  snapshot(extra: Record<string, unknown>): Record<string, unknown> {
    this.sample();
    const ns = (v: number) => Math.round(v / 1e4) / 100; // ns → ms, 2 decimals
    const points = (key: 'rssMb' | 'heapUsedMb') => this.samples.map((s) => ({ x: s.tMs, y: s[key] }));
    const report = {
      windowSeconds: Math.round((Date.now() - this.windowStart) / 100) / 10,
      eventLoopDelayMs: this.delay.count === 0 ? null : {
        p50: ns(this.delay.percentile(50)), p95: ns(this.delay.percentile(95)), p99: ns(this.delay.percentile(99)), max: ns(this.delay.max),
      },
      memory: {
        rssSlopeMbPerMin: round(slopePerMinute(points('rssMb'))),
        heapSlopeMbPerMin: round(slopePerMinute(points('heapUsedMb'))),
        // The lower envelope after the first fifth (warm-up): rising floors mean a leak, a sawtooth does not.
        rssFloor: floorTrend(points('rssMb'), 0.2 * (Date.now() - this.windowStart), 6),
        samples: this.samples,
      },
      liveProbe: {
        delivered: this.probeLatencies.length,
        errors: this.probeErrors,
        requestToDisplayMs: { p50: percentile(this.probeLatencies, 50), p95: percentile(this.probeLatencies, 95) },
      },
      inspections: inspectionSummary(this.inspections),
      ...extra,
    };
    this.delay.reset();
    this.windowStart = Date.now();
    this.samples = [];
    this.probeLatencies = [];
    this.probeErrors = 0;
    this.inspections = [];
    return report;
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.samples.push({ tMs: Date.now() - this.windowStart, rssMb: round(m.rss / 2 ** 20), heapUsedMb: round(m.heapUsed / 2 ** 20), arrayBuffersMb: round(m.arrayBuffers / 2 ** 20) });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }
}
