import { errorBody } from './errors.js';

/** The private-app token the sandbox accepts (`Authorization: Bearer <token>`). */
export const HUBSPOT_SANDBOX_TOKEN = 'pat-na1-spoke-sandbox-0000';

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}

export function authenticationError(tokenGiven: boolean) {
  return errorBody(
    'INVALID_AUTHENTICATION',
    tokenGiven
      ? 'Authentication credentials not found. The access token provided is not valid for this portal; use the token of a private app installed in it.'
      : 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
  );
}
