import { all, get, post } from "./http";
import type { Paged, RegionIn, RegionOut } from "./types";

export const list = (query: { limit?: number; cursor?: string | null } = {}) => get<Paged<RegionOut>>("/regions", query);
export const listAll = () => all<RegionOut>("/regions");
export const create = (body: RegionIn, key?: string) => post<RegionOut>("/regions", body, key);
export const one = (id: string) => get<RegionOut>(`/regions/${id}`);
