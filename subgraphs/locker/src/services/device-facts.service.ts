/**
 * The one way device facts enter the platform, whether they came over MQTT or through a device-key mutation:
 * checked against the locker (it exists, its compartment numbers, a plausible time), then queued in the ingest.
 */
import { notFound } from '../../../../lib/errors/index.js';
import { checkReport, type DeviceReport } from '../domain/reports.js';
import type { ReportIngest } from './ingest.js';
import type { DirectoryEntry, LockerDirectory } from './locker-directory.js';

export class DeviceFactsService {
  constructor(
    private readonly directory: LockerDirectory,
    private readonly ingest: ReportIngest,
  ) {}

  /**
   * Queues `report`; resolves when it is committed. Rejects with NOT_FOUND for an unknown locker and BAD_USER_INPUT
   * for a compartment the locker lacks or an implausible time; nothing of a refused report is applied.
   * When the locker is already known the report is queued before this returns, so reports keep their order.
   */
  report(report: DeviceReport, now = Date.now()): Promise<void> {
    const cached = this.directory.cached(report.lockerId, now);
    if (cached !== undefined) return this.queue(report, cached, now);
    return this.directory.lookup(report.lockerId).then((entry) => this.queue(report, entry, now));
  }

  private queue(report: DeviceReport, entry: DirectoryEntry | null, now: number): Promise<void> {
    try {
      if (!entry) throw notFound('Locker', report.lockerId);
      checkReport(report, entry.indexes, now);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.ingest.submit(report);
  }
}
