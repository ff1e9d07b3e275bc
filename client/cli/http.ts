/**
 * The CLI's HTTP client of the engine's API: bearer key, a fresh Idempotency-Key
 * per mutating command (or the one given, to retry safely), problems turned into
 * `ApiError` with the reason code and the fields at fault.
 */
import { randomUUID } from 'node:crypto';

export interface ProblemBody {
  code: string;
  status: number;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
  missing?: string[];
  retryAt?: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly problem: ProblemBody) {
    super(`${problem.code}: ${problem.detail}`);
  }
}

export interface ApiClient {
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export function createApiClient(options: {
  url: string;
  key: string;
  idempotencyKey?: string;
}): ApiClient {
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.key}` };
    if (method !== 'GET') headers['idempotency-key'] = options.idempotencyKey ?? randomUUID();
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${options.url.replace(/\/$/, '')}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new ApiError({
        code: 'api_unreachable',
        status: 0,
        detail: `cannot reach the API at ${options.url} (BILLING_API_URL): ${(err as Error).message}`,
      });
    }
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const problem = parsed as Partial<ProblemBody> | null;
      throw new ApiError({
        code: problem?.code ?? `http_${response.status}`,
        status: response.status,
        detail: problem?.detail ?? response.statusText,
        ...(problem?.errors ? { errors: problem.errors } : {}),
        ...(problem?.missing ? { missing: problem.missing } : {}),
        ...(problem?.retryAt ? { retryAt: problem.retryAt } : {}),
      });
    }
    return parsed as T;
  };
  return {
    get: (path, query) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {}))
        if (v !== undefined) params.set(k, String(v));
      const qs = params.toString();
      return request('GET', qs ? `${path}?${qs}` : path);
    },
    send: (method, path, body) => request(method, path, body),
  };
}
