import { all, del, get, patch, post, put } from "./http";
import type { ArtifactIn, ArtifactOut, ArtifactPatch, MyArtifactOut, Paged, ShowcaseOut, UploadOut } from "./types";

export const mine = () => all<MyArtifactOut>("/me/artifacts");
export const one = (id: string) => get<ArtifactOut>(`/artifacts/${id}`);
export const create = (body: ArtifactIn, key?: string) => post<ArtifactOut>("/artifacts", body, key);
export const update = (id: string, body: ArtifactPatch, key?: string) => patch<ArtifactOut>(`/artifacts/${id}`, body, key);
export const remove = (id: string, key?: string) => del<null>(`/artifacts/${id}`, key);
// Featured at the version the office read: an edit since is 409 stale_version.
export const feature = (id: string, version: number, key?: string) =>
  put<unknown>(`/artifacts/${id}/featured`, { version }, key);
export const unfeature = (id: string, key?: string) => del<unknown>(`/artifacts/${id}/featured`, key);
export const showcase = (query: { programme_id?: string; limit?: number; cursor?: string | null } = {}) =>
  get<Paged<ShowcaseOut>>("/showcase", query);

/** One image through the presigned POST: ask the API, then POST the file straight to S3. */
export async function uploadImage(file: File): Promise<UploadOut> {
  const grant = await post<UploadOut>("/uploads", { content_type: file.type, size: file.size });
  const form = new FormData();
  for (const [k, v] of Object.entries(grant.fields as Record<string, string>)) form.append(k, v);
  form.append("file", file);
  let response: Response;
  try {
    response = await fetch(grant.url, { method: "POST", body: form });
  } catch {
    throw new Error("图片上传失败：无法连接存储服务");
  }
  if (!response.ok) throw new Error(`图片上传失败（${response.status}）`);
  return grant;
}

// The office restores a piece deleted within the last 30 days.
export const restore = (id: string, key?: string) => post<ArtifactOut>(`/artifacts/${id}/restore`, undefined, key);
