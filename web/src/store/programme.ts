// The programme a page works on: the newest by default, the person's pick kept for the tab
// (forgotten when the session ends: the next person's list is not the last one's).
import { defineStore } from "pinia";
import * as programmes from "@/api/programmes";
import type { ProgrammeOut } from "@/api/types";

const KEY = "yanxiu.programme";

export const useProgramme = defineStore("programme", {
  state: () => ({ items: [] as ProgrammeOut[], current: sessionStorage.getItem(KEY) ?? "", loaded: false }),
  getters: {
    selected: (s) => s.items.find((p) => p.programme_id === s.current) ?? null,
  },
  actions: {
    async load(force = false) {
      if (this.loaded && !force) return;
      const items = await programmes.listAll();
      items.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
      this.items = items;
      this.loaded = true;
      if (!items.some((p) => p.programme_id === this.current)) this.pick(items[0]?.programme_id ?? "");
    },
    /** Another person in this tab sees other programmes: nothing kept from the last one. */
    forget() {
      this.items = [];
      this.loaded = false;
      this.pick("");
    },
    pick(id: string) {
      this.current = id;
      if (id) sessionStorage.setItem(KEY, id);
      else sessionStorage.removeItem(KEY);
    },
  },
});
