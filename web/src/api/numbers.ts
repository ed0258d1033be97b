import { all, get, post } from "./http";
import type { ExportOut, FunnelOut, LedgerRowOut, SupplyRowOut } from "./types";

export const ledger = (programmeId: string) => all<LedgerRowOut>(`/programmes/${programmeId}/ledger`);
export const supply = (programmeId: string) => all<SupplyRowOut>(`/programmes/${programmeId}/supply`);
export const funnel = (programmeId: string) => get<FunnelOut>(`/programmes/${programmeId}/funnel`);
export const workbook = (programmeId: string, key?: string) => post<ExportOut>(`/programmes/${programmeId}/exports`, { kind: "numbers" }, key);
