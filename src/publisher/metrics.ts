import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the publisher reports on /metrics. */
export class PublisherMetrics {
  readonly lag: Histogram<'network'>;
  readonly outcomes: Counter<'network' | 'kind'>;
  readonly inFlight: Gauge;
  readonly claims: Counter;
  readonly lastLoopBeat: Gauge;

  constructor(registry: Registry) {
    this.lag = new Histogram({
      name: 'spool_publish_lag_seconds',
      help: 'Time from a post target being due to it being published',
      labelNames: ['network'],
      buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
      registers: [registry],
    });
    this.outcomes = new Counter({
      name: 'spool_publish_outcomes_total',
      help: 'Publish attempts by network and outcome',
      labelNames: ['network', 'kind'],
      registers: [registry],
    });
    this.inFlight = new Gauge({
      name: 'spool_publish_in_flight',
      help: 'Publish attempts in flight in this process',
      registers: [registry],
    });
    this.claims = new Counter({
      name: 'spool_publish_claimed_total',
      help: 'Targets claimed for publishing by this process',
      registers: [registry],
    });
    this.lastLoopBeat = new Gauge({
      name: 'spool_publisher_loop_heartbeat_timestamp_seconds',
      help: 'When this process last ran its publishing loop',
      registers: [registry],
    });
  }
}
