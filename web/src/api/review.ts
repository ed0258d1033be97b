import { post } from "./http";
import type { DemandOut } from "./types";

export const approve = (demandId: string, key?: string) => post<DemandOut>(`/demands/${demandId}/approve`, undefined, key);
export const giveBack = (demandId: string, reason: string, key?: string) =>
  post<DemandOut>(`/demands/${demandId}/return`, { reason }, key);
