// 国培 workshops (工作坊): forming and members (county admin), the host's plan, announcements,
// assignments and grading, discussions, activities, briefings and collection; members'
// submissions, replies and check-ins; the study path and the 训后调查.
import { all, get, post, put } from "./http";
import type {
  ActivityOut,
  AnnouncementOut,
  WorkshopAssignmentOut,
  BriefingOut,
  CollectionOut,
  CountyEvaluationOut,
  CourseOut,
  MemberHoursOut,
  ReplyOut,
  StudyOut,
  SubmissionOut,
  SurveyIn,
  SurveyOut,
  SurveyResultsOut,
  TopicOut,
  WorkshopDetailOut,
  WorkshopIn,
  WorkshopOut,
} from "./types";

export const list = (pid: string) => all<WorkshopOut>(`/programmes/${pid}/workshops`);
export const form = (pid: string, body: WorkshopIn, key?: string) => post<WorkshopOut>(`/programmes/${pid}/workshops`, body, key);
export const mine = () => all<WorkshopOut>("/me/workshops");
export const detail = (id: string) => get<WorkshopDetailOut>(`/workshops/${id}`);
export const setMembers = (id: string, ids: string[], key?: string) =>
  put<WorkshopDetailOut>(`/workshops/${id}/members`, { enrolment_ids: ids }, key);
export const setPlan = (id: string, theme: string, plan: string, key?: string) =>
  put<WorkshopOut>(`/workshops/${id}/plan`, { theme, plan }, key);

export const announcements = (id: string) => all<AnnouncementOut>(`/workshops/${id}/announcements`);
export const announce = (id: string, text: string, sms: boolean, key?: string) =>
  post<AnnouncementOut>(`/workshops/${id}/announcements`, { text, sms }, key);

export const assignments = (id: string) => all<WorkshopAssignmentOut>(`/workshops/${id}/assignments`);
export const setAssignment = (id: string, body: { title: string; description: string; due_at: string }, key?: string) =>
  post<WorkshopAssignmentOut>(`/workshops/${id}/assignments`, body, key);
export const closeAssignment = (id: string, key?: string) => post<WorkshopAssignmentOut>(`/assignments/${id}/close`, undefined, key);
export const submissions = (id: string) => all<SubmissionOut>(`/assignments/${id}/submissions`);
export const submit = (id: string, body: string, imageIds: string[], key?: string) =>
  post<SubmissionOut>(`/assignments/${id}/submissions`, { body, image_ids: imageIds }, key);
export const grade = (id: string, score: number, suggestion: string, key?: string) =>
  put<SubmissionOut>(`/submissions/${id}/grade`, { score, suggestion }, key);

export const topics = (id: string) => all<TopicOut>(`/workshops/${id}/topics`);
export const openTopic = (id: string, title: string, body: string, key?: string) =>
  post<TopicOut>(`/workshops/${id}/topics`, { title, body }, key);
export const replies = (id: string) => all<ReplyOut>(`/topics/${id}/replies`);
export const reply = (id: string, body: string, key?: string) => post<ReplyOut>(`/topics/${id}/replies`, { body }, key);
export const hide = (id: string, reason: string, key?: string) => post<ReplyOut>(`/replies/${id}/hide`, { reason }, key);

export const activities = (id: string) => all<ActivityOut>(`/workshops/${id}/activities`);
export const addActivity = (id: string, body: { title: string; date: string; place: string }, key?: string) =>
  post<ActivityOut>(`/workshops/${id}/activities`, body, key);
export const checkIn = (id: string, key?: string) => post<ActivityOut>(`/activities/${id}/checkins`, undefined, key);

export const briefings = (id: string) => all<BriefingOut>(`/workshops/${id}/briefings`);
export const writeBriefing = (id: string, body: { title: string; body: string; image_ids: string[] }, key?: string) =>
  post<BriefingOut>(`/workshops/${id}/briefings`, body, key);
export const collection = (id: string) => get<CollectionOut>(`/workshops/${id}/collection`);
export const setCollection = (id: string, ids: string[], foreword: string, key?: string) =>
  put<CollectionOut>(`/workshops/${id}/collection`, { submission_ids: ids, foreword }, key);
export const hours = (id: string) => all<MemberHoursOut>(`/workshops/${id}/hours`);

export const evaluation = (pid: string, regionId?: string) =>
  all<CountyEvaluationOut>(`/programmes/${pid}/guopei-evaluation`, { region_id: regionId });

export const courses = (pid: string) => all<CourseOut>(`/programmes/${pid}/courses`);
export const addCourse = (
  pid: string,
  body: { theme: string; level: string; title: string; url: string; hours: number },
  key?: string,
) => post<CourseOut>(`/programmes/${pid}/courses`, body, key);
export const myStudy = (pid: string) => get<StudyOut>("/me/study", { programme_id: pid });
export const assess = (pid: string, answers: Record<string, number>, key?: string) =>
  post<StudyOut>("/me/self-assessment", { programme_id: pid, answers }, key);
export const chooseLevel = (pid: string, level: string, key?: string) => put<StudyOut>("/me/level", { programme_id: pid, level }, key);
export const complete = (courseId: string, key?: string) => post<StudyOut>(`/courses/${courseId}/completion`, undefined, key);

export const survey = (pid: string) => get<SurveyOut>(`/programmes/${pid}/survey`);
export const writeSurvey = (pid: string, body: SurveyIn, key?: string) => post<SurveyOut>(`/programmes/${pid}/survey`, body, key);
export const answerSurvey = (pid: string, answers: unknown[], key?: string) =>
  post<{ answered: boolean }>(`/programmes/${pid}/survey/responses`, { answers }, key);
export const surveyResults = (pid: string, regionId?: string) =>
  get<SurveyResultsOut>(`/programmes/${pid}/survey/results`, { region_id: regionId });
