/**
 * First key of dbt-spoke's two-key PostgreSQL advisory locks, so they never meet the one-key
 * locks other applications on the same database take.
 */
export const ADVISORY_LOCK_CLASS = 0x5350_4b45;
