import { get, post } from "./http";
import type { ExportOut, PublishedOut, YearbookOut } from "./types";

export const build = (programmeId: string, key?: string) => post<ExportOut>(`/programmes/${programmeId}/exports`, { kind: "yearbook" }, key);
export const status = (exportId: string) => get<ExportOut>(`/exports/${exportId}`);
export const publish = (programmeId: string, exportId: string, key?: string) =>
  post<PublishedOut>(`/programmes/${programmeId}/yearbook/publish`, { export_id: exportId }, key);
export const published = (programmeId: string) => get<YearbookOut>(`/programmes/${programmeId}/yearbook`);
