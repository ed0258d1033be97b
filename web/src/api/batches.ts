import { all, del, get, post, put } from "./http";
import type { AllocationOut, BatchIn, BatchOut, Paged } from "./types";

export type BatchQuery = { stage?: string; base_id?: string; region_id?: string; limit?: number; cursor?: string | null };
export const list = (programmeId: string, query: BatchQuery = {}) =>
  get<Paged<BatchOut>>(`/programmes/${programmeId}/batches`, query);
export const listAll = (programmeId: string, query: BatchQuery = {}) => all<BatchOut>(`/programmes/${programmeId}/batches`, query);
export const create = (programmeId: string, body: BatchIn, key?: string) =>
  post<BatchOut>(`/programmes/${programmeId}/batches`, body, key);
export const allocation = (programmeId: string, commit: boolean, planId?: string | null, key?: string) =>
  post<AllocationOut>(`/programmes/${programmeId}/allocation`, { commit, plan_id: planId ?? null }, key);
export const assign = (batchId: string, region_id: string, key?: string) => put<BatchOut>(`/batches/${batchId}/region`, { region_id }, key);
export const free = (batchId: string, key?: string) => del<BatchOut>(`/batches/${batchId}/region`, key);
