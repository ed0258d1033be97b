// Account recovery and 账号管理 (API.md "Account recovery").
import { get, post } from "./http";
import type { Paged } from "./types";

export type AccountOut = {
  account_id: string;
  role: string;
  name: string;
  phone: string;
  region_id?: string | null;
  base_id?: string | null;
  disabled?: boolean;
  status?: string;
};
export type AccountQuery = { role?: string; region_id?: string; q?: string; limit?: number; cursor?: string | null };
export const list = (query: AccountQuery = {}) => get<Paged<AccountOut>>("/accounts", query);
export const resend = (id: string, key?: string) => post<unknown>(`/accounts/${id}/credentials`, undefined, key);
export const disable = (id: string, key?: string) => post<unknown>(`/accounts/${id}/disable`, undefined, key);
export const enable = (id: string, key?: string) => post<unknown>(`/accounts/${id}/enable`, undefined, key);
