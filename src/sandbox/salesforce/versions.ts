/** The API versions the sandbox lists, oldest first; any `vNN.N` in a path is answered. */
export const FIRST_VERSION = 50;
export const LATEST_VERSION = 62;

const SEASONS = ['Winter', 'Spring', 'Summer'];

/**
 * `GET /services/data/`, as an org lists its versions: `{ label, url, version }` per release,
 * labelled with its release (50.0 was Winter '21, then one release a season).
 */
export function apiVersions(): Array<{ label: string; url: string; version: string }> {
  const versions = [];
  for (let major = FIRST_VERSION; major <= LATEST_VERSION; major++) {
    const n = major - 50;
    versions.push({
      label: `${SEASONS[n % 3]} '${21 + Math.floor(n / 3)}`,
      url: `/services/data/v${major}.0`,
      version: `${major}.0`,
    });
  }
  return versions;
}
