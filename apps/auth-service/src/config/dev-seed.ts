import { isUserId } from '../users/user-id.js';

/**
 * Shape of `config/dev-seed.json` (DEV ONLY): demo resource servers, roles, clients, a user and the dev
 * key-encryption / client-secret hash keys. Loaded outside production only.
 *
 * @example
 * const seed = parseDevSeed(JSON.parse(readFileSync(file, 'utf8')), file);
 */
export interface DevSeed {
  keyEncryptionKey: string;
  clientSecretHashKey: string;
  resourceServers: { audience: string; scopes: string[] }[];
  roles: { name: string; scopes: string[] }[];
  clients: { id: string; secret: string; grantTypes: string[]; scopes: string[] }[];
  users: { id: string; username: string; password: string; roles: string[] }[];
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function requireArray(record: Record<string, unknown>, key: string, source: string): Record<string, unknown>[] {
  const value = record[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'object' && v !== null)) {
    throw new TypeError(`${source}: "${key}" must be an array of objects`);
  }
  return value as Record<string, unknown>[];
}

function requireFields(items: Record<string, unknown>[], strings: string[], arrays: string[], where: string): void {
  for (const item of items) {
    for (const key of strings) {
      if (typeof item[key] !== 'string' || item[key] === '') throw new TypeError(`${where}: "${key}" must be a string`);
    }
    for (const key of arrays) {
      if (!isStringArray(item[key])) throw new TypeError(`${where}: "${key}" must be an array of strings`);
    }
  }
}

/**
 * Validates a parsed dev seed; throws a `TypeError` naming the file and the field.
 *
 * @example
 * parseDevSeed({ devOnly: true, ... }, 'config/dev-seed.json');
 */
export function parseDevSeed(value: unknown, source: string): DevSeed {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${source}: must be a JSON object`);
  const record = value as Record<string, unknown>;
  if (record['devOnly'] !== true) throw new TypeError(`${source}: "devOnly" must be true (dev seed files only)`);
  for (const key of ['keyEncryptionKey', 'clientSecretHashKey']) {
    if (typeof record[key] !== 'string') throw new TypeError(`${source}: "${key}" must be a base64 string`);
  }
  const resourceServers = requireArray(record, 'resourceServers', source);
  requireFields(resourceServers, ['audience'], ['scopes'], `${source} resourceServers`);
  const roles = requireArray(record, 'roles', source);
  requireFields(roles, ['name'], ['scopes'], `${source} roles`);
  const clients = requireArray(record, 'clients', source);
  requireFields(clients, ['id', 'secret'], ['grantTypes', 'scopes'], `${source} clients`);
  const users = requireArray(record, 'users', source);
  requireFields(users, ['id', 'username', 'password'], ['roles'], `${source} users`);
  const badId = users.find((user) => !isUserId(user['id']));
  if (badId !== undefined) {
    throw new TypeError(`${source} users: "id" must be a lower-case UUID (user ${String(badId['username'])})`);
  }
  return value as DevSeed;
}
