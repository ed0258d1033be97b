import { createApp } from "vue";
import { createPinia } from "pinia";
import { ElMessage } from "element-plus";
import "element-plus/theme-chalk/base.css";
import "element-plus/theme-chalk/el-message.css";
import "element-plus/theme-chalk/el-message-box.css";
import "./style.css";
import App from "./App.vue";
import { router } from "./router";
import { connect } from "./store/session";

const app = createApp(App);
app.use(createPinia());
app.use(router);
// An expired or revoked token: back to 登录 with the reason, and back here after logging in.
connect((message) => {
  const here = router.currentRoute.value;
  if (here.meta.public) return;
  ElMessage({ type: "warning", message: message || "登录已失效，请重新登录" });
  void router.push({ path: "/login", query: { redirect: here.fullPath } });
});
app.mount("#app");
