// 账号管理 (API.md "Account recovery"): find, reissue an initial password, disable / enable.
import { get, post } from "./http";
import type { AccountActionOut, AccountOut, Paged } from "./types";

export type { AccountOut };
export type AccountQuery = { role?: string; region_id?: string; q?: string; limit?: number; cursor?: string | null };
export const list = (query: AccountQuery = {}) => get<Paged<AccountOut>>("/accounts", query);
export const resend = (id: string, key?: string) => post<AccountActionOut>(`/accounts/${id}/credentials`, undefined, key);
export const disable = (id: string, key?: string) => post<AccountActionOut>(`/accounts/${id}/disable`, undefined, key);
export const enable = (id: string, key?: string) => post<AccountActionOut>(`/accounts/${id}/enable`, undefined, key);
