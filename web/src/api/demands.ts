import { get, post } from "./http";
import type { DemandCreatedOut, DemandFormOut, DemandIn, DemandOut, Paged } from "./types";

export const form = (programmeId: string) => get<DemandFormOut>(`/programmes/${programmeId}/demand-form`);
export const submit = (programmeId: string, body: DemandIn, key?: string) =>
  post<DemandCreatedOut>(`/programmes/${programmeId}/demands`, body, key);
export const list = (programmeId: string, query: { limit?: number; cursor?: string | null } = {}) =>
  get<Paged<DemandOut>>(`/programmes/${programmeId}/demands`, query);
