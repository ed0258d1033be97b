// 国培 学员信息表: the county admin's list (template, import, one person at a time, 确认报送),
// the office's summary, reveal and exclusion list, a school admin's own school.
import { all, del, get, patch, post } from "./http";
import type {
  CommitOut,
  CountySummaryOut,
  EnrolmentConfirmOut,
  EnrolmentIn,
  EnrolmentOut,
  EnrolmentPatch,
  ExclusionsOut,
  ImportOut,
  MyEnrolmentOut,
  Paged,
  RevealOut,
  UploadOut,
  UrlOut,
} from "./types";

export type Filters = { role?: string; stage?: string; subject?: string; region_id?: string };

export const template = (pid: string, regionId?: string) => get<UrlOut>(`/programmes/${pid}/enrolment-template`, { region_id: regionId });
export const list = (pid: string, query: Filters & { limit?: number; cursor?: string | null } = {}) =>
  get<Paged<EnrolmentOut>>(`/programmes/${pid}/enrolments`, query);
export const add = (pid: string, body: EnrolmentIn, key?: string) => post<EnrolmentOut>(`/programmes/${pid}/enrolments`, body, key);
export const update = (id: string, body: EnrolmentPatch, key?: string) => patch<EnrolmentOut>(`/enrolments/${id}`, body, key);
export const remove = (id: string, key?: string) => del<null>(`/enrolments/${id}`, key);
export const reveal = (id: string) => post<RevealOut>(`/enrolments/${id}/reveal`);
export const summary = (pid: string) => all<CountySummaryOut>(`/programmes/${pid}/enrolment-summary`);
export const confirm = (pid: string, key?: string) => post<EnrolmentConfirmOut>(`/programmes/${pid}/enrolment/confirm`, undefined, key);
export const preview = (pid: string, uploadId: string, key?: string) =>
  post<ImportOut>(`/programmes/${pid}/enrolment-imports`, { upload_id: uploadId }, key);
export const commit = (importId: string, key?: string) => post<CommitOut>(`/enrolment-imports/${importId}/commit`, undefined, key);
export const errorsWorkbook = (importId: string) => get<UrlOut>(`/enrolment-imports/${importId}/errors.xlsx`);
export const exclude = (pid: string, uploadId: string, key?: string) =>
  post<ExclusionsOut>(`/programmes/${pid}/exclusions`, { upload_id: uploadId }, key);
export const mine = () => all<MyEnrolmentOut>("/me/enrolments");

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** The content type the API and S3 expect for a chosen file (browsers name a .csv variously). */
export function sheetType(file: File): string {
  if (/\.xlsx$/i.test(file.name)) return XLSX;
  if (/\.csv$/i.test(file.name)) return "text/csv";
  return file.type || XLSX;
}

/** One spreadsheet through the presigned POST: ask the API, then POST the file straight to S3. */
export async function uploadSheet(file: File): Promise<UploadOut> {
  const contentType = sheetType(file);
  const grant = await post<UploadOut>("/uploads", { content_type: contentType, size: file.size });
  const form = new FormData();
  for (const [k, v] of Object.entries(grant.fields as Record<string, string>)) form.append(k, v);
  form.append("file", new Blob([file], { type: contentType }), file.name);
  let response: Response;
  try {
    response = await fetch(grant.url, { method: "POST", body: form });
  } catch {
    throw new Error("文件上传失败：无法连接存储服务");
  }
  if (!response.ok) throw new Error(`文件上传失败（${response.status}）`);
  return grant;
}

/** A file the API gives back as a short-lived link: downloaded by the browser. */
export function download(url: string): void {
  const a = document.createElement("a");
  a.href = url;
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
}
/** Whether the person is on any county's confirmed 国培 list (one short read, for the menu). */
export const holdsEnrolments = async () => (await get<Paged<MyEnrolmentOut>>("/me/enrolments", { limit: 1 })).items.length > 0;
