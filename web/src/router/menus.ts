// The left menu of each role (个人中心 first, as in the user guide), fitted to what the person
// holds: an account with the role `trainee` may sit in a research-base batch, on a county's
// 国培 list, or both; a 国培 person (workshop host, school admin too) finds 我的国培项目.
export type MenuItem = { path: string; title: string; children?: MenuItem[] };
/** What the person holds: research-base batches (GET /me/batches), 国培 places (GET /me/enrolments). */
export type Holdings = { batches: boolean; enrolments: boolean };

const MY_GUOPEI: MenuItem = { path: "/guopei/mine", title: "我的国培项目" };
const RESEARCH_BASE_TRAINEE: MenuItem[] = [
  { path: "/trainee/batches", title: "我的研修学习" },
  { path: "/trainee/artifacts", title: "心得体会与学习感悟" },
];

export const MENUS: Record<string, MenuItem[]> = {
  admin: [
    { path: "/profile", title: "个人中心" },
    {
      path: "setup",
      title: "项目设置",
      children: [
        { path: "/admin/programmes", title: "项目" },
        { path: "/admin/regions", title: "实验区" },
        { path: "/admin/bases", title: "研修基地" },
        { path: "/admin/batches", title: "批次" },
        { path: "/admin/quotas", title: "名额" },
      ],
    },
    {
      path: "allocate",
      title: "审核分配",
      children: [
        { path: "/admin/demands", title: "研修需求" },
        { path: "/admin/allocation", title: "名额分配" },
      ],
    },
    {
      path: "results",
      title: "研修成果",
      children: [
        { path: "/admin/archive", title: "研修档案" },
        { path: "/admin/featured", title: "择优展示" },
        { path: "/admin/evaluation", title: "年度评估" },
        { path: "/admin/yearbook", title: "学习成果汇编" },
        { path: "/admin/numbers", title: "数据统计" },
        { path: "/admin/exports", title: "导出" },
      ],
    },
    {
      path: "guopei",
      title: "国培项目",
      children: [
        { path: "/admin/enrolment", title: "国培学员" },
        { path: "/admin/workshops", title: "国培工作坊" },
        { path: "/admin/guopei-evaluation", title: "国培评估" },
      ],
    },
    { path: "/accounts", title: "账号管理" },
    { path: "/password", title: "修改密码" },
  ],
  region_contact: [
    { path: "/profile", title: "个人中心" },
    {
      path: "study",
      title: "研修学习管理",
      children: [
        { path: "/region/demand", title: "研修学习需求" },
        { path: "/region/roster", title: "研修人员管理" },
        { path: "/region/offers", title: "候补名额" },
        { path: "/region/archive", title: "研修档案" },
        { path: "/region/sharing", title: "分享报告" },
        { path: "/region/yearbook", title: "学习成果汇编" },
      ],
    },
    {
      path: "guopei",
      title: "国培项目",
      children: [
        { path: "/region/enrolment", title: "学员信息表" },
        { path: "/region/workshops", title: "工作坊" },
        { path: "/region/guopei-evaluation", title: "国培评估" },
      ],
    },
    { path: "/accounts", title: "账号管理" },
    { path: "/password", title: "修改密码" },
  ],
  trainee: [{ path: "/profile", title: "个人中心" }, ...RESEARCH_BASE_TRAINEE, { path: "/trainee/workshop", title: "我的工作坊" }, { path: "/password", title: "修改密码" }],
  base_contact: [
    { path: "/profile", title: "个人中心" },
    { path: "/base/batches", title: "批次与名单" },
    { path: "/base/yearbook", title: "学习成果汇编" },
    { path: "/password", title: "修改密码" },
  ],
  workshop_host: [
    { path: "/profile", title: "个人中心" },
    MY_GUOPEI,
    { path: "/host/workshop", title: "我的工作坊" },
    { path: "/password", title: "修改密码" },
  ],
  school_admin: [
    { path: "/profile", title: "个人中心" },
    { path: "/school/enrolment", title: "本校学员" },
    MY_GUOPEI,
    { path: "/password", title: "修改密码" },
  ],
};

/** The menu of a role, fitted to its holdings (unknown: the role's whole menu). A trainee sees
 * the research-base pages when in a batch (or on no list at all yet), 我的国培项目 when on a
 * 国培 list. */
export function menuFor(role: string | null, holds: Holdings | null): MenuItem[] {
  const menu = MENUS[role ?? ""] ?? [];
  if (role !== "trainee" || !holds) return menu;
  const [first, ...rest] = menu;
  // 我的工作坊 is a 国培 trainee's, like 我的国培项目
  const last = rest.slice(RESEARCH_BASE_TRAINEE.length).filter((i) => i.path !== "/trainee/workshop" || holds.enrolments);
  const researchBase = holds.batches || !holds.enrolments ? RESEARCH_BASE_TRAINEE : [];
  return [first, ...researchBase, ...(holds.enrolments ? [MY_GUOPEI] : []), ...last];
}
