import { get, post } from "./http";
import type { LoginOut, MeOut, ResetRequestOut } from "./types";

export const login = (phone: string, password: string) => post<LoginOut>("/auth/login", { phone, password });
export const changePassword = (old_password: string, new_password: string) =>
  post<LoginOut>("/auth/password", { old_password, new_password });
export const logout = () => post<null>("/auth/logout");
export const me = () => get<MeOut>("/me");
// Account recovery (API.md "Account recovery").
export const requestReset = (phone: string) => post<ResetRequestOut>("/auth/reset/request", { phone });
// A reset answers with a session: the person is in at once.
export const reset = (phone: string, code: string, new_password: string) =>
  post<LoginOut>("/auth/reset", { phone, code, new_password });
