import { all, get, patch, post, put } from "./http";
import type { Paged, ProgrammeIn, ProgrammeOut, ProgrammePatch, QuotaOut, RankedRegionOut, RewardOut } from "./types";

export const list = (query: { limit?: number; cursor?: string | null } = {}) => get<Paged<ProgrammeOut>>("/programmes", query);
export const listAll = () => all<ProgrammeOut>("/programmes");
export const create = (body: ProgrammeIn, key?: string) => post<ProgrammeOut>("/programmes", body, key);
export const update = (id: string, body: ProgrammePatch, key?: string) => patch<ProgrammeOut>(`/programmes/${id}`, body, key);
export const setQuota = (id: string, regionId: string, places: number, key?: string) =>
  put<QuotaOut>(`/programmes/${id}/quotas/${regionId}`, { places }, key);
export const evaluation = (id: string, query: { limit?: number; cursor?: string | null } = {}) =>
  get<Paged<RankedRegionOut>>(`/programmes/${id}/evaluation`, query);
export const reward = (id: string, region_ids: string[], next_programme_id: string, key?: string) =>
  post<RewardOut>(`/programmes/${id}/rewards`, { region_ids, next_programme_id }, key);
export const open = (id: string, key?: string) => post<ProgrammeOut>(`/programmes/${id}/open`, undefined, key);
