/** The dev seed's clients (config/dev-seed.json). */
export const CLIENTS = {
  demo: { id: 'demo-app', secret: 'dev-only-demo-app-secret' },
  ordersReader: { id: 'orders-reader', secret: 'dev-only-orders-reader-secret' },
  admin: { id: 'admin-cli', secret: 'dev-only-admin-cli-secret' },
} as const;

/** A registered client's credentials: one of {@link CLIENTS}, or one a test registers itself. */
export interface Client {
  readonly id: string;
  readonly secret: string;
}

/** The dev seed's user (config/dev-seed.json). */
export const ALICE = {
  id: '5b0c2f6e-7d1a-4c61-9a57-0d3f1c2b8e41',
  username: 'alice',
  password: 'dev-only-alice-password',
} as const;

/** A successful token response of a session (password or refresh_token grant). */
export interface SessionTokenResponse {
  access_token: string;
  /** Absent when the reuse grace accepted the previous refresh token once more. */
  refresh_token?: string;
  expires_in: number;
  scope: string;
}

/** The password grant for alice through demo-app: an access token and the session's first refresh token. */
export async function passwordLogin(authUrl: string, scope?: string): Promise<SessionTokenResponse> {
  const { status, body } = await requestToken(authUrl, CLIENTS.demo, {
    grant_type: 'password',
    username: ALICE.username,
    password: ALICE.password,
    ...(scope === undefined ? {} : { scope }),
  });
  if (status !== 200) throw new Error(`Password grant failed: ${status} ${JSON.stringify(body)}`);
  return body as unknown as SessionTokenResponse;
}

/** The refresh_token grant (demo-app by default); returns status and body, refused or not. */
export function refreshGrant(
  authUrl: string,
  refreshToken: string,
  client: Client = CLIENTS.demo,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return requestToken(authUrl, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

function basic(client: Client): string {
  return `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
}

/** `POST /oauth/token` with client_secret_basic; returns the parsed JSON and status. */
export async function requestToken(
  authUrl: string,
  client: Client,
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${authUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A client_credentials access token with the given scopes. */
export async function clientCredentialsToken(authUrl: string, client: Client, scope: string): Promise<string> {
  const { status, body } = await requestToken(authUrl, client, { grant_type: 'client_credentials', scope });
  if (status !== 200 || typeof body.access_token !== 'string') {
    throw new Error(`Token request failed: ${status} ${JSON.stringify(body)}`);
  }
  return body.access_token;
}

/** `POST /oauth/revoke` (RFC 7009) with client_secret_basic; returns the status. */
export async function revokeToken(
  authUrl: string,
  client: Client,
  token: string,
  tokenTypeHint: 'access_token' | 'refresh_token' = 'access_token',
): Promise<number> {
  const response = await fetch(`${authUrl}/oauth/revoke`, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: tokenTypeHint }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** `POST /oauth/introspect` (RFC 7662) with client_secret_basic. */
export async function introspect(authUrl: string, client: Client, token: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${authUrl}/oauth/introspect`, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  return (await response.json()) as Record<string, unknown>;
}

/** GET with a bearer token; returns status, `WWW-Authenticate` and the JSON body. */
export async function callWithToken(
  url: string,
  token?: string,
): Promise<{ status: number; challenge: string | null; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}
