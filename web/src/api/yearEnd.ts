import { get, put } from "./http";
import type { VisitOut, WeightsOut } from "./types";

export const weights = (programmeId: string) => get<WeightsOut>(`/programmes/${programmeId}/evaluation-weights`);
export const setWeights = (programmeId: string, body: WeightsOut, key?: string) =>
  put<WeightsOut>(`/programmes/${programmeId}/evaluation-weights`, body, key);
export const visit = (programmeId: string, regionId: string, score: number, comment: string, key?: string) =>
  put<VisitOut>(`/programmes/${programmeId}/evaluation/${regionId}`, { score, comment: comment || null }, key);
