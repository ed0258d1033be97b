import { all, get, post } from "./http";
import type { ArchiveBatchOut, BatchArchiveOut, ExportOut } from "./types";

export const programme = (programmeId: string) => all<ArchiveBatchOut>(`/programmes/${programmeId}/archive`);
export const batch = (batchId: string) => get<BatchArchiveOut>(`/batches/${batchId}/archive`);
export const startExport = (programmeId: string, kind: string, key?: string) =>
  post<ExportOut>(`/programmes/${programmeId}/exports`, { kind }, key);
export const exportStatus = (exportId: string) => get<ExportOut>(`/exports/${exportId}`);
