// The one place that speaks HTTP: the /api prefix (same origin; the local server and CloudFront
// strip it), the bearer token, Idempotency-Key on writes, and the contract's error body.
import type { ErrorBody } from "./types";

export const API_BASE = "/api";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  constructor(status: number, body: ErrorBody | null) {
    super(body?.message ?? (status === 0 ? "网络连接失败，请检查网络后重试" : `请求失败（${status}）`));
    this.status = status;
    this.code = body?.code ?? "network_error";
    this.fields = (body?.fields as Record<string, string> | undefined) ?? {};
  }
}

type Hooks = { token: () => string | null; onUnauthorized: (message: string) => void };
let hooks: Hooks = { token: () => null, onUnauthorized: () => undefined };
export function configure(h: Hooks): void {
  hooks = h;
}

export function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export type Query = Record<string, string | number | null | undefined>;
export type Options = { body?: unknown; query?: Query; key?: string };

function url(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `${API_BASE}${path}${s ? `?${s}` : ""}`;
}

export async function request<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = hooks.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  // Every write outside /auth/* carries a key: a double click or a retry after a lost answer
  // gets the first answer back instead of doing the thing twice.
  if (method !== "GET" && !path.startsWith("/auth/")) headers["Idempotency-Key"] = opts.key ?? uuid();
  let response: Response;
  try {
    response = await fetch(url(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch {
    throw new ApiError(0, null);
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const body = (data as { error?: ErrorBody } | null)?.error ?? null;
    const err = new ApiError(response.status, body);
    // A 401 about the session ends it; a wrong password (e.g. 原密码 on 修改密码) does not.
    const credentials = ["invalid_credentials", "initial_password_expired"].includes(err.code);
    if (response.status === 401 && token && !credentials && !path.startsWith("/auth/login")) hooks.onUnauthorized(err.message);
    throw err;
  }
  return data as T;
}

export const get = <T>(path: string, query?: Query) => request<T>("GET", path, { query });
export const post = <T>(path: string, body?: unknown, key?: string) => request<T>("POST", path, { body, key });
export const put = <T>(path: string, body?: unknown, key?: string) => request<T>("PUT", path, { body, key });
export const patch = <T>(path: string, body?: unknown, key?: string) => request<T>("PATCH", path, { body, key });
export const del = <T>(path: string, key?: string) => request<T>("DELETE", path, { key });

/** Every page of a list (for pick lists: regions, bases). */
export async function all<T>(path: string, query: Query = {}): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; next_cursor: string | null } = await get(path, { ...query, limit: 100, cursor });
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}
