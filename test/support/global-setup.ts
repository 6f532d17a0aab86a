// Replaced by the PostgreSQL test-support setup.
export default async function setup(): Promise<void> {}
