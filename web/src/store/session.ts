// The session: the token in sessionStorage (never in a URL, gone with the tab), the account
// from GET /me, and the message 登录 shows after an expired or revoked token.
import { defineStore } from "pinia";
import { configure } from "@/api/http";
import * as auth from "@/api/auth";
import { holdsBatches } from "@/api/attendance";
import { holdsEnrolments } from "@/api/enrolment";
import type { MeOut } from "@/api/types";
import type { Holdings } from "@/router/menus";
import { useProgramme } from "@/store/programme";

const KEY = "yanxiu.session";

type Stored = { token: string; mustChange: boolean };

function load(): Stored | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

export const useSession = defineStore("session", {
  state: () => {
    const stored = load();
    return {
      token: stored?.token ?? null,
      mustChange: stored?.mustChange ?? false,
      me: null as MeOut | null,
      holds: null as Holdings | null,
      notice: "" as string,
    };
  },
  getters: {
    role: (s) => s.me?.role ?? null,
    loggedIn: (s) => !!s.token,
  },
  actions: {
    save() {
      if (this.token) sessionStorage.setItem(KEY, JSON.stringify({ token: this.token, mustChange: this.mustChange }));
      else sessionStorage.removeItem(KEY);
    },
    async login(phone: string, password: string) {
      const out = await auth.login(phone, password);
      useProgramme().forget();
      this.token = out.token;
      this.mustChange = out.must_change_password;
      this.notice = "";
      this.save();
      await this.loadMe();
    },
    async reset(phone: string, code: string, newPassword: string) {
      const out = await auth.reset(phone, code, newPassword);
      useProgramme().forget();
      this.token = out.token;
      this.mustChange = out.must_change_password;
      this.notice = "";
      this.save();
      await this.loadMe();
    },
    async loadMe() {
      this.me = await auth.me();
      this.mustChange = this.me.must_change_password;
      this.save();
      await this.loadHoldings();
    },
    /** What a trainee or 国培 person holds, for the menu: one short read of each list. */
    async loadHoldings() {
      this.holds = null;
      const role = this.me?.role;
      if (this.mustChange || !role || !["trainee", "workshop_host", "school_admin"].includes(role)) return;
      try {
        const [batches, enrolments] = await Promise.all([role === "trainee" && holdsBatches(), holdsEnrolments()]);
        this.holds = { batches, enrolments };
      } catch {
        this.holds = null; // unknown: the role's whole menu
      }
    },
    async changePassword(oldPassword: string, newPassword: string) {
      const out = await auth.changePassword(oldPassword, newPassword);
      // Every session ends on a change; the answer carries the new one.
      if (out.token) this.token = out.token;
      this.mustChange = false;
      this.save();
      await this.loadMe();
    },
    async logout() {
      try {
        if (this.token) await auth.logout();
      } catch {
        // The token may already be dead; logging out locally is what matters.
      }
      this.clear();
    },
    clear(notice = "") {
      this.token = null;
      this.me = null;
      this.holds = null;
      this.mustChange = false;
      this.notice = notice;
      useProgramme().forget();
      this.save();
    },
  },
});

/** Wire the HTTP layer to the session: the token it sends, and what a 401 does. */
export function connect(onExpired: (message: string) => void): void {
  configure({
    token: () => useSession().token,
    onUnauthorized: (message) => {
      useSession().clear(message || "登录已失效，请重新登录");
      onExpired(message);
    },
  });
}
