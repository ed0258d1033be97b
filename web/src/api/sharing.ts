import { all, put } from "./http";
import type { SharingReportIn, SharingReportOut, SharingRowOut } from "./types";

export const list = (programmeId: string, regionId?: string) =>
  all<SharingRowOut>(`/programmes/${programmeId}/sharing-reports`, { region_id: regionId });
export const record = (traineeId: string, body: SharingReportIn, key?: string) =>
  put<SharingReportOut>(`/trainees/${traineeId}/sharing-report`, body, key);
