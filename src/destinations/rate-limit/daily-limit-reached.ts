/** The day's request quota is used up: nothing more is sent until it resets. */
export class DailyLimitReached extends Error {
  constructor(
    readonly used: number,
    readonly limit: number | undefined,
  ) {
    super(
      limit === undefined
        ? 'The daily API request limit is reached.'
        : `The daily API request limit is reached (${used} of ${limit} requests used).`,
    );
    this.name = 'DailyLimitReached';
  }
}
