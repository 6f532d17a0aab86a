// The API as the page uses it. The token lives in sessionStorage (this tab only) and travels
// in the Authorization header, never in a URL.
const KEY = 'spoke-api-token';

export class Unauthorized extends Error {}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  forget: () => sessionStorage.removeItem(KEY),
};

export async function api(path) {
  const headers = { accept: 'application/json' };
  const value = token.get();
  if (value) headers.authorization = `Bearer ${value}`;
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => null);
  if (response.status === 401 || response.status === 403)
    throw new Unauthorized(body?.error?.message ?? 'Unauthorized');
  if (!response.ok) throw new Error(body?.error?.message ?? `${path} answered ${response.status}`);
  return body;
}

export const encode = encodeURIComponent;
