import { get, post } from "./http";
import type { DemandCreatedOut, DemandFormOut, DemandIn, DemandOut, Paged } from "./types";

export const form = (programmeId: string) => get<DemandFormOut>(`/programmes/${programmeId}/demand-form`);
export const submit = (programmeId: string, body: DemandIn, key?: string) =>
  post<DemandCreatedOut>(`/programmes/${programmeId}/demands`, body, key);
export type DemandQuery = { region_id?: string; status?: string; limit?: number; cursor?: string | null };
export const list = (programmeId: string, query: DemandQuery = {}) =>
  get<Paged<DemandOut>>(`/programmes/${programmeId}/demands`, query);
