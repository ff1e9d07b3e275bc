import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

// Worker state changes and webpack output would drown the test report.
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: {
    logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) },
  },
});
