import { all, get, post, put } from "./http";
import type { BaseBatchOut, BaseIn, BaseOut, Paged } from "./types";

export const list = (query: { limit?: number; cursor?: string | null } = {}) => get<Paged<BaseOut>>("/bases", query);
export const listAll = () => all<BaseOut>("/bases");
export const create = (body: BaseIn, key?: string) => post<BaseOut>("/bases", body, key);
export const batches = (baseId: string, query: { limit?: number; cursor?: string | null } = {}) =>
  get<Paged<BaseBatchOut>>(`/bases/${baseId}/batches`, query);
export const feedback = (traineeId: string, text: string, key?: string) =>
  put<unknown>(`/trainees/${traineeId}/feedback`, { text }, key);

