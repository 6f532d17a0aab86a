/**
 * `GET /services/data/vXX.X/limits`: every limit a Developer/Enterprise org reports, each as
 * `{ Max, Remaining }` (the shape of jsforce's `OrganizationLimitsInfo` and of Salesforce's "List
 * Org Limits" resource). The sandbox counts only API requests and Bulk batches; the others stay
 * at their allocation, as in an org that uses none of them.
 */

interface Limit {
  Max: number;
  Remaining: number;
}

/** Allocations of limits the sandbox does not consume. */
const UNUSED: Record<string, number> = {
  ActiveScratchOrgs: 3,
  AnalyticsExternalDataSizeMB: 40_960,
  ConcurrentAsyncGetReportInstances: 200,
  ConcurrentEinsteinDataInsightsStoryCreation: 5,
  ConcurrentEinsteinDiscoveryStoryCreation: 2,
  ConcurrentSyncReportRuns: 20,
  DailyAnalyticsDataflowJobExecutions: 60,
  DailyAnalyticsUploadedFilesSizeMB: 51_200,
  DailyAsyncApexExecutions: 250_000,
  DailyAsyncApexTests: 500,
  DailyBulkV2QueryFileStorageMB: 976_562,
  DailyBulkV2QueryJobs: 10_000,
  DailyDeliveredPlatformEvents: 10_000,
  DailyDurableGenericStreamingApiEvents: 10_000,
  DailyDurableStreamingApiEvents: 10_000,
  DailyEinsteinDataInsightsStoryCreation: 1_000,
  DailyEinsteinDiscoveryPredictAPICalls: 50_000,
  DailyEinsteinDiscoveryPredictionsByCDC: 500_000,
  DailyEinsteinDiscoveryStoryCreation: 100,
  DailyFunctionsApiCallLimit: 235_000,
  DailyGenericStreamingApiEvents: 10_000,
  DailyScratchOrgs: 6,
  DailyStandardVolumePlatformEvents: 10_000,
  DailyStreamingApiEvents: 10_000,
  DailyWorkflowEmails: 390,
  DataStorageMB: 5,
  DurableStreamingApiConcurrentClients: 20,
  FileStorageMB: 20,
  HourlyAsyncReportRuns: 1_200,
  HourlyDashboardRefreshes: 200,
  HourlyDashboardResults: 5_000,
  HourlyDashboardStatuses: 999_999_999,
  HourlyLongTermIdMapping: 100_000,
  HourlyManagedContentPublicRequests: 50_000,
  HourlyODataCallout: 10_000,
  HourlyPublishedPlatformEvents: 50_000,
  HourlyPublishedStandardVolumePlatformEvents: 1_000,
  HourlyShortTermIdMapping: 100_000,
  HourlySyncReportRuns: 500,
  HourlyTimeBasedWorkflow: 50,
  MassEmail: 10,
  MonthlyEinsteinDiscoveryStoryCreation: 500,
  MonthlyPlatformEventsUsageEntitlement: 0,
  Package2VersionCreates: 6,
  Package2VersionCreatesWithoutValidation: 500,
  PermissionTypesLimit: 30,
  PrivateConnectOutboundCalloutHourlyLimitMB: 0,
  PublishCallbackUsageInApex: 5_000_000,
  SingleEmail: 15,
  StreamingApiConcurrentClients: 20,
};

export function orgLimits(used: {
  apiLimit: number;
  apiUsage: number;
  bulkBatchLimit: number;
  bulkBatchesUsed: number;
}): Record<string, Limit> {
  const limits: Record<string, Limit> = {
    DailyApiRequests: { Max: used.apiLimit, Remaining: Math.max(0, used.apiLimit - used.apiUsage) },
    DailyBulkApiBatches: {
      Max: used.bulkBatchLimit,
      Remaining: Math.max(0, used.bulkBatchLimit - used.bulkBatchesUsed),
    },
  };
  for (const [name, max] of Object.entries(UNUSED)) limits[name] = { Max: max, Remaining: max };
  // Salesforce lists the limits in alphabetical order.
  return Object.fromEntries(Object.entries(limits).sort(([a], [b]) => a.localeCompare(b)));
}
