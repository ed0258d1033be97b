import { all, post } from "./http";
import type { BatchOut, OfferOut } from "./types";

export const mine = () => all<OfferOut>("/me/offers");
export const accept = (offerId: string, key?: string) => post<OfferOut>(`/offers/${offerId}/accept`, undefined, key);
export const decline = (offerId: string, key?: string) => post<OfferOut>(`/offers/${offerId}/decline`, undefined, key);
export const release = (batchId: string, reason: string, key?: string) => post<BatchOut>(`/batches/${batchId}/release`, { reason }, key);
