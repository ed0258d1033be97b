// How things read on screen: dates as 2026年9月5日, times in Asia/Shanghai, names by pinyin.
export const TZ = "Asia/Shanghai";

const dateFmt = new Intl.DateTimeFormat("zh-CN", { timeZone: TZ, year: "numeric", month: "long", day: "numeric" });
const timeFmt = new Intl.DateTimeFormat("zh-CN", {
  timeZone: TZ,
  year: "numeric",
  month: "long",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

/** A `YYYY-MM-DD` date (a calendar day, no zone) as 2026年9月5日. */
export function day(value?: string | null): string {
  if (!value) return "—";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
  return dateFmt.format(new Date(value));
}

/** An instant as 2026年9月5日 14:30, in Shanghai time. */
export function instant(value?: string | null): string {
  if (!value) return "—";
  return timeFmt.format(new Date(value)).replace(/(\d)日\s*/, "$1日 ");
}

export function span(start: string, end: string): string {
  return `${day(start)} 至 ${day(end)}`;
}

/** Today in Shanghai as YYYY-MM-DD (the API's check-in day). */
export function todayShanghai(now = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  return parts;
}

/** A datetime-local value (Shanghai wall time) as ISO 8601 with +08:00. */
export function shanghaiIso(local: string): string {
  if (!local) return local;
  return `${local.length === 16 ? `${local}:00` : local}+08:00`;
}

export const collator = new Intl.Collator("zh-CN");
export function byName<T>(key: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => collator.compare(key(a), key(b));
}

export function maskPhone(phone?: string | null): string {
  if (!phone) return "—";
  if (phone.includes("*")) return phone;
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : phone;
}

export function percent(rate?: number | null): string {
  return rate === undefined || rate === null ? "—" : `${Math.round(rate * 1000) / 10}%`;
}

export const STAGES = ["kindergarten", "primary", "junior", "senior"] as const;
export const STAGE_NAMES: Record<string, string> = {
  kindergarten: "幼儿园",
  primary: "小学",
  junior: "初中",
  senior: "高中",
};
export const STUDY_TYPES: Record<string, string> = { placement: "挂职学习", exchange: "交换学习" };
export const AVAILABILITY: Record<string, string> = { ample: "名额充足", limited: "名额适量", none: "无名额" };
export const ROLE_NAMES: Record<string, string> = {
  admin: "中心实验区管理办公室（管理员）",
  region_contact: "实验区联系人",
  base_contact: "研修基地联系人",
  trainee: "研修人员",
  workshop_host: "工作坊主持人",
  school_admin: "校级管理员",
};
export const TEAM_ROLES: Record<string, string> = { leader: "团长", member: "团员" };
export const GENDERS: Record<string, string> = { male: "男", female: "女" };
export const KINDS: Record<string, string> = { reflection: "心得体会", insight: "学习感悟", outcome: "学习成果" };
export const DEMAND_STATUS: Record<string, string> = {
  pending: "待审核",
  approved: "已通过",
  returned: "已退回",
  partially_allocated: "部分分配",
  allocated: "已分配",
};
export const ROSTER_STATUS: Record<string, string> = { open: "填报中", confirmed: "已确认" };
export const EXPORT_KINDS: Record<string, string> = { roster: "研修人员名单", archive: "研修档案", yearbook: "成果汇编", enrolment: "国培学员信息表", numbers: "项目数据" };
// 国培 (学员信息表)
export const GUOPEI_STAGES: Record<string, string> = { primary: "小学", junior: "初中" };
export const SUBJECTS: Record<string, string> = { chinese: "语文", math: "数学", english: "英语" };
export const ENROLMENT_ROLES: Record<string, string> = { trainee: "参训学员", workshop_host: "工作坊主持人", school_admin: "校级管理员" };
export const PROGRAMME_KINDS: Record<string, string> = { base_training: "研修基地培训", guopei: "国培计划" };
export const OFFER_STATUS: Record<string, string> = { open: "待答复", accepted: "已接受", declined: "已放弃", expired: "已过期", withdrawn: "已撤回" };
