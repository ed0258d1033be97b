"""The one table that maps domain errors to HTTP: status by error type, Chinese message by code."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from chalice.app import Response

from chalicelib.domain import errors as e

STATUS: dict[type[e.DomainError], int] = {
    e.MalformedRequestError: 400,
    e.UnauthenticatedError: 401,
    e.ForbiddenError: 403,
    e.NotFoundError: 404,
    e.ConflictError: 409,
    e.PayloadTooLargeError: 413,
    e.UnsupportedMediaTypeError: 415,
    e.ValidationFailedError: 422,
    e.TooManyAttemptsError: 429,
    e.DependencyUnavailableError: 503,
}

MESSAGES: dict[str, str] = {
    "malformed_json": "请求体不是有效的 JSON",
    "validation_failed": "提交的数据不符合要求",
    "unauthenticated": "请先登录",
    "invalid_token": "登录已失效，请重新登录",
    "invalid_credentials": "手机号或密码错误",
    "initial_password_expired": "初始密码已超过72小时未使用而失效，请用“忘记密码”重置或联系管理员",
    "forbidden": "无权执行此操作",
    "account_disabled": "该账号已停用，请联系中心实验区管理办公室",
    "account_not_found": "账号不存在",
    "cannot_disable_self": "不能停用自己的账号",
    "invalid_reset_code": "验证码错误或已失效，请重新获取",
    "name_taken": "该名称已被使用",
    "password_change_required": "请先修改初始密码",
    "not_found": "未找到该对象",
    "programme_not_found": "项目不存在",
    "region_not_found": "实验区不存在",
    "base_not_found": "研修基地不存在",
    "batch_not_found": "批次不存在",
    "plan_not_found": "分配方案不存在或已过期，请重新预览",
    "offer_not_found": "候补邀请不存在",
    "offer_expired": "该候补邀请已过期，名额已提供给其他实验区",
    "offer_closed": "该候补邀请已处理，不能再更改",
    "batch_offered": "该批次正在候补邀请中，请等待实验区答复",
    "release_roster_not_empty": "请先删除该批次已填报的研修人员，再退回批次",
    "export_not_ready": "导出文件尚未生成，请稍后再试",
    "not_team_leader": "只有本批次的团长可以与研修基地沟通研修需求说明",
    "too_many_notes": "本批次的研修需求说明已达上限（50条）",
    "programme_not_open": "项目尚未开放需求申报",
    "demand_not_found": "研修需求不存在",
    "demand_returned": "该研修需求已退回，不能通过；实验区可在截止前重新提交",
    "demand_allocated": "该研修需求已分配批次，不能退回；如需调整请先收回批次",
    "demand_already_served": "该实验区此学段申请的名额已全部分配，不能再分配批次",
    "conflict": "与当前数据冲突，请刷新后重试",
    "phone_taken": "该手机号已被其他账号使用",
    "quota_below_held": "名额不能少于该实验区已申请的名额",
    "stale_version": "数据已被他人修改，请刷新后重试",
    "quota_exceeded": "申请名额超过本实验区剩余名额",
    "deadline_passed": "已过截止时间",
    "no_demand_for_stage": "该实验区没有此学段的研修需求",
    "batch_taken": "该批次已分配给其他实验区",
    "batch_not_freeable": "该批次未分配或已有研修人员，不能收回",
    "trainee_not_found": "研修人员不存在",
    "not_on_roster": "您不在该批次的研修人员名单中",
    "export_not_found": "导出记录不存在",
    "batch_full": "该批次名额已满",
    "roster_locked": "名单已确认锁定，如需修改请联系中心实验区管理办公室",
    "roster_not_confirmed": "名单尚未确认",
    "roster_empty": "名单为空，不能确认",
    "team_leader_required": "每个批次须有且只有一名团长",
    "team_leader_exists": "该批次已有团长",
    "phone_in_overlapping_batch": "该手机号已在本批次或时间重叠的其他批次中",
    "trainee_has_account": "该研修人员已开通账号，手机号不能修改；如需换人请联系中心实验区管理办公室替换",
    "not_in_session": "不在该批次的研修日期内，不能签到",
    "not_registered": "请先报到再签到",
    "artifact_not_found": "内容不存在",
    "outcome_window_closed": "不在学习成果上传期限内（批次结束后至成果期限截止）",
    "batch_not_started": "批次尚未开始",
    "not_deleted": "该内容未被删除",
    "restore_window_closed": "已超过 30 天恢复期限",
    "upload_too_large": "图片不能超过 10 MB",
    "too_many_rewards": "每学年最多奖励 2 个实验区",
    "duplicate_region": "实验区重复",
    "reward_already_granted": "本项目的研训名额奖励已发放",
    "idempotency_in_progress": "相同请求正在处理中，请稍后再试",
    "payload_too_large": "请求体过大",
    "too_many_attempts": "尝试次数过多，请稍后再试",
    "dependency_unavailable": "服务暂时不可用，请稍后再试",
    "internal_error": "服务器内部错误，请稍后再试",
    "unsupported_media_type": "请求体须为 JSON（Content-Type: application/json）",
    # 国培 enrolment (学员信息表)
    "enrolment_not_found": "学员不存在",
    "import_not_found": "导入记录不存在",
    "import_expired": "导入的文件已过期，请重新上传后导入",
    "not_in_programme": "本区县未参加该项目（尚未分配名额）",
    "duplicate_person": "该身份证号已在本项目的名单中",
    "ineligible": "该人员在本项目的排除名单中（已参加过往期项目），不能报名",
    "enrolment_closed": "本区县名单已确认报送，不能再修改",
    "enrolment_empty": "名单为空，不能确认报送",
    "upload_not_found": "文件不存在或已过期，请重新上传",
    "upload_not_ready": "文件仍在检查中，请稍后再试",
    "sheet_upload_too_large": "文件不能超过 5 MB",
    "sheet_unreadable": "无法读取该文件：请上传 .xlsx 或 .csv 格式的学员信息表",
    "sheet_legacy": "不支持 .xls 格式或加密的文件：请在 Excel/WPS 中另存为 .xlsx（不设密码）或 .csv 后上传",
    "sheet_encoding": "无法识别 CSV 文件的编码：请另存为 UTF-8 或 GBK 编码的 CSV",
    "sheet_empty": "文件中没有学员数据",
    "sheet_headers": "表头不符：请使用学员信息表模板（可调整列的顺序），缺少的列见说明",
    "sheet_too_large": "文件内容过大（解压后过大或数据区域超过 10000 行、64 列），请删除多余的内容后重新上传",
    "sheet_too_many_rows": "文件超过 10000 行数据，请分批导入",
    # 国培 workshops (工作坊)
    "workshop_not_found": "工作坊不存在",
    "assignment_not_found": "作业不存在",
    "submission_not_found": "作业提交不存在",
    "topic_not_found": "研讨主题不存在",
    "reply_not_found": "回复不存在",
    "activity_not_found": "集中研修活动不存在",
    "course_not_found": "课程不存在",
    "survey_not_found": "本项目尚未发布训后调查",
    "survey_not_open": "训后调查在项目结束后开放",
    "already_answered": "您已提交过训后调查，每人只能提交一次",
    "survey_answered": "训后调查已有人作答，不能再修改题目",
    "assignment_closed": "该作业已截止提交",
    "already_graded": "作业已批改，不能再修改提交",
    "not_activity_day": "只能在活动当天签到",
    "member_placed": "有学员已在其他工作坊，请先从原工作坊移出",
}

# What is wrong with one field (domain.errors.Problem codes, and the codes of our own schema
# validators), in the words a form shows next to the field; `{name}` takes the problem's values.
FIELD_PROBLEMS: dict[str, str] = {
    "control_characters": "不能包含控制字符",
    "control_characters_or_breaks": "不能包含控制字符或换行",
    "email_invalid": "邮箱格式不正确",
    "stages_repeated": "学段不能重复",
    "export_kind_unknown": "可导出 roster、archive、yearbook、numbers、county_book 或 survey",
    "region_required": "请指定实验区",
    "sharing_before_end": "分享报告须在研修结束（{end}）之后",
    "sharing_after_window": "须在研修结束后三个月内（{closes}前）",
    "date_in_future": "不能晚于今天",
    "weights_sum": "四项权重之和须为 100",
    "reset_code_invalid": "验证码错误或已失效",
    "role_unknown": "角色无效",
    "search_term": "请输入姓名（开头的字）或完整的11位手机号",
    "phone_of_another_role": "{name}的手机号已被其他角色的账号使用",
    "image_not_yours": "图片 {image_id} 不存在或不属于您",
    "image_not_ready": "图片 {image_id} 尚未通过检查或已被拒绝",
    "region_to_name": "您负责多个实验区，请指定 region_id",
    "leader_replaced_by_leader": "替换团长时，新人员须为团长",
    "page_limit": "须为 1–100 的整数",
    "cursor_invalid": "无效的分页游标",
    "idempotency_key_too_long": "不超过 100 个字符",
    "idempotency_key_reused": "该键已用于另一个请求",
    "base_missing": "研修基地不存在",
    "base_lacks_stage": "该研修基地不承担此学段",
    "password_length": "密码长度须为 {low}–{high} 个字符",
    "password_unchanged": "新密码不能与旧密码相同",
    "password_has_phone": "密码不能包含手机号",
    "password_common": "密码过于常见，容易被猜中，请换一个",
    "roster_before_demand": "名单截止时间不能早于需求截止时间",
    "registration_before_roster": "报到截止时间不能早于名单截止时间",
    "end_before_start": "结束日期不能早于开始日期",
    "batch_too_long": "一个批次最长 {days} 天",
    "reward_to_same_programme": "奖励名额须计入下一期项目，不能是本项目",
    "body_too_long": "正文不能超过 {limit} 个字符",
    "body_markup_too_large": "正文的格式内容过多（如链接、列表），请精简后再提交",
    "image_type": "仅支持 PNG、JPEG、WebP、GIF 图片",
    "stage_repeated": "同一学段只能填写一行",
    # 国培 enrolment (学员信息表): a cell of the form, a file, the programme's dates
    "required": "必填",
    "text_too_long": "不能超过{limit}个字",
    "id_number_masked": "身份证号含 *（已隐去部分数字），请填写完整的身份证号",
    "id_number_format": "身份证号须为18位：17位数字加1位数字或X",
    "id_number_province": "身份证号的前两位（省份代码）不正确",
    "id_number_birth_date": "身份证号中的出生日期不正确",
    "id_number_check_digit": "身份证号校验位不正确，请核对",
    "id_number_age": "年龄须在{low}至{high}周岁之间（按项目开始日期计算）",
    "id_number_stored_as_number": "身份证号被存成了数字，末几位已丢失：请将该列设为“文本”格式后重新填写",
    "id_number_repeated": "与第{row}行的身份证号重复",
    "id_number_elsewhere": "该身份证号已在本项目其他区县的名单中",
    "id_number_excluded": "该人员在本项目的排除名单中（已参加过往期项目），不能报名",
    "mobile_invalid": "须为11位手机号（1开头）",
    "phone_repeated": "与第{row}行的联系方式重复",
    "phone_shared": "{name}的手机号与{other}相同：一个手机号只能开通一个账号",
    "qq_invalid": "QQ号须为5至11位数字，且不以0开头",
    "stage_invalid": "学段须为小学或初中（学段学科请在小学、初中语数英六个学科中选填）",
    "subject_invalid": "学科须为语文、数学或英语（学段学科请在小学、初中语数英六个学科中选填）",
    "county_not_own": "须为本区县：{county}",
    "county_to_name": "请指定区县",
    "enrolment_role_invalid": "角色须为参训学员、工作坊主持人或校级管理员（不填即参训学员）",
    "value_invalid": "取值无效",
    "places_left": "本区县剩余名额{left}人，本次导入参训学员{trainees}人",
    "enrolment_after_start": "报名截止时间不能晚于项目开始日期",
    "not_for_guopei": "国培项目没有此项",
    "guopei_only": "仅国培项目有此项",
    "guopei_default_places": "国培项目按区县设置名额，默认名额为 0",
    "upload_gone": "文件不存在或已过期，请重新上传",
    "upload_not_sheet": "请上传 .xlsx 或 .csv 文件",
    "sheet_unreadable_file": "无法读取该文件",
    "sheet_legacy_file": "不支持的文件格式",
    "sheet_encoding_file": "无法识别文件编码",
    "sheet_no_data": "文件中没有数据",
    "sheet_no_people": "文件中没有学员数据",
    "sheet_no_ids": "文件中没有身份证号",
    "sheet_no_headers": "未找到表头：请使用模板，CSV 文件请保存为 UTF-8 或 GBK 编码",
    "column_missing": "缺少此列",
    "column_repeated": "此列重复",
    # 国培 workshops: fields
    "member_placed": "该学员已在其他工作坊，请先从原工作坊移出",
    "survey_options": "单选题和多选题须有至少2个互不相同的选项",
    "survey_no_options": "量表题和问答题不设选项",
    "survey_answer_count": "须回答全部{count}道题",
    "survey_answer_invalid": "答案不符合题目要求（选项之外、量表须为1–5）",
    "submission_not_in_workshop": "不是本工作坊的作业提交",
    "submission_not_graded": "作业尚未批改，批改后才能选入优秀成果集",
    "host_not_found": "须为本项目本区县已确认报送的工作坊主持人",
    "host_of_another_county": "该主持人不属于本区县",
    "not_a_host": "该人员不是工作坊主持人",
    "not_confirmed": "该人员所在区县的名单尚未确认报送，尚未开通账号",
    "member_not_in_county": "该学员不在本区县本项目的名单中",
    "member_not_trainee": "只能加入参训学员",
    "member_other_stage_subject": "该学员的学段或学科与工作坊不同",
    "too_many_members": "一个工作坊最多{limit}名学员",
    "outside_term": "须在项目时间内（{start}至{end}）",
    "score_range": "分数须为 0–100",
}

# pydantic's error types, in the words a form shows next to a field.
FIELD_MESSAGES: dict[str, str] = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "string_pattern_mismatch": "格式不正确",
    "string_too_short": "长度过短",
    "string_too_long": "长度过长",
    "too_short": "数量过少",
    "too_long": "数量过多",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "bool_type": "须为布尔值",
    "bool_parsing": "须为布尔值",
    "string_type": "须为字符串",
    "list_type": "须为数组",
    "dict_type": "须为对象",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "greater_than_equal": "超出允许范围",
    "less_than_equal": "超出允许范围",
    "greater_than": "超出允许范围",
    "less_than": "超出允许范围",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601（含时区）",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601（含时区）",
    "datetime_type": "时间格式应为 ISO 8601（含时区）",
    "timezone_aware": "时间须带时区，例如 +08:00",
    "value_error": "格式不正确",
}


def field_words(problem: e.Problem | str) -> str:
    """A field's problem in Chinese (a code not in the table is shown as it is: a new one
    is caught by tests/unit/test_error_table.py)."""
    if isinstance(problem, str):
        return FIELD_PROBLEMS.get(problem, problem)
    words = FIELD_PROBLEMS.get(problem.code, problem.code)
    return words.format(**problem.params) if problem.params else words


def error_response(
    code: str, status: int, fields: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": MESSAGES.get(code, MESSAGES["conflict"])}}
    if fields:
        body["error"]["fields"] = fields
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def from_domain(exc: e.DomainError) -> Response:
    status = (
        next(s for cls, s in STATUS.items() if isinstance(exc, cls))
        if type(exc) is not e.DomainError
        else 500
    )
    headers = {}
    if isinstance(exc, e.TooManyAttemptsError | e.DependencyUnavailableError):
        headers["Retry-After"] = str(exc.retry_after)
    return error_response(exc.code, status, {k: field_words(p) for k, p in exc.fields.items()}, headers)


def from_validation(errors: Sequence[Mapping[str, Any]]) -> Response:
    """pydantic's errors as the contract's `fields`: dotted location -> Chinese problem."""
    fields: dict[str, str] = {}
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
        kind = str(err.get("type", ""))
        # Our own validators raise PydanticCustomError(<a code of FIELD_PROBLEMS>, ...)
        message = FIELD_PROBLEMS.get(kind) or FIELD_MESSAGES.get(kind, "格式不正确")
        fields.setdefault(loc, message)
    return error_response("validation_failed", 422, fields)
