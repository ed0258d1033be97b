// Routes by role; every page but 登录, 忘记密码 and 优秀成果展示 needs a session, and an
// account still on its initial password goes to 修改密码 first.
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { useSession } from "@/store/session";
import Layout from "@/layout/Layout.vue";
import Login from "@/views/login/Login.vue";

const ADMIN = ["admin"];
const REGION = ["region_contact"];
const TRAINEE = ["trainee"];
const BASE = ["base_contact"];
const SCHOOL = ["school_admin"];
const GUOPEI_PEOPLE = ["trainee", "workshop_host", "school_admin"];
const HOST = ["workshop_host"];

declare module "vue-router" {
  interface RouteMeta {
    title?: string;
    roles?: string[];
    public?: boolean;
  }
}

const pages: RouteRecordRaw[] = [
  { path: "profile", component: () => import("@/views/home/Profile.vue"), meta: { title: "个人中心" } },
  { path: "password", component: () => import("@/views/login/ChangePassword.vue"), meta: { title: "修改密码" } },
  { path: "accounts", component: () => import("@/views/accounts/Accounts.vue"), meta: { title: "账号管理", roles: [...ADMIN, ...REGION] } },
  { path: "region/demand", component: () => import("@/views/region/Demand.vue"), meta: { title: "研修学习需求", roles: REGION } },
  { path: "region/roster", component: () => import("@/views/region/Roster.vue"), meta: { title: "研修人员管理", roles: REGION } },
  { path: "region/archive", component: () => import("@/views/archive/Archive.vue"), meta: { title: "研修档案", roles: REGION } },
  { path: "trainee/batches", component: () => import("@/views/trainee/MyBatches.vue"), meta: { title: "我的研修学习", roles: TRAINEE } },
  { path: "trainee/artifacts", component: () => import("@/views/trainee/Artifacts.vue"), meta: { title: "心得体会与学习感悟", roles: TRAINEE } },
  { path: "base/batches", component: () => import("@/views/base/BaseBatches.vue"), meta: { title: "批次与名单", roles: BASE } },
  { path: "admin/programmes", component: () => import("@/views/admin/Programmes.vue"), meta: { title: "项目", roles: ADMIN } },
  { path: "admin/regions", component: () => import("@/views/admin/Regions.vue"), meta: { title: "实验区", roles: ADMIN } },
  { path: "admin/bases", component: () => import("@/views/admin/Bases.vue"), meta: { title: "研修基地", roles: ADMIN } },
  { path: "admin/batches", component: () => import("@/views/admin/Batches.vue"), meta: { title: "批次", roles: ADMIN } },
  { path: "admin/quotas", component: () => import("@/views/admin/Quotas.vue"), meta: { title: "名额", roles: ADMIN } },
  { path: "admin/demands", component: () => import("@/views/admin/Demands.vue"), meta: { title: "研修需求", roles: ADMIN } },
  { path: "admin/allocation", component: () => import("@/views/admin/Allocation.vue"), meta: { title: "名额分配", roles: ADMIN } },
  { path: "admin/archive", component: () => import("@/views/archive/Archive.vue"), meta: { title: "研修档案", roles: ADMIN } },
  { path: "admin/featured", component: () => import("@/views/admin/Featured.vue"), meta: { title: "择优展示", roles: ADMIN } },
  { path: "admin/evaluation", component: () => import("@/views/admin/Evaluation.vue"), meta: { title: "年度评估", roles: ADMIN } },
  { path: "admin/exports", component: () => import("@/views/admin/Exports.vue"), meta: { title: "导出", roles: ADMIN } },
  { path: "region/enrolment", component: () => import("@/views/guopei/CountyEnrolment.vue"), meta: { title: "学员信息表", roles: REGION } },
  { path: "admin/enrolment", component: () => import("@/views/guopei/OfficeEnrolment.vue"), meta: { title: "国培学员", roles: ADMIN } },
  { path: "guopei/mine", component: () => import("@/views/guopei/MyGuopei.vue"), meta: { title: "我的国培项目", roles: GUOPEI_PEOPLE } },
  { path: "school/enrolment", component: () => import("@/views/guopei/SchoolEnrolment.vue"), meta: { title: "本校学员", roles: SCHOOL } },
  { path: "admin/numbers", component: () => import("@/views/admin/Numbers.vue"), meta: { title: "数据统计", roles: ADMIN } },
  { path: "admin/yearbook", component: () => import("@/views/archive/Yearbook.vue"), meta: { title: "学习成果汇编", roles: ADMIN } },
  { path: "region/offers", component: () => import("@/views/region/Offers.vue"), meta: { title: "候补名额", roles: REGION } },
  { path: "region/sharing", component: () => import("@/views/region/Sharing.vue"), meta: { title: "分享报告", roles: REGION } },
  { path: "region/yearbook", component: () => import("@/views/archive/Yearbook.vue"), meta: { title: "学习成果汇编", roles: REGION } },
  { path: "region/workshops", component: () => import("@/views/workshop/CountyWorkshops.vue"), meta: { title: "工作坊", roles: REGION } },
  { path: "region/guopei-evaluation", component: () => import("@/views/workshop/OfficeGuopei.vue"), meta: { title: "国培评估", roles: REGION } },
  { path: "admin/workshops", component: () => import("@/views/workshop/CountyWorkshops.vue"), meta: { title: "国培工作坊", roles: ADMIN } },
  { path: "admin/guopei-evaluation", component: () => import("@/views/workshop/OfficeGuopei.vue"), meta: { title: "国培评估", roles: ADMIN } },
  { path: "host/workshop", component: () => import("@/views/workshop/HostWorkshop.vue"), meta: { title: "我的工作坊", roles: HOST } },
  { path: "trainee/workshop", component: () => import("@/views/workshop/TraineeWorkshop.vue"), meta: { title: "我的工作坊", roles: TRAINEE } },
  { path: "base/yearbook", component: () => import("@/views/archive/Yearbook.vue"), meta: { title: "学习成果汇编", roles: BASE } },
];

const routes: RouteRecordRaw[] = [
  { path: "/login", component: Login, meta: { title: "登录", public: true } },
  { path: "/forgot-password", component: () => import("@/views/login/ForgotPassword.vue"), meta: { title: "忘记密码", public: true } },
  { path: "/showcase", component: () => import("@/views/public/Showcase.vue"), meta: { title: "优秀成果展示", public: true } },
  { path: "/", component: Layout, redirect: "/profile", children: pages },
  { path: "/:rest(.*)*", redirect: "/profile" },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  const session = useSession();
  if (to.meta.public) return true;
  if (!session.token) return { path: "/login", query: to.fullPath !== "/profile" ? { redirect: to.fullPath } : {} };
  if (!session.me) {
    try {
      await session.loadMe();
    } catch {
      return { path: "/login" };
    }
  }
  if (session.mustChange && to.path !== "/password") return { path: "/password" };
  const roles = to.meta.roles;
  if (roles && !roles.includes(session.role ?? "")) return { path: "/profile" };
  return true;
});

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} - 研修基地学习培训项目` : "研修基地学习培训项目";
});
